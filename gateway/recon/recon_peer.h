// The insured region's node asks the treating region's node over HTTPS (POST /v1/recon, role
// `node`, mutual TLS, the peer's certificate pinned to OU=node and CN=<treating region>) during the
// reconciliation protocol of clearing/reconcile.h: one request per round on one kept-alive
// connection, JSON bodies, digests in hex, amounts in yuan strings.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "clearing/reconcile.h"
#include "clearing/time.h"
#include "gateway/tls/https_client.h"

namespace medclear::gateway {

struct ReconPeerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca_file;           // trusts the peer's server certificate
  std::string certificate_file;  // this node's (OU node, CN its region)
  std::string key_file;
  int timeout_ms = 30'000;
  // The peer's node certificate must say OU=node and CN=this (empty: the treating region), and
  // name `host` in its subjectAltName; anything else is refused before a request is sent.
  std::string peer_cn;
};

class HttpsReconPeer final : public clearing::ReconPeer {
 public:
  HttpsReconPeer(const ReconPeerOptions& options, clearing::Date day, std::string insured,
                 std::string treating);
  ~HttpsReconPeer() override;

  std::optional<Summary> summary() override;
  std::optional<clearing::ReconSide::Totals> totals(int depth) override;
  std::optional<std::vector<clearing::ReconDigest>> children(
      int level, const std::vector<uint64_t>& nodes) override;
  std::optional<std::vector<clearing::ReconItem>> bucket_items(
      const std::vector<uint64_t>& buckets) override;

  // Asks the treating node to check the statement (its exact text, signed by this region) against
  // its side, countersign it, keep it and append the adjustments; `records` are this side's
  // bookings in effect of the differing claims (record codec, hex). Returns the doubly signed
  // statement.
  std::optional<std::string> countersign(const std::string& statement,
                                         const std::array<std::string, 3>& signature,
                                         const std::vector<std::string>& records_hex);

  const std::string& error() const { return error_; }  // why the last call failed
  uint64_t http_bytes() const { return http_bytes_; }  // request and response bodies, as sent
  int requests() const { return requests_; }
  uint64_t peer_size() const { return peer_size_; }  // the peer's items, from summary()

 private:
  // One round: the op and its fields (JSON members, without braces) → the answer's JSON text.
  std::optional<std::string> call(const std::string& op, const std::string& fields);

  std::unique_ptr<HttpsClient> client_;
  std::string prefix_;  // "day", "insured", "treating" members
  std::string error_;
  uint64_t http_bytes_ = 0;
  int requests_ = 0;
  uint64_t peer_size_ = 0;
};

}  // namespace medclear::gateway
