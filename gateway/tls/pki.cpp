#include "gateway/tls/pki.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace medclear::gateway {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
  void operator()(ASN1_TIME* p) const { ASN1_TIME_free(p); }
};
using CrlPtr = std::unique_ptr<X509_CRL, Free>;
using TimePtr = std::unique_ptr<ASN1_TIME, Free>;
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
  X509_set_issuer_name(certificate.get(), issuer ? X509_get_subject_name(issuer) : name);
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

// Writes through a new file renamed over `path`; a secret's file is created with mode 0600
// (O_CREAT|O_EXCL), so the key is never readable by others, not even before a chmod.
Status write_text(const std::filesystem::path& path, const std::string& text, bool secret) {
  const std::string temporary = path.string() + ".tmp";
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        secret ? 0600 : 0644);
  if (fd < 0) return Status::error("cannot write " + path.string());
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool closed = ::close(fd) == 0;
  if (done != text.size() || !closed || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return Status::error("cannot write " + path.string());
  }
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
  BioPtr cert_bio(
      BIO_new_mem_buf(certificate_text.data(), static_cast<int>(certificate_text.size())));
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

Result<std::string> CertificateAuthority::revocation_list(const std::string& previous_pem,
                                                          const std::string& revoke_pem,
                                                          long valid_s) const {
  CrlPtr crl(X509_CRL_new());
  TimePtr now(X509_gmtime_adj(nullptr, 0));
  TimePtr next(X509_gmtime_adj(nullptr, valid_s));
  if (!crl || !now || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(keys_->certificate.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), now.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return Status::error("cannot make a revocation list");
  }
  auto add = [&](const ASN1_INTEGER* serial, const ASN1_TIME* when) -> bool {
    X509_REVOKED* revoked = X509_REVOKED_new();
    if (revoked == nullptr ||
        X509_REVOKED_set_serialNumber(revoked, const_cast<ASN1_INTEGER*>(serial)) != 1 ||
        X509_REVOKED_set_revocationDate(revoked, const_cast<ASN1_TIME*>(when)) != 1 ||
        X509_CRL_add0_revoked(crl.get(), revoked) != 1) {
      X509_REVOKED_free(revoked);
      return false;
    }
    return true;
  };
  EVP_PKEY* ca_key = X509_get0_pubkey(keys_->certificate.get());
  std::vector<std::string> serials;  // hex, not to list one twice
  if (!previous_pem.empty()) {
    BioPtr bio(BIO_new_mem_buf(previous_pem.data(), static_cast<int>(previous_pem.size())));
    CrlPtr previous(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!previous || X509_CRL_verify(previous.get(), ca_key) != 1) {
      return Status::error("the revocation list is not this CA's");
    }
    STACK_OF(X509_REVOKED)* listed = X509_CRL_get_REVOKED(previous.get());
    for (int i = 0; i < sk_X509_REVOKED_num(listed); ++i) {
      const X509_REVOKED* entry = sk_X509_REVOKED_value(listed, i);
      if (!add(X509_REVOKED_get0_serialNumber(entry), X509_REVOKED_get0_revocationDate(entry))) {
        return Status::error("cannot copy the revocation list");
      }
      BIGNUM* number = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(entry), nullptr);
      char* hex = BN_bn2hex(number);
      serials.emplace_back(hex);
      OPENSSL_free(hex);
      BN_free(number);
    }
  }
  if (!revoke_pem.empty()) {
    BioPtr bio(BIO_new_mem_buf(revoke_pem.data(), static_cast<int>(revoke_pem.size())));
    CertPtr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate || X509_verify(certificate.get(), ca_key) != 1) {
      return Status::error("the certificate to revoke was not issued by this CA");
    }
    const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate.get());
    BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
    char* hex = BN_bn2hex(number);
    const bool listed =
        std::find(serials.begin(), serials.end(), std::string(hex)) != serials.end();
    OPENSSL_free(hex);
    BN_free(number);
    if (!listed && !add(serial, now.get())) return Status::error("cannot revoke the certificate");
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), keys_->key.get(), EVP_sha256()) == 0) {
    return Status::error("cannot sign the revocation list");
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(out.get(), crl.get());
  return bio_text(out.get());
}

namespace {

// dir/crl.pem signed again by `ca`, with what it revoked and `revoke_pem` (may be empty).
Status write_crl(const std::filesystem::path& root, const CertificateAuthority& ca,
                 const std::string& revoke_pem) {
  std::string previous;
  if (std::filesystem::exists(root / "crl.pem")) {
    Result<std::string> text = read_text(root / "crl.pem");
    if (!text.is_ok()) return text.status();
    previous = *text;
  }
  Result<std::string> crl = ca.revocation_list(previous, revoke_pem);
  if (!crl.is_ok()) return crl.status();
  return write_text(root / "crl.pem", *crl, false);
}

Result<CertificateAuthority> load_dev_ca(const std::filesystem::path& root) {
  Result<std::string> cert = read_text(root / "ca.pem");
  Result<std::string> key = read_text(root / "ca.key");
  if (!cert.is_ok() || !key.is_ok()) return Status::error("cannot read the CA in " + root.string());
  return CertificateAuthority::load(*cert, *key);
}

}  // namespace

Status revoke_certificate(const std::string& dir, const std::string& certificate_file) {
  const std::filesystem::path root(dir);
  Result<CertificateAuthority> ca = load_dev_ca(root);
  if (!ca.is_ok()) return ca.status();
  Result<std::string> certificate = read_text(certificate_file);
  if (!certificate.is_ok()) return certificate.status();
  if (certificate->empty()) return Status::error(certificate_file + " holds no certificate");
  return write_crl(root, *ca, *certificate);
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
    Result<CertificateAuthority> loaded = load_dev_ca(root);
    if (!loaded.is_ok()) return loaded.status();
    ca.emplace(std::move(*loaded));
  } else {
    Result<CertificateAuthority> created = CertificateAuthority::create("medclear development CA");
    if (!created.is_ok()) return created.status();
    ca.emplace(std::move(*created));
    fs::remove(root / "crl.pem", error);  // another CA's
    if (Status s = write_text(root / "ca.key", ca->own().key_pem, true); !s.is_ok()) return s;
    if (Status s = write_text(root / "ca.pem", ca->own().certificate_pem, false); !s.is_ok())
      return s;
  }
  auto issue = [&](const std::string& stem, const CertificateRequest& request) -> Status {
    if (fs::exists(root / (stem + ".pem")) && fs::exists(root / (stem + ".key")))
      return Status::ok();
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
  if (Status s = write_text(root / "hospitals.tsv", table, false); !s.is_ok()) return s;
  return write_crl(root, *ca, "");
}

}  // namespace medclear::gateway
