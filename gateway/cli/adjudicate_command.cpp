// `medclear adjudicate`: runs a scenario (contracts/adjudicate.md) through the engine with
// in-memory state, optionally writing both regions' ledgers; argument parsing and printing only.
#include "gateway/cli/adjudicate_command.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "clearing/memory_state.h"
#include "gateway/backoffice/adjudicate.h"
#include "gateway/cli/cli.h"
#include "ledger/directory.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

// The ledgers of every region a scenario touches, opened on first use under one directory.
class LedgerSet {
 public:
  LedgerSet(std::string root, ledger::HashAlgorithm algorithm)
      : root_(std::move(root)), algorithm_(algorithm) {}

  // Stages the record on both sides: the insured region's funds and the treating region's
  // receivable (DOMAIN.md §5).
  Status stage(const clearing::SettlementRecord& record) {
    for (const auto& [admdvs, side] :
         {std::pair{record.insuplc_admdvs, ledger::Side::kInsured},
          std::pair{record.mdtrtarea_admvs, ledger::Side::kTreating}}) {
      Result<ledger::Ledger*> target = get(ledger::region_of(admdvs));
      if (!target.is_ok()) return target.status();
      Result<ledger::Ledger::Staged> staged = (*target)->stage(record, side);
      if (!staged.is_ok()) return staged.status();
    }
    return Status::ok();
  }

  Status commit() {
    for (auto& [region, directory] : ledgers_) {
      if (Status status = directory.ledger->commit(); !status.is_ok()) {
        return Status::error("ledger " + region + ": " + status.message());
      }
    }
    return Status::ok();
  }

 private:
  Result<ledger::Ledger*> get(const std::string& region) {
    auto it = ledgers_.find(region);
    if (it == ledgers_.end()) {
      ledger::LedgerOptions options;
      options.region = region;
      options.algorithm = algorithm_;
      Result<ledger::LedgerDirectory> opened =
          ledger::open_directory(root_ + "/" + region, options, true);
      if (!opened.is_ok()) return opened.status();
      if (Result<ledger::SigningKey> key = opened->seal_key(); !key.is_ok()) return key.status();
      it = ledgers_.emplace(region, std::move(*opened)).first;
    }
    return it->second.ledger.get();
  }

  std::string root_;
  ledger::HashAlgorithm algorithm_;
  std::map<std::string, ledger::LedgerDirectory> ledgers_;
};

constexpr size_t kLedgerBatchRequests = 1000;

// Runs the scenario writing its ledgers; answers leave only after their batch is durable.
int adjudicate_with_ledger(const adapters::Scenario& scenario, const std::string& root,
                           ledger::HashAlgorithm algorithm) {
  clearing::MemoryState state;
  LedgerSet ledgers(root, algorithm);
  std::vector<std::string> pending_answers;
  Status failure = Status::ok();
  auto flush = [&]() {
    if (!failure.is_ok()) return;
    failure = ledgers.commit();
    if (!failure.is_ok()) return;
    for (const std::string& answer : pending_answers) std::cout << answer << '\n';
    pending_answers.clear();
  };
  run_adjudication(
      scenario, state,
      [&](const std::string& response) {
        pending_answers.push_back(response);
        if (pending_answers.size() >= kLedgerBatchRequests) flush();
      },
      [&](const clearing::SettlementRecord& record) {
        if (failure.is_ok()) failure = ledgers.stage(record);
      });
  flush();
  if (!failure.is_ok()) {
    std::cerr << "medclear adjudicate: ledger failure, unanswered requests were not written "
                 "durably: "
              << failure.message() << "\n";
    return 1;
  }
  std::cout.flush();
  return std::cout ? 0 : 2;
}

}  // namespace

int adjudicate_main(int argc, char** argv) {
  po::options_description options(
      "medclear adjudicate --scenario FILE\n\n"
      "Runs the requests of a scenario (contracts/adjudicate.md) through the clearing engine with\n"
      "in-memory state and prints one response envelope per request, one JSON object per line.\n"
      "Exit 0 when the scenario was read, 2 when it is unreadable or invalid, 1 when a\nledger "
      "cannot be written.\n\nOptions");
  options.add_options()("scenario", po::value<std::string>()->required(), "scenario file (JSON)")(
      "ledger", po::value<std::string>(),
      "also write every settlement to the ledgers of both regions under this directory")(
      "hash", po::value<std::string>()->default_value("sha256"),
      "with --ledger: hash of new ledgers' chain and seals: sha256 or sm3");
  int code = 0;
  const auto maybe_vm = parse_options(argc, argv, options, "", "medclear adjudicate", &code);
  if (!maybe_vm) return code;
  const po::variables_map& vm = *maybe_vm;
  ArgumentChecks check("medclear adjudicate", vm);
  const std::string path = check.existing_file("scenario");
  check.output_directory("ledger");
  check.only_with("hash", "ledger");
  check.choice("hash", {"sha256", "sm3"});
  if (!check.ok()) return check.refuse();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "medclear adjudicate: cannot read " << path << "\n";
    return 2;
  }
  std::stringstream content;
  content << file.rdbuf();
  const Result<adapters::Scenario> load = adapters::load_scenario(content.str());
  if (!load.is_ok()) {
    std::cerr << "medclear adjudicate: invalid scenario " << path << ": " << load.status().message()
              << "\n";
    return 2;
  }
  if (vm.count("ledger")) {
    const Result<ledger::HashAlgorithm> algorithm =
        ledger::parse_hash_algorithm(vm["hash"].as<std::string>());
    if (!algorithm.is_ok()) {
      std::cerr << "medclear adjudicate: " << algorithm.status().message() << "\n";
      return 2;
    }
    return adjudicate_with_ledger(*load, vm["ledger"].as<std::string>(), *algorithm);
  }
  clearing::MemoryState state;
  run_adjudication(*load, state,
                   [&](const std::string& response) { std::cout << response << '\n'; });
  std::cout.flush();
  return std::cout ? 0 : 2;
}

}  // namespace medclear::gateway
