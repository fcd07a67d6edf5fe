// Several region nodes (and their HTTPS gateways) in one process, on one Kafka cluster: the
// embedded broker when none is configured. The demo, the tests and the benchmarks use it; a
// deployment runs one region per process (`medclear node`) with the same classes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/kafka.h"
#include "adapters/kafka_clients.h"
#include "clearing/reference.h"
#include "gateway/http/server.h"
#include "gateway/http/timeline.h"
#include "gateway/node/node.h"

namespace medclear::gateway {

struct RegionSetOptions {
  std::vector<std::string> regions;  // PP0000 each
  std::string ledgers_dir;           // each region's ledger in <ledgers_dir>/<region>
  adapters::KafkaConfig kafka;       // no bootstrap.servers: an embedded broker
  int partitions = 8;                // per topic, when topics are created here
  NodeOptions node;                  // defaults for every node (region and ledger_dir are set)
  // Gateways: with a PKI directory (contracts/demo.md layout) each region serves HTTPS with
  // node-<region>.pem/.key, trusts ca.pem for clients and checks them against crl.pem when the
  // directory has one. Every gateway pins every other region's seal key (its ledger's
  // seal-key.pem, created when missing) for countersigning reconciliation statements.
  std::string pki_dir;     // empty: no gateways
  GatewayOptions gateway;  // defaults for every gateway (region, files and port are set)
  // Province dialects of the gateways' hospitals (adapters/dialect.h): a region key applies to
  // that region's gateway, a hospital key wherever the hospital sends. Null: none.
  std::shared_ptr<const adapters::Dialects> dialects;
};

class RegionSet {
 public:
  static Result<std::unique_ptr<RegionSet>> start(const RegionSetOptions& options,
                                                  const clearing::ReferenceData& reference);
  ~RegionSet();

  RegionNode* node(const std::string& region) const;
  Gateway* gateway(const std::string& region) const;  // nullptr without gateways
  const std::vector<std::string>& regions() const { return options_.regions; }
  // The other regions as `region`'s node pins them (gateway/recon/peers.h): their gateways'
  // addresses (127.0.0.1 and their ports, 0 without gateways), node CNs and seal public keys.
  PeerPins peer_pins(const std::string& region) const;
  // A `medclear node` configuration (ops/node.example.json) that serves `region` as this set
  // does: its ledger, its gateway's TLS files (crl_file included) and port, and every other region
  // as a pinned peer. `reference_path` may be empty (then the key is left out: a nation made in
  // memory has no file).
  std::string node_config_json(const std::string& region, const std::string& reference_path) const;
  const std::string& bootstrap_servers() const { return options_.kafka.bootstrap_servers; }
  adapters::EmbeddedBroker* broker() const { return broker_.get(); }
  // Stops the gateways first (no new work), then the nodes. Idempotent.
  void stop();
  // Stops one region's node and starts it again from its ledger and the committed Kafka offsets
  // (the demo's node-restart fault); its gateway, if any, is stopped first and started again on
  // the same port.
  Status restart_node(const std::string& region);

 private:
  RegionSet() = default;
  NodeOptions node_options(const std::string& region) const;
  Status start_gateway(const std::string& region, uint16_t port);  // port 0: any
  RegionSetOptions options_;
  const clearing::ReferenceData* reference_ = nullptr;
  std::unique_ptr<adapters::EmbeddedBroker> broker_;
  // Shared by the nodes; after the broker, so it goes first (nodes_ before it).
  std::shared_ptr<adapters::KafkaClients> kafka_clients_;
  std::map<std::string, std::unique_ptr<RegionNode>> nodes_;
  std::map<std::string, std::unique_ptr<Timeline>> timelines_;
  std::map<std::string, std::unique_ptr<Gateway>> gateways_;
  std::map<std::string, std::string> seal_keys_;  // region → Ed25519 raw public key
};

// The regions a scenario's reference data names: its policies' insured divisions, its persons'
// and its facilities' provinces, sorted.
std::vector<std::string> regions_of(const clearing::ReferenceData& reference);

// What a `medclear node` configuration (ops/node.example.json) of one region says: the one
// writer of those files, for `demo --serve` (RegionSet::node_config_json) and `nation init`.
struct NodeConfigFile {
  std::string region;
  std::string ledger_dir;
  std::string reference_path;     // empty: left out (a nation made in memory has no file)
  std::string regions;            // comma-separated served regions; empty: left out (all)
  std::string bootstrap_servers;  // empty: no "kafka" (the node starts an embedded broker)
  std::string pki_dir;            // empty: no "gateway" and no "reconciliation"
  uint16_t port = 0;              // the gateway's
  int gateway_threads = 0;        // 0: left out (one per core)
  PeerPins peers;                 // "reconciliation" at 02:00 when not empty
  std::map<std::string, std::string> dialects;  // "dialects" (key → file) when not empty
};
std::string node_config_json(const NodeConfigFile& file);

// Creates claims.*, settlements.* and dead-letters.* of each region on an embedded broker.
Status create_topics(adapters::EmbeddedBroker& broker, const std::vector<std::string>& regions,
                     int partitions);

}  // namespace medclear::gateway
