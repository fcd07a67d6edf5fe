#include "simulator/external.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/json.h"
#include "clearing/time.h"
#include "gateway/tls/https_client.h"

namespace medclear::simulator {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kReconcileDayMax = std::chrono::seconds(120);  // every pair of one day
constexpr auto kStopMax = std::chrono::seconds(60);           // as ops/nation.sh down waits

Result<std::string> read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  if (!file) return Status::not_found("cannot read " + path.string());
  return content.str();
}

// A client of one region's gateway with the development PKI's regulator certificate.
std::unique_ptr<gateway::HttpsClient> regulator_client(const ExternalNation& nation,
                                                       const std::string& region) {
  gateway::HttpsClientOptions options;
  options.port = nation.ports.at(region);
  options.ca_file = nation.dir + "/pki/ca.pem";
  options.certificate_file = nation.dir + "/pki/regulator.pem";
  options.key_file = nation.dir + "/pki/regulator.key";
  options.timeout_ms = 10'000;
  return std::make_unique<gateway::HttpsClient>(options);
}

Result<std::map<std::string, uint16_t>> read_ports(const fs::path& file) {
  Result<std::string> text = read_text(file);
  if (!text.is_ok()) return text.status();
  std::map<std::string, uint16_t> ports;
  std::istringstream lines(*text);
  std::string region;
  unsigned port = 0;
  while (lines >> region >> port) {
    if (port == 0 || port > 65535) return Status::invalid(file.string() + ": bad port");
    ports[region] = static_cast<uint16_t>(port);
  }
  return ports;
}

// Each region's process from DIR/pids (ops/nation.sh), which must be running.
Result<std::map<std::string, pid_t>> read_pids(const ExternalNation& nation) {
  std::map<std::string, pid_t> pids;
  for (const std::string& region : nation.simulated.regions) {
    const fs::path file = fs::path(nation.dir) / "pids" / ("node-" + region + ".pid");
    Result<std::string> text = read_text(file);
    const long pid = text.is_ok() ? std::atol(text->c_str()) : 0;
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) {
      return Status::unavailable("region " + region + " is not running (ops/nation.sh up --dir " +
                                 nation.dir + ")");
    }
    pids[region] = static_cast<pid_t>(pid);
  }
  return pids;
}

// No region's ledger holds a balance: the auditor starts from empty ledgers.
Status check_no_business(const ExternalNation& nation) {
  for (const std::string& region : nation.simulated.regions) {
    const gateway::HttpsAnswer answer =
        regulator_client(nation, region)->get("/v1/balances?region=" + region);
    if (answer.status != 200) {
      return Status::unavailable("region " + region + ": /v1/balances answered " +
                                 std::to_string(answer.status) + " " + answer.error);
    }
    Result<adapters::Json> json = adapters::parse_json(answer.body);
    const adapters::Json* positions = json.is_ok() ? json->find("positions") : nullptr;
    if (positions == nullptr || !positions->is_array()) {
      return Status::error("region " + region + ": /v1/balances: no positions");
    }
    if (!positions->items.empty()) {
      return Status::invalid("region " + region +
                             " has settled claims already: the demo needs a nation that has "
                             "settled nothing (a new directory: nation init --simulated)");
    }
  }
  return Status::ok();
}

// The value of the first /metrics line of `name` whose labels contain `label` ("" for any).
uint64_t metric(const std::string& text, const std::string& name, const std::string& label) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with(name + "{") && !line.starts_with(name + " ")) continue;
    if (!label.empty() && line.find(label) == std::string::npos) continue;
    const size_t space = line.rfind(' ');
    return static_cast<uint64_t>(std::strtod(line.c_str() + space + 1, nullptr));
  }
  return 0;
}

struct ReconCounters {
  bool read = false;
  uint64_t kept = 0;
  uint64_t failed = 0;
  uint64_t differences_last = 0;
};

ReconCounters recon_counters(const ExternalNation& nation, const std::string& region) {
  const gateway::HttpsAnswer answer = regulator_client(nation, region)->get("/metrics");
  if (answer.status != 200) return {};
  const std::string family = "medclear_node_reconciliations_total";
  return {true, metric(answer.body, family, "result=\"kept\""),
          metric(answer.body, family, "result=\"failed\""),
          metric(answer.body, "medclear_node_reconciliation_differences", "")};
}

// Waits until `region` counted `pairs` more reconciliations than `before`; adds them to `into`.
void await_day(const ExternalNation& nation, const std::string& region, const ReconCounters& before,
               uint64_t pairs, const std::string& day, NodeReconciliation& into) {
  const auto deadline = Clock::now() + kReconcileDayMax;
  for (;;) {
    const ReconCounters now = recon_counters(nation, region);
    if (now.read && now.kept + now.failed >= before.kept + before.failed + pairs) {
      into.kept += now.kept - before.kept;
      into.failed += now.failed - before.failed;
      into.differences += now.differences_last;
      if (now.failed > before.failed) {
        into.problems.push_back("region " + region + " could not reconcile " +
                                std::to_string(now.failed - before.failed) + " pairs of " + day +
                                " (its log says why)");
      }
      return;
    }
    if (Clock::now() > deadline) {
      into.problems.push_back("region " + region + " did not reconcile " + day + " within " +
                              std::to_string(kReconcileDayMax.count()) + " s");
      return;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

Status write_simulated(const std::string& dir, const SimulatedNation& nation) {
  adapters::JsonWriter w;
  w.begin_object().key("format").string("medclear.simulated-nation.v1").key("regions");
  w.begin_array();
  for (const std::string& region : nation.regions) w.string(region);
  w.end_array().key("persons").integer(nation.persons);
  w.key("seed").string(std::to_string(nation.seed)).end_object();
  std::ofstream file(fs::path(dir) / "simulated.json", std::ios::trunc);
  file << w.str() << "\n";
  file.close();
  return file ? Status::ok() : Status::error("cannot write " + dir + "/simulated.json");
}

Result<SimulatedNation> read_simulated(const std::string& dir) {
  const fs::path file = fs::path(dir) / "simulated.json";
  Result<std::string> text = read_text(file);
  if (!text.is_ok()) {
    return Status::not_found(file.string() +
                             " is missing: not a nation of `medclear nation init --simulated`");
  }
  Result<adapters::Json> json = adapters::parse_json(*text);
  const adapters::Json* format = json.is_ok() ? json->find("format") : nullptr;
  const adapters::Json* regions = json.is_ok() ? json->find("regions") : nullptr;
  const adapters::Json* persons = json.is_ok() ? json->find("persons") : nullptr;
  const adapters::Json* seed = json.is_ok() ? json->find("seed") : nullptr;
  if (format == nullptr || format->text != "medclear.simulated-nation.v1" || regions == nullptr ||
      !regions->is_array() || persons == nullptr || !persons->is_number() || seed == nullptr ||
      !seed->is_string()) {
    return Status::invalid(file.string() + " is not a medclear.simulated-nation.v1 document");
  }
  SimulatedNation nation;
  for (const adapters::Json& region : regions->items) nation.regions.push_back(region.text);
  nation.persons = std::atoi(persons->text.c_str());
  nation.seed = std::strtoull(seed->text.c_str(), nullptr, 10);
  return nation;
}

Result<ExternalNation> open_external_nation(const std::string& dir,
                                            const std::string& reference_json) {
  ExternalNation nation;
  nation.dir = fs::weakly_canonical(fs::absolute(dir)).string();
  Result<SimulatedNation> simulated = read_simulated(nation.dir);
  if (!simulated.is_ok()) return simulated.status();
  nation.simulated = std::move(*simulated);
  Result<std::string> reference = read_text(fs::path(nation.dir) / "reference.json");
  if (!reference.is_ok()) return reference.status();
  if (*reference != reference_json) {
    return Status::invalid(nation.dir +
                           "/reference.json is not the nation simulated.json describes (another "
                           "medclear wrote it?): init the directory again");
  }
  Result<std::map<std::string, uint16_t>> ports = read_ports(fs::path(nation.dir) / "ports");
  if (!ports.is_ok()) return ports.status();
  nation.ports = std::move(*ports);
  for (const std::string& region : nation.simulated.regions) {
    if (!nation.ports.contains(region)) {
      return Status::invalid(nation.dir + "/ports has no port of " + region);
    }
  }
  Result<std::map<std::string, pid_t>> pids = read_pids(nation);
  if (!pids.is_ok()) return pids.status();
  nation.pids = std::move(*pids);
  if (Status fresh = check_no_business(nation); !fresh.is_ok()) return fresh;
  return nation;
}

NodeReconciliation reconcile_through_nodes(const ExternalNation& nation,
                                           const std::vector<int32_t>& days) {
  NodeReconciliation done;
  const uint64_t peers = nation.simulated.regions.size() - 1;
  for (const int32_t day : days) {
    const std::string day_text = clearing::Date::from_days(day).to_string();
    std::map<std::string, ReconCounters> before;
    for (const auto& [region, pid] : nation.pids) {
      before[region] = recon_counters(nation, region);
      union sigval value {};
      value.sival_int = day;
      if (!before[region].read || ::sigqueue(pid, SIGUSR1, value) != 0) {
        done.problems.push_back("region " + region + ": cannot ask it to reconcile " + day_text);
        before.erase(region);
      }
    }
    for (const auto& [region, counters] : before) {
      await_day(nation, region, counters, peers, day_text, done);
    }
  }
  return done;
}

std::vector<std::string> stop_region_processes(const ExternalNation& nation) {
  std::vector<std::string> problems;
  for (const auto& [region, pid] : nation.pids) ::kill(pid, SIGTERM);
  for (const auto& [region, pid] : nation.pids) {
    const auto deadline = Clock::now() + kStopMax;
    while (::kill(pid, 0) == 0 || errno != ESRCH) {
      if (Clock::now() > deadline) {
        problems.push_back("region " + region + " did not exit after SIGTERM");
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    // ops/nation.sh's watcher writes the exit code once it reaped the process.
    const fs::path exit_file = fs::path(nation.dir) / "pids" / ("node-" + region + ".exit");
    const auto written = Clock::now() + std::chrono::seconds(5);
    while (!fs::exists(exit_file) && Clock::now() < written) std::this_thread::sleep_for(kPoll);
    Result<std::string> code = read_text(exit_file);
    if (code.is_ok() && std::atoi(code->c_str()) != 0) {
      problems.push_back("region " + region + " exited " +
                         std::to_string(std::atoi(code->c_str())) + " (" + nation.dir +
                         "/logs/node-" + region + ".log)");
    }
  }
  return problems;
}

}  // namespace medclear::simulator
