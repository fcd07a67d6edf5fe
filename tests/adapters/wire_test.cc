// Wire messages: every request and decision of the worked examples survives encode → decode
// byte for byte, and truncated or mutated bytes are refused with a reason, never a crash.
#include "adapters/wire.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/scenario.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

struct Corpus {
  std::vector<std::string> claims;
  std::vector<std::string> settlements;
};

Corpus corpus() {
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  Corpus c;
  std::vector<adapters::Json> requests = scenario.requests;
  requests.push_back(cancel_of(scenario.requests[0], "610100202603150000000001",
                               "H31010400001202603161100000001"));
  requests.push_back(reversal_of(requests.back(), "H31010400001202603161100000002"));
  adapters::Json refused = scenario.requests[1];
  set_string(refused, "msgid", "H31010400001202603161100000003");
  set_string(refused, "insuplc_admdvs", "310000");  // not cross-province
  requests.push_back(refused);
  for (const adapters::Json& json : requests) {
    auto parse = adapters::parse_nhsa_request(to_text(json), scenario.reference.codes);
    EXPECT_TRUE(parse.request);
    c.claims.push_back(adapters::encode_claim({*parse.request}));
    clearing::Decision decision = engine.decide(*parse.request, state);
    if (decision.append) state.apply(decision.result);
    adapters::SettlementMessage message{
        parse.request->envelope.msgid, decision.rejection, {}, decision.replayed};
    if (decision.accepted()) message.record = decision.result;
    c.settlements.push_back(adapters::encode_settlement(message));
  }
  return c;
}

TEST(Wire, RoundTripsByteForByte) {
  const Corpus c = corpus();
  ASSERT_EQ(c.claims.size(), 10u);
  for (const std::string& bytes : c.claims) {
    Result<adapters::ClaimMessage> decoded = adapters::decode_claim(bytes);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
    EXPECT_EQ(adapters::encode_claim(*decoded), bytes);
    EXPECT_FALSE(adapters::decode_settlement(bytes).is_ok());
  }
  size_t rejected = 0;
  for (const std::string& bytes : c.settlements) {
    Result<adapters::SettlementMessage> decoded = adapters::decode_settlement(bytes);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
    EXPECT_EQ(adapters::encode_settlement(*decoded), bytes);
    rejected += decoded->rejection.reason != clearing::Reject::kOk;
  }
  EXPECT_EQ(rejected, 1u);
}

// Version 2 carries both per-year deductibles in a settlement's accumulator delta (WIRE.md);
// a version-1 message is refused with its version named, never read with the old layout.
TEST(Wire, DeltaKeepsBothDeductiblesAndVersionOneIsRefused) {
  clearing::SettlementRecord record;
  record.setl_id = "610100202603150000000001";
  record.msgid = "H31010400001202603151000000001";
  record.med_type = "11";
  record.delta.year.inpatient_deductible_paid = clearing::Money::from_fen(1);
  record.delta.year.outpatient_deductible_paid = clearing::Money::from_fen(2);
  record.delta.year.pool_paid = clearing::Money::from_fen(3);
  record.delta.year.layer_base = clearing::Money::from_fen(4);
  record.delta.year.layer_paid = clearing::Money::from_fen(5);
  record.delta.year.assistance_paid = clearing::Money::from_fen(6);
  record.delta.account_used = clearing::Money::from_fen(7);
  const std::string bytes = adapters::encode_settlement({record.msgid, {}, record, false});
  ASSERT_EQ(bytes[2], 2);
  Result<adapters::SettlementMessage> decoded = adapters::decode_settlement(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  ASSERT_TRUE(decoded->record);
  EXPECT_EQ(decoded->record->delta, record.delta);
  std::string old = bytes;
  old[2] = 1;
  const Result<adapters::SettlementMessage> refused = adapters::decode_settlement(old);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("unknown wire version 1"), std::string::npos)
      << refused.status().message();
  std::string claim = corpus().claims.front();
  claim[2] = 1;
  EXPECT_FALSE(adapters::decode_claim(claim).is_ok());
}

TEST(Wire, DamagedMessagesAreRefusedNotCrashed) {
  std::mt19937_64 random(test_seed("Wire.DamagedMessagesAreRefusedNotCrashed"));
  const Corpus c = corpus();
  size_t refused = 0, total = 0;
  for (const auto* list : {&c.claims, &c.settlements}) {
    for (const std::string& bytes : *list) {
      for (size_t cut = 0; cut < bytes.size(); cut += 7) {  // every truncation step
        ++total;
        refused += !adapters::decode_claim(bytes.substr(0, cut)).is_ok() &&
                   !adapters::decode_settlement(bytes.substr(0, cut)).is_ok();
      }
      for (int i = 0; i < 300; ++i) {  // random byte changes: decode or refuse, never crash
        std::string damaged = bytes;
        damaged[random() % damaged.size()] = static_cast<char>(random());
        (void)adapters::decode_claim(damaged).is_ok();
        (void)adapters::decode_settlement(damaged).is_ok();
      }
    }
  }
  EXPECT_EQ(refused, total) << "a truncated message decoded";
}

// Regression (fuzz_wire, tests/fuzz/regressions/fuzz_wire): a settlement whose fund and account
// parts were each within Money's range decoded, and the treating side's legs (fund + account)
// stopped the node on Money's range check; the message now goes to the dead letters.
TEST(Wire, SettlementAmountsBeyondAnyRecordAreRefusedNotAborted) {
  Result<adapters::SettlementMessage> decoded =
      adapters::decode_settlement(corpus().settlements[0]);
  ASSERT_TRUE(decoded.is_ok() && decoded->record);
  adapters::SettlementMessage message = *decoded;
  message.record->amounts.fund_pay_sumamt = clearing::Money::from_fen(9'000'000'000'000'000);
  message.record->amounts.acct_pay = clearing::Money::from_fen(9'000'000'000'000'000);
  const Result<adapters::SettlementMessage> refused =
      adapters::decode_settlement(adapters::encode_settlement(message));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("bad amount"), std::string::npos);
}

// A settlement that breaks the identities is refused too: the treating side would book it and its
// `ledger verify` would then fail on that entry.
TEST(Wire, SettlementBreakingTheIdentitiesIsRefused) {
  Result<adapters::SettlementMessage> decoded =
      adapters::decode_settlement(corpus().settlements[0]);
  ASSERT_TRUE(decoded.is_ok() && decoded->record);
  adapters::SettlementMessage message = *decoded;
  message.record->amounts.hifp_pay += clearing::Money::from_fen(1);
  const Result<adapters::SettlementMessage> refused =
      adapters::decode_settlement(adapters::encode_settlement(message));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("settlement amounts"), std::string::npos);
}

}  // namespace
}  // namespace medclear::testing
