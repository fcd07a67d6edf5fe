// `medclear clear`: the monthly clearing over the regions' ledgers; argument parsing and
// printing only (the clearing is gateway/backoffice/clearing_house.h).
#include "gateway/cli/clear_command.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "gateway/backoffice/clearing_house.h"
#include "gateway/cli/cli.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;

int clear_main(int argc, char** argv) {
  po::options_description options(
      "medclear clear --period YYYY-MM [--ledgers DIR] [--prepayments FILE] [--out DIR]\n\n"
      "The monthly clearing: each region's payables and receivables of the period from its ledger\n"
      "(entries no earlier clearing took, so late entries land in the next period), the pairs\n"
      "whose two sides agree netted into one pay-in or pay-out per region drawn on its "
      "prepayment,\n"
      "pairs that do not agree held. Records a clearing mark and the statement in every ledger "
      "and\n"
      "writes OUT/clearing.json and statement-<region>.json/.csv. Exit 0 when every pair agreed,\n"
      "1 when some were held, 2 on bad input or a period that cannot be cleared.\n\n"
      "Options");
  options.add_options()("period", po::value<std::string>()->required(), "YYYY-MM")(
      "ledgers", po::value<std::string>()->default_value("medclear-demo/ledgers"),
      "directory of the regions' ledgers (DIR/<region>)")(
      "prepayments", po::value<std::string>(), "medclear.prepayments.v1 file (default: none)")(
      "out", po::value<std::string>(), "statements directory (default clearing-PERIOD)");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, "", "medclear clear", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear clear", *vm);
  const std::string period = check.period("period");
  const std::string ledgers = check.existing_directory("ledgers");
  const std::string prepayments = check.existing_file("prepayments");
  check.output_directory("out");
  if (!check.ok()) return check.refuse();
  const std::string out = vm->count("out") ? (*vm)["out"].as<std::string>() : "clearing-" + period;
  Result<PeriodClearing> cleared = clear_ledgers_at(ledgers, period, prepayments, out);
  if (!cleared.is_ok()) {
    std::cerr << "medclear clear: " << cleared.status().message() << "\n";
    return 2;
  }
  std::cout << clearing_json(*cleared) << "\nstatements=" << out << "\n";
  return cleared->held.empty() ? 0 : 1;
}

}  // namespace medclear::gateway
