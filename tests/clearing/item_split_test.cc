// A claim's split laid onto its lines (clearing/item_split.h): the largest remainder allocation
// by hand, its refusals, and random allocations (seed printed; MEDCLEAR_SEED replays) whose sums
// are exact, whose shares are never negative and never above their weight when the total is not.
// RandomClaims.* (random_claims_test.cc) checks split_items on every claim the engine settles.
#include <gtest/gtest.h>

#include <random>

#include "clearing/item_split.h"
#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

std::vector<Money> fen(std::initializer_list<int64_t> values) {
  std::vector<Money> out;
  for (const int64_t v : values) out.push_back(Money::from_fen(v));
  return out;
}

TEST(ItemSplit, LargestRemainderByHand) {
  // 100 fen over 1 : 1 : 1 → 33.33… each; the one fen left goes to the first of the equal
  // remainders.
  EXPECT_EQ(*allocate_pro_rata(Money::from_fen(100), fen({1, 1, 1})), fen({34, 33, 33}));
  // 1000 over 300 : 0 : 700 : 1 (Σ 1001): exact 299.70, 0, 699.30, 0.999 → floors 299, 0, 699, 0
  // (998), remainders 0.70, 0, 0.30, 0.999 → the 2 fen left go to line 4 then line 1.
  EXPECT_EQ(*allocate_pro_rata(Money::from_fen(1000), fen({300, 0, 700, 1})),
            fen({300, 0, 699, 1}));
  EXPECT_EQ(*allocate_pro_rata(Money::zero(), fen({0, 0})), fen({0, 0}));
  EXPECT_EQ(*allocate_pro_rata(Money::zero(), {}), fen({}));
}

TEST(ItemSplit, RefusesWhatHasNoProRataSplit) {
  EXPECT_FALSE(allocate_pro_rata(Money::from_fen(1), fen({0, 0})));
  EXPECT_FALSE(allocate_pro_rata(Money::from_fen(1), {}));
  EXPECT_FALSE(allocate_pro_rata(Money::from_fen(-1), fen({1})));
  EXPECT_FALSE(allocate_pro_rata(Money::from_fen(1), fen({2, -1})));
}

SettlementAmounts claim_of(Money medfee, Money inscp, Money dedc, Money fund) {
  SettlementAmounts a;
  a.medfee_sumamt = medfee;
  a.inscp_scp_amt = inscp;
  a.act_pay_dedc = dedc;
  a.fund_pay_sumamt = fund;
  a.psn_part_amt = medfee - fund;
  return a;
}

TEST(ItemSplit, LinesOfAClaimByHand) {
  // Lines 600.00 (all in scope), 300.00 (200.00 in scope), 100.00 (class C: none). In scope
  // 800.00, deductible 100.00, funds 490.00 (70 % of 700.00), patient 510.00.
  const std::vector<Money> submitted = fen({60000, 30000, 10000});
  const std::vector<Money> eligible = fen({60000, 20000, 0});
  const auto items = split_items(submitted, eligible,
                                 claim_of(Money::from_fen(100000), Money::from_fen(80000),
                                          Money::from_fen(10000), Money::from_fen(49000)));
  ASSERT_TRUE(items);
  // deductible 100.00 × 6/8 = 75.00, × 2/8 = 25.00; benefit 490.00 × 6/8 = 367.50, × 2/8 = 122.50
  EXPECT_EQ((*items)[0].deductible, Money::from_fen(7500));
  EXPECT_EQ((*items)[1].deductible, Money::from_fen(2500));
  EXPECT_EQ((*items)[2].deductible, Money::zero());
  EXPECT_EQ((*items)[0].benefit, Money::from_fen(36750));
  EXPECT_EQ((*items)[1].benefit, Money::from_fen(12250));
  EXPECT_EQ((*items)[2].benefit, Money::zero());
  EXPECT_EQ((*items)[0].copay, Money::from_fen(23250));  // 600.00 − 367.50
  EXPECT_EQ((*items)[1].copay, Money::from_fen(17750));  // 300.00 − 122.50
  EXPECT_EQ((*items)[2].copay, Money::from_fen(10000));  // all of the class C line
  EXPECT_EQ(effective_ratio(Money::from_fen(49000), Money::from_fen(80000)),
            Ratio::from_basis_points(6125));  // 490 / 800
  EXPECT_FALSE(effective_ratio(Money::zero(), Money::zero()));
}

TEST(ItemSplit, RefusesLinesThatDoNotAddUpToTheClaim) {
  const SettlementAmounts a = claim_of(Money::from_fen(1000), Money::from_fen(800),
                                       Money::from_fen(100), Money::from_fen(400));
  EXPECT_TRUE(split_items(fen({500, 500}), fen({400, 400}), a));
  EXPECT_FALSE(split_items(fen({500, 501}), fen({400, 400}), a));  // Σ submitted ≠ medfee
  EXPECT_FALSE(split_items(fen({500, 500}), fen({400, 401}), a));  // Σ eligible ≠ inscp
  EXPECT_FALSE(split_items(fen({300, 700}), fen({400, 400}), a));  // eligible above the line
  EXPECT_FALSE(split_items(fen({500, 500}), fen({400}), a));
  SettlementAmounts hospital = a;
  hospital.hosp_part_amt = Money::from_fen(1);
  hospital.psn_part_amt -= Money::from_fen(1);
  EXPECT_FALSE(split_items(fen({500, 500}), fen({400, 400}), hospital));
}

TEST(ItemSplit, RandomAllocationsAreExact) {
  const uint64_t seed = medclear::testing::test_seed("ItemSplit.RandomAllocationsAreExact");
  std::mt19937_64 random(seed);
  auto between = [&](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  for (int round = 0; round < 20'000; ++round) {
    std::vector<Money> weights(static_cast<size_t>(between(1, 12)));
    WideInt sum = 0;
    for (Money& w : weights) {
      // small, zero or large (up to the largest claim amount) weights
      const int64_t kind = between(0, 3);
      w = Money::from_fen(kind == 0   ? 0
                          : kind == 1 ? between(1, 100)
                                      : between(1, kClaimAmountMaxFen / 16));
      sum += w.fen();
    }
    const bool within = between(0, 3) != 0;  // mostly total ≤ Σ weights, as deductible and funds
    const int64_t cap = within ? static_cast<int64_t>(sum) : kClaimAmountMaxFen;
    const Money total = Money::from_fen(between(0, cap));
    const std::optional<std::vector<Money>> shares = allocate_pro_rata(total, weights);
    if (sum == 0 && !total.is_zero()) {
      EXPECT_FALSE(shares) << "seed " << seed;
      continue;
    }
    ASSERT_TRUE(shares) << "seed " << seed << " round " << round;
    Money given;
    for (size_t i = 0; i < weights.size(); ++i) {
      const Money share = (*shares)[i];
      ASSERT_FALSE(share.is_negative()) << "seed " << seed << " round " << round;
      if (weights[i].is_zero()) {
        ASSERT_TRUE(share.is_zero()) << "seed " << seed;
      }
      if (total.fen() <= sum) {
        ASSERT_LE(share, weights[i]) << "seed " << seed << " round " << round;
      }
      // within one fen of the exact proportional share
      const WideInt exact = static_cast<WideInt>(total.fen()) * weights[i].fen();
      const WideInt scaled = static_cast<WideInt>(share.fen()) * sum;
      if (sum > 0) {
        ASSERT_LT(scaled > exact ? scaled - exact : exact - scaled, sum) << "seed " << seed;
      }
      given += share;
    }
    ASSERT_EQ(given, total) << "seed " << seed << " round " << round;
  }
}

}  // namespace
}  // namespace medclear::clearing
