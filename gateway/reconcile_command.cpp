#include "gateway/reconcile_command.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "adapters/json.h"
#include "clearing/reconcile.h"
#include "gateway/cli.h"
#include "ledger/directory.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

int reconcile_main(int argc, char** argv) {
  po::options_description options(
      "medclear reconcile --day YYYY-MM-DD [--pair INSURED,TREATING] [--ledgers DIR]\n\n"
      "Reconciles one business day claim by claim between the insured region's payables and the\n"
      "treating region's receivables, for the given pair or every pair with business, with the\n"
      "hash-tree protocol of clearing/reconcile.h (both ledgers local: DIR/<region>). Prints one\n"
      "JSON statement per pair; exit 0 when all balance, 1 when any differs, 2 on bad input.\n\n"
      "Options");
  options.add_options()("day", po::value<std::string>()->required(), "business day")(
      "pair", po::value<std::string>(), "INSURED,TREATING (6-digit province codes)")(
      "ledgers", po::value<std::string>()->default_value("medclear-demo/ledgers"),
      "directory of the regions' ledgers");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, "", &code);
  if (!vm) return code;
  const std::optional<cl::Date> day = cl::parse_date((*vm)["day"].as<std::string>());
  if (!day) {
    std::cerr << "medclear reconcile: --day must be YYYY-MM-DD\n";
    return 2;
  }
  std::optional<std::pair<std::string, std::string>> only;
  if (vm->count("pair")) {
    const std::vector<std::string> pair = parse_regions((*vm)["pair"].as<std::string>());
    if (pair.size() != 2) {
      std::cerr << "medclear reconcile: --pair must be INSURED,TREATING\n";
      return 2;
    }
    only = std::pair{pair[0], pair[1]};
  }
  const std::filesystem::path root((*vm)["ledgers"].as<std::string>());
  std::error_code error;
  std::map<std::string, lg::PairItems> items;  // region → what its ledger says per pair
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    const std::string region = entry.path().filename().string();
    if (!entry.is_directory() || (only && region != only->first && region != only->second)) continue;
    Result<lg::LedgerDirectory> directory = lg::open_directory(entry.path().string(), {}, false);
    if (!directory.is_ok()) {
      std::cerr << "medclear reconcile: " << directory.status().message() << "\n";
      return 2;
    }
    Result<lg::PairItems> read = lg::recon_items(*directory->ledger, *day);
    if (!read.is_ok()) {
      std::cerr << "medclear reconcile: " << region << ": " << read.status().message() << "\n";
      return 2;
    }
    items[region] = std::move(*read);
  }
  if (error) {
    std::cerr << "medclear reconcile: " << root.string() << ": " << error.message() << "\n";
    return 2;
  }
  std::set<std::pair<std::string, std::string>> pairs;
  if (only) pairs.insert(*only);
  for (const auto& [region, by_pair] : items) {
    for (const auto& [pair, list] : by_pair) {
      if (!only) pairs.insert(pair);
    }
  }
  const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
  bool all_balanced = true;
  for (const auto& pair : pairs) {
    cl::ReconSide insured(items[pair.first][pair], hash);
    cl::ReconSide treating(items[pair.second][pair], hash);
    const cl::ReconResult result = cl::reconcile(insured, treating);
    all_balanced = all_balanced && result.balanced;
    adapters::JsonWriter w;
    w.begin_object();
    w.key("format").string("medclear.reconciliation.v1");
    w.key("day").string(day->to_string());
    w.key("insured").string(pair.first).key("treating").string(pair.second);
    w.key("balanced").boolean(result.balanced);
    w.key("insured_claims").integer(static_cast<int64_t>(insured.size()));
    w.key("treating_claims").integer(static_cast<int64_t>(treating.size()));
    w.key("bytes_exchanged").integer(static_cast<int64_t>(result.bytes_exchanged));
    w.key("bytes_full_transfer").integer(static_cast<int64_t>(result.bytes_full_transfer));
    w.key("differences").begin_array();
    for (const cl::ReconDifference& d : result.differences) {
      w.begin_object().key("setl_id").string(d.setl_id).key("kind").string(cl::to_string(d.kind));
      w.key("insured_amount").string(d.insured_amount.to_string());
      w.key("treating_amount").string(d.treating_amount.to_string()).end_object();
    }
    w.end_array().end_object();
    std::cout << w.str() << "\n";
  }
  return all_balanced ? 0 : 1;
}

}  // namespace medclear::gateway
