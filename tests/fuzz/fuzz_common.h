// Helpers shared by the fuzz targets: a failed property stops the run like a crash, so libFuzzer
// keeps the input; the worked examples' reference data for the targets that go on to the engine.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "adapters/reference_json.h"

namespace medclear::fuzz {

[[noreturn]] inline void fail(const char* target, const char* what) {
  std::fprintf(stderr, "%s: property violated: %s\n", target, what);
  std::fflush(stderr);
  std::abort();
}

// The scenario of tests/scenarios/worked_examples.json: policies, catalogues, facilities and
// persons that the requests of the seed corpora name.
inline const adapters::Scenario& worked_examples() {
  static const adapters::Scenario scenario = [] {
    std::ifstream file(MEDCLEAR_SOURCE_DIR "/tests/scenarios/worked_examples.json");
    std::stringstream text;
    text << file.rdbuf();
    Result<adapters::Scenario> load = adapters::load_scenario(text.str());
    if (!load.is_ok()) fail("fuzz", "tests/scenarios/worked_examples.json does not load");
    return std::move(*load);
  }();
  return scenario;
}

}  // namespace medclear::fuzz
