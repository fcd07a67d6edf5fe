// Ledger's seal key rotation records (key G): ledger.h, FORMAT.md "Seal key rotation".
#include <rocksdb/db.h>

#include "ledger/keys.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

Result<std::vector<KeyRotation>> Ledger::rotations() const {
  std::vector<KeyRotation> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string prefix = keys::prefix(keys::kKeyRotation);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Result<KeyRotation> rotation = decode_rotation(it->value().ToStringView());
    if (!rotation.is_ok()) return rotation.status();
    if (it->key() != keys::key_rotation(rotation->index)) {
      return Status::corruption("key rotation record stored under another index");
    }
    out.push_back(std::move(*rotation));
  }
  if (!it->status().ok()) return Status::error("key rotation scan: " + it->status().ToString());
  return out;
}

Result<SealKeyChain> Ledger::key_chain() const {
  Result<std::vector<Seal>> all = seals();
  if (!all.is_ok()) return all.status();
  Result<std::vector<KeyRotation>> done = rotations();
  if (!done.is_ok()) return done.status();
  SealKeyChain chain(std::move(*done));
  Digest previous{};
  for (const Seal& seal : *all) {
    if (std::string problem = chain.admit(seal, previous); !problem.empty()) {
      return Status::corruption("seal " + seal.day.to_string() + ": " + problem);
    }
    previous = seal.hash();
  }
  if (std::string problem = chain.finish(previous); !problem.empty()) {
    return Status::corruption(problem);
  }
  return chain;
}

Result<KeyRotation> Ledger::rotate_seal_key(const SigningKey& current, const SigningKey& next) {
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (!pending_.empty()) return Status::error("commit staged entries before rotating the key");
  Result<SealKeyChain> chain = key_chain();
  if (!chain.is_ok()) return chain.status();
  if (chain->current() && *chain->current() != current.public_key_raw()) {
    return Status::error("the current key " + key_fingerprint(current.public_key_raw()) +
                         " is not the one this ledger's seals are signed with (" +
                         key_fingerprint(*chain->current()) + ")");
  }
  if (next.public_key_raw() == current.public_key_raw()) {
    return Status::error("the new key is the current one");
  }
  Result<std::vector<KeyRotation>> done = rotations();
  if (!done.is_ok()) return done.status();
  KeyRotation rotation;
  rotation.index = static_cast<uint32_t>(done->size());
  rotation.algorithm = algorithm_;
  rotation.after_day = last_sealed_day_;
  if (last_sealed_day_) {
    Result<std::optional<std::string>> last =
        read(keys::day(keys::kSeal, last_sealed_day_->days()));
    if (!last.is_ok()) return last.status();
    if (!last->has_value()) return Status::corruption("the last seal is missing");
    Result<Seal> decoded = decode_seal(**last);
    if (!decoded.is_ok()) return decoded.status();
    rotation.prev_seal_hash = decoded->hash();
  }
  rotation.old_key = current.public_key_raw();
  rotation.new_key = next.public_key_raw();
  Result<std::string> old_signature = current.sign(rotation.signed_body());
  Result<std::string> new_signature = next.sign(rotation.signed_body());
  if (!old_signature.is_ok()) return old_signature.status();
  if (!new_signature.is_ok()) return new_signature.status();
  rotation.old_signature = std::move(*old_signature);
  rotation.new_signature = std::move(*new_signature);
  Result<std::optional<std::string>> meta = read(keys::prefix(keys::kMeta));
  if (!meta.is_ok()) return meta.status();
  if (!meta->has_value() || (*meta)->size() < 3) return Status::corruption("ledger meta missing");
  std::string raised = **meta;
  raised[2] = static_cast<char>(kRotatedFormatVersion);
  put(keys::prefix(keys::kMeta), std::move(raised));
  put(keys::key_rotation(rotation.index), encode_rotation(rotation));
  const Status committed = commit();
  if (!committed.is_ok()) return committed;
  return rotation;
}

}  // namespace medclear::ledger
