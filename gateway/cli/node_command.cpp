#include "gateway/cli/node_command.h"

#include <signal.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "adapters/reference_json.h"
#include "gateway/app/region_set.h"
#include "gateway/cli/cli.h"
#include "gateway/http/server.h"
#include "gateway/http/timeline.h"
#include "gateway/node/node.h"
#include "gateway/recon/nightly.h"

namespace medclear::gateway {

namespace po = boost::program_options;

namespace {

std::optional<po::variables_map> parse(int argc, char** argv, po::options_description& options,
                                       std::string_view command, int* exit_code) {
  return parse_options(argc, argv, options, "", command, exit_code);
}

struct NodeConfig {
  NodeOptions node;
  std::optional<GatewayOptions> gateway;  // the "gateway" object: HTTPS for this region
  // The "reconciliation" object: {"at": "HH:MM" UTC, "peers": {"440000": {"address": "host:port",
  // "node_cn": "440000", "seal_public_key": hex}, …}} (gateway/recon/peers.h); the peers are
  // reached with the gateway's certificate, key and CA (it needs a "gateway"), and the gateway
  // countersigns only statements signed with a pinned key.
  std::optional<NightlyOptions> nightly;
  std::string reference_path;
  std::vector<std::string> regions;  // topics to create on an embedded broker
  int partitions = 8;
};

// The "gateway" object: files and listen address as strings, limits as positive numbers named
// as in GatewayLimits (units in their names).
Result<GatewayOptions> read_gateway(const adapters::Json& json) {
  if (!json.is_object()) return Status::error("gateway must be an object");
  GatewayOptions gateway;
  GatewayLimits& l = gateway.limits;
  const std::map<std::string, std::string*> texts = {
      {"listen_address", &gateway.listen_address},
      {"certificate_file", &gateway.certificate_file},
      {"key_file", &gateway.key_file},
      {"client_ca_file", &gateway.client_ca_file},
      {"crl_file", &gateway.crl_file}};
  const std::map<std::string, std::function<void(int64_t)>> numbers = {
      {"port", [&](int64_t n) { gateway.port = static_cast<uint16_t>(n); }},
      {"threads", [&](int64_t n) { gateway.threads = static_cast<int>(n); }},
      {"body_bytes_max", [&](int64_t n) { l.body_bytes_max = static_cast<size_t>(n); }},
      {"header_bytes_max", [&](int64_t n) { l.header_bytes_max = static_cast<size_t>(n); }},
      {"connections_max", [&](int64_t n) { l.connections_max = static_cast<size_t>(n); }},
      {"unverified_connections_per_address_max",
       [&](int64_t n) { l.unverified_connections_per_address_max = static_cast<size_t>(n); }},
      {"client_requests_per_s",
       [&](int64_t n) { l.client_requests_per_s = static_cast<uint32_t>(n); }},
      {"client_burst_requests",
       [&](int64_t n) { l.client_burst_requests = static_cast<uint32_t>(n); }},
      {"settlements_in_flight_max",
       [&](int64_t n) { l.settlements_in_flight_max = static_cast<size_t>(n); }},
      {"handshake_timeout_ms", [&](int64_t n) { l.handshake_timeout_ms = static_cast<int>(n); }},
      {"read_timeout_ms", [&](int64_t n) { l.read_timeout_ms = static_cast<int>(n); }},
      {"write_timeout_ms", [&](int64_t n) { l.write_timeout_ms = static_cast<int>(n); }},
      {"idle_timeout_ms", [&](int64_t n) { l.idle_timeout_ms = static_cast<int>(n); }},
      {"answer_timeout_ms", [&](int64_t n) { l.answer_timeout_ms = static_cast<int>(n); }}};
  for (const auto& [key, value] : json.members) {
    if (auto text = texts.find(key); text != texts.end()) {
      if (!value.is_string()) return Status::error("gateway." + key + " must be a string");
      *text->second = value.text;
    } else if (auto number = numbers.find(key); number != numbers.end()) {
      const bool digits = value.is_number() && !value.text.empty() && value.text.size() < 10 &&
                          std::all_of(value.text.begin(), value.text.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || (key != "port" && std::stoll(value.text) == 0) ||
          (key == "port" && std::stoll(value.text) > 65535)) {
        return Status::error("gateway." + key + " must be a positive whole number");
      }
      number->second(std::stoll(value.text));
    } else {
      return Status::error("unknown key gateway." + key);
    }
  }
  if (gateway.certificate_file.empty() || gateway.key_file.empty() ||
      gateway.client_ca_file.empty()) {
    return Status::error("gateway needs certificate_file, key_file and client_ca_file");
  }
  return gateway;
}

// Reads the node configuration (ops/node.example.json documents every key).
Result<NodeConfig> read_config(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  const adapters::JsonParse json = adapters::parse_json(content.str());
  if (!file || !json.value || !json.value->is_object()) {
    return Status::error("cannot read node config " + path);
  }
  NodeConfig config;
  for (const auto& [key, value] : json.value->members) {
    auto text = [&]() -> Result<std::string> {
      if (!value.is_string()) return Status::error(key + " must be a string");
      return value.text;
    };
    auto number = [&]() -> Result<int64_t> {
      if (!value.is_number()) return Status::error(key + " must be a number");
      return std::stoll(value.text);
    };
    Status bad = Status::ok();
    if (key == "format") {
      if (!value.is_string() || value.text != "medclear.node.v1")
        bad = Status::error("format must be medclear.node.v1");
    } else if (key == "region") {
      Result<std::string> r = text();
      if (r.is_ok())
        config.node.region = *r;
      else
        bad = r.status();
    } else if (key == "ledger_dir") {
      Result<std::string> r = text();
      if (r.is_ok())
        config.node.ledger_dir = *r;
      else
        bad = r.status();
    } else if (key == "reference") {
      Result<std::string> r = text();
      if (r.is_ok())
        config.reference_path = *r;
      else
        bad = r.status();
    } else if (key == "regions") {
      Result<std::string> r = text();
      if (r.is_ok())
        config.regions = parse_regions(*r);
      else
        bad = r.status();
    } else if (key == "partitions" || key == "batch_claims_max" || key == "pending_claims_max" ||
               key == "resend_after_ms" || key == "pending_deadline_ms") {
      Result<int64_t> n = number();
      if (!n.is_ok() || *n <= 0) {
        bad = Status::error(key + " must be a positive number");
      } else if (key == "partitions") {
        config.partitions = static_cast<int>(*n);
      } else if (key == "batch_claims_max") {
        config.node.batch_claims_max = static_cast<size_t>(*n);
      } else if (key == "pending_claims_max") {
        config.node.pending_claims_max = static_cast<size_t>(*n);
      } else if (key == "pending_deadline_ms") {
        config.node.pending_deadline_ms = static_cast<int>(std::min<int64_t>(*n, 86'400'000));
      } else {
        config.node.resend_after_ms = static_cast<int>(*n);
      }
    } else if (key == "kafka") {
      if (!value.is_object()) bad = Status::error("kafka must be an object");
      for (const auto& [name, setting] : value.members) {
        if (!setting.is_string()) {
          bad = Status::error("kafka." + name + " must be a string");
        } else if (name == "bootstrap.servers") {
          config.node.kafka.bootstrap_servers = setting.text;
        } else {
          config.node.kafka.properties[name] = setting.text;
        }
      }
    } else if (key == "gateway") {
      Result<GatewayOptions> gateway = read_gateway(value);
      if (gateway.is_ok())
        config.gateway = *gateway;
      else
        bad = gateway.status();
    } else if (key == "reconciliation") {
      NightlyOptions nightly;
      const adapters::Json* at = value.find("at");
      const adapters::Json* peers = value.find("peers");
      if (!value.is_object() || at == nullptr || !at->is_string() || !parse_time_of_day(at->text) ||
          peers == nullptr || !peers->is_object()) {
        bad = Status::error("reconciliation needs \"at\": \"HH:MM\" and a \"peers\" object");
      } else if (value.members.size() != 2) {
        bad = Status::error("reconciliation takes \"at\" and \"peers\" only");
      } else {
        nightly.at = at->text;
        Result<PeerPins> pins = read_peer_pins(*peers);
        if (pins.is_ok()) {
          nightly.peers = std::move(*pins);
          config.nightly = nightly;
        } else {
          bad = pins.status();
        }
      }
    } else {
      bad = Status::error("unknown key " + key);
    }
    if (!bad.is_ok()) return Status::error(path + ": " + bad.message());
  }
  if (config.node.region.empty() || config.node.ledger_dir.empty() ||
      config.reference_path.empty()) {
    return Status::error(path + ": region, ledger_dir and reference are required");
  }
  if (config.regions.empty()) config.regions = parse_regions("all");
  config.node.served_regions = config.regions;  // a claim insured elsewhere: region_not_served
  if (config.nightly) {
    if (!config.gateway)
      return Status::error(path + ": reconciliation needs a gateway (its TLS files)");
    config.nightly->region = config.node.region;
    config.nightly->seal_key_file = config.node.ledger_dir + "/seal-key.pem";
    config.nightly->ca_file = config.gateway->client_ca_file;
    config.nightly->certificate_file = config.gateway->certificate_file;
    config.nightly->key_file = config.gateway->key_file;
    if (config.nightly->peers.contains(config.node.region)) {
      return Status::error(path + ": reconciliation.peers names this node's own region");
    }
  }
  return config;
}

}  // namespace

int broker_main(int argc, char** argv) {
  po::options_description options(
      "medclear broker [--regions all|CODE,CODE…] [--partitions N] [--brokers N]\n\n"
      "Runs librdkafka's mock cluster as a development broker until SIGINT/SIGTERM, with the\n"
      "claims.*, settlements.* and dead-letters.* topics of the regions. Prints\n"
      "'bootstrap=HOST:PORT,…' and then 'ready'. In memory only; at most 5 MiB per partition.\n\n"
      "Options");
  options.add_options()("regions", po::value<std::string>()->default_value("all"),
                        "all, or CODE,CODE,… (province codes)")(
      "partitions", po::value<std::string>()->default_value("8"), "partitions per topic, 1 to 256")(
      "brokers", po::value<std::string>()->default_value("3"), "mock brokers, 1 to 16");
  int code = 0;
  const auto vm = parse(argc, argv, options, "medclear broker", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear broker", *vm);
  const std::vector<std::string> regions = check.provinces("regions", true, 1, kProvinceCount);
  const int partitions = static_cast<int>(check.integer("partitions", 1, 256));
  const int brokers = static_cast<int>(check.integer("brokers", 1, 16));
  if (!check.ok()) return check.refuse();
  const sigset_t signals = block_stop_signals();
  auto broker = adapters::EmbeddedBroker::start(brokers);
  if (!broker.is_ok()) {
    std::cerr << "medclear broker: " << broker.status().message() << "\n";
    return 1;
  }
  if (Status created = create_topics(**broker, regions, partitions); !created.is_ok()) {
    std::cerr << "medclear broker: " << created.message() << "\n";
    return 1;
  }
  std::cout << "bootstrap=" << (*broker)->bootstrap_servers() << "\nready" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}

int node_main(int argc, char** argv) {
  po::options_description options(
      "medclear node --config FILE\n\n"
      "Runs one region node (gateway/node/node.h) until SIGINT/SIGTERM: it clears claims of its "
      "insured\n"
      "from claims.<region> and writes settlements of its hospitals' claims from\n"
      "settlements.<region>, in its ledger. Without kafka.bootstrap.servers it starts an embedded\n"
      "broker in process and prints its address. ops/node.example.json lists every setting.\n\n"
      "Options");
  options.add_options()("config", po::value<std::string>()->required(), "node config (JSON)");
  int code = 0;
  const auto vm = parse(argc, argv, options, "medclear node", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear node", *vm);
  check.existing_file("config");
  if (!check.ok()) return check.refuse();
  Result<NodeConfig> config = read_config((*vm)["config"].as<std::string>());
  if (!config.is_ok()) {
    std::cerr << "medclear node: " << config.status().message() << "\n";
    return 2;
  }
  std::ifstream file(config->reference_path);
  std::stringstream content;
  content << file.rdbuf();
  adapters::ScenarioLoad reference = adapters::load_scenario(content.str());
  if (!file || !reference.scenario) {
    std::cerr << "medclear node: reference " << config->reference_path << ": " << reference.error
              << "\n";
    return 2;
  }
  const sigset_t signals = block_stop_signals();
  std::unique_ptr<adapters::EmbeddedBroker> broker;
  if (config->node.kafka.bootstrap_servers.empty()) {
    auto started = adapters::EmbeddedBroker::start(3);
    if (!started.is_ok() ||
        !create_topics(**started, config->regions, config->partitions).is_ok()) {
      std::cerr << "medclear node: cannot start the embedded broker\n";
      return 1;
    }
    broker = std::move(*started);
    config->node.kafka.bootstrap_servers = broker->bootstrap_servers();
  }
  auto node = RegionNode::start(config->node, reference.scenario->reference);
  if (!node.is_ok()) {
    std::cerr << "medclear node: " << node.status().message() << "\n";
    return 1;
  }
  Timeline timeline;
  std::unique_ptr<Gateway> gateway;
  if (config->gateway) {
    config->gateway->region = config->node.region;
    GatewayServices services;
    services.node = node->get();
    services.reference = &reference.scenario->reference;
    services.timeline = &timeline;
    services.seal_key_file = config->node.ledger_dir + "/seal-key.pem";
    if (config->nightly) services.peers = config->nightly->peers;
    Result<std::unique_ptr<Gateway>> started = Gateway::start(*config->gateway, services);
    if (!started.is_ok()) {
      std::cerr << "medclear node: gateway: " << started.status().message() << "\n";
      (*node)->stop();
      return 1;
    }
    gateway = std::move(*started);
    std::cout << "region=" << config->node.region << " url=https://"
              << config->gateway->listen_address << ":" << gateway->port() << "\n";
  }
  std::unique_ptr<NightlyReconciler> nightly;
  if (config->nightly) {
    nightly = std::make_unique<NightlyReconciler>(*config->nightly, node->get());
    nightly->start();
  }
  std::cout << "region=" << config->node.region
            << " bootstrap=" << config->node.kafka.bootstrap_servers << "\nready" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  nightly.reset();
  if (gateway) gateway->stop();
  (*node)->stop();
  const NodeCounters& c = (*node)->counters();
  std::cout << "stopped region=" << config->node.region << " decided=" << c.claims_decided
            << " recorded=" << c.settlements_recorded << " dead_letters=" << c.dead_letters
            << std::endl;
  return (*node)->failure() ? 1 : 0;
}

}  // namespace medclear::gateway
