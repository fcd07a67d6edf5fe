// The HTTPS gateway of one region (contracts/gateway.md): Boost.Beast on Asio with OpenSSL,
// mutual TLS, C++20 coroutines, one io_context per thread (each with its own SO_REUSEPORT
// acceptor on the same port, so the kernel spreads connections and no lock is shared on the hot
// path).
//
// Who may call what is decided from the client certificate alone: OU = role (hospital, bureau,
// regulator, node), CN = organisation. Every limit has its unit in its name; overload is answered
// at once (429 per client rate, 503 connections or settlements in flight), never by stalling.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "adapters/dialect.h"
#include "clearing/reference.h"
#include "clearing/status.h"
#include "gateway/http/timeline.h"
#include "gateway/node/node.h"
#include "gateway/recon/peers.h"

namespace medclear::gateway {

struct GatewayLimits {
  size_t body_bytes_max = 1 << 20;  // 413 beyond
  // For a verified node certificate (POST /v1/recon): a day's statement with the bookings of
  // its differences, ~1.1 KB each.
  size_t node_body_bytes_max = size_t{128} << 20;
  size_t header_bytes_max = 16 << 10;  // 431 beyond
  size_t connections_max = 10'000;     // 503 and close beyond
  // Connections from one address that have not shown a trusted certificate (still in the
  // handshake, or without one): closed at once beyond; such a connection is closed after
  // handshake_timeout_ms whatever it does, so anonymous clients cannot hold connections.
  size_t unverified_connections_per_address_max = 64;
  uint32_t client_requests_per_s = 20'000;  // per client certificate (role + CN); 429 beyond
  uint32_t client_burst_requests = 40'000;
  size_t settlements_in_flight_max = 20'000;  // waiting for an insured region; 503 beyond
  int handshake_timeout_ms = 10'000;
  int read_timeout_ms = 10'000;  // from a request's first byte to its last
  int write_timeout_ms = 10'000;
  int idle_timeout_ms = 60'000;    // keep-alive connection with no request
  int answer_timeout_ms = 10'000;  // settlement not answered by then: 202 pending
};

struct GatewayOptions {
  std::string region;  // PP0000: the node this gateway fronts
  std::string listen_address = "127.0.0.1";
  uint16_t port = 0;             // 0: any free port (see Gateway::port)
  std::string certificate_file;  // server certificate chain (PEM)
  std::string key_file;          // its private key (PEM)
  std::string client_ca_file;    // the CA that client certificates must chain to
  // Certificate revocation list(s), PEM, signed by that CA: every client certificate is checked
  // against it at the handshake (a revoked one gets 401). Empty: no revocation check.
  std::string crl_file;
  int threads = 0;  // 0: one per core
  GatewayLimits limits;
};

// What a gateway serves: its own node, and, for regulators, the other regions in this process.
struct GatewayServices {
  RegionNode* node = nullptr;
  const clearing::ReferenceData* reference = nullptr;
  Timeline* timeline = nullptr;
  std::function<RegionNode*(const std::string& region)> node_of;  // may return nullptr
  std::vector<std::string> regions;  // every region served in this process (audit reports)
  std::string seal_key_file;  // the region's Ed25519 key: countersigns reconciliation statements
  // The other regions' nodes, pinned (gateway/recon/peers.h): a statement is countersigned only
  // when the insured region's signature verifies with its pinned seal key; a region without a pin
  // is 403.
  PeerPins peers;
  // Province dialects (adapters/dialect.h) by hospital or region: a hospital's POST /v1/nhsa body
  // is turned into the national envelope before anything reads it. Null: none.
  std::shared_ptr<const adapters::Dialects> dialects;
};

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> start(const GatewayOptions& options,
                                                const GatewayServices& services);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  uint16_t port() const;
  // Stops accepting, lets the settlements in flight be answered for up to `grace` (answered
  // connections are closed after their answer), then ends every connection and joins the
  // threads. Call before stopping the node.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));
  // Reads certificate_file, key_file, client_ca_file and crl_file again (SIGHUP): connections
  // opened from now on use them, open ones keep theirs. On error nothing changes.
  Status reload_certificates();

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medclear::gateway
