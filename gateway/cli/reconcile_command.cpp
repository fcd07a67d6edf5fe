// `medclear reconcile`: one business day reconciled claim by claim between the regions' ledgers
// at hand (gateway/recon/recon_statement.h does the work); parsing and printing here.
#include "gateway/cli/reconcile_command.h"

#include <unistd.h>
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "gateway/cli/cli.h"
#include "gateway/recon/recon_statement.h"
#include "ledger/directory.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

// Progress on a terminal (a long run: every pair of 31 regions, or --record writing each).
void show_progress(cl::Date day, size_t done, size_t total, size_t differences) {
  std::cerr << "\rreconcile " << day.to_string() << ": " << done << "/" << total << " pairs, "
            << differences << " differences" << (done == total ? "\n" : "") << std::flush;
}

// Signs the statement with both regions' keys, keeps it in both ledgers and resolves its
// differences (gateway/recon/recon_statement.h); the doubly signed statement.
Result<std::string> record_in_both(std::map<std::string, lg::LedgerDirectory>& directories,
                                   const PairStatement& statement, cl::Date day) {
  if (!directories.contains(statement.insured) || !directories.contains(statement.treating)) {
    return Status::not_found(statement.id() + ": both ledgers are needed to record it");
  }
  Result<std::string> recorded = record_statement(
      directories.at(statement.insured), directories.at(statement.treating), statement, day);
  if (!recorded.is_ok()) return Status::error(statement.id() + ": " + recorded.status().message());
  return recorded;
}

// Prints each statement (recorded first with `record`): 0 when all balance, 1 when any differs,
// 2 when one cannot be recorded.
int print_statements(const std::vector<PairStatement>& statements,
                     std::map<std::string, lg::LedgerDirectory>& directories, cl::Date day,
                     bool record) {
  const bool progress = isatty(STDERR_FILENO) != 0;
  bool all_balanced = true;
  size_t done = 0, differences = 0;
  for (const PairStatement& statement : statements) {
    all_balanced = all_balanced && statement.result.balanced;
    differences += statement.result.differences.size();
    ++done;
    if (progress) show_progress(day, done, statements.size(), differences);
    if (!record) {
      std::cout << recon_statement_json(statement) << "\n";
      continue;
    }
    Result<std::string> recorded = record_in_both(directories, statement, day);
    if (!recorded.is_ok()) {
      std::cerr << "medclear reconcile: " << recorded.status().message() << "\n";
      return 2;
    }
    std::cout << *recorded << "\n";
  }
  return all_balanced ? 0 : 1;
}

}  // namespace

int reconcile_main(int argc, char** argv) {
  po::options_description options(
      "medclear reconcile --day YYYY-MM-DD [--pair INSURED,TREATING] [--ledgers DIR]\n\n"
      "Reconciles one business day claim by claim between the insured region's payables and the\n"
      "treating region's receivables, for the given pair or every pair with business, with the\n"
      "hash-tree protocol of clearing/reconcile.h (both ledgers local: DIR/<region>). Prints one\n"
      "JSON statement per pair; exit 0 when all balance, 1 when any differs, 2 on bad input.\n"
      "With --record each statement is signed by both regions, kept in both ledgers, and its\n"
      "differences resolved by adjustment entries referencing it (ledger/adjust.h).\n\n"
      "Options");
  options.add_options()("day", po::value<std::string>()->required(), "business day")(
      "pair", po::value<std::string>(), "INSURED,TREATING (6-digit province codes)")(
      "ledgers", po::value<std::string>()->default_value("medclear-demo/ledgers"),
      "directory of the regions' ledgers")(
      "record",
      "sign each statement with both regions' seal keys, keep it in both ledgers and\n"
      "resolve its differences by adjustment entries on the treating side");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, "", "medclear reconcile", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear reconcile", *vm);
  const cl::Date day = check.date("day");
  const std::vector<std::string> pair = check.provinces("pair", false, 2, 2);
  const std::string ledgers = check.existing_directory("ledgers");
  if (!check.ok()) return check.refuse();
  std::optional<std::pair<std::string, std::string>> only;
  if (!pair.empty()) only = std::pair{pair[0], pair[1]};
  Result<lg::LedgerSet> opened = lg::open_ledger_set(ledgers);
  Result<std::vector<PairStatement>> statements =
      opened.is_ok() ? reconcile_day(opened->ledgers, day, only) : opened.status();
  if (!statements.is_ok()) {
    std::cerr << "medclear reconcile: " << statements.status().message() << "\n";
    return 2;
  }
  return print_statements(*statements, opened->directories, day, vm->count("record") > 0);
}

}  // namespace medclear::gateway
