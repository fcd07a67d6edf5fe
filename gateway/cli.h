// Option parsing shared by the subcommands: --help prints the usage and the options and exits 0;
// a wrong option prints the error and exits 2.
#pragma once

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string_view>

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

}  // namespace medclear::gateway
