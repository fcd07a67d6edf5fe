#include "simulator/demo_command.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>

#include "adapters/reference_json.h"
#include "gateway/app/region_set.h"
#include "gateway/cli/cli.h"
#include "gateway/tls/pki.h"
#include "ledger/entry.h"
#include "simulator/external.h"
#include "simulator/nation.h"
#include "simulator/run.h"

namespace medclear::simulator {

using namespace medclear::gateway;

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "medclear demo [--regions N|CODE,CODE,…] [--days N] [--claims-per-day N] [--seed S] "
    "[--faults]\n"
    "              [--via kafka|https] [--bench] [--out DIR] [--serve [--pki-dir DIR] [--scenario "
    "FILE]]\n"
    "medclear demo --via https --nation DIR [--days N] [--claims-per-day N] [--seed S] [--out "
    "DIR]\n\n"
    "The main job (contracts/demo.md). Without --serve: simulates the nation (seeded) through the\n"
    "Kafka path of the region nodes into both regions' ledgers, seals and verifies them, "
    "reconciles\n"
    "totals per region pair, computes net positions, writes OUT/summary.json, report.json,\n"
    "report.html and OUT/ledgers/<region> (replaced on each run); exit 0 when its auditor found "
    "no\n"
    "mismatch and every ledger verified, 1 otherwise. OUT/reference.json is the run's reference\n"
    "data (contracts/adjudicate.md, no requests). --via https: the hospitals send over HTTPS\n"
    "to every region's gateway (mutual TLS, OUT/pki) instead of submitting in process.\n"
    "--nation DIR: drives a running nation of processes instead (`nation init --simulated`, then\n"
    "`ops/nation.sh up`; its regions, people and nation seed come from DIR/simulated.json, --seed\n"
    "seeds the workload): the hospitals send to the region processes, each region process\n"
    "reconciles every day with its peers over POST /v1/recon (SIGUSR1), then the demo stops the\n"
    "region processes (SIGTERM; the broker stays up for `ops/nation.sh down`) and seals, clears\n"
    "and audits their ledgers in DIR/ledgers (OUT/ledgers links there). A nation takes one run.\n"
    "--bench:\n"
    "a bigger run without faults (5 days × 6,000 requests unless given) that ends with one line,\n"
    "'bench: … sustained N requests/s', the throughput after the first day.\n"
    "With --serve: brings the regions up, each with its node on\n"
    "the embedded broker and its HTTPS gateway (mutual TLS, the development PKI in --pki-dir),\n"
    "prints 'region=CODE url=https://127.0.0.1:PORT' per region and then 'ready', and serves "
    "until\n"
    "SIGINT/SIGTERM. --scenario FILE serves that file's reference data (contracts/adjudicate.md)\n"
    "instead of a simulated nation (--regions, --persons and --seed shape the nation); clients "
    "send\n"
    "the requests themselves.";

// The checked command line (cli.h): every value is allowed before anything is written.
struct DemoArguments {
  bool serve = false;
  std::string regions = "all";
  int days = 3;
  int claims_per_day = 4000;
  int persons = 60'000;
  std::optional<uint64_t> seed;
  std::string via = "kafka";
  bool faults = false;
  bool bench = false;
  std::string out;
  std::optional<std::string> pki_dir;
  std::optional<std::string> scenario;
  std::optional<std::string> nation;  // a nation of processes to drive
};

// The days of a run are business days of March 2026, cleared as one period; a day's requests
// stream through a window of 4,000, so the bounds keep a run within what it can clear and finish.
constexpr int kDaysMax = 31;
constexpr int kClaimsPerDayMax = 100'000;
constexpr int kPersonsMin = 1'000;
constexpr int kPersonsMax = 10'000'000;

// The run-only and serve-only options, each refused in the other mode.
void check_mode(ArgumentChecks& check) {
  for (const char* run_only : {"days", "claims-per-day", "faults", "via", "bench"}) {
    check.not_with(run_only, "serve", "it only shapes a run");
  }
  check.only_with("pki-dir", "serve");
  check.only_with("scenario", "serve");
  for (const char* nation_only : {"regions", "persons", "seed"}) {
    check.not_with(nation_only, "scenario", "the scenario's reference data is served");
  }
  check.not_with("faults", "bench", "a benchmark runs without faults");
  for (const char* own : {"regions", "persons", "faults", "bench", "serve"}) {
    check.not_with(own, "nation",
                   "the nation's processes are what runs, as DIR/simulated.json says");
  }
}

std::optional<DemoArguments> check_demo(ArgumentChecks& check) {
  DemoArguments a;
  a.serve = check.given("serve");
  a.bench = check.given("bench");
  a.faults = check.given("faults");
  check_mode(check);
  // A run of one region has no cross-province claims (its people's filings name another region).
  a.regions = check.given("regions") ? check.region_count_or_list("regions", 2) : "all";
  a.days = static_cast<int>(check.given("days")
                                ? check.integer("days", 1, kDaysMax, "(the days of March 2026)")
                                : (a.bench ? 5 : 3));
  a.claims_per_day = static_cast<int>(check.given("claims-per-day")
                                          ? check.integer("claims-per-day", 1, kClaimsPerDayMax)
                                          : (a.bench ? 6000 : 4000));
  a.persons = static_cast<int>(check.integer("persons", kPersonsMin, kPersonsMax));
  if (check.given("seed")) a.seed = check.unsigned_integer("seed");
  a.via = check.choice("via", {"kafka", "https"});
  a.out = check.output_directory("out");
  if (check.given("nation")) {
    a.nation = check.existing_directory("nation");
    if (!check.given("via")) a.via = "https";
    if (check.ok() && a.via != "https") check.fail("via", "must be https with --nation");
    std::error_code same;
    if (check.ok() && fs::exists(a.out) && fs::equivalent(a.out, *a.nation, same)) {
      check.fail("out", "must not be the nation's directory");
    }
  }
  if (check.given("pki-dir")) a.pki_dir = check.output_directory("pki-dir");
  if (check.given("scenario")) a.scenario = check.existing_file("scenario");
  if (!check.ok()) return std::nullopt;
  return a;
}

// The reference data to serve: the scenario's, or a simulated nation's (seeded like a run).
std::optional<clearing::ReferenceData> served_reference(const DemoArguments& args,
                                                        std::string* sample) {
  if (!args.scenario) {
    NationOptions nation_options;
    nation_options.regions = choose_regions(args.regions);
    nation_options.persons = args.persons;
    nation_options.seed = args.seed.value_or(1);
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
  const std::string path = *args.scenario;
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  Result<adapters::Scenario> loaded = adapters::load_scenario(content.str());
  if (!file || !loaded.is_ok()) {
    std::cerr << "medclear demo: scenario " << path << ": " << loaded.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(loaded->reference);
}

int serve(const DemoArguments& args) {
  std::string sample;
  const std::optional<clearing::ReferenceData> served = served_reference(args, &sample);
  if (!served) return 2;
  const clearing::ReferenceData& reference = *served;
  const fs::path out = args.out;
  std::error_code made;
  fs::create_directories(out, made);
  // OUT/reference.json: what is served, without requests (contracts/sandbox.md).
  if (Result<std::string> written =
          adapters::write_reference_file(reference, (out / "reference.json").string());
      !written.is_ok()) {
    std::cerr << "medclear demo: " << written.status().message() << "\n";
    return 1;
  }
  const std::string pki_dir = args.pki_dir.value_or((out / "pki").string());
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
  made.clear();
  fs::create_directories(nodes, made);
  const std::string reference_path =
      fs::absolute(args.scenario.value_or((out / "reference.json").string())).string();
  for (const std::string& region : (*set)->regions()) {
    std::ofstream config(nodes / ("node-" + region + ".json"), std::ios::trunc);
    config << (*set)->node_config_json(region, reference_path) << "\n";
    if (!config) {
      std::cerr << "medclear demo: cannot write " << (nodes / ("node-" + region + ".json")).string()
                << "\n";
      (*set)->stop();
      return 1;
    }
  }
  if (!sample.empty()) std::cout << sample << "\n";
  std::cout << "pki=" << pki_dir << "\nledgers=" << options.ledgers_dir
            << "\nnodes=" << nodes.string() << "\nready" << std::endl;
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

// `demo --nation DIR`: the nation DIR/simulated.json describes, driven by a run.
int drive_nation(const std::string& dir, RunOptions run) {
  Result<SimulatedNation> simulated = read_simulated(dir);
  if (!simulated.is_ok()) {
    std::cerr << "medclear demo: --nation: " << simulated.status().message() << "\n";
    return 2;
  }
  run.regions = simulated->regions;
  run.persons = simulated->persons;
  run.nation_seed = simulated->seed;
  run.nation_dir = dir;
  return run_simulation(run);
}

}  // namespace

std::vector<DevHospital> hospitals_of(const clearing::ReferenceData& reference) {
  std::vector<DevHospital> hospitals;
  for (const auto& [code, facility] : reference.facilities()) {
    hospitals.push_back({code, ledger::region_of(facility.admdvs), facility.level});
  }
  std::sort(hospitals.begin(), hospitals.end(),
            [](const DevHospital& a, const DevHospital& b) { return a.code < b.code; });
  return hospitals;
}

int demo_main(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("regions", po::value<std::string>()->default_value("all"),
                        "N (2 to 31, the most populous), all, or CODE,CODE,… (default: all 31)")(
      "days", po::value<std::string>()->default_value("3"),
      "simulated days, 1 to 31 (March 2026; --bench: 5)")(
      "claims-per-day", po::value<std::string>()->default_value("4000"),
      "requests per simulated day, 1 to 100,000 (--bench: 6000)")(
      "persons", po::value<std::string>()->default_value("60000"),
      "insured people in the nation, 1,000 to 10,000,000")(
      "seed", po::value<std::string>(), "seed, 0 to 2^64-1 (default: random, printed)")(
      "faults",
      "inject broker faults, duplicates, redelivered messages, a node restart and ledger "
      "divergences")("via", po::value<std::string>()->default_value("kafka"),
                     "kafka: hospitals submit in process; https: through each region's gateway")(
      "bench", "benchmark mode: a bigger run, no faults, the sustained throughput on one line")(
      "out", po::value<std::string>()->default_value("medclear-demo"), "output directory")(
      "serve", "serve HTTPS until SIGINT/SIGTERM")(
      "pki-dir", po::value<std::string>(),
      "with --serve: write the development PKI here (default OUT/pki)")(
      "scenario", po::value<std::string>(), "with --serve: serve this scenario's reference data")(
      "nation", po::value<std::string>(),
      "drive this running nation of processes (nation init --simulated; ops/nation.sh up)");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, kUsage, "medclear demo", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear demo", *vm);
  const std::optional<DemoArguments> args = check_demo(check);
  if (!args) return check.refuse();
  if (args->serve) return serve(*args);
  RunOptions run;
  run.regions = choose_regions(args->regions);
  run.days = args->days;
  run.claims_per_day = args->claims_per_day;
  run.via = args->via;
  run.bench = args->bench;
  run.persons = args->persons;
  run.seed = args->seed ? *args->seed : std::random_device{}();
  run.faults = args->faults;
  run.out_dir = args->out;
  if (args->nation) return drive_nation(*args->nation, run);
  return run_simulation(run);
}

}  // namespace medclear::simulator
