// Fuzzes the NHSA request parser (adapters/nhsa.h) the way the gateway's /v1/nhsa route uses it:
// a body is either a canonical request or a rejection with a reason, never a crash. A request
// that parses builds back (build_nhsa_request) into an envelope that parses to the same
// fingerprint and builds the same text again; it then goes through the engine against the worked
// examples' reference data and its answer is built. The same bytes are also read as a response
// envelope (parse_nhsa_answer, what clients and the simulator read).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/nhsa.h"
#include "clearing/memory_state.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
using medclear::fuzz::fail;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)medclear::fuzz::worked_examples();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr const char* kTarget = "fuzz_nhsa_request";
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const cl::ReferenceData& reference = medclear::fuzz::worked_examples().reference;
  const ad::NhsaParse parsed = ad::parse_nhsa_request(body, reference.codes);
  const ad::ResponseStamp stamp{"310000", "20260315100000", "20260315100000000", 1};
  if (!parsed.request) {
    if (parsed.rejection.reason == cl::Reject::kOk)
      fail(kTarget, "neither a request nor a rejection");
    (void)ad::build_nhsa_rejection(stamp, parsed.msgid, parsed.rejection);
  } else {
    const cl::Request& request = *parsed.request;
    const std::string rebuilt = ad::build_nhsa_request(request);
    const ad::NhsaParse again = ad::parse_nhsa_request(rebuilt, reference.codes);
    if (!again.request) fail(kTarget, "a built request envelope does not parse");
    if (again.request->fingerprint != request.fingerprint) fail(kTarget, "fingerprint changed");
    if (ad::build_nhsa_request(*again.request) != rebuilt) fail(kTarget, "building twice differs");
    const cl::Engine engine(reference);
    cl::MemoryState state;
    const cl::Decision decision = engine.decide(request, state);
    if (decision.append) state.apply(decision.result);
    (void)ad::build_nhsa_response(stamp, request.envelope.msgid, decision);
  }
  (void)ad::parse_nhsa_answer(body);
  return 0;
}
