#include "gateway/pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace medclear::gateway {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

std::string certificate_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate);
  return bio_text(bio.get());
}

bool add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key` with the given subject, signed by `issuer_key` (itself when null issuer).
Result<CertPtr> make_certificate(EVP_PKEY* key, const CertificateRequest& request, X509* issuer,
                                 EVP_PKEY* issuer_key, bool ca) {
  CertPtr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), request.not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), request.not_after_s);
  X509_set_pubkey(certificate.get(), key);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  auto add = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("C", "CN");
  add("O", "medclear development");
  if (!request.role.empty()) add("OU", request.role);
  add("CN", request.organisation);
  X509_set_issuer_name(certificate.get(),
                       issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : certificate.get();
  bool ok = true;
  if (ca) {
    ok &= add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok &= add_extension(certificate.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok &= add_extension(certificate.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok &= add_extension(certificate.get(), signer, NID_key_usage,
                        "critical,digitalSignature,keyAgreement");
    ok &= add_extension(certificate.get(), signer, NID_ext_key_usage,
                        request.server ? "serverAuth,clientAuth" : "clientAuth");
    if (request.server) {
      ok &= add_extension(certificate.get(), signer, NID_subject_alt_name,
                          "DNS:localhost,IP:127.0.0.1");
    }
  }
  ok &= add_extension(certificate.get(), signer, NID_subject_key_identifier, "hash");
  if (!ok || X509_sign(certificate.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    return Status::error("cannot make the certificate of " + request.organisation);
  }
  return certificate;
}

Result<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) return Status::error("cannot read " + path.string());
  return text.str();
}

Status write_text(const std::filesystem::path& path, const std::string& text, bool secret) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Status::error("cannot write " + path.string());
  if (secret) ::chmod(path.c_str(), 0600);
  return Status::ok();
}

}  // namespace

struct CertificateAuthority::Keys {
  KeyPtr key;
  CertPtr certificate;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Keys> keys, IssuedCertificate own)
    : keys_(std::move(keys)), own_(std::move(own)) {}
CertificateAuthority::~CertificateAuthority() = default;
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;

Result<CertificateAuthority> CertificateAuthority::create(const std::string& name) {
  auto keys = std::make_unique<Keys>();
  keys->key.reset(EVP_EC_gen("P-256"));
  if (!keys->key) return Status::error("cannot generate the CA key");
  CertificateRequest request{"", name, -86400, 10L * 365 * 86400, false};
  Result<CertPtr> certificate = make_certificate(keys->key.get(), request, nullptr, nullptr, true);
  if (!certificate.is_ok()) return certificate.status();
  keys->certificate = std::move(*certificate);
  IssuedCertificate own{certificate_pem(keys->certificate.get()), key_pem(keys->key.get())};
  return CertificateAuthority(std::move(keys), std::move(own));
}

Result<CertificateAuthority> CertificateAuthority::load(const std::string& certificate_text,
                                                        const std::string& key_text) {
  auto keys = std::make_unique<Keys>();
  BioPtr cert_bio(BIO_new_mem_buf(certificate_text.data(), static_cast<int>(certificate_text.size())));
  BioPtr key_bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
  keys->certificate.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  keys->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!keys->certificate || !keys->key ||
      X509_check_private_key(keys->certificate.get(), keys->key.get()) != 1) {
    return Status::error("the CA certificate and key do not load or do not match");
  }
  return CertificateAuthority(std::move(keys), {certificate_text, key_text});
}

Result<IssuedCertificate> CertificateAuthority::issue(const CertificateRequest& request) const {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Status::error("cannot generate a key");
  Result<CertPtr> certificate =
      make_certificate(key.get(), request, keys_->certificate.get(), keys_->key.get(), false);
  if (!certificate.is_ok()) return certificate.status();
  return IssuedCertificate{certificate_pem(certificate->get()), key_pem(key.get())};
}

Status write_dev_pki(const std::string& dir, const std::vector<std::string>& regions,
                     const std::vector<DevHospital>& hospitals) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::error("cannot create " + dir + ": " + error.message());
  const fs::path root(dir);
  std::optional<CertificateAuthority> ca;
  if (fs::exists(root / "ca.pem") && fs::exists(root / "ca.key")) {
    Result<std::string> cert = read_text(root / "ca.pem");
    Result<std::string> key = read_text(root / "ca.key");
    if (!cert.is_ok() || !key.is_ok()) return Status::error("cannot read the CA in " + dir);
    Result<CertificateAuthority> loaded = CertificateAuthority::load(*cert, *key);
    if (!loaded.is_ok()) return loaded.status();
    ca.emplace(std::move(*loaded));
  } else {
    Result<CertificateAuthority> created = CertificateAuthority::create("medclear development CA");
    if (!created.is_ok()) return created.status();
    ca.emplace(std::move(*created));
    if (Status s = write_text(root / "ca.key", ca->own().key_pem, true); !s.is_ok()) return s;
    if (Status s = write_text(root / "ca.pem", ca->own().certificate_pem, false); !s.is_ok()) return s;
  }
  auto issue = [&](const std::string& stem, const CertificateRequest& request) -> Status {
    if (fs::exists(root / (stem + ".pem")) && fs::exists(root / (stem + ".key"))) return Status::ok();
    Result<IssuedCertificate> issued = ca->issue(request);
    if (!issued.is_ok()) return issued.status();
    if (Status s = write_text(root / (stem + ".key"), issued->key_pem, true); !s.is_ok()) return s;
    return write_text(root / (stem + ".pem"), issued->certificate_pem, false);
  };
  CertificateRequest regulator{"regulator", "regulator", -3600, 3L * 365 * 86400, false};
  if (Status s = issue("regulator", regulator); !s.is_ok()) return s;
  for (const std::string& region : regions) {
    CertificateRequest bureau{"bureau", region, -3600, 3L * 365 * 86400, false};
    CertificateRequest node{"node", region, -3600, 3L * 365 * 86400, true};
    if (Status s = issue("bureau-" + region, bureau); !s.is_ok()) return s;
    if (Status s = issue("node-" + region, node); !s.is_ok()) return s;
  }
  std::string table = "fixmedins_code\tregion\tlevel\n";
  for (const DevHospital& hospital : hospitals) {
    CertificateRequest request{"hospital", hospital.code, -3600, 3L * 365 * 86400, false};
    if (Status s = issue("hospital-" + hospital.code, request); !s.is_ok()) return s;
    table += hospital.code + '\t' + hospital.region + '\t' + std::to_string(hospital.level) + '\n';
  }
  return write_text(root / "hospitals.tsv", table, false);
}

}  // namespace medclear::gateway
