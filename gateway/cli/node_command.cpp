// `medclear broker` and `medclear node`: a development broker, and one region node run from its
// config file (ops/node.example.json). The config is read whole before anything starts; every
// refusal names the file and the key (a number out of its bounds, a string where a number goes)
// and exits 2, never an exception out of main.
#include "gateway/cli/node_command.h"

#include <signal.h>

#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "adapters/dialect.h"
#include "adapters/reference_json.h"
#include "gateway/app/region_set.h"
#include "gateway/cli/cli.h"
#include "gateway/http/server.h"
#include "gateway/http/timeline.h"
#include "gateway/node/daily_seal.h"
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
  // The "seal" object: {"at": "HH:MM" UTC}: the node seals its ledger's days through yesterday
  // every day at that time (gateway/node/daily_seal.h). Without it, `medclear ledger seal`.
  std::optional<DailySealOptions> seal;
  std::string reference_path;
  std::vector<std::string> regions;  // topics to create on an embedded broker
  int partitions = 8;
  // The "dialects" object: {"440000": "ops/dialects/440000.json", "H44010600001": FILE}, the
  // province dialects of this region's hospitals (adapters/dialect.h), loaded when read.
  std::shared_ptr<const adapters::Dialects> dialects;
};

// The bounds of one number of the config and where it goes.
struct ConfigNumber {
  int64_t min = 1;
  int64_t max = 1;
  std::function<void(int64_t)> set;
};
using ConfigNumbers = std::map<std::string, ConfigNumber>;

// Limits and sizes: positive and below a billion (what the config ever took).
constexpr int64_t kConfigCountMax = 999'999'999;
constexpr int64_t kConfigDayMs = 86'400'000;

template <typename Field>
ConfigNumber number_into(Field& field, int64_t min, int64_t max) {
  return {min, max, [&field](int64_t n) { field = static_cast<Field>(n); }};
}

// Every number of the config is read here: a JSON number of decimal digits (no fraction, no
// exponent, no '-' unless `min` is negative) from `min` to `max`. Never throws (from_chars), so
// "1.5", "1e3", "-1", "99999999999999999999" or "8" (a string) are refused with the key's name.
Status read_config_number(const std::string& key, const adapters::Json& value,
                          const ConfigNumber& number) {
  const std::string& text = value.text;
  int64_t n = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (!value.is_number() || error != std::errc() || stop != text.data() + text.size() ||
      n < number.min || n > number.max) {
    return Status::invalid(key + ": a whole number from " + std::to_string(number.min) + " to " +
                           std::to_string(number.max));
  }
  number.set(n);
  return Status::ok();
}

ConfigNumbers gateway_numbers(GatewayOptions& gateway) {
  GatewayLimits& l = gateway.limits;
  const int64_t most = kConfigCountMax;
  return {{"port", number_into(gateway.port, 0, 65535)},  // 0: any free port
          {"threads", number_into(gateway.threads, 1, 1024)},
          {"body_bytes_max", number_into(l.body_bytes_max, 1, most)},
          {"node_body_bytes_max", number_into(l.node_body_bytes_max, 1, most)},
          {"header_bytes_max", number_into(l.header_bytes_max, 1, most)},
          {"connections_max", number_into(l.connections_max, 1, most)},
          {"unverified_connections_per_address_max",
           number_into(l.unverified_connections_per_address_max, 1, most)},
          {"client_requests_per_s", number_into(l.client_requests_per_s, 1, most)},
          {"client_burst_requests", number_into(l.client_burst_requests, 1, most)},
          {"settlements_in_flight_max", number_into(l.settlements_in_flight_max, 1, most)},
          {"handshake_timeout_ms", number_into(l.handshake_timeout_ms, 1, most)},
          {"read_timeout_ms", number_into(l.read_timeout_ms, 1, most)},
          {"write_timeout_ms", number_into(l.write_timeout_ms, 1, most)},
          {"idle_timeout_ms", number_into(l.idle_timeout_ms, 1, most)},
          {"answer_timeout_ms", number_into(l.answer_timeout_ms, 1, most)}};
}

ConfigNumbers node_numbers(NodeConfig& config) {
  return {{"partitions", number_into(config.partitions, 1, 256)},
          {"batch_claims_max", number_into(config.node.batch_claims_max, 1, kConfigCountMax)},
          {"pending_claims_max", number_into(config.node.pending_claims_max, 1, kConfigCountMax)},
          {"resend_after_ms", number_into(config.node.resend_after_ms, 1, kConfigDayMs)},
          {"pending_deadline_ms", number_into(config.node.pending_deadline_ms, 1, kConfigDayMs)}};
}

// The "gateway" object: files and listen address as strings, limits as positive numbers named
// as in GatewayLimits (units in their names).
Result<GatewayOptions> read_gateway(const adapters::Json& json) {
  if (!json.is_object()) return Status::invalid("gateway must be an object");
  GatewayOptions gateway;
  const std::map<std::string, std::string*> texts = {
      {"listen_address", &gateway.listen_address},
      {"certificate_file", &gateway.certificate_file},
      {"key_file", &gateway.key_file},
      {"client_ca_file", &gateway.client_ca_file},
      {"crl_file", &gateway.crl_file}};
  const ConfigNumbers numbers = gateway_numbers(gateway);
  for (const auto& [key, value] : json.members) {
    if (auto text = texts.find(key); text != texts.end()) {
      if (!value.is_string()) return Status::invalid("gateway." + key + " must be a string");
      *text->second = value.text;
    } else if (auto number = numbers.find(key); number != numbers.end()) {
      if (Status read = read_config_number("gateway." + key, value, number->second);
          !read.is_ok()) {
        return read;
      }
    } else {
      return Status::invalid("unknown key gateway." + key);
    }
  }
  if (gateway.certificate_file.empty() || gateway.key_file.empty() ||
      gateway.client_ca_file.empty()) {
    return Status::invalid("gateway needs certificate_file, key_file and client_ca_file");
  }
  return gateway;
}

// The "kafka" object: librdkafka properties as strings, bootstrap.servers among them.
Status read_kafka(const adapters::Json& json, adapters::KafkaConfig& kafka) {
  if (!json.is_object()) return Status::invalid("kafka must be an object");
  for (const auto& [name, setting] : json.members) {
    if (!setting.is_string()) return Status::invalid("kafka." + name + " must be a string");
    if (name == "bootstrap.servers") {
      kafka.bootstrap_servers = setting.text;
    } else {
      kafka.properties[name] = setting.text;
    }
  }
  return Status::ok();
}

// The "reconciliation" object (see NodeConfig::nightly).
Result<NightlyOptions> read_nightly(const adapters::Json& json) {
  const adapters::Json* at = json.find("at");
  const adapters::Json* peers = json.find("peers");
  if (!json.is_object() || at == nullptr || !at->is_string() ||
      !clearing::parse_time_of_day(at->text) || peers == nullptr || !peers->is_object()) {
    return Status::invalid("reconciliation needs \"at\": \"HH:MM\" and a \"peers\" object");
  }
  if (json.members.size() != 2) {
    return Status::invalid("reconciliation takes \"at\" and \"peers\" only");
  }
  Result<PeerPins> pins = read_peer_pins(*peers);
  if (!pins.is_ok()) return pins.status();
  NightlyOptions nightly;
  nightly.at = at->text;
  nightly.peers = std::move(*pins);
  return nightly;
}

// The "seal" object (see NodeConfig::seal).
Result<DailySealOptions> read_seal(const adapters::Json& json) {
  const adapters::Json* at = json.is_object() ? json.find("at") : nullptr;
  if (at == nullptr || !at->is_string() || !clearing::parse_time_of_day(at->text) ||
      json.members.size() != 1) {
    return Status::invalid("seal must be {\"at\": \"HH:MM\"} (UTC)");
  }
  DailySealOptions seal;
  seal.at = at->text;
  return seal;
}

template <typename T>
Status keep(Result<T> read, std::optional<T>& into) {
  if (!read.is_ok()) return read.status();
  into = std::move(*read);
  return Status::ok();
}

// One top-level member of the config.
Status read_config_member(NodeConfig& config, const std::string& key, const adapters::Json& value) {
  if (key == "format") {
    const bool known = value.is_string() && value.text == "medclear.node.v1";
    return known ? Status::ok() : Status::invalid("format must be medclear.node.v1");
  }
  if (key == "kafka") return read_kafka(value, config.node.kafka);
  if (key == "gateway") return keep(read_gateway(value), config.gateway);
  if (key == "reconciliation") return keep(read_nightly(value), config.nightly);
  if (key == "seal") return keep(read_seal(value), config.seal);
  if (key == "dialects") {
    Result<std::shared_ptr<const adapters::Dialects>> dialects = adapters::load_dialects(value);
    if (!dialects.is_ok()) return dialects.status();
    config.dialects = std::move(*dialects);
    return Status::ok();
  }
  const std::map<std::string, std::function<void(const std::string&)>> texts = {
      {"region", [&](const std::string& text) { config.node.region = text; }},
      {"ledger_dir", [&](const std::string& text) { config.node.ledger_dir = text; }},
      {"reference", [&](const std::string& text) { config.reference_path = text; }},
      {"regions", [&](const std::string& text) { config.regions = parse_regions(text); }}};
  if (auto text = texts.find(key); text != texts.end()) {
    if (!value.is_string()) return Status::invalid(key + " must be a string");
    text->second(value.text);
    return Status::ok();
  }
  const ConfigNumbers numbers = node_numbers(config);
  if (auto number = numbers.find(key); number != numbers.end()) {
    return read_config_number(key, value, number->second);
  }
  return Status::invalid("unknown key " + key);
}

// Dialects are for the gateway's hospitals: its own region's, or named hospitals.
Status check_dialects(const NodeConfig& config) {
  if (!config.dialects) return Status::ok();
  if (!config.gateway) return Status::invalid("dialects needs a gateway");
  for (const auto& [key, file] : config.dialects->files()) {
    if (key.size() != 12 && key != config.node.region) {
      return Status::invalid("dialects." + key + ": not this node's region " + config.node.region);
    }
  }
  return Status::ok();
}

// What the members cannot say alone: the required keys, the defaults, the nightly's TLS files.
Status complete_config(NodeConfig& config) {
  if (config.node.region.empty() || config.node.ledger_dir.empty() ||
      config.reference_path.empty()) {
    return Status::invalid("region, ledger_dir and reference are required");
  }
  if (config.regions.empty()) config.regions = parse_regions("all");
  config.node.served_regions = config.regions;  // a claim insured elsewhere: region_not_served
  if (Status dialects = check_dialects(config); !dialects.is_ok()) return dialects;
  if (config.seal) config.seal->seal_key_file = config.node.ledger_dir + "/seal-key.pem";
  if (!config.nightly) return Status::ok();
  if (!config.gateway) return Status::invalid("reconciliation needs a gateway (its TLS files)");
  if (config.nightly->peers.contains(config.node.region)) {
    return Status::invalid("reconciliation.peers names this node's own region");
  }
  NightlyOptions& nightly = *config.nightly;
  nightly.region = config.node.region;
  nightly.seal_key_file = config.node.ledger_dir + "/seal-key.pem";
  nightly.ca_file = config.gateway->client_ca_file;
  nightly.certificate_file = config.gateway->certificate_file;
  nightly.key_file = config.gateway->key_file;
  return Status::ok();
}

// The whole text of a file; not_found when it cannot be read.
Result<std::string> read_text_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  if (!file) return Status::not_found("cannot read " + path);
  return content.str();
}

// Reads the node configuration (ops/node.example.json documents every key). Every refusal
// names the file and the key.
Result<NodeConfig> read_config(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text.is_ok()) return Status::invalid("cannot read node config " + path);
  const Result<adapters::Json> json = adapters::parse_json(*text);
  if (!json.is_ok() || !json->is_object()) {
    return Status::invalid("cannot read node config " + path);
  }
  NodeConfig config;
  for (const auto& [key, value] : json->members) {
    if (Status read = read_config_member(config, key, value); !read.is_ok()) {
      return Status::invalid(path + ": " + read.message());
    }
  }
  if (Status complete = complete_config(config); !complete.is_ok()) {
    return Status::invalid(path + ": " + complete.message());
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

namespace {

// The reference data the node checks claims against (a scenario file, contracts/adjudicate.md).
Result<adapters::Scenario> read_reference(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text.is_ok()) return Status::invalid("reference " + path + ": " + text.status().message());
  Result<adapters::Scenario> loaded = adapters::load_scenario(*text);
  if (!loaded.is_ok())
    return Status::invalid("reference " + path + ": " + loaded.status().message());
  return std::move(*loaded);
}

// Without kafka.bootstrap.servers: an embedded broker with the regions' topics, and its address
// in the config. Null when the config names a broker.
Result<std::unique_ptr<adapters::EmbeddedBroker>> start_embedded_broker(NodeConfig& config) {
  if (!config.node.kafka.bootstrap_servers.empty()) {
    return std::unique_ptr<adapters::EmbeddedBroker>();
  }
  auto started = adapters::EmbeddedBroker::start(3);
  if (!started.is_ok() || !create_topics(**started, config.regions, config.partitions).is_ok()) {
    return Status::unavailable("cannot start the embedded broker");
  }
  config.node.kafka.bootstrap_servers = (*started)->bootstrap_servers();
  return std::move(*started);
}

// The node's HTTPS gateway, when the config has one (null otherwise).
Result<std::unique_ptr<Gateway>> start_gateway(NodeConfig& config, RegionNode* node,
                                               const adapters::Scenario& reference,
                                               Timeline& timeline) {
  if (!config.gateway) return std::unique_ptr<Gateway>();
  config.gateway->region = config.node.region;
  GatewayServices services;
  services.node = node;
  services.reference = &reference.reference;
  services.timeline = &timeline;
  services.seal_key_file = config.node.ledger_dir + "/seal-key.pem";
  if (config.nightly) services.peers = config.nightly->peers;
  services.dialects = config.dialects;
  Result<std::unique_ptr<Gateway>> started = Gateway::start(*config.gateway, services);
  if (!started.is_ok()) return Status::unavailable("gateway: " + started.status().message());
  return std::move(*started);
}

// SIGUSR1: the nightly reconciliation now, of the day sigqueue(3) sent as its value (days since
// 1970-01-01), else of yesterday (UTC).
void reconcile_now(const siginfo_t& info, NightlyReconciler* nightly) {
  if (nightly == nullptr) {
    std::cout << "reconcile refused: no reconciliation in the config" << std::endl;
    return;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const bool queued = info.si_code == SI_QUEUE && info.si_value.sival_int > 0;
  const clearing::Date day =
      queued ? clearing::Date::from_days(info.si_value.sival_int) : utc_yesterday(now);
  nightly->run_soon(day);
  std::cout << "reconcile day=" << day.to_string() << std::endl;
}

// Waits for SIGINT or SIGTERM, or for the node to stop on a failure (a ledger write that failed,
// e.g. a full disk): the process then ends with 1 and its supervisor starts it again, which
// recovers from the ledger as after a crash. Each SIGHUP meanwhile reloads the gateway's
// certificates and CRL; each SIGUSR1 runs the reconciliation (reconcile_now).
void wait_for_stop(const sigset_t& signals, Gateway* gateway, const RegionNode& node,
                   NightlyReconciler* nightly) {
  const timespec second{1, 0};
  for (;;) {
    siginfo_t info{};
    const int signal = sigtimedwait(&signals, &info, &second);
    if (signal < 0) {  // a second passed (or EINTR)
      if (auto failure = node.failure()) {
        std::cerr << "medclear node: the node stopped: " << *failure << "\n";
        return;
      }
      continue;
    }
    if (signal == SIGUSR1) {
      reconcile_now(info, nightly);
      continue;
    }
    if (signal != SIGHUP) return;
    if (gateway == nullptr) continue;
    const Status reloaded = gateway->reload_certificates();
    std::cout << "reload " << (reloaded.is_ok() ? "ok" : "failed: " + reloaded.message())
              << std::endl;
  }
}

// Runs the started node (and its gateway, and the nightly reconciliation) until SIGINT/SIGTERM,
// then stops gracefully: no new connections, the settlements in flight answered (200, or 202 at
// answer_timeout_ms), the node's step finished; claims not yet decided stay in its intake.
int serve_until_stopped(const NodeConfig& config, RegionNode& node,
                        std::unique_ptr<Gateway> gateway, const sigset_t& signals) {
  if (gateway) {
    std::cout << "region=" << config.node.region << " url=https://"
              << config.gateway->listen_address << ":" << gateway->port() << "\n";
  }
  std::unique_ptr<NightlyReconciler> nightly;
  if (config.nightly) {
    nightly = std::make_unique<NightlyReconciler>(*config.nightly, &node);
    nightly->start();
  }
  std::unique_ptr<DailySealer> sealer;
  if (config.seal) {
    sealer = std::make_unique<DailySealer>(*config.seal, &node);
    if (Status started = sealer->start(); !started.is_ok()) {
      std::cerr << "medclear node: seal: " << started.message() << "\n";
      return 1;
    }
  }
  std::cout << "region=" << config.node.region
            << " bootstrap=" << config.node.kafka.bootstrap_servers << "\nready" << std::endl;
  wait_for_stop(signals, gateway.get(), node, nightly.get());
  sealer.reset();
  nightly.reset();
  if (gateway) {
    gateway->stop(std::chrono::milliseconds(config.gateway->limits.answer_timeout_ms + 1'000));
  }
  node.stop();
  const NodeCounters& c = node.counters();
  std::cout << "stopped region=" << config.node.region << " decided=" << c.claims_decided
            << " recorded=" << c.settlements_recorded << " dead_letters=" << c.dead_letters
            << std::endl;
  return node.failure() ? 1 : 0;
}

int node_failed(const Status& status, int exit_code) {
  std::cerr << "medclear node: " << status.message() << "\n";
  return exit_code;
}

}  // namespace

int node_main(int argc, char** argv) {
  po::options_description options(
      "medclear node --config FILE\n\n"
      "Runs one region node (gateway/node/node.h) until SIGINT/SIGTERM (SIGHUP reloads the "
      "gateway's\ncertificates and CRL; SIGUSR1 reconciles yesterday with every peer now, or the "
      "day\nsigqueue(3) sends as its value, days since 1970-01-01): it clears claims of its "
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
  if (!config.is_ok()) return node_failed(config.status(), 2);
  Result<adapters::Scenario> reference = read_reference(config->reference_path);
  if (!reference.is_ok()) return node_failed(reference.status(), 2);
  sigset_t signals = block_stop_signals(true);
  sigaddset(&signals, SIGUSR1);  // before any thread starts: only sigtimedwait takes it
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto broker = start_embedded_broker(*config);
  if (!broker.is_ok()) return node_failed(broker.status(), 1);
  auto node = RegionNode::start(config->node, reference->reference);
  if (!node.is_ok()) return node_failed(node.status(), 1);
  Timeline timeline;
  auto gateway = start_gateway(*config, node->get(), *reference, timeline);
  if (!gateway.is_ok()) {
    (*node)->stop();
    return node_failed(gateway.status(), 1);
  }
  return serve_until_stopped(*config, **node, std::move(*gateway), signals);
}

}  // namespace medclear::gateway
