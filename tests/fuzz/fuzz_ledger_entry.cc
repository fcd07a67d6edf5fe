// Fuzzes ledger entry decoding (ledger/entry.h, ledger/FORMAT.md) as `ledger verify` and proof
// checking meet it: bytes from disk or from a proof file. Most inputs get a correct trailing hash
// appended by the harness (first byte even), so the fuzzer reaches the decoder behind the hash
// check — a tampered ledger whose hashes were recomputed. What decodes encodes back to the same
// bytes and hash; then verify's per-entry checks (settlement identities, legs from the amounts)
// must answer, never abort.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "clearing/settlement.h"
#include "ledger/entry.h"

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_ledger_entry: property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool seal_it = data[0] % 2 == 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (seal_it) {
    const lg::HashAlgorithm algorithm =
        bytes.size() > 3 && bytes[3] == 2 ? lg::HashAlgorithm::kSm3 : lg::HashAlgorithm::kSha256;
    const lg::Digest hash = lg::hash_bytes(algorithm, bytes);
    bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  medclear::Result<lg::DecodedEntry> decoded = lg::decode_entry(bytes);
  if (!decoded.is_ok()) return 0;
  lg::Digest hash{};
  if (lg::encode_entry(decoded->entry, decoded->algorithm, &hash) != bytes) {
    fail("an entry does not encode back to its bytes");
  }
  if (hash != decoded->hash) fail("the hash differs after encoding again");
  const cl::SettlementRecord& record = decoded->entry.record;
  const bool compensating = record.amounts.medfee_sumamt.is_negative();
  if (cl::check_identities(record.amounts, compensating).is_ok()) {
    (void)(decoded->entry.legs == lg::legs_for(record, decoded->entry.side));
  }
  return 0;
}
