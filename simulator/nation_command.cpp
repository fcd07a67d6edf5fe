// `medclear nation init`: the directory of a local nation of processes (ops/nation.sh): a
// reference scenario, the development PKI, each region's ledger directory with its seal key, and
// one `medclear node` configuration per region, every other region pinned as a reconciliation
// peer on a fixed port chosen free here. The same writer of configurations as `demo --serve`
// (gateway/app/region_set.h node_config_json).
#include "simulator/nation_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "adapters/json.h"
#include "adapters/reference_json.h"
#include "gateway/app/region_set.h"
#include "gateway/cli/cli.h"
#include "gateway/recon/peers.h"
#include "gateway/tls/pki.h"
#include "simulator/demo_command.h"
#include "simulator/external.h"
#include "simulator/nation.h"

namespace medclear::simulator {

using namespace medclear::gateway;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "medclear nation init --dir DIR [--regions N|CODE,CODE,…] [--persons N] [--scenario FILE]\n"
    "                     [--simulated [--seed S]] [--bootstrap HOST:PORT,…]\n\n"
    "Writes (or completes) the directory of a local nation of processes: DIR/reference.json (a\n"
    "small nation: per region a resident policy of pool PP0100, a catalogue with items A1, B1, "
    "C1,\n"
    "hospital H<PP>010100001 and --persons insured people filed in every other region; or a copy\n"
    "of --scenario; or with --simulated the seeded nation of `medclear demo`: --persons insured\n"
    "people in all (60,000), hospitals of levels 1-3, its policies and catalogues, and\n"
    "DIR/simulated.json, which `demo --nation DIR` rebuilds it from), DIR/pki (the development\n"
    "PKI, a certificate per hospital), DIR/ledgers/<region>/seal-key.pem and\n"
    "DIR/regions (one line, CODE,CODE,…). With --bootstrap (the one broker of the nation) also\n"
    "DIR/nodes/node-<region>.json per region on a port chosen free now, every other region pinned\n"
    "as a peer, and DIR/ports ('region port' lines). What exists is kept (PKI, keys, ledgers).\n"
    "Prints 'regions=…' and, with --bootstrap, 'nodes=DIR/nodes'.";

struct NationArguments {
  std::string dir;
  std::string regions = "3";
  int persons = 1000;
  std::optional<std::string> scenario;
  std::string bootstrap;
  bool simulated = false;  // the simulator's nation (persons: in all, not per region)
  uint64_t seed = 1;
};

// The policy of a pool, as contracts/adjudicate.md writes it (tests/support/nation.h's terms).
std::string policy_json(const std::string& pool) {
  return R"({"format": "medclear.policy.v1", "admdvs": ")" + pool + R"(", "insutype": "390",
  "effective_from": "2026-01-01",
  "inpatient": {"deductible": {"basis": "per_admission",
                               "by_level": {"1": "500.00", "2": "500.00", "3": "500.00"}},
                "ratio": {"1": "0.7000", "2": "0.7000", "3": "0.7000"}},
  "outpatient": {"deductible": {"basis": "per_year",
                                "by_level": {"1": "500.00", "2": "500.00", "3": "500.00"}},
                 "ratio": {"1": "0.7000", "2": "0.7000", "3": "0.7000"}},
  "retiree_uplift": "0.0000", "pool_annual_limit": "130000.00",
  "filing_cut": {"long_term": "0.0000", "referral": "0.1000", "emergency": "0.1000",
                 "temporary": "0.1500"},
  "unfiled": "refuse",
  "layer": {"threshold": "10000.00", "bands": [{"ratio": "0.6000"}],
            "annual_limit": "300000.00"},
  "assistance": null, "personal_account": false})";
}

std::string catalogue_json(const std::string& region) {
  return R"({"format": "medclear.catalogue.v1", "admdvs": ")" + region +
         R"(", "effective_from": "2026-01-01", "items": [
  {"code": "A1", "class": "01", "selfpay_prop": "0.0000", "limited_use": false},
  {"code": "B1", "class": "02", "selfpay_prop": "0.1000", "limited_use": false},
  {"code": "C1", "class": "03", "selfpay_prop": "1.0000", "limited_use": false}]})";
}

// Persons PP + 18 digits of the pool PP0100, each filed long-term in every other region.
void write_persons(adapters::JsonWriter& w, const std::vector<std::string>& regions,
                   const std::string& region, int persons) {
  for (int i = 0; i < persons; ++i) {
    char digits[24];
    std::snprintf(digits, sizeof digits, "%018d", i);
    w.begin_object().key("psn_no").string(region.substr(0, 2) + digits);
    w.key("insuplc_admdvs").string(region.substr(0, 2) + "0100").key("insutype").string("390");
    w.key("psn_type").string("1701").key("account_balance").string("0.00");
    w.key("filings").begin_array();
    for (const std::string& other : regions) {
      if (other == region) continue;
      w.begin_object().key("kind").string("long_term").key("area").string(other);
      w.key("from").string("2026-01-01").key("to").string("2026-12-31").end_object();
    }
    w.end_array().end_object();
  }
}

// The small nation of the usage text, as a scenario document without requests.
std::string nation_scenario(const std::vector<std::string>& regions, int persons) {
  std::string policies, catalogues;
  for (const std::string& region : regions) {
    policies += (policies.empty() ? "" : ",\n") + policy_json(region.substr(0, 2) + "0100");
    catalogues += (catalogues.empty() ? "" : ",\n") + catalogue_json(region);
  }
  adapters::JsonWriter facilities, people;
  facilities.begin_array();
  people.begin_array();
  for (const std::string& region : regions) {
    facilities.begin_object().key("fixmedins_code").string("H" + region.substr(0, 2) + "010100001");
    facilities.key("admdvs").string(region.substr(0, 2) + "0101").key("level").integer(3);
    facilities.key("cross_province").boolean(true).end_object();
    write_persons(people, regions, region, persons);
  }
  facilities.end_array();
  people.end_array();
  return "{\"policies\": [" + policies + "],\n\"catalogues\": [" + catalogues +
         "],\n\"facilities\": " + facilities.str() + ",\n\"persons\": " + people.str() +
         ",\n\"requests\": []}\n";
}

Status write_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  return file ? Status::ok() : Status::error("cannot write " + path.string());
}

// The scenario file of the nation (written or copied) and its reference data.
Result<adapters::Scenario> reference_of(const NationArguments& args, const fs::path& file) {
  std::string text;
  if (args.scenario) {
    std::ifstream in(*args.scenario);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) return Status::error("cannot read " + *args.scenario);
    text = content.str();
  } else if (args.simulated) {
    const SimulatedNation simulated{choose_regions(args.regions), args.persons, args.seed};
    Result<std::string> written = adapters::write_reference(
        make_nation({simulated.regions, simulated.persons, simulated.seed}).reference);
    if (!written.is_ok()) return written.status();
    if (Status kept = write_simulated(file.parent_path().string(), simulated); !kept.is_ok()) {
      return kept;
    }
    text = std::move(*written);
  } else {
    text = nation_scenario(choose_regions(args.regions), args.persons);
  }
  std::error_code absent;
  if (!args.simulated) fs::remove(file.parent_path() / "simulated.json", absent);
  if (Status written = write_file(file, text); !written.is_ok()) return written;
  Result<adapters::Scenario> loaded = adapters::load_scenario(text);
  if (!loaded.is_ok()) return Status::error(file.string() + ": " + loaded.status().message());
  return loaded;
}

// `count` TCP ports of 127.0.0.1 free now (bound together, so distinct, then released), below
// Linux's ephemeral range (32768–60999) so that no outgoing connection takes one while its region
// process is down (ops/crash-loop.sh --nation restarts them on the same port).
Result<std::vector<uint16_t>> free_ports(size_t count) {
  std::vector<int> sockets;
  std::vector<uint16_t> ports;
  std::random_device random;
  for (int attempt = 0; attempt < 1000 && ports.size() < count; ++attempt) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) break;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto port = static_cast<uint16_t>(20000 + random() % 12000);
    address.sin_port = htons(port);
    if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(s);
      continue;
    }
    sockets.push_back(s);
    ports.push_back(port);
  }
  for (int s : sockets) ::close(s);
  if (ports.size() != count) return Status::unavailable("cannot find free ports");
  return ports;
}

// The per-region configurations and DIR/ports, each region's peers on the ports chosen now.
Status write_nodes(const fs::path& dir, const std::vector<std::string>& regions,
                   const std::string& bootstrap) {
  Result<std::vector<uint16_t>> ports = free_ports(regions.size());
  if (!ports.is_ok()) return ports.status();
  PeerPins all;
  for (size_t i = 0; i < regions.size(); ++i) {
    Result<std::string> key = seal_public_key_of((dir / "ledgers" / regions[i]).string());
    if (!key.is_ok()) return Status::error(regions[i] + ": seal key: " + key.status().message());
    all[regions[i]] = PeerPin{regions[i], "127.0.0.1", (*ports)[i], regions[i], *key};
  }
  std::error_code made;
  fs::create_directories(dir / "nodes", made);
  std::string table, served;
  for (const std::string& region : regions) served += (served.empty() ? "" : ",") + region;
  for (size_t i = 0; i < regions.size(); ++i) {
    NodeConfigFile file{regions[i],
                        (dir / "ledgers" / regions[i]).string(),
                        (dir / "reference.json").string(),
                        served,
                        bootstrap,
                        (dir / "pki").string(),
                        (*ports)[i],
                        1,
                        all,
                        {}};
    file.peers.erase(regions[i]);
    const fs::path config = dir / "nodes" / ("node-" + regions[i] + ".json");
    if (Status w = write_file(config, node_config_json(file) + "\n"); !w.is_ok()) return w;
    table += regions[i] + " " + std::to_string((*ports)[i]) + "\n";
  }
  return write_file(dir / "ports", table);
}

int init(const NationArguments& args) {
  const fs::path dir = fs::absolute(args.dir);
  std::error_code made;
  fs::create_directories(dir, made);
  Result<adapters::Scenario> scenario = reference_of(args, dir / "reference.json");
  if (!scenario.is_ok()) {
    std::cerr << "medclear nation: " << scenario.status().message() << "\n";
    return 1;
  }
  const std::vector<std::string> regions = regions_of(scenario->reference);
  std::string listed;
  for (const std::string& region : regions) {
    listed += (listed.empty() ? "" : ",") + region;
    fs::create_directories(dir / "ledgers" / region, made);
  }
  Status done = write_dev_pki((dir / "pki").string(), regions, hospitals_of(scenario->reference));
  if (done.is_ok()) done = write_file(dir / "regions", listed + "\n");
  if (done.is_ok() && !args.bootstrap.empty()) done = write_nodes(dir, regions, args.bootstrap);
  if (!done.is_ok()) {
    std::cerr << "medclear nation: " << done.message() << "\n";
    return 1;
  }
  std::cout << "regions=" << listed << "\n";
  if (!args.bootstrap.empty()) std::cout << "nodes=" << (dir / "nodes").string() << "\n";
  return 0;
}

}  // namespace

int nation_main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "init") {
    std::cerr << "usage: " << kUsage << "\n";
    return argc >= 2 && (std::string_view(argv[1]) == "--help") ? 0 : 2;
  }
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "the nation's directory")(
      "regions", po::value<std::string>()->default_value("3"),
      "N (2 to 31, the most populous) or CODE,CODE,… (without --scenario)")(
      "persons", po::value<std::string>()->default_value("1000"),
      "insured people per region, 1 to 100,000 (without --scenario)")(
      "scenario", po::value<std::string>(), "serve this scenario's reference data instead")(
      "bootstrap", po::value<std::string>(), "the broker: also write the node configurations")(
      "simulated", "the seeded nation of `medclear demo` (for `demo --nation DIR`)")(
      "seed", po::value<std::string>(), "with --simulated: the nation's seed (1)");
  int code = 0;
  const auto vm = parse_options(argc - 1, argv + 1, options, kUsage, "medclear nation init", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear nation init", *vm);
  NationArguments args;
  args.dir = check.output_directory("dir");
  check.not_with("regions", "scenario", "the scenario's reference data is served");
  check.not_with("persons", "scenario", "the scenario's reference data is served");
  if (check.given("regions")) args.regions = check.region_count_or_list("regions", 2);
  check.not_with("simulated", "scenario", "the scenario's reference data is served");
  check.only_with("seed", "simulated");
  args.simulated = check.given("simulated");
  if (args.simulated) {
    args.persons = check.given("persons")
                       ? static_cast<int>(check.integer("persons", 1'000, 10'000'000, "(in all)"))
                       : 60'000;
  } else {
    args.persons = static_cast<int>(check.integer("persons", 1, 100'000));
  }
  if (check.given("seed")) args.seed = check.unsigned_integer("seed");
  if (check.given("scenario")) args.scenario = check.existing_file("scenario");
  if (check.given("bootstrap")) args.bootstrap = check.non_empty("bootstrap");
  if (!check.ok()) return check.refuse();
  return init(args);
}

}  // namespace medclear::simulator
