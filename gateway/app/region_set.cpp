#include "gateway/app/region_set.h"
#include "adapters/topics.h"

#include <filesystem>
#include <set>

#include "adapters/json.h"
#include "ledger/entry.h"

namespace medclear::gateway {

Status create_topics(adapters::EmbeddedBroker& broker, const std::vector<std::string>& regions,
                     int partitions) {
  for (const std::string& region : regions) {
    for (const std::string& topic :
         {adapters::claims_topic(region), adapters::settlements_topic(region),
          adapters::dead_letters_topic(region)}) {
      if (Status created = broker.create_topic(topic, partitions); !created.is_ok()) return created;
    }
  }
  return Status::ok();
}

NodeOptions RegionSet::node_options(const std::string& region) const {
  NodeOptions node = options_.node;
  node.region = region;
  node.ledger_dir = (std::filesystem::path(options_.ledgers_dir) / region).string();
  node.kafka = options_.kafka;
  node.kafka_clients = kafka_clients_;
  node.served_regions = options_.regions;
  return node;
}

Status RegionSet::restart_node(const std::string& region) {
  auto it = nodes_.find(region);
  if (it == nodes_.end()) return Status::error("no node of region " + region);
  // Its gateway goes first (it holds the node) and comes back on the same port: hospitals see
  // refused or reset connections for a moment, and send their requests again.
  uint16_t port = 0;
  if (auto gateway = gateways_.find(region); gateway != gateways_.end()) {
    port = gateway->second->port();
    gateway->second->stop();
    gateways_.erase(gateway);
  }
  it->second->stop();
  it->second.reset();  // closes its ledger
  Result<std::unique_ptr<RegionNode>> started =
      RegionNode::start(node_options(region), *reference_);
  if (!started.is_ok()) return Status::error(region + ": restart: " + started.status().message());
  it->second = std::move(*started);
  if (port != 0) return start_gateway(region, port);
  return Status::ok();
}

Status RegionSet::start_gateway(const std::string& region, uint16_t port) {
  const std::filesystem::path pki(options_.pki_dir);
  GatewayOptions gateway = options_.gateway;
  gateway.region = region;
  gateway.certificate_file = (pki / ("node-" + region + ".pem")).string();
  gateway.key_file = (pki / ("node-" + region + ".key")).string();
  gateway.client_ca_file = (pki / "ca.pem").string();
  gateway.port = port;
  auto& timeline = timelines_[region];
  if (!timeline) timeline = std::make_unique<Timeline>();
  GatewayServices services;
  services.node = nodes_.at(region).get();
  services.reference = reference_;
  services.timeline = timeline.get();
  services.node_of = [this](const std::string& other) { return node(other); };
  services.regions = options_.regions;
  services.seal_key_file = node_options(region).ledger_dir + "/seal-key.pem";
  services.peers = peer_pins(region);
  services.dialects = options_.dialects;
  if (std::filesystem::exists(pki / "crl.pem")) gateway.crl_file = (pki / "crl.pem").string();
  Result<std::unique_ptr<Gateway>> started = Gateway::start(gateway, services);
  if (!started.is_ok()) return Status::error(region + ": " + started.status().message());
  gateways_[region] = std::move(*started);
  return Status::ok();
}

std::vector<std::string> regions_of(const clearing::ReferenceData& reference) {
  std::set<std::string> regions;
  for (const auto& [key, versions] : reference.policies()) {
    for (const clearing::Policy& policy : versions)
      regions.insert(ledger::region_of(policy.admdvs));
  }
  for (const auto& [code, facility] : reference.facilities()) {
    regions.insert(ledger::region_of(facility.admdvs));
  }
  for (const auto& [psn_no, person] : reference.persons()) {
    regions.insert(ledger::region_of(person.insuplc_admdvs));
  }
  return {regions.begin(), regions.end()};
}

Result<std::unique_ptr<RegionSet>> RegionSet::start(const RegionSetOptions& options,
                                                    const clearing::ReferenceData& reference) {
  std::unique_ptr<RegionSet> set(new RegionSet());
  set->options_ = options;
  set->reference_ = &reference;
  if (set->options_.kafka.bootstrap_servers.empty()) {
    Result<std::unique_ptr<adapters::EmbeddedBroker>> broker = adapters::EmbeddedBroker::start(3);
    if (!broker.is_ok()) return broker.status();
    set->broker_ = std::move(*broker);
    if (Status created = create_topics(*set->broker_, options.regions, options.partitions);
        !created.is_ok()) {
      return created;
    }
    set->options_.kafka.bootstrap_servers = set->broker_->bootstrap_servers();
  }
  // One producer and one consumer for every region of this process (adapters/kafka_clients.h).
  Result<std::shared_ptr<adapters::KafkaClients>> clients =
      adapters::KafkaClients::start(set->options_.kafka, "medclear-regions");
  if (!clients.is_ok()) return clients.status();
  set->kafka_clients_ = std::move(*clients);
  for (const std::string& region : options.regions) {
    Result<std::unique_ptr<RegionNode>> started =
        RegionNode::start(set->node_options(region), reference);
    if (!started.is_ok()) return Status::error(region + ": " + started.status().message());
    set->nodes_[region] = std::move(*started);
  }
  if (options.pki_dir.empty()) return set;
  for (const std::string& region : options.regions) {
    Result<std::string> key = seal_public_key_of(set->node_options(region).ledger_dir);
    if (!key.is_ok()) return Status::error(region + ": seal key: " + key.status().message());
    set->seal_keys_[region] = *key;
  }
  for (const std::string& region : options.regions) {
    if (Status started = set->start_gateway(region, 0); !started.is_ok()) return started;
  }
  return set;
}

RegionSet::~RegionSet() { stop(); }

void RegionSet::stop() {
  for (auto& [region, gateway] : gateways_) gateway->stop();
  for (auto& [region, node] : nodes_) node->stop();
}

RegionNode* RegionSet::node(const std::string& region) const {
  auto it = nodes_.find(region);
  return it == nodes_.end() ? nullptr : it->second.get();
}

PeerPins RegionSet::peer_pins(const std::string& region) const {
  PeerPins pins;
  for (const auto& [other, key] : seal_keys_) {
    if (other == region) continue;
    Gateway* served = gateway(other);
    pins[other] = PeerPin{other, "127.0.0.1", served ? served->port() : uint16_t{0}, other, key};
  }
  return pins;
}

std::string RegionSet::node_config_json(const std::string& region,
                                        const std::string& reference_path) const {
  NodeConfigFile file;
  file.region = region;
  file.ledger_dir = node_options(region).ledger_dir;
  file.reference_path = reference_path;
  file.pki_dir = options_.pki_dir;
  Gateway* served = gateway(region);
  file.port = served ? served->port() : uint16_t{0};
  file.peers = peer_pins(region);
  if (options_.dialects) {
    for (auto& [key, path] : options_.dialects->files()) {
      if (key == region || key.size() == 12) file.dialects.emplace(key, path);
    }
  }
  return gateway::node_config_json(file);
}

std::string node_config_json(const NodeConfigFile& file) {
  const std::filesystem::path pki(file.pki_dir);
  const std::string& region = file.region;
  adapters::JsonWriter w;
  w.begin_object().key("format").string("medclear.node.v1").key("region").string(region);
  w.key("ledger_dir").string(file.ledger_dir);
  if (!file.reference_path.empty()) w.key("reference").string(file.reference_path);
  if (!file.regions.empty()) w.key("regions").string(file.regions);
  if (!file.bootstrap_servers.empty()) {
    w.key("kafka").begin_object().key("bootstrap.servers").string(file.bootstrap_servers);
    w.end_object();
  }
  if (!file.pki_dir.empty()) {
    w.key("gateway").begin_object();
    w.key("listen_address").string("127.0.0.1");
    w.key("port").integer(file.port);
    w.key("certificate_file").string((pki / ("node-" + region + ".pem")).string());
    w.key("key_file").string((pki / ("node-" + region + ".key")).string());
    w.key("client_ca_file").string((pki / "ca.pem").string());
    if (std::filesystem::exists(pki / "crl.pem"))
      w.key("crl_file").string((pki / "crl.pem").string());
    if (file.gateway_threads > 0) w.key("threads").integer(file.gateway_threads);
    w.end_object();
    if (!file.dialects.empty()) {
      w.key("dialects").begin_object();
      for (const auto& [key, path] : file.dialects) w.key(key).string(path);
      w.end_object();
    }
    if (!file.peers.empty()) {
      w.key("reconciliation").begin_object().key("at").string("02:00");
      Result<adapters::Json> peers = adapters::parse_json(peer_pins_json(file.peers));
      w.key("peers").value(*peers);
      w.end_object();
    }
  }
  w.end_object();
  return w.take();
}

Gateway* RegionSet::gateway(const std::string& region) const {
  auto it = gateways_.find(region);
  return it == gateways_.end() ? nullptr : it->second.get();
}

}  // namespace medclear::gateway
