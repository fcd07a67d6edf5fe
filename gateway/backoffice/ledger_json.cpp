#include "gateway/backoffice/ledger_json.h"

#include "ledger/proof.h"

namespace medclear::gateway {

namespace lg = medclear::ledger;

void write_hexes(adapters::JsonWriter& w, const std::vector<lg::Digest>& digests) {
  w.begin_array();
  for (const lg::Digest& d : digests) w.string(lg::to_hex(d));
  w.end_array();
}

void write_seal(adapters::JsonWriter& w, const lg::Seal& seal) {
  w.begin_object();
  w.key("day").string(seal.day.to_string());
  w.key("algorithm").string(lg::to_string(seal.algorithm));
  w.key("day_count").integer(static_cast<int64_t>(seal.day_count));
  w.key("day_root").string(lg::to_hex(seal.day_root));
  w.key("ledger_size").integer(static_cast<int64_t>(seal.ledger_size));
  w.key("ledger_root").string(lg::to_hex(seal.ledger_root));
  w.key("prev_seal_hash").string(lg::to_hex(seal.prev_seal_hash));
  w.key("public_key").string(lg::to_hex(seal.public_key));
  w.key("signature").string(lg::to_hex(seal.signature));
  w.key("encoded").string(lg::to_hex(lg::encode_seal(seal)));
  w.end_object();
}

Result<std::string> seals_json(const lg::Ledger& ledger) {
  Result<std::vector<lg::Seal>> seals = ledger.seals();
  if (!seals.is_ok()) return seals.status();
  adapters::JsonWriter w;
  w.begin_object();
  w.key("region").string(ledger.region());
  w.key("seals").begin_array();
  for (const lg::Seal& seal : *seals) write_seal(w, seal);
  w.end_array().end_object();
  return w.take();
}

Result<std::string> inclusion_proof_json(const lg::Ledger& ledger, const std::string& setl_id) {
  const auto seq = ledger.seq_by_setl_id(setl_id);
  if (!seq) return Status::not_found("no settlement " + setl_id);
  Result<lg::InclusionProof> proof = lg::prove_inclusion(ledger, *seq);
  if (!proof.is_ok()) return proof.status();
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.proof.v1");
  w.key("type").string("inclusion");
  w.key("region").string(ledger.region());
  w.key("setl_id").string(setl_id);
  w.key("entry").string(lg::to_hex(proof->entry_bytes));
  w.key("leaf_index").integer(static_cast<int64_t>(proof->leaf_index));
  w.key("path");
  write_hexes(w, proof->path);
  w.key("seal");
  write_seal(w, proof->seal);
  w.end_object();
  return w.take();
}

}  // namespace medclear::gateway
