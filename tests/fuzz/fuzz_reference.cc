// Fuzzes the reference-data loader (adapters/reference_json.h) on scenario documents, the path of
// `medclear adjudicate --scenario` and of a node's `reference` file: a document loads or is
// refused with the path of the offending key, never a crash. A scenario that loads runs its first
// requests through the adapter and the engine with in-memory state, as adjudicate does, so that
// loaded policies and catalogues that the engine cannot use show up too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "clearing/memory_state.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  medclear::Result<ad::Scenario> load = ad::load_scenario(document);
  if (!load.is_ok()) {
    if (load.status().message().empty())
      medclear::fuzz::fail("fuzz_reference", "refused without a message");
    return 0;
  }
  const ad::Scenario& scenario = *load;
  const cl::Engine engine(scenario.reference);
  cl::MemoryState state;
  size_t run = 0;
  for (const ad::Json& envelope : scenario.requests) {
    if (++run > 16) break;
    const ad::NhsaParse parsed = ad::parse_nhsa_request(envelope, scenario.reference.codes);
    if (!parsed.request) continue;
    const cl::Decision decision = engine.decide(*parsed.request, state);
    if (decision.append) state.apply(decision.result);
  }
  return 0;
}
