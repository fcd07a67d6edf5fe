// Fuzzes the batch claims file parser and the results file reader (adapters/batch.h), what
// `medclear batch submit` reads from a hospital's disk: every input is either claims or faults
// with a line number inside the file, never a crash. A claim's envelope is the national envelope
// of its request, parses as one (parse_nhsa_request gives a request or a rejection, never
// nothing) and builds back to the same text; a results file read back after writing its lines
// again is the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/batch.h"
#include "adapters/nhsa.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
using medclear::fuzz::fail;

namespace {

void check_claims(std::string_view text) {
  constexpr const char* kTarget = "fuzz_batch";
  const ad::BatchFile file = ad::parse_batch_file(text);
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const ad::BatchFault& fault : file.faults) {
    if (fault.line > lines || fault.message.empty()) fail(kTarget, "a fault outside the file");
  }
  if (!file.faults.empty()) return;
  if (file.claims.empty()) fail(kTarget, "neither claims nor faults");
  const cl::CodeTables codes;
  for (const ad::BatchClaim& claim : file.claims) {
    if (claim.line < 2 || claim.line > lines) fail(kTarget, "a claim outside the file");
    if (ad::build_nhsa_request(claim.request) != claim.envelope) fail(kTarget, "envelope differs");
    const ad::NhsaParse parsed = ad::parse_nhsa_request(claim.envelope, codes);
    if (!parsed.request && parsed.rejection.reason == cl::Reject::kOk) {
      fail(kTarget, "an envelope neither parses nor is rejected");
    }
    if (parsed.request && parsed.request->envelope.msgid != claim.request.envelope.msgid) {
      fail(kTarget, "the envelope's msgid differs");
    }
  }
}

void check_results(std::string_view text) {
  constexpr const char* kTarget = "fuzz_batch";
  const medclear::Result<ad::BatchResults> read = ad::read_batch_results(text);
  if (!read.is_ok()) return;
  if (read->complete_bytes > text.size()) fail(kTarget, "more bytes complete than read");
  std::string again = std::string(ad::batch_results_header()) + "\n";
  for (const ad::BatchResult& result : read->results) again += ad::format_batch_result(result);
  const medclear::Result<ad::BatchResults> reread = ad::read_batch_results(again);
  if (!reread.is_ok() || reread->results.size() != read->results.size()) {
    fail(kTarget, "written results do not read back");
  }
  for (size_t i = 0; i < read->results.size(); ++i) {
    if (ad::format_batch_result(reread->results[i]) != ad::format_batch_result(read->results[i])) {
      fail(kTarget, "a results line changed when written again");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_claims(text);
  check_results(text);
  return 0;
}
