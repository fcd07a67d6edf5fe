// Fuzzes the hospital's detail reconciliation file (adapters/hospital_recon_tsv.h), the body of
// POST /v1/hospital/reconciliation: every input is either refused whole — no lines, and an error
// that names a line within the file — or gives lines that are unique by setl_id, whose msgids are
// the sender's, and that write back into a file parsing to the same lines.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "adapters/hospital_recon_tsv.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
using medclear::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr const char* kTarget = "fuzz_hospital_recon_tsv";
  constexpr std::string_view kSender = "H31010400001";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ad::HospitalReconParse parsed = ad::parse_hospital_recon_tsv(text, kSender);
  if (!parsed.ok()) {
    if (!parsed.lines.empty()) fail(kTarget, "a refused file gave lines");
    if (parsed.error_line == 0) fail(kTarget, "a refusal names no line");
    size_t lines = 1;
    for (const char c : text) lines += c == '\n' ? 1 : 0;
    if (parsed.error_line > lines) fail(kTarget, "a refusal names a line past the end");
    const std::string prefix = "line " + std::to_string(parsed.error_line) + ": ";
    if (parsed.error.rfind(prefix, 0) != 0) fail(kTarget, "the error does not start with its line");
    return 0;
  }
  if (parsed.error_line != 0) fail(kTarget, "a good file names an error line");
  std::set<std::string> ids;
  for (const ad::HospitalReconLine& line : parsed.lines) {
    if (!ids.insert(line.setl_id).second) fail(kTarget, "a setl_id twice");
    if (line.msgid.substr(0, kSender.size()) != kSender) fail(kTarget, "a msgid of another sender");
  }
  const std::string written = ad::write_hospital_recon_tsv(parsed.lines);
  const ad::HospitalReconParse again = ad::parse_hospital_recon_tsv(written, kSender);
  if (!again.ok()) fail(kTarget, "a written file does not parse");
  if (again.lines != parsed.lines) fail(kTarget, "writing and parsing again changed the lines");
  return 0;
}
