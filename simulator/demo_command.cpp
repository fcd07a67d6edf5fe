#include "simulator/demo_command.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>

#include "adapters/reference_json.h"
#include "gateway/cli.h"
#include "gateway/pki.h"
#include "gateway/region_set.h"
#include "ledger/entry.h"
#include "simulator/nation.h"
#include "simulator/run.h"

namespace medclear::simulator {

using namespace medclear::gateway;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "medclear demo [--regions N|CODE,CODE,…] [--days N] [--claims-per-day N] [--seed S] [--faults]\n"
    "              [--via kafka|https] [--bench] [--out DIR] [--serve [--pki-dir DIR] [--scenario FILE]]\n\n"
    "The main job (contracts/demo.md). Without --serve: simulates the nation (seeded) through the\n"
    "Kafka path of the region nodes into both regions' ledgers, seals and verifies them, reconciles\n"
    "totals per region pair, computes net positions, writes OUT/summary.json, report.json,\n"
    "report.html and OUT/ledgers/<region> (replaced on each run); exit 0 when its auditor found no\n"
    "mismatch and every ledger verified, 1 otherwise. --via https: the hospitals send over HTTPS\n"
    "to every region's gateway (mutual TLS, OUT/pki) instead of submitting in process. --bench:\n"
    "a bigger run without faults (5 days × 6,000 requests unless given) that ends with one line,\n"
    "'bench: … sustained N requests/s', the throughput after the first day.\n"
    "With --serve: brings the regions up, each with its node on\n"
    "the embedded broker and its HTTPS gateway (mutual TLS, the development PKI in --pki-dir),\n"
    "prints 'region=CODE url=https://127.0.0.1:PORT' per region and then 'ready', and serves until\n"
    "SIGINT/SIGTERM. --scenario FILE serves that file's reference data (contracts/adjudicate.md)\n"
    "instead of a simulated nation (--regions, --persons and --seed shape the nation); clients send\n"
    "the requests themselves.";

std::vector<DevHospital> hospitals_of(const clearing::ReferenceData& reference) {
  std::vector<DevHospital> hospitals;
  for (const auto& [code, facility] : reference.facilities()) {
    hospitals.push_back({code, ledger::region_of(facility.admdvs), facility.level});
  }
  std::sort(hospitals.begin(), hospitals.end(),
            [](const DevHospital& a, const DevHospital& b) { return a.code < b.code; });
  return hospitals;
}

// The reference data to serve: the scenario's, or a simulated nation's (seeded like a run).
std::optional<clearing::ReferenceData> served_reference(const po::variables_map& vm,
                                                        std::string* sample) {
  if (!vm.count("scenario")) {
    NationOptions nation_options;
    nation_options.regions = choose_regions(vm["regions"].as<std::string>());
    nation_options.persons = std::max(1000, vm["persons"].as<int>());
    nation_options.seed = vm.count("seed") ? vm["seed"].as<uint64_t>() : 1;
    Nation nation = make_nation(nation_options);
    // One person and one networked hospital of another region, for a first request by hand.
    const std::string& insured = nation.regions.front();
    const std::string& treating = nation.regions.size() > 1 ? nation.regions[1] : insured;
    if (!nation.persons[insured].empty() && !nation.hospitals[treating].empty()) {
      *sample = "sample psn_no=" + nation.persons[insured].front() +
                " fixmedins_code=" + nation.hospitals[treating].front().code;
    }
    return std::move(nation.reference);
  }
  const std::string path = vm["scenario"].as<std::string>();
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  adapters::ScenarioLoad loaded = adapters::load_scenario(content.str());
  if (!file || !loaded.scenario) {
    std::cerr << "medclear demo: scenario " << path << ": " << loaded.error << "\n";
    return std::nullopt;
  }
  return std::move(loaded.scenario->reference);
}

int serve(const po::variables_map& vm) {
  std::string sample;
  const std::optional<clearing::ReferenceData> served = served_reference(vm, &sample);
  if (!served) return 2;
  const clearing::ReferenceData& reference = *served;
  const fs::path out = vm["out"].as<std::string>();
  const std::string pki_dir =
      vm.count("pki-dir") ? vm["pki-dir"].as<std::string>() : (out / "pki").string();
  RegionSetOptions options;
  options.regions = regions_of(reference);
  if (Status written = write_dev_pki(pki_dir, options.regions, hospitals_of(reference));
      !written.is_ok()) {
    std::cerr << "medclear demo: " << written.message() << "\n";
    return 1;
  }
  options.ledgers_dir = (out / "ledgers").string();
  options.pki_dir = pki_dir;
  options.gateway.threads = 1;
  const sigset_t signals = block_stop_signals();
  Result<std::unique_ptr<RegionSet>> set = RegionSet::start(options, reference);
  if (!set.is_ok()) {
    std::cerr << "medclear demo: " << set.status().message() << "\n";
    return 1;
  }
  for (const std::string& region : (*set)->regions()) {
    std::cout << "region=" << region << " url=https://127.0.0.1:" << (*set)->gateway(region)->port()
              << "\n";
  }
  // Each region's node configuration as `medclear node` reads it: its gateway (CRL included) and
  // every other region pinned as a peer (address, node certificate CN, seal public key).
  const fs::path nodes = out / "nodes";
  std::error_code made;
  fs::create_directories(nodes, made);
  const std::string reference_path =
      vm.count("scenario") ? fs::absolute(vm["scenario"].as<std::string>()).string() : std::string();
  for (const std::string& region : (*set)->regions()) {
    std::ofstream config(nodes / ("node-" + region + ".json"), std::ios::trunc);
    config << (*set)->node_config_json(region, reference_path) << "\n";
    if (!config) {
      std::cerr << "medclear demo: cannot write " << (nodes / ("node-" + region + ".json")).string() << "\n";
      (*set)->stop();
      return 1;
    }
  }
  if (!sample.empty()) std::cout << sample << "\n";
  std::cout << "pki=" << pki_dir << "\nledgers=" << options.ledgers_dir << "\nnodes=" << nodes.string()
            << "\nready" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  (*set)->stop();
  bool failed = false;
  for (const std::string& region : (*set)->regions()) {
    if (auto failure = (*set)->node(region)->failure()) {
      std::cerr << "region " << region << " stopped: " << *failure << "\n";
      failed = true;
    }
  }
  std::cout << "stopped" << std::endl;
  return failed ? 1 : 0;
}

}  // namespace

int demo_main(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("regions", po::value<std::string>()->default_value("all"),
                        "N, or CODE,CODE,… (default: all 31)")(
      "days", po::value<int>()->default_value(3), "simulated days")(
      "claims-per-day", po::value<int>()->default_value(4000), "requests per simulated day")(
      "persons", po::value<int>()->default_value(60000), "insured people in the nation")(
      "seed", po::value<uint64_t>(), "seed (default: random, printed)")(
      "faults", "inject broker faults, duplicates, redelivered messages, a node restart and ledger divergences")(
      "via", po::value<std::string>()->default_value("kafka"),
      "kafka: hospitals submit in process; https: through each region's gateway")(
      "bench", "benchmark mode: a bigger run, no faults, the sustained throughput on one line")(
      "out", po::value<std::string>()->default_value("medclear-demo"), "output directory")(
      "serve", "serve HTTPS until SIGINT/SIGTERM")(
      "pki-dir", po::value<std::string>(), "write the development PKI here (default OUT/pki)")(
      "scenario", po::value<std::string>(), "with --serve: serve this scenario's reference data");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, kUsage, &code);
  if (!vm) return code;
  if (vm->count("serve")) return serve(*vm);
  RunOptions run;
  const bool bench = vm->count("bench") > 0;
  const auto given = [&](const char* name) { return !(*vm)[name].defaulted(); };
  run.regions = choose_regions((*vm)["regions"].as<std::string>());
  run.days = std::max(1, bench && !given("days") ? 5 : (*vm)["days"].as<int>());
  run.claims_per_day =
      std::max(1, bench && !given("claims-per-day") ? 6000 : (*vm)["claims-per-day"].as<int>());
  run.via = (*vm)["via"].as<std::string>();
  if (run.via != "kafka" && run.via != "https") {
    std::cerr << "medclear demo: --via must be kafka or https\n";
    return 2;
  }
  run.bench = bench;
  run.persons = std::max(1000, (*vm)["persons"].as<int>());
  run.seed = vm->count("seed") ? (*vm)["seed"].as<uint64_t>() : std::random_device{}();
  run.faults = vm->count("faults") > 0 && !bench;
  run.out_dir = (*vm)["out"].as<std::string>();
  return run_simulation(run);
}

}  // namespace medclear::simulator
