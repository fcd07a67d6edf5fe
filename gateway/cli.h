// Option parsing shared by the subcommands: --help prints the usage and the options and exits 0;
// a wrong option prints the error and exits 2.
#pragma once

#include <signal.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace medclear::gateway {

// Parses `options` (adding --help). Returns nullopt, with `exit_code` set, when the command
// should end now.
inline std::optional<boost::program_options::variables_map> parse_options(
    int argc, char** argv, boost::program_options::options_description& options,
    std::string_view usage, int* exit_code) {
  namespace po = boost::program_options;
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << (usage.empty() ? "" : "\n") << options << "\n";
      *exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& error) {
    std::cerr << error.what() << "\n" << options << "\n";
    *exit_code = 2;
    return std::nullopt;
  }
  return vm;
}

// The 31 provincial divisions (shared/data/provinces.tsv).
inline constexpr const char* kProvinces[] = {
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000"};

// "all", or a comma-separated list of division codes.
inline std::vector<std::string> parse_regions(const std::string& text) {
  if (text == "all") return {std::begin(kProvinces), std::end(kProvinces)};
  std::vector<std::string> regions;
  std::stringstream list(text);
  for (std::string code; std::getline(list, code, ',');) regions.push_back(code);
  return regions;
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so one sigwait()
// sees them.
inline sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace medclear::gateway
