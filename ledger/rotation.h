// Seal key rotation (FORMAT.md, "Seal key rotation"): a rotation record names the region's next
// seal key, is placed in the chain of seals by the hash of the last seal before it, and is signed
// by the key it retires (the endorsement) and by the new key (which proves its holder has it).
// Every seal must be signed by the key the chain authorizes at its place: the first seal's key,
// then each rotation's new key. `ledger verify` walks the chain (SealKeyChain) and reports the
// key history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clearing/time.h"
#include "ledger/crypto.h"
#include "ledger/seal.h"

namespace medclear::ledger {

struct KeyRotation {
  uint32_t index = 0;  // the records of a ledger count from 0, key G
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  Digest prev_seal_hash{};                  // the last seal's hash at rotation (zeros: none)
  std::optional<clearing::Date> after_day;  // that seal's day
  std::string old_key;                      // 32 raw bytes: the retired key
  std::string new_key;                      // 32 raw bytes: the next seals' key
  std::string old_signature;                // 64 bytes, by old_key over signed_body()
  std::string new_signature;                // 64 bytes, by new_key over signed_body()

  std::string signed_body() const;
};

std::string encode_rotation(const KeyRotation& rotation);
Result<KeyRotation> decode_rotation(std::string_view bytes);
// Both signatures checked; the problem, or empty.
std::string check_rotation_signatures(const KeyRotation& rotation);

// A short name of a public key for people: the first 16 hex digits of its SHA-256.
std::string key_fingerprint(std::string_view public_key_raw);

struct KeyPeriod {
  std::string fingerprint;
  std::string public_key;                   // raw
  std::optional<clearing::Date> first_day;  // of the first seal it signed; nullopt: none yet
};

// The seal keys a ledger authorizes, walked seal by seal.
class SealKeyChain {
 public:
  explicit SealKeyChain(std::vector<KeyRotation> rotations);
  // Before `seal` is accepted: applies the rotations placed after the previous seal (whose hash
  // is `previous`, zeros for the first), then checks the seal's signer. A problem, or empty.
  std::string admit(const Seal& seal, const Digest& previous);
  // After the last seal (hash `previous`): the rotations still pending; every record must have
  // found its place. A problem, or empty.
  std::string finish(const Digest& previous);
  const std::vector<KeyPeriod>& history() const { return history_; }
  // The key the next seal must be signed with (nullopt: no seal and no rotation yet).
  const std::optional<std::string>& current() const { return current_; }

 private:
  std::string apply_rotations(const Digest& previous);
  std::vector<KeyRotation> rotations_;
  size_t next_ = 0;
  std::optional<std::string> current_;
  std::vector<KeyPeriod> history_;
};

}  // namespace medclear::ledger
