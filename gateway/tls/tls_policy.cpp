#include "gateway/tls/tls_policy.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <optional>

namespace medclear::gateway {

const char* const kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Status apply_tls_policy(SSL_CTX* context, bool server) {
  if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) {
    return Status::error("cannot set TLS 1.2 as the minimum");
  }
  if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1) {
    return Status::error("cannot set the TLS 1.2 cipher list");
  }
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(context, options);
  return Status::ok();
}

namespace {

// The only entry of `nid` in `name`; nullopt when there is none or more than one.
std::optional<std::string> only_entry(X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(name, nid, index) >= 0) return std::nullopt;
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return std::nullopt;
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

}  // namespace

SubjectIdentity subject_identity(X509* certificate) {
  SubjectIdentity identity;
  if (certificate == nullptr) return identity;
  X509_NAME* subject = X509_get_subject_name(certificate);
  std::optional<std::string> role = only_entry(subject, NID_organizationalUnitName);
  std::optional<std::string> organisation = only_entry(subject, NID_commonName);
  if (!role || !organisation) return identity;
  identity.unique = true;
  identity.role = std::move(*role);
  identity.organisation = std::move(*organisation);
  return identity;
}

Status load_crl(SSL_CTX* context, const std::string& crl_file) {
  BIO* bio = BIO_new_file(crl_file.c_str(), "r");
  if (bio == nullptr) return Status::error("cannot read the CRL file " + crl_file);
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    const int added = X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    if (added != 1) {
      BIO_free(bio);
      return Status::error("cannot use the CRL in " + crl_file);
    }
    ++loaded;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the file reads as an error
  if (loaded == 0) return Status::error(crl_file + " holds no certificate revocation list");
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return Status::ok();
}

}  // namespace medclear::gateway
