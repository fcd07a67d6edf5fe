// Fuzzes the FHIR R4 Claim parser (adapters/fhir.h) the way POST /fhir/r4/Claim uses it: a body
// is either a canonical request or a rejection with a reason, never a crash. A Claim that parses
// builds back (build_fhir_claim) into a Claim that parses to the same fingerprint and builds the
// same text again; the national envelope it maps to parses to that fingerprint too (one request
// in either format); it then goes through the engine against the worked examples' reference
// data and its ClaimResponse or OperationOutcome is built.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/fhir.h"
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
  constexpr const char* kTarget = "fuzz_fhir_claim";
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const cl::ReferenceData& reference = medclear::fuzz::worked_examples().reference;
  const ad::FhirClaimParse parsed = ad::parse_fhir_claim(body, reference.codes);
  if (!parsed.request) {
    if (parsed.rejection.reason == cl::Reject::kOk)
      fail(kTarget, "neither a request nor a rejection");
    (void)ad::build_fhir_operation_outcome(ad::fhir_issue_of(parsed.rejection, parsed.path));
    return 0;
  }
  const cl::Request& request = *parsed.request;
  const std::string rebuilt = ad::build_fhir_claim(request);
  const ad::FhirClaimParse again = ad::parse_fhir_claim(rebuilt, reference.codes);
  if (!again.request) fail(kTarget, "a built Claim does not parse");
  if (again.request->fingerprint != request.fingerprint) fail(kTarget, "fingerprint changed");
  if (ad::build_fhir_claim(*again.request) != rebuilt) fail(kTarget, "building twice differs");
  const ad::NhsaParse national = ad::parse_nhsa_request(parsed.envelope, reference.codes);
  if (!national.request || national.request->fingerprint != request.fingerprint) {
    fail(kTarget, "the national envelope is another request");
  }
  const cl::Engine engine(reference);
  cl::MemoryState state;
  const cl::Decision decision = engine.decide(request, state);
  if (decision.accepted()) {
    (void)ad::build_fhir_claim_response(request, decision.result, reference);
  } else {
    (void)ad::build_fhir_operation_outcome(ad::fhir_issue_of(decision.rejection));
  }
  (void)ad::build_fhir_claim_queued(request);
  return 0;
}
