// How the simulated hospitals reach the nodes: in process (each request parsed as a gateway
// would, then submitted to its treating region's node, which sends it through Kafka), or over
// HTTPS against running gateways (each hospital with its own client certificate, requests sent
// again on a reset connection or a 202/503 answer, as a hospital's system would).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clearing/settlement.h"
#include "gateway/tls/https_client.h"

namespace medclear::gateway {
class RegionSet;
}

namespace medclear::simulator {

// The answer a hospital got.
struct Reply {
  bool answered = false;  // false: none (still pending, or the transport gave up: see problem)
  bool accepted = false;
  std::string err_code;                              // the rejection's name when refused
  std::optional<clearing::SettlementRecord> record;  // when accepted (over HTTPS: ids and amounts)
  std::string problem;
};

struct Outgoing {
  std::string hospital;  // fixmedins_code
  std::string region;    // the treating region, PP0000
  std::string json;      // the request envelope as the hospital sends it
};

class Channel {
 public:
  virtual ~Channel() = default;
  // Sends one request; `done` is called exactly once, on any thread.
  virtual void send(const Outgoing& request, std::function<void(Reply)> done) = 0;
  virtual std::string name() const = 0;          // "kafka" or "https"
  virtual uint64_t resent() const { return 0; }  // requests sent again by the hospitals
};

// In process: the national-interface adapter parses (a refusal is answered at once, as a gateway
// answers it), then the treating node's submit().
std::unique_ptr<Channel> in_process_channel(gateway::RegionSet& set,
                                            const clearing::CodeTables& codes);

// Over HTTPS: `threads` clients; a hospital's requests go to a few of them, each keeping one
// connection per hospital to the gateway of its region.
struct HttpsChannelOptions {
  std::map<std::string, uint16_t> ports;  // region → gateway port on 127.0.0.1
  std::string pki_dir;                    // ca.pem, hospital-CODE.pem/.key
  int threads = 96;
  int connections_per_hospital = 4;
  int give_up_after_ms = 60'000;  // of resending one request
};
std::unique_ptr<Channel> https_channel(const HttpsChannelOptions& options);

}  // namespace medclear::simulator
