#include "gateway/region_set.h"

#include <filesystem>
#include <set>

#include "ledger/entry.h"

namespace medclear::gateway {

Status create_topics(adapters::EmbeddedBroker& broker, const std::vector<std::string>& regions,
                     int partitions) {
  for (const std::string& region : regions) {
    for (const std::string& topic :
         {claims_topic(region), settlements_topic(region), dead_letters_topic(region)}) {
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
  return node;
}

Status RegionSet::restart_node(const std::string& region) {
  if (!gateways_.empty()) return Status::error("a node with a gateway is not restarted in process");
  auto it = nodes_.find(region);
  if (it == nodes_.end()) return Status::error("no node of region " + region);
  it->second->stop();
  it->second.reset();  // closes its ledger
  Result<std::unique_ptr<RegionNode>> started = RegionNode::start(node_options(region), *reference_);
  if (!started.is_ok()) return Status::error(region + ": restart: " + started.status().message());
  it->second = std::move(*started);
  return Status::ok();
}

std::vector<std::string> regions_of(const clearing::ReferenceData& reference) {
  std::set<std::string> regions;
  for (const auto& [key, versions] : reference.policies()) {
    for (const clearing::Policy& policy : versions) regions.insert(ledger::region_of(policy.admdvs));
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
  for (const std::string& region : options.regions) {
    Result<std::unique_ptr<RegionNode>> started = RegionNode::start(set->node_options(region), reference);
    if (!started.is_ok()) return Status::error(region + ": " + started.status().message());
    set->nodes_[region] = std::move(*started);
  }
  if (options.pki_dir.empty()) return set;
  const std::filesystem::path pki(options.pki_dir);
  for (const std::string& region : options.regions) {
    GatewayOptions gateway = options.gateway;
    gateway.region = region;
    gateway.certificate_file = (pki / ("node-" + region + ".pem")).string();
    gateway.key_file = (pki / ("node-" + region + ".key")).string();
    gateway.client_ca_file = (pki / "ca.pem").string();
    gateway.port = 0;
    auto& timeline = set->timelines_[region] = std::make_unique<Timeline>();
    GatewayServices services;
    services.node = set->nodes_[region].get();
    services.reference = &reference;
    services.timeline = timeline.get();
    RegionSet* raw = set.get();
    services.node_of = [raw](const std::string& other) { return raw->node(other); };
    services.regions = options.regions;
    services.seal_key_file = set->node_options(region).ledger_dir + "/seal-key.pem";
    Result<std::unique_ptr<Gateway>> started = Gateway::start(gateway, services);
    if (!started.is_ok()) return Status::error(region + ": " + started.status().message());
    set->gateways_[region] = std::move(*started);
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

Gateway* RegionSet::gateway(const std::string& region) const {
  auto it = gateways_.find(region);
  return it == gateways_.end() ? nullptr : it->second.get();
}

}  // namespace medclear::gateway
