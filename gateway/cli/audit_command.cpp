// `medclear audit report`: the regulators' audit report over the regions' ledgers as JSON, CSV
// or HTML; argument parsing and printing only (the report is gateway/backoffice/audit_report.h).
#include "gateway/cli/audit_command.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "gateway/backoffice/audit_report.h"
#include "gateway/cli/cli.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;

namespace {

constexpr const char* kUsage =
    "medclear audit report --from YYYY-MM-DD --to YYYY-MM-DD [--ledgers DIR]\n"
    "                      [--format json|csv|html] [--out FILE] [--scenario FILE]\n\n"
    "The regulators' audit report over the regions' ledgers (DIR/<region>): totals by region\n"
    "pair and fund, claims by status, reconciliation and clearing statements, anomaly flags and\n"
    "every ledger verified. --scenario gives reference data for the filing check. Exit 0 when\n"
    "every ledger verified, 1 when one did not, 2 on bad input.\n\n"
    "Options";

void add_audit_options(po::options_description& options) {
  options.add_options()("from", po::value<std::string>()->required(), "first business day")(
      "to", po::value<std::string>()->required(), "last business day")(
      "ledgers", po::value<std::string>()->default_value("medclear-demo/ledgers"),
      "ledgers directory")("format", po::value<std::string>()->default_value("json"),
                           "json, csv or html")("out", po::value<std::string>(),
                                                "write here instead of standard output")(
      "scenario", po::value<std::string>(),
      "reference data (contracts/adjudicate.md) for the filing check");
}

// `medclear audit` without the report's name: --help, or a refusal.
int without_report(int argc, char** argv, const po::options_description& options) {
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

Status print_report(const std::string& text, const ArgumentChecks& check) {
  if (!check.given("out")) {
    std::cout << text;
    return Status::ok();
  }
  std::ofstream out(check.text("out"), std::ios::trunc);
  out << text;
  return out ? Status::ok() : Status::unavailable("cannot write " + check.text("out"));
}

}  // namespace

int audit_main(int argc, char** argv) {
  po::options_description options(kUsage);
  add_audit_options(options);
  if (argc < 2 || std::string_view(argv[1]) != "report") return without_report(argc, argv, options);
  int code = 0;
  const auto vm = parse_options(argc - 1, argv + 1, options, "", "medclear audit report", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear audit report", *vm);
  const cl::Date from = check.date("from");
  const cl::Date to = check.date("to");
  check.ordered("from", from, "to", to);
  const std::string format = check.choice("format", {"json", "csv", "html"});
  const std::string ledgers = check.existing_directory("ledgers");
  check.output_file("out");
  const std::string scenario = check.existing_file("scenario");
  if (!check.ok()) return check.refuse();
  Result<AuditReport> report = audit_ledgers_at(ledgers, from, to, scenario);
  if (!report.is_ok()) {
    std::cerr << "medclear audit: " << report.status().message() << "\n";
    return 2;
  }
  const std::string text = format == "json"  ? audit_json(*report) + "\n"
                           : format == "csv" ? audit_csv(*report)
                                             : audit_html(*report);
  if (Status printed = print_report(text, check); !printed.is_ok()) {
    std::cerr << "medclear audit: " << printed.message() << "\n";
    return 2;
  }
  return report->intact() ? 0 : 1;
}

}  // namespace medclear::gateway
