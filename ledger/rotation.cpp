#include "ledger/rotation.h"

#include <algorithm>

#include "clearing/codec.h"

namespace medclear::ledger {

using clearing::ByteReader;
using clearing::ByteWriter;

namespace {

constexpr std::string_view kRotationMagic = "MR";
constexpr uint8_t kRotationVersion = 1;

std::string_view view(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

std::string KeyRotation::signed_body() const {
  ByteWriter out;
  out.raw(kRotationMagic);
  out.u8(kRotationVersion);
  out.u8(static_cast<uint8_t>(algorithm));
  out.u32(index);
  out.raw(view(prev_seal_hash));
  out.u8(after_day ? 1 : 0);
  out.i32(after_day ? after_day->days() : 0);
  out.raw(old_key);
  out.raw(new_key);
  return std::move(out.bytes());
}

std::string encode_rotation(const KeyRotation& rotation) {
  MC_CHECK(rotation.old_key.size() == 32 && rotation.new_key.size() == 32 &&
               rotation.old_signature.size() == 64 && rotation.new_signature.size() == 64,
           "unsigned rotation");
  return rotation.signed_body() + rotation.old_signature + rotation.new_signature;
}

Result<KeyRotation> decode_rotation(std::string_view bytes) {
  ByteReader in(bytes);
  KeyRotation r;
  std::string_view magic, digest, old_key, new_key, old_signature, new_signature;
  uint8_t version = 0, algorithm = 0, has_day = 0;
  int32_t day = 0;
  if (!in.raw(2, magic) || magic != kRotationMagic || !in.u8(version) ||
      version != kRotationVersion || !in.u8(algorithm) || !hash_algorithm_of_byte(algorithm) ||
      !in.u32(r.index) || !in.raw(32, digest) || !in.u8(has_day) || has_day > 1 || !in.i32(day) ||
      !in.raw(32, old_key) || !in.raw(32, new_key) || !in.raw(64, old_signature) ||
      !in.raw(64, new_signature) || in.remaining() != 0) {
    return Status::corruption("corrupt key rotation record");
  }
  r.algorithm = static_cast<HashAlgorithm>(algorithm);
  std::copy(digest.begin(), digest.end(), r.prev_seal_hash.begin());
  if (has_day) r.after_day = clearing::Date::from_days(day);
  r.old_key = std::string(old_key);
  r.new_key = std::string(new_key);
  r.old_signature = std::string(old_signature);
  r.new_signature = std::string(new_signature);
  return r;
}

std::string check_rotation_signatures(const KeyRotation& rotation) {
  const std::string body = rotation.signed_body();
  Result<SigningKey> old_key = SigningKey::from_public_raw(rotation.old_key);
  Result<SigningKey> new_key = SigningKey::from_public_raw(rotation.new_key);
  if (!old_key.is_ok() || !new_key.is_ok()) return "a key of the record is not an Ed25519 key";
  if (!old_key->verify(body, rotation.old_signature)) return "not signed by the retired key";
  if (!new_key->verify(body, rotation.new_signature)) return "not signed by the new key";
  return {};
}

std::string key_fingerprint(std::string_view public_key_raw) {
  return to_hex(hash_bytes(HashAlgorithm::kSha256, public_key_raw)).substr(0, 16);
}

SealKeyChain::SealKeyChain(std::vector<KeyRotation> rotations) : rotations_(std::move(rotations)) {}

std::string SealKeyChain::apply_rotations(const Digest& previous) {
  for (; next_ < rotations_.size() && rotations_[next_].prev_seal_hash == previous; ++next_) {
    const KeyRotation& r = rotations_[next_];
    const std::string name = "key rotation " + std::to_string(r.index) + ": ";
    if (r.index != next_) return name + "out of order";
    if (current_ && r.old_key != *current_) return name + "retires a key that was not in use";
    if (std::string problem = check_rotation_signatures(r); !problem.empty()) {
      return name + problem;
    }
    if (!current_) history_.push_back({key_fingerprint(r.old_key), r.old_key, std::nullopt});
    current_ = r.new_key;
    history_.push_back({key_fingerprint(r.new_key), r.new_key, std::nullopt});
  }
  return {};
}

std::string SealKeyChain::admit(const Seal& seal, const Digest& previous) {
  if (std::string problem = apply_rotations(previous); !problem.empty()) return problem;
  if (!current_) {
    current_ = seal.public_key;
    history_.push_back({key_fingerprint(seal.public_key), seal.public_key, std::nullopt});
  }
  if (seal.public_key != *current_) {
    return "signed by another key, " + key_fingerprint(seal.public_key) +
           ", which no rotation record of key " + key_fingerprint(*current_) + " endorses";
  }
  if (!history_.back().first_day) history_.back().first_day = seal.day;
  return {};
}

std::string SealKeyChain::finish(const Digest& previous) {
  if (std::string problem = apply_rotations(previous); !problem.empty()) return problem;
  if (next_ != rotations_.size()) {
    return "key rotation " + std::to_string(rotations_[next_].index) +
           ": does not follow a seal of this ledger";
  }
  return {};
}

}  // namespace medclear::ledger
