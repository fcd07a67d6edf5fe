// `medclear sandbox`: what a draft policy would have cost (shared/contracts/sandbox.md); argument
// parsing and printing only (the sandbox is gateway/backoffice/sandbox.h).
#include "gateway/cli/sandbox_command.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "gateway/backoffice/sandbox.h"
#include "gateway/cli/cli.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;

namespace {

constexpr const char* kUsage =
    "medclear sandbox --ledgers DIR --reference FILE --policy DRAFT [--from YYYY-MM-DD]\n"
    "                 [--to YYYY-MM-DD] [--format json|csv|html] [--out FILE]\n\n"
    "What a draft policy (one policy object of contracts/adjudicate.md) would have cost: every\n"
    "settlement insured under the draft's admdvs and insutype in the period, read from the\n"
    "insured region's ledger DIR/<region> (opened read-only; a node may be running), is decided\n"
    "again under the draft with the sandbox's own accumulators; cancelled and reversed ones stay\n"
    "out. --reference is the reference data (a scenario file; its requests are ignored). No "
    "ledger\n"
    "is written. Exit 0, 2 on bad input (a bad policy names the key's path), 1 when a ledger\n"
    "cannot be read.\n\n"
    "Options";

void add_sandbox_options(po::options_description& options) {
  options.add_options()("ledgers", po::value<std::string>()->required(),
                        "ledgers directory (DIR/<region>/db)")(
      "reference", po::value<std::string>()->required(), "reference data (scenario format)")(
      "policy", po::value<std::string>()->required(), "the draft policy (medclear.policy.v1)")(
      "from", po::value<std::string>(), "first settlement day (default: the first there is)")(
      "to", po::value<std::string>(), "last settlement day (default: the last there is)")(
      "format", po::value<std::string>()->default_value("json"), "json, csv or html")(
      "out", po::value<std::string>(), "write here instead of standard output");
}

Status print(const std::string& text, const ArgumentChecks& check) {
  if (!check.given("out")) {
    std::cout << text;
    return Status::ok();
  }
  std::ofstream out(check.text("out"), std::ios::trunc);
  out << text;
  return out ? Status::ok() : Status::unavailable("cannot write " + check.text("out"));
}

}  // namespace

int sandbox_main(int argc, char** argv) {
  po::options_description options(kUsage);
  add_sandbox_options(options);
  int code = 0;
  const auto vm = parse_options(argc, argv, options, "", "medclear sandbox", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear sandbox", *vm);
  const std::string ledgers = check.existing_directory("ledgers");
  const std::string reference = check.existing_file("reference");
  const std::string policy = check.existing_file("policy");
  SandboxOptions run;
  if (vm->count("from")) run.from = check.date("from");
  if (vm->count("to")) run.to = check.date("to");
  if (run.from && run.to) check.ordered("from", *run.from, "to", *run.to);
  const std::string format = check.choice("format", {"json", "csv", "html"});
  check.output_file("out");
  if (!check.ok()) return check.refuse();
  Result<SandboxResult> result = sandbox_at(ledgers, reference, policy, run);
  if (!result.is_ok()) {
    std::cerr << "medclear sandbox: " << result.status().message() << "\n";
    const StatusCode kind = result.status().code();
    return kind == StatusCode::kInvalid || kind == StatusCode::kNotFound ? 2 : 1;
  }
  const std::string text = format == "json"  ? sandbox_json(*result) + "\n"
                           : format == "csv" ? sandbox_csv(*result)
                                             : sandbox_html(*result);
  if (Status printed = print(text, check); !printed.is_ok()) {
    std::cerr << "medclear sandbox: " << printed.message() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace medclear::gateway
