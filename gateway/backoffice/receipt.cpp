#include "gateway/backoffice/receipt.h"

#include <charconv>

#include "gateway/backoffice/ledger_json.h"
#include "ledger/rotation.h"

namespace medclear::gateway {

namespace lg = medclear::ledger;
namespace cl = medclear::clearing;

namespace {

// The amounts a receipt shows, in this order (adapters/receipt.html keeps the same list).
constexpr std::pair<const char*, cl::Money cl::SettlementAmounts::*> kAmounts[] = {
    {"medfee_sumamt", &cl::SettlementAmounts::medfee_sumamt},
    {"fund_pay_sumamt", &cl::SettlementAmounts::fund_pay_sumamt},
    {"psn_part_amt", &cl::SettlementAmounts::psn_part_amt},
    {"acct_pay", &cl::SettlementAmounts::acct_pay},
    {"psn_cash_pay", &cl::SettlementAmounts::psn_cash_pay},
    {"hosp_part_amt", &cl::SettlementAmounts::hosp_part_amt},
};

// The region that booked an entry: the treating region's for side 2, the insured's for side 1.
std::string booking_region(const lg::Entry& entry) {
  return lg::region_of(entry.side == lg::Side::kTreating ? entry.record.mdtrtarea_admvs
                                                         : entry.record.insuplc_admdvs);
}

void write_settlement(adapters::JsonWriter& w, const lg::DecodedEntry& decoded) {
  static const char* kKinds[] = {"settlement", "cancel", "reversal", "adjustment"};
  const lg::Entry& e = decoded.entry;
  const cl::SettlementRecord& r = e.record;
  w.begin_object();
  w.key("kind").string(kKinds[static_cast<int>(r.kind)]);
  w.key("infno").string(std::to_string(static_cast<int>(r.infno)));
  w.key("setl_id").string(r.setl_id);
  w.key("msgid").string(r.msgid);
  w.key("compensates").string(r.compensates);
  w.key("fixmedins_code").string(r.fixmedins_code);
  w.key("insuplc_admdvs").string(r.insuplc_admdvs);
  w.key("mdtrtarea_admvs").string(r.mdtrtarea_admvs);
  w.key("setl_time").string(r.setl_time.to_string());
  w.key("business_day").string(e.day.to_string());
  w.key("seq").integer(static_cast<int64_t>(e.seq));
  for (const auto& [name, field] : kAmounts) w.key(name).string((r.amounts.*field).to_string());
  w.end_object();
}

// Whether `got` is `expected` (same kinds, texts, members by name, items in order).
Status same(const adapters::Json& expected, const adapters::Json& got, const std::string& where) {
  const std::string at = where.empty() ? "the receipt" : where;
  if (expected.kind != got.kind) return Status::invalid(at + " is not what the entry and seal say");
  if (expected.text != got.text) {
    return Status::invalid(at + " says \"" + got.text + "\", the entry and seal say \"" +
                           expected.text + "\"");
  }
  if (expected.items.size() != got.items.size()) return Status::invalid(at + " has other items");
  for (size_t i = 0; i < expected.items.size(); ++i) {
    Status item = same(expected.items[i], got.items[i], at + "[" + std::to_string(i) + "]");
    if (!item.is_ok()) return item;
  }
  if (expected.members.size() != got.members.size()) {
    return Status::invalid(at + " has other fields than a " + std::string(kReceiptFormat));
  }
  for (const auto& [name, value] : expected.members) {
    const adapters::Json* other = got.find(name);
    if (other == nullptr) return Status::invalid(at + " lacks " + name);
    Status member = same(value, *other, where.empty() ? name : where + "." + name);
    if (!member.is_ok()) return member;
  }
  return Status::ok();
}

std::string text_of(const adapters::Json& json, std::string_view key) {
  const adapters::Json* value = json.find(key);
  return value != nullptr && value->is_string() ? value->text : std::string();
}

// The evidence of a receipt: entry bytes, leaf index, path and encoded seal.
Result<lg::InclusionProof> read_evidence(const adapters::Json& receipt) {
  lg::InclusionProof proof;
  Result<std::string> entry = lg::bytes_from_hex(text_of(receipt, "entry"));
  if (!entry.is_ok() || entry->empty()) return Status::invalid("entry is not hex of an entry");
  proof.entry_bytes = std::move(*entry);
  const adapters::Json* index = receipt.find("leaf_index");
  const std::string digits = index != nullptr && index->is_number() ? index->text : "";
  const auto [stop, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), proof.leaf_index);
  if (digits.empty() || error != std::errc() || stop != digits.data() + digits.size()) {
    return Status::invalid("leaf_index is not a whole number");
  }
  const adapters::Json* path = receipt.find("path");
  if (path == nullptr || !path->is_array()) return Status::invalid("path is not a list");
  for (const adapters::Json& item : path->items) {
    Result<lg::Digest> digest = lg::digest_from_hex(item.text);
    if (!item.is_string() || !digest.is_ok()) return Status::invalid("path holds a non-digest");
    proof.path.push_back(*digest);
  }
  const adapters::Json* seal = receipt.find("seal");
  Result<std::string> encoded =
      lg::bytes_from_hex(seal != nullptr ? text_of(*seal, "encoded") : std::string());
  Result<lg::Seal> decoded = encoded.is_ok() ? lg::decode_seal(*encoded) : encoded.status();
  if (!decoded.is_ok()) return Status::invalid("seal.encoded is not a seal");
  proof.seal = std::move(*decoded);
  return proof;
}

}  // namespace

std::string receipt_json(const lg::InclusionProof& proof, const lg::DecodedEntry& entry,
                         std::string_view region) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string(kReceiptFormat);
  w.key("region").string(region);
  w.key("settlement");
  write_settlement(w, entry);
  w.key("entry").string(lg::to_hex(proof.entry_bytes));
  w.key("leaf_index").integer(static_cast<int64_t>(proof.leaf_index));
  w.key("path");
  write_hexes(w, proof.path);
  w.key("seal");
  write_seal(w, proof.seal);
  w.key("public_key").string(lg::to_hex(proof.seal.public_key));
  w.key("public_key_fingerprint").string(lg::key_fingerprint(proof.seal.public_key));
  w.end_object();
  return w.take();
}

Result<std::string> receipt_json(const lg::Ledger& ledger, const std::string& msgid) {
  const auto seq = ledger.seq_by_msgid(msgid);
  if (!seq) return Status::not_found("no claim with msgid " + msgid);
  Result<lg::InclusionProof> proof = lg::prove_inclusion(ledger, *seq);
  if (!proof.is_ok()) return proof.status();
  Result<lg::DecodedEntry> entry = lg::decode_entry(proof->entry_bytes);
  if (!entry.is_ok()) return entry.status();
  return receipt_json(*proof, *entry, ledger.region());
}

Result<VerifiedReceipt> verify_receipt(const adapters::Json& receipt,
                                       const lg::SigningKey* pinned) {
  if (!receipt.is_object() || text_of(receipt, "format") != kReceiptFormat) {
    return Status::invalid("not a " + std::string(kReceiptFormat) + " receipt");
  }
  Result<lg::InclusionProof> proof = read_evidence(receipt);
  if (!proof.is_ok()) return proof.status();
  Result<std::string> named_raw = lg::bytes_from_hex(text_of(receipt, "public_key"));
  Result<lg::SigningKey> named =
      named_raw.is_ok() ? lg::SigningKey::from_public_raw(*named_raw) : named_raw.status();
  if (!named.is_ok()) return Status::invalid("public_key is not an Ed25519 public key");
  Result<lg::DecodedEntry> entry =
      lg::verify_inclusion_proof(*proof, pinned != nullptr ? pinned : &*named);
  if (!entry.is_ok()) return Status::invalid(entry.status().message());
  const std::string region = text_of(receipt, "region");
  if (region != booking_region(entry->entry)) {
    return Status::invalid("region says \"" + region + "\", the entry was booked by " +
                           booking_region(entry->entry));
  }
  Result<adapters::Json> expected = adapters::parse_json(receipt_json(*proof, *entry, region));
  if (!expected.is_ok()) return expected.status();
  if (Status fields = same(*expected, receipt, ""); !fields.is_ok()) return fields;
  VerifiedReceipt verified{
      std::move(*entry), proof->seal, region, lg::key_fingerprint(proof->seal.public_key), {}};
  for (const auto& [name, field] : kAmounts) {
    verified.amounts.emplace_back(name, (verified.entry.entry.record.amounts.*field).to_string());
  }
  return verified;
}

}  // namespace medclear::gateway
