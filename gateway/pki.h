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
  std::string role;          // OU
  std::string organisation;  // CN
  long not_before_s = -3600;       // relative to now
  long not_after_s = 3 * 365 * 86400;
  bool server = false;       // adds serverAuth and the loopback SANs
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
// bureau-CODE and node-CODE per region, hospital-CODE per hospital, hospitals.tsv. Existing
// files issued by the same CA are kept, so a second run is cheap and stable.
Status write_dev_pki(const std::string& dir, const std::vector<std::string>& regions,
                     const std::vector<DevHospital>& hospitals);

}  // namespace medclear::gateway
