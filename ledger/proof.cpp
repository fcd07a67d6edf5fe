#include "ledger/proof.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

#include "ledger/merkle.h"

namespace medclear::ledger {

namespace {

Status check_signature(const Seal& seal, const SigningKey* trusted_key) {
  if (trusted_key != nullptr && seal.public_key != trusted_key->public_key_raw()) {
    return Status::error("seal " + seal.day.to_string() + " is signed by another key");
  }
  Result<SigningKey> named = SigningKey::from_public_raw(seal.public_key);
  if (!named.is_ok()) return named.status();
  const SigningKey& key = trusted_key != nullptr ? *trusted_key : *named;
  if (!key.verify(seal.signed_body(), seal.signature)) {
    return Status::error("seal " + seal.day.to_string() + " signature invalid");
  }
  return Status::ok();
}

// The seal that covers business day `day`, and the day after which it starts.
std::optional<std::pair<Seal, std::optional<clearing::Date>>> covering_seal(
    const std::vector<Seal>& seals, clearing::Date day) {
  std::optional<clearing::Date> after;
  for (const Seal& seal : seals) {
    if (day <= seal.day) return std::pair{seal, after};
    after = seal.day;
  }
  return std::nullopt;
}

// The entries of one seal and their leaves, kept for the next proofs of that seal (receipts ask
// for them one claim at a time): a sealed period never changes, and finding its entries scans the
// journal, since a seal does not record where they begin. Keyed by region and the seal's hash,
// which commits to the journal through it; at most kSealsCached, the oldest dropped first.
struct SealedLeaves {
  std::vector<uint64_t> seqs;
  std::vector<Digest> leaves;
};
constexpr size_t kSealsCached = 8;
std::mutex sealed_mutex;
std::deque<std::pair<std::string, std::shared_ptr<const SealedLeaves>>> sealed_cache;

Result<std::shared_ptr<const SealedLeaves>> sealed_leaves(const Ledger& ledger, const Seal& seal,
                                                          std::optional<clearing::Date> after) {
  const Digest hash = seal.hash();
  const std::string key = ledger.region() + std::string(hash.begin(), hash.end());
  {
    std::lock_guard lock(sealed_mutex);
    for (const auto& [cached_key, cached] : sealed_cache) {
      if (cached_key == key) return cached;
    }
  }
  Result<std::vector<uint64_t>> seqs = ledger.entries_of_days(after, seal.day);
  if (!seqs.is_ok()) return seqs.status();
  Result<std::vector<Digest>> leaves = ledger.leaves(*seqs);
  if (!leaves.is_ok()) return leaves.status();
  auto made =
      std::make_shared<const SealedLeaves>(SealedLeaves{std::move(*seqs), std::move(*leaves)});
  std::lock_guard lock(sealed_mutex);
  sealed_cache.emplace_back(key, made);
  if (sealed_cache.size() > kSealsCached) sealed_cache.pop_front();
  return made;
}

}  // namespace

Result<InclusionProof> prove_inclusion(const Ledger& ledger, uint64_t seq) {
  Result<std::string> bytes = ledger.entry_bytes(seq);
  if (!bytes.is_ok()) return bytes.status();
  Result<clearing::Date> day = entry_day(*bytes);
  if (!day.is_ok()) return day.status();
  Result<std::vector<Seal>> seals = ledger.seals();
  if (!seals.is_ok()) return seals.status();
  const auto covering = covering_seal(*seals, *day);
  if (!covering) return Status::conflict("business day " + day->to_string() + " is not sealed yet");
  Result<std::shared_ptr<const SealedLeaves>> sealed =
      sealed_leaves(ledger, covering->first, covering->second);
  if (!sealed.is_ok()) return sealed.status();
  const std::vector<uint64_t>& seqs = (*sealed)->seqs;
  const auto at = std::find(seqs.begin(), seqs.end(), seq);
  if (at == seqs.end()) {
    return Status::corruption("entry " + std::to_string(seq) + " is not among its seal's entries");
  }
  InclusionProof proof;
  proof.leaf_index = static_cast<uint64_t>(at - seqs.begin());
  proof.path =
      inclusion_proof(ledger.algorithm(), (*sealed)->leaves, static_cast<size_t>(proof.leaf_index));
  proof.entry_bytes = std::move(*bytes);
  proof.seal = covering->first;
  return proof;
}

Result<DecodedEntry> verify_inclusion_proof(const InclusionProof& proof,
                                            const SigningKey* trusted_key) {
  if (Status signature = check_signature(proof.seal, trusted_key); !signature.is_ok()) {
    return signature;
  }
  Result<DecodedEntry> entry = decode_entry(proof.entry_bytes);
  if (!entry.is_ok()) return entry.status();
  if (entry->algorithm != proof.seal.algorithm) return Status::error("hash algorithms differ");
  const Digest leaf = merkle_leaf(proof.seal.algorithm, proof.entry_bytes);
  if (!verify_inclusion(proof.seal.algorithm, leaf, proof.leaf_index, proof.seal.day_count,
                        proof.path, proof.seal.day_root)) {
    return Status::error("the entry is not in seal " + proof.seal.day.to_string());
  }
  return entry;
}

Status verify_consistency_proof(const ConsistencyProof& proof, const SigningKey* trusted_key) {
  for (const Seal* seal : {&proof.old_seal, &proof.new_seal}) {
    if (Status signature = check_signature(*seal, trusted_key); !signature.is_ok()) {
      return signature;
    }
  }
  if (!verify_consistency(proof.new_seal.algorithm, proof.old_seal.ledger_size,
                          proof.new_seal.ledger_size, proof.old_seal.ledger_root,
                          proof.new_seal.ledger_root, proof.path)) {
    return Status::error("the ledger of " + proof.new_seal.day.to_string() +
                         " does not extend the ledger of " + proof.old_seal.day.to_string());
  }
  return Status::ok();
}

}  // namespace medclear::ledger
