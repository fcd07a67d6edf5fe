#include "ledger/crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>

namespace medclear::ledger {

namespace {

const EVP_MD* digest_of(HashAlgorithm algorithm) {
  // Fetched once per algorithm: OpenSSL 3 would otherwise look it up on every use.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  const EVP_MD* md = algorithm == HashAlgorithm::kSm3 ? sm3 : sha256;
  MC_CHECK(md != nullptr, "hash algorithm unavailable in OpenSSL");
  return md;
}

EVP_PKEY* pkey(void* key) { return static_cast<EVP_PKEY*>(key); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view to_string(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::kSm3 ? "sm3" : "sha256";
}

Result<HashAlgorithm> parse_hash_algorithm(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "sm3") return HashAlgorithm::kSm3;
  return Status::error("unknown hash algorithm '" + std::string(name) + "' (sha256 or sm3)");
}

struct Hasher::Impl {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const EVP_MD* md = nullptr;
};

std::function<Digest(std::string_view)> digest_function(HashAlgorithm algorithm) {
  auto hasher = std::make_shared<Hasher>(algorithm);  // reused: finish() resets it
  return [hasher](std::string_view bytes) { return hasher->update(bytes).finish(); };
}

Hasher::Hasher(HashAlgorithm algorithm) : impl_(std::make_unique<Impl>()) {
  impl_->md = digest_of(algorithm);
  MC_CHECK(impl_->context != nullptr && EVP_DigestInit_ex(impl_->context, impl_->md, nullptr) == 1,
           "digest init");
}

Hasher::~Hasher() { EVP_MD_CTX_free(impl_->context); }

Hasher& Hasher::update(std::string_view bytes) {
  MC_CHECK(EVP_DigestUpdate(impl_->context, bytes.data(), bytes.size()) == 1, "digest update");
  return *this;
}

Hasher& Hasher::update(const Digest& digest) {
  return update(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

Hasher& Hasher::update_byte(uint8_t byte) {
  const char c = static_cast<char>(byte);
  return update(std::string_view(&c, 1));
}

Digest Hasher::finish() {
  Digest digest{};
  unsigned int length = 0;
  MC_CHECK(EVP_DigestFinal_ex(impl_->context, digest.data(), &length) == 1 && length == 32,
           "digest final");
  MC_CHECK(EVP_DigestInit_ex(impl_->context, impl_->md, nullptr) == 1, "digest reinit");
  return digest;
}

Digest hash_bytes(HashAlgorithm algorithm, std::string_view bytes) {
  Digest digest{};
  unsigned int length = 0;
  MC_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, digest_of(algorithm),
                      nullptr) == 1 &&
               length == 32,
           "digest");
  return digest;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    hex.push_back(kHex[u >> 4]);
    hex.push_back(kHex[u & 0xF]);
  }
  return hex;
}

std::string to_hex(const Digest& digest) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

Result<std::string> bytes_from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::error("odd-length hex");
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]);
    const int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return Status::error("not hex");
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

Result<Digest> digest_from_hex(std::string_view hex) {
  Result<std::string> bytes = bytes_from_hex(hex);
  if (!bytes.is_ok()) return bytes.status();
  if (bytes->size() != 32) return Status::error("a digest is 32 bytes");
  Digest digest{};
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

SigningKey::~SigningKey() { EVP_PKEY_free(pkey(key_)); }
SigningKey::SigningKey(SigningKey&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)), has_private_(other.has_private_) {}
SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  std::swap(key_, other.key_);
  std::swap(has_private_, other.has_private_);
  return *this;
}

Result<SigningKey> SigningKey::generate() {
  SigningKey key;
  key.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key.key_ == nullptr) return Status::error("Ed25519 key generation failed");
  key.has_private_ = true;
  return key;
}

Result<SigningKey> SigningKey::load_private_pem(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return Status::error("cannot read private key " + path);
  SigningKey key;
  key.key_ = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (key.key_ == nullptr || EVP_PKEY_get_id(pkey(key.key_)) != EVP_PKEY_ED25519) {
    return Status::error(path + " is not an Ed25519 private key (PEM)");
  }
  key.has_private_ = true;
  return key;
}

Result<SigningKey> SigningKey::load_public_pem(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return Status::error("cannot read public key " + path);
  SigningKey key;
  key.key_ = PEM_read_PUBKEY(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (key.key_ == nullptr || EVP_PKEY_get_id(pkey(key.key_)) != EVP_PKEY_ED25519) {
    return Status::error(path + " is not an Ed25519 public key (PEM)");
  }
  return key;
}

Result<SigningKey> SigningKey::from_public_raw(std::string_view raw) {
  SigningKey key;
  key.key_ = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (key.key_ == nullptr) return Status::error("not an Ed25519 public key");
  return key;
}

Status SigningKey::save_private_pem(const std::string& path) const {
  MC_CHECK(has_private_, "saving a private key we do not have");
  const mode_t old_mask = umask(077);
  FILE* file = std::fopen(path.c_str(), "w");
  umask(old_mask);
  if (file == nullptr) return Status::error("cannot write " + path);
  const int written = PEM_write_PrivateKey(file, pkey(key_), nullptr, nullptr, 0, nullptr, nullptr);
  const bool closed = std::fclose(file) == 0;
  return written == 1 && closed ? Status::ok() : Status::error("cannot write " + path);
}

Status SigningKey::save_public_pem(const std::string& path) const {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return Status::error("cannot write " + path);
  const int written = PEM_write_PUBKEY(file, pkey(key_));
  const bool closed = std::fclose(file) == 0;
  return written == 1 && closed ? Status::ok() : Status::error("cannot write " + path);
}

Result<std::string> SigningKey::sign(std::string_view message) const {
  MC_CHECK(has_private_, "signing without a private key");
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t length = signature.size();
  const bool ok =
      context != nullptr &&
      EVP_DigestSignInit(context, nullptr, nullptr, nullptr, pkey(key_)) == 1 &&
      EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(context);
  if (!ok || length != 64) return Status::error("Ed25519 signing failed");
  return signature;
}

bool SigningKey::verify(std::string_view message, std::string_view signature) const {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool ok =
      context != nullptr &&
      EVP_DigestVerifyInit(context, nullptr, nullptr, nullptr, pkey(key_)) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(context);
  return ok;
}

std::string SigningKey::public_key_raw() const {
  std::string raw(32, '\0');
  size_t length = raw.size();
  MC_CHECK(EVP_PKEY_get_raw_public_key(pkey(key_), reinterpret_cast<unsigned char*>(raw.data()),
                                       &length) == 1 &&
               length == 32,
           "Ed25519 public key");
  return raw;
}

}  // namespace medclear::ledger
