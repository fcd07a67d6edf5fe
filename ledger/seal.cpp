#include "ledger/seal.h"

#include <algorithm>

#include "clearing/codec.h"
#include "ledger/entry.h"

namespace medclear::ledger {

namespace {

constexpr std::string_view kSealMagic = "MS";
constexpr uint8_t kSealVersion = 1;

std::string_view view(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

bool read_digest(ByteReader& in, Digest& out) {
  std::string_view bytes;
  if (!in.raw(32, bytes)) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

}  // namespace

std::string Seal::signed_body() const {
  ByteWriter out;
  out.raw(kSealMagic);
  out.u8(kSealVersion);
  out.u8(static_cast<uint8_t>(algorithm));
  out.i32(day.days());
  out.u64(day_count);
  out.raw(view(day_root));
  out.u64(ledger_size);
  out.raw(view(ledger_root));
  out.raw(view(prev_seal_hash));
  return std::move(out.bytes());
}

Digest Seal::hash() const { return hash_bytes(algorithm, signed_body()); }

std::string encode_seal(const Seal& seal) {
  MC_CHECK(seal.public_key.size() == 32 && seal.signature.size() == 64, "unsigned seal");
  std::string bytes = seal.signed_body();
  bytes.append(seal.public_key).append(seal.signature);
  return bytes;
}

Result<Seal> decode_seal(std::string_view bytes) {
  ByteReader in(bytes);
  Seal seal;
  std::string_view magic, public_key, signature;
  uint8_t version = 0, algorithm = 0;
  int32_t day = 0;
  if (!in.raw(2, magic) || magic != kSealMagic || !in.u8(version) || version != kSealVersion ||
      !in.u8(algorithm) || (algorithm != 1 && algorithm != 2) || !in.i32(day) ||
      !in.u64(seal.day_count) || !read_digest(in, seal.day_root) || !in.u64(seal.ledger_size) ||
      !read_digest(in, seal.ledger_root) || !read_digest(in, seal.prev_seal_hash) ||
      !in.raw(32, public_key) || !in.raw(64, signature) || in.remaining() != 0) {
    return Status::error("corrupt seal");
  }
  seal.day = clearing::Date::from_days(day);
  seal.algorithm = static_cast<HashAlgorithm>(algorithm);
  seal.public_key = std::string(public_key);
  seal.signature = std::string(signature);
  return seal;
}

Status sign_seal(Seal& seal, const SigningKey& key) {
  Result<std::string> signature = key.sign(seal.signed_body());
  if (!signature.is_ok()) return signature.status();
  seal.signature = std::move(*signature);
  seal.public_key = key.public_key_raw();
  return Status::ok();
}

}  // namespace medclear::ledger
