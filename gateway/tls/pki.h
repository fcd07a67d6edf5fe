// A development public-key infrastructure made with OpenSSL: one certificate authority and the
// certificates of every kind of client and of the nodes, in the layout of contracts/demo.md.
// Production takes its certificates from configuration; nothing here is needed there.
//
// A certificate's subject names the role in OU (hospital, bureau, regulator, node) and the
// organisation in CN (institution code, division code, or any name for a regulator). Keys are
// ECDSA P-256; node certificates are valid for serverAuth and clientAuth, with the SANs
// localhost and 127.0.0.1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "clearing/status.h"

namespace medclear::gateway {

struct IssuedCertificate {
  std::string certificate_pem;
  std::string key_pem;
};

struct CertificateRequest {
  std::string role;           // OU
  std::string organisation;   // CN
  long not_before_s = -3600;  // relative to now
  long not_after_s = 3 * 365 * 86400;
  bool server = false;  // adds serverAuth and the loopback SANs
};

class CertificateAuthority {
 public:
  // A new self-signed CA (P-256, ten years).
  static Result<CertificateAuthority> create(const std::string& name);
  static Result<CertificateAuthority> load(const std::string& certificate_pem,
                                           const std::string& key_pem);
  ~CertificateAuthority();
  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;

  Result<IssuedCertificate> issue(const CertificateRequest& request) const;
  // A certificate revocation list signed by this CA, valid `valid_s` from now: the certificates
  // `previous_pem` (a CRL of this CA, or empty) revoked, and `revoke_pem`'s (a certificate this
  // CA issued, or empty) — PEM.
  Result<std::string> revocation_list(const std::string& previous_pem,
                                      const std::string& revoke_pem,
                                      long valid_s = 365L * 86400) const;
  const IssuedCertificate& own() const { return own_; }

 private:
  struct Keys;
  CertificateAuthority(std::unique_ptr<Keys> keys, IssuedCertificate own);
  std::unique_ptr<Keys> keys_;
  IssuedCertificate own_;
};

struct DevHospital {
  std::string code;    // fixmedins_code
  std::string region;  // PP0000
  int level = 3;
};

// Writes (or completes) the development PKI in `dir`: ca.pem and ca.key, regulator.pem/.key,
// bureau-CODE and node-CODE per region, hospital-CODE per hospital, hospitals.tsv, and crl.pem
// (the CA's revocation list, signed again on every run with the certificates revoked so far; a
// gateway given it as crl_file refuses them). Existing files issued by the same CA are kept, so
// a second run is cheap and stable. Key files are created with mode 0600 (never wider, not even
// for a moment).
Status write_dev_pki(const std::string& dir, const std::vector<std::string>& regions,
                     const std::vector<DevHospital>& hospitals);

// Revokes a certificate of the development CA in `dir`: adds its serial to dir/crl.pem (signed
// again). Gateways read crl.pem when they start.
Status revoke_certificate(const std::string& dir, const std::string& certificate_file);

}  // namespace medclear::gateway
