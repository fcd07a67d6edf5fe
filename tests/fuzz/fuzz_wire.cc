// Fuzzes the wire messages between regions (adapters/wire.h): any bytes decode as a claim or a
// settlement, or are refused with a reason (the dead-letter path), never a crash. What decodes
// encodes back to the same bytes (the format has one spelling per message). Then what a node does
// with a decoded message: the insured side decides a claim with the engine (worked examples'
// reference data); the treating side stages a settlement's record in its ledger (legs_for, which
// must balance) and answers the hospital with the response envelope.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/nhsa.h"
#include "adapters/wire.h"
#include "clearing/memory_state.h"
#include "ledger/entry.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using medclear::fuzz::fail;

namespace {

constexpr const char* kTarget = "fuzz_wire";

void claim(std::string_view bytes) {
  medclear::Result<ad::ClaimMessage> decoded = ad::decode_claim(bytes);
  if (!decoded.is_ok()) return;
  if (ad::encode_claim(*decoded) != bytes)
    fail(kTarget, "a claim does not encode back to its bytes");
  const cl::Engine engine(medclear::fuzz::worked_examples().reference);
  cl::MemoryState state;
  const cl::Decision decision = engine.decide(decoded->request, state);
  if (decision.append) state.apply(decision.result);
}

void settlement(std::string_view bytes) {
  medclear::Result<ad::SettlementMessage> decoded = ad::decode_settlement(bytes);
  if (!decoded.is_ok()) return;
  if (ad::encode_settlement(*decoded) != bytes) {
    fail(kTarget, "a settlement does not encode back to its bytes");
  }
  cl::Decision decision;
  decision.rejection = decoded->rejection;
  if (decoded->record) {
    decision.result = *decoded->record;
    if (!decoded->record->setl_id.empty()) {
      const std::vector<lg::Leg> legs = lg::legs_for(*decoded->record, lg::Side::kTreating);
      if (!lg::imbalance(legs).is_zero()) fail(kTarget, "treating legs do not balance");
    }
  }
  const ad::ResponseStamp stamp{"310000", "20260315100000", "20260315100000000", 1};
  (void)ad::build_nhsa_response(stamp, decoded->msgid, decision);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)medclear::fuzz::worked_examples();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const medclear::Result<ad::MessageType> type = ad::message_type(bytes);
  claim(bytes);
  settlement(bytes);
  if (!type.is_ok() && (ad::decode_claim(bytes).is_ok() || ad::decode_settlement(bytes).is_ok())) {
    fail(kTarget, "a message decodes although its type is unknown");
  }
  return 0;
}
