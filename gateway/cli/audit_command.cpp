// `medclear audit report`: the regulators' audit report over the regions' ledgers as JSON, CSV
// or HTML; argument parsing and printing only (the report is gateway/backoffice/audit_report.h).
#include "gateway/cli/audit_command.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "adapters/reference_json.h"
#include "gateway/backoffice/audit_report.h"
#include "gateway/cli/cli.h"
#include "ledger/directory.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

int audit_main(int argc, char** argv) {
  po::options_description options(
      "medclear audit report --from YYYY-MM-DD --to YYYY-MM-DD [--ledgers DIR]\n"
      "                      [--format json|csv|html] [--out FILE] [--scenario FILE]\n\n"
      "The regulators' audit report over the regions' ledgers (DIR/<region>): totals by region\n"
      "pair and fund, claims by status, reconciliation and clearing statements, anomaly flags and\n"
      "every ledger verified. --scenario gives reference data for the filing check. Exit 0 when\n"
      "every ledger verified, 1 when one did not, 2 on bad input.\n\n"
      "Options");
  options.add_options()("from", po::value<std::string>()->required(), "first business day")(
      "to", po::value<std::string>()->required(), "last business day")(
      "ledgers", po::value<std::string>()->default_value("medclear-demo/ledgers"),
      "ledgers directory")("format", po::value<std::string>()->default_value("json"),
                           "json, csv or html")("out", po::value<std::string>(),
                                                "write here instead of standard output")(
      "scenario", po::value<std::string>(),
      "reference data (contracts/adjudicate.md) for the filing check");
  if (argc < 2 || std::string_view(argv[1]) != "report") {
    if (argc >= 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
      std::cout << options << "\n";
      return 0;
    }
    std::cerr << "medclear audit: "
              << (argc < 2 ? std::string("a report is required")
                           : "unknown report '" + std::string(argv[1]) + "'")
              << ": the only one is 'report' (medclear audit --help)\n";
    return 2;
  }
  int code = 0;
  const auto vm = parse_options(argc - 1, argv + 1, options, "", "medclear audit report", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear audit report", *vm);
  const cl::Date from_day = check.date("from");
  const cl::Date to_day = check.date("to");
  check.ordered("from", from_day, "to", to_day);
  const std::string format = check.choice("format", {"json", "csv", "html"});
  check.existing_directory("ledgers");
  check.output_file("out");
  check.existing_file("scenario");
  if (!check.ok()) return check.refuse();
  const std::optional<cl::Date> from = from_day;
  const std::optional<cl::Date> to = to_day;
  std::optional<adapters::Scenario> scenario;
  if (vm->count("scenario")) {
    std::ifstream file((*vm)["scenario"].as<std::string>());
    std::stringstream text;
    text << file.rdbuf();
    adapters::ScenarioLoad loaded = adapters::load_scenario(text.str());
    if (!file || !loaded.scenario) {
      std::cerr << "medclear audit: scenario: " << loaded.error << "\n";
      return 2;
    }
    scenario = std::move(loaded.scenario);
  }
  Result<lg::LedgerSet> opened = lg::open_ledger_set((*vm)["ledgers"].as<std::string>());
  if (!opened.is_ok()) {
    std::cerr << "medclear audit: " << opened.status().message() << "\n";
    return 2;
  }
  std::map<std::string, lg::Ledger*>& ledgers = opened->ledgers;
  Result<AuditReport> report =
      build_audit_report(ledgers, *from, *to, scenario ? &scenario->reference : nullptr);
  if (!report.is_ok()) {
    std::cerr << "medclear audit: " << report.status().message() << "\n";
    return 2;
  }
  const std::string text = format == "json"  ? audit_json(*report) + "\n"
                           : format == "csv" ? audit_csv(*report)
                                             : audit_html(*report);
  if (vm->count("out")) {
    std::ofstream out((*vm)["out"].as<std::string>(), std::ios::trunc);
    out << text;
    if (!out) {
      std::cerr << "medclear audit: cannot write " << (*vm)["out"].as<std::string>() << "\n";
      return 2;
    }
  } else {
    std::cout << text;
  }
  return report->intact() ? 0 : 1;
}

}  // namespace medclear::gateway
