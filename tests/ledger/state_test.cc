// The engine deciding against the insured region's ledger gives exactly the answers it gives
// against memory, survives a restart between requests, and keeps msgid idempotency across it.
#include "ledger/state.h"

#include <gtest/gtest.h>

#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::testing {
namespace {

TEST(LedgerState, SameAnswersAsMemoryAcrossRestarts) {
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  // The Shaanxi (610000) requests of the scenario and a lifecycle on them.
  std::vector<adapters::Json> requests(scenario.requests.begin(), scenario.requests.begin() + 4);
  clearing::MemoryState memory;
  std::vector<Outcome> expected;
  for (const auto& request : requests) expected.push_back(submit(engine, memory, request));
  const adapters::Json cancel =
      cancel_of(requests[0], expected[0].result.setl_id, "H31010400001202603161100000001");
  requests.push_back(cancel);
  expected.push_back(submit(engine, memory, cancel));
  requests.push_back(reversal_of(cancel, "H31010400001202603161100000002"));
  expected.push_back(submit(engine, memory, requests.back()));
  requests.push_back(requests[1]);  // a retry
  expected.push_back(submit(engine, memory, requests.back()));

  const std::string dir = fresh_directory("state");
  ledger::LedgerOptions options;
  options.region = "610000";
  for (size_t i = 0; i < requests.size(); ++i) {
    auto directory = ledger::open_directory(dir, options, true);  // a restart before each request
    ASSERT_TRUE(directory.is_ok());
    ledger::LedgerState state(*directory->ledger);
    const auto parse = adapters::parse_nhsa_request(to_text(requests[i]), scenario.reference.codes);
    ASSERT_TRUE(parse.request);
    const clearing::Decision decision = engine.decide(*parse.request, state);
    ASSERT_EQ(decision.rejection.reason, expected[i].rejection.reason) << i;
    EXPECT_EQ(decision.result.setl_id, expected[i].result.setl_id) << i;
    EXPECT_EQ(decision.result.amounts.hifp_pay, expected[i].result.amounts.hifp_pay) << i;
    EXPECT_EQ(decision.result.amounts.hifmi_pay, expected[i].result.amounts.hifmi_pay) << i;
    if (decision.append) {
      ASSERT_TRUE(state.apply(decision.result).is_ok());
      ASSERT_TRUE(directory->ledger->commit().is_ok());
    }
  }
  auto directory = ledger::open_directory(dir, options, false);
  ledger::LedgerState state(*directory->ledger);
  for (const char* psn : {"61000000000000000001", "61000000000000000002"}) {
    EXPECT_EQ(state.accumulators(psn, "390", 2026), memory.accumulators(psn, "390", 2026)) << psn;
  }
  EXPECT_TRUE(ledger::verify_ledger(*directory->ledger, nullptr).ok);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medclear::testing
