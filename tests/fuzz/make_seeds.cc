// Writes the binary seed corpora of fuzz_wire and fuzz_ledger_entry from the worked examples:
// each request's claim message, each decision's settlement message, and each record's ledger
// entry on both sides (without its trailing hash: fuzz_ledger_entry appends it when the first
// byte is even, so the seeds start with a zero byte). Run once; the files are committed.
//   fuzz_make_seeds CORPUS_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "adapters/nhsa.h"
#include "adapters/wire.h"
#include "clearing/memory_state.h"
#include "ledger/entry.h"
#include "tests/fuzz/fuzz_common.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const ad::Scenario& scenario = medclear::fuzz::worked_examples();
  const cl::Engine engine(scenario.reference);
  cl::MemoryState state;
  int n = 0;
  uint64_t seq = 0;
  for (const ad::Json& envelope : scenario.requests) {
    ++n;
    const ad::NhsaParse parsed = ad::parse_nhsa_request(envelope, scenario.reference.codes);
    if (!parsed.request) continue;
    write(dir + "/fuzz_wire/claim-" + std::to_string(n), ad::encode_claim({*parsed.request}));
    const cl::Decision decision = engine.decide(*parsed.request, state);
    if (decision.append) state.apply(decision.result);
    ad::SettlementMessage answer{parsed.request->envelope.msgid, decision.rejection, std::nullopt,
                                 decision.replayed};
    if (decision.accepted()) answer.record = decision.result;
    write(dir + "/fuzz_wire/settlement-" + std::to_string(n), ad::encode_settlement(answer));
    if (!decision.append || decision.result.setl_id.empty()) continue;
    for (const lg::Side side : {lg::Side::kInsured, lg::Side::kTreating}) {
      lg::Entry entry;
      entry.seq = ++seq;
      entry.day = decision.result.setl_time.date;
      entry.side = side;
      entry.record = decision.result;
      entry.legs = lg::legs_for(entry.record, side);
      const auto algorithm = seq % 2 == 0 ? lg::HashAlgorithm::kSm3 : lg::HashAlgorithm::kSha256;
      lg::Digest hash{};
      std::string bytes = lg::encode_entry(entry, algorithm, &hash);
      bytes.resize(bytes.size() - hash.size());
      write(dir + "/fuzz_ledger_entry/entry-" + std::to_string(seq), std::string(1, '\0') + bytes);
    }
  }
  return 0;
}
