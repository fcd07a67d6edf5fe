// Monthly clearing: netting properties on random months (seed printed; MEDCLEAR_SEED replays),
// a worked three-region month, and bad input refused with a reason.
#include "clearing/netting.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

Money yuan(int64_t y) { return Money::from_fen(y * 100); }

const RegionPosition& position_of(const ClearingResult& result, const std::string& region) {
  for (const RegionPosition& p : result.positions) {
    if (p.region == region) return p;
  }
  ADD_FAILURE() << "no position for " << region;
  static const RegionPosition kNone;
  return kNone;
}

// Beijing treats Hebei's people, Hebei treats Shanghai's, Shanghai treats both.
TEST(Netting, ThreeRegionsOnePaymentEach) {
  ClearingInput input;
  input.period = "2026-03";
  input.totals = {{"130000", "110000", yuan(1000), 10},
                  {"310000", "130000", yuan(300), 3},
                  {"110000", "310000", yuan(200), 2},
                  {"130000", "310000", yuan(100), 1}};
  input.prepayments = {{"130000", {yuan(900), yuan(200)}}, {"110000", {yuan(50), yuan(0)}}};
  Result<ClearingResult> result = net_positions(input);
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  // 110000: +1000 −200 = +800; 130000: +300 −1100 = −800; 310000: +300 −300 = 0.
  const RegionPosition& beijing = position_of(*result, "110000");
  const RegionPosition& hebei = position_of(*result, "130000");
  const RegionPosition& shanghai = position_of(*result, "310000");
  EXPECT_EQ(beijing.net, yuan(800));
  EXPECT_EQ(beijing.pay_out, yuan(800));
  EXPECT_EQ(beijing.prepayment_drawn, Money::zero());
  EXPECT_EQ(hebei.net, yuan(-800));
  EXPECT_EQ(hebei.pay_in, yuan(800));
  EXPECT_EQ(hebei.prepayment_drawn, yuan(800));
  EXPECT_EQ(hebei.prepayment_after, yuan(100));
  EXPECT_EQ(hebei.top_up, yuan(100));  // below its floor of 200
  EXPECT_TRUE(hebei.below_floor());
  EXPECT_FALSE(hebei.overdrawn());
  EXPECT_EQ(shanghai.net, Money::zero());
  EXPECT_EQ(shanghai.pay_in + shanghai.pay_out, Money::zero());
  EXPECT_EQ(result->total_pay_in, yuan(800));
  EXPECT_EQ(result->gross, yuan(1600));  // four payments of 1,600 become two of 800
  EXPECT_EQ(result->pairs, 4u);
}

// Sized by outflow: Hebei owed 1,000 + 100 yuan over 10 days, 110 a day, 3,300 a month: it holds
// two months (6,600) with a floor of one (3,300). Shanghai's cancels exceed its settlements with
// Hebei: no outflow there, so 300 over 10 days (900 a month). Beijing owed 200.01: 600.03 a month,
// 1,200.06 for two.
TEST(Netting, PrepaymentsSizedByTwoMonthsOfOutflow) {
  const std::vector<BilateralTotal> totals = {{"130000", "110000", yuan(1000), 10},
                                              {"130000", "310000", yuan(100), 1},
                                              {"310000", "130000", yuan(300), 3},
                                              {"310000", "110000", yuan(-50), 1},
                                              {"110000", "310000", Money::from_fen(20001), 2}};
  Result<std::map<std::string, Prepayment>> sized = prepayments_by_outflow(totals, 10, {});
  ASSERT_TRUE(sized.is_ok()) << sized.status().message();
  ASSERT_EQ(sized->size(), 3u);
  EXPECT_EQ(sized->at("130000").balance, yuan(6600));
  EXPECT_EQ(sized->at("130000").floor, yuan(3300));
  EXPECT_EQ(sized->at("310000").balance, yuan(1800));
  EXPECT_EQ(sized->at("310000").floor, yuan(900));
  EXPECT_EQ(sized->at("110000").balance, Money::from_fen(120006));
  EXPECT_EQ(sized->at("110000").floor, Money::from_fen(60003));
  // Three months, a floor of none; and what is refused.
  Result<std::map<std::string, Prepayment>> three = prepayments_by_outflow(totals, 10, {3, 0});
  ASSERT_TRUE(three.is_ok());
  EXPECT_EQ(three->at("130000").balance, yuan(9900));
  EXPECT_EQ(three->at("130000").floor, Money::zero());
  EXPECT_FALSE(prepayments_by_outflow(totals, 0, {}).is_ok());
  EXPECT_FALSE(prepayments_by_outflow(totals, 10, {1, 2}).is_ok());
  EXPECT_FALSE(prepayments_by_outflow(totals, 10, {-1, -1}).is_ok());
}

TEST(Netting, PrepaymentShortfallIsFlaggedNeverNegative) {
  ClearingInput input;
  input.period = "2026-04";
  input.totals = {{"420000", "440000", yuan(500), 5}};
  input.prepayments = {{"420000", {yuan(120), yuan(100)}}};
  Result<ClearingResult> result = net_positions(input);
  ASSERT_TRUE(result.is_ok());
  const RegionPosition& hubei = position_of(*result, "420000");
  EXPECT_EQ(hubei.prepayment_drawn, yuan(120));
  EXPECT_EQ(hubei.prepayment_after, Money::zero());
  EXPECT_EQ(hubei.shortfall, yuan(380));
  EXPECT_TRUE(hubei.overdrawn());
  EXPECT_EQ(hubei.top_up, yuan(100));
}

TEST(Netting, BadInputIsRefusedWithAReason) {
  const auto refused = [](ClearingInput input) {
    Result<ClearingResult> result = net_positions(input);
    return result.is_ok() ? std::string("accepted") : result.status().message();
  };
  ClearingInput good;
  good.period = "2026-03";
  good.totals = {{"110000", "310000", yuan(1), 1}};
  ASSERT_EQ(refused(good), "accepted");
  for (const char* period : {"2026-13", "2026-3", "202603", "2026-00", ""}) {
    ClearingInput bad = good;
    bad.period = period;
    EXPECT_NE(refused(bad).find("period"), std::string::npos) << period;
  }
  ClearingInput twice = good;
  twice.totals.push_back(good.totals.front());
  EXPECT_NE(refused(twice).find("twice"), std::string::npos);
  ClearingInput self = good;
  self.totals = {{"110000", "110000", yuan(1), 1}};
  EXPECT_NE(refused(self).find("itself"), std::string::npos);
  ClearingInput division = good;
  division.totals = {{"110100", "310000", yuan(1), 1}};
  EXPECT_NE(refused(division).find("PP0000"), std::string::npos);
  ClearingInput negative = good;
  negative.prepayments = {{"110000", {yuan(-1), yuan(0)}}};
  EXPECT_NE(refused(negative).find("negative"), std::string::npos);
}

// Random months: positions sum to zero, each net equals its bilateral sums (computed here
// independently), one payment per region, prepayment draws never negative and every shortfall
// and floor breach flagged.
TEST(Netting, RandomMonthsKeepTheIdentities) {
  const uint64_t seed = medclear::testing::test_seed("Netting.RandomMonthsKeepTheIdentities");
  std::mt19937_64 random(seed);
  for (int month = 0; month < 500; ++month) {
    const int regions = 2 + static_cast<int>(random() % 30);
    std::vector<std::string> codes;
    for (int r = 0; r < regions; ++r) codes.push_back(std::to_string(11 + r) + "0000");
    ClearingInput input;
    input.period =
        "2026-" + std::string(month % 12 < 9 ? "0" : "") + std::to_string(month % 12 + 1);
    std::map<std::string, Money> expected_net;
    for (const std::string& insured : codes) {
      for (const std::string& treating : codes) {
        if (insured == treating || random() % 3 == 0) continue;
        // Mostly positive; a cancel-heavy month may leave a pair negative.
        const int64_t fen = static_cast<int64_t>(random() % 50'000'000'000ULL) -
                            (random() % 10 == 0 ? 40'000'000'000LL : 0);
        input.totals.push_back({insured, treating, Money::from_fen(fen), random() % 1000});
        expected_net[treating] += Money::from_fen(fen);
        expected_net[insured] -= Money::from_fen(fen);
      }
      if (random() % 2 == 0) {
        input.prepayments[insured] = {
            Money::from_fen(static_cast<int64_t>(random() % 80'000'000'000ULL)),
            Money::from_fen(static_cast<int64_t>(random() % 20'000'000'000ULL))};
      }
    }
    Result<ClearingResult> result = net_positions(input);
    ASSERT_TRUE(result.is_ok()) << "seed " << seed << ": " << result.status().message();
    Money sum, pay_in, pay_out;
    for (const RegionPosition& p : result->positions) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " month " + std::to_string(month) + " region " +
                   p.region);
      sum += p.net;
      pay_in += p.pay_in;
      pay_out += p.pay_out;
      EXPECT_EQ(p.net, expected_net[p.region]);
      EXPECT_EQ(p.net, p.receivable - p.payable);
      EXPECT_TRUE(p.pay_in == Money::zero() || p.pay_out == Money::zero());  // one payment
      EXPECT_EQ(p.pay_out - p.pay_in, p.net);
      EXPECT_GE(p.prepayment_after, Money::zero());
      EXPECT_LE(p.prepayment_drawn, p.prepayment_before);
      EXPECT_EQ(p.prepayment_before - p.prepayment_drawn, p.prepayment_after);
      EXPECT_EQ(p.prepayment_drawn + p.shortfall, p.pay_in);
      EXPECT_EQ(p.overdrawn(), p.pay_in > p.prepayment_before);
      EXPECT_EQ(p.below_floor(), p.prepayment_after < p.prepayment_floor);
    }
    EXPECT_EQ(sum, Money::zero()) << "seed " << seed;
    EXPECT_EQ(pay_in, pay_out) << "seed " << seed;
    EXPECT_EQ(result->total_pay_in, pay_in);
    EXPECT_EQ(result->pairs, input.totals.size());
  }
}

}  // namespace
}  // namespace medclear::clearing
