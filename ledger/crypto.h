// Hashing and signing for the ledger, on OpenSSL: SHA-256 (default) or SM3 for the hash chain and
// Merkle trees, Ed25519 for daily seals. Digests are 32 bytes for both algorithms.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "clearing/status.h"

namespace medclear::ledger {

using Digest = std::array<uint8_t, 32>;

enum class HashAlgorithm : uint8_t { kSha256 = 1, kSm3 = 2 };
// The algorithm a stored byte names (meta, entries, seals); nullopt for a byte of no algorithm.
inline std::optional<HashAlgorithm> hash_algorithm_of_byte(uint8_t byte) {
  switch (static_cast<HashAlgorithm>(byte)) {
    case HashAlgorithm::kSha256:
    case HashAlgorithm::kSm3:
      return static_cast<HashAlgorithm>(byte);
  }
  return std::nullopt;
}
std::string_view to_string(HashAlgorithm algorithm);
Result<HashAlgorithm> parse_hash_algorithm(std::string_view name);

// One-shot and incremental hashing.
// A one-shot digest function (a Hasher per call), e.g. for clearing::reconcile.
std::function<Digest(std::string_view)> digest_function(HashAlgorithm algorithm);

class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher& update(std::string_view bytes);
  Hasher& update(const Digest& digest);
  Hasher& update_byte(uint8_t byte);
  Digest finish();  // and resets for the next use

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Digest hash_bytes(HashAlgorithm algorithm, std::string_view bytes);
std::string to_hex(const Digest& digest);
std::string to_hex(std::string_view bytes);
Result<Digest> digest_from_hex(std::string_view hex);
Result<std::string> bytes_from_hex(std::string_view hex);

// An Ed25519 key pair (private part optional: verification needs only the public key).
class SigningKey {
 public:
  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;

  static Result<SigningKey> generate();
  static Result<SigningKey> load_private_pem(const std::string& path);
  static Result<SigningKey> load_public_pem(const std::string& path);
  static Result<SigningKey> from_public_raw(std::string_view raw);  // 32 bytes
  Status save_private_pem(const std::string& path) const;           // mode 0600
  Status save_public_pem(const std::string& path) const;

  Result<std::string> sign(std::string_view message) const;  // 64-byte signature
  bool verify(std::string_view message, std::string_view signature) const;
  std::string public_key_raw() const;  // 32 bytes

 private:
  SigningKey() = default;
  void* key_ = nullptr;  // EVP_PKEY
  bool has_private_ = false;
};

}  // namespace medclear::ledger
