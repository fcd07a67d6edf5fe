#include "gateway/adjudicate.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/nhsa.h"
#include "clearing/engine.h"

namespace medclear::gateway {

namespace po = boost::program_options;

AdjudicationCounts run_adjudication(const adapters::Scenario& scenario,
                                    clearing::MemoryState& state,
                                    const std::function<void(const std::string&)>& emit) {
  const clearing::Engine engine(scenario.reference);
  AdjudicationCounts counts;
  uint64_t serial = 0;
  for (const adapters::Json& envelope : scenario.requests) {
    const adapters::NhsaParse parse =
        adapters::parse_nhsa_request(envelope, scenario.reference.codes);
    const adapters::ResponseStamp stamp = adapters::stamp_now(parse.mdtrtarea_admvs, ++serial);
    if (!parse.request) {
      ++counts.rejected;
      emit(adapters::build_nhsa_rejection(stamp, parse.msgid, parse.rejection));
      continue;
    }
    const clearing::Decision decision = engine.decide(*parse.request, state);
    if (decision.append) {
      state.apply(decision.result);
    }
    ++(decision.accepted() ? counts.accepted : counts.rejected);
    emit(adapters::build_nhsa_response(stamp, parse.msgid, decision));
  }
  return counts;
}

int adjudicate_main(int argc, char** argv) {
  po::options_description options(
      "medclear adjudicate --scenario FILE\n\n"
      "Runs the requests of a scenario (contracts/adjudicate.md) through the clearing engine with\n"
      "in-memory state and prints one response envelope per request, one JSON object per line.\n"
      "Exit 0 when the scenario was read, 2 when it is unreadable or invalid.\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "scenario", po::value<std::string>()->required(), "scenario file (JSON)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& error) {
    std::cerr << "medclear adjudicate: " << error.what() << "\n" << options << "\n";
    return 2;
  }
  const std::string path = vm["scenario"].as<std::string>();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "medclear adjudicate: cannot read " << path << "\n";
    return 2;
  }
  std::stringstream content;
  content << file.rdbuf();
  const adapters::ScenarioLoad load = adapters::load_scenario(content.str());
  if (!load.scenario) {
    std::cerr << "medclear adjudicate: invalid scenario " << path << ": " << load.error << "\n";
    return 2;
  }
  clearing::MemoryState state;
  run_adjudication(*load.scenario, state, [&](const std::string& response) {
    std::cout << response << '\n';
  });
  std::cout.flush();
  return std::cout ? 0 : 2;
}

}  // namespace medclear::gateway
