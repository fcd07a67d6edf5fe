// What TLS every medclear endpoint speaks, in one place: TLS 1.2 or newer; on 1.2 only ECDHE key
// exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305), so no CBC suite (LUCKY13) and no
// static-RSA key exchange; TLS 1.3 with OpenSSL's default suites; no compression, no
// renegotiation. And how a certificate's subject names who it is: exactly one OU (the role) and
// one CN (the organisation) — a subject with several of either is refused, never read as its
// first.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

#include "clearing/status.h"

namespace medclear::gateway {

// The TLS 1.2 cipher list (OpenSSL names): ECDHE-ECDSA/RSA with AES-128/256-GCM and ChaCha20.
extern const char* const kTls12Ciphers;

// Minimum TLS 1.2, the cipher list above, no compression or renegotiation; `server` also prefers
// the server's cipher order.
Status apply_tls_policy(SSL_CTX* context, bool server);

// The role and organisation a certificate names. `unique` is false when its subject has no OU or
// CN, or more than one of either (then role and organisation are empty).
struct SubjectIdentity {
  bool unique = false;
  std::string role;          // OU
  std::string organisation;  // CN
};
SubjectIdentity subject_identity(X509* certificate);

// Loads the certificate revocation list(s) of a PEM file into the context's verify store and
// checks every peer's leaf certificate against them (X509_V_FLAG_CRL_CHECK): a revoked client
// certificate fails verification ("certificate revoked"). An error when the file holds no CRL.
Status load_crl(SSL_CTX* context, const std::string& crl_file);

}  // namespace medclear::gateway
