// Reconciliation by hash trees: two sides made to differ by 1 to 10,000 claims of every kind;
// the protocol finds exactly the injected differences, and exchanges far fewer bytes than a full
// transfer when the differences are few. Seeded (printed; MEDCLEAR_SEED replays).
#include "clearing/reconcile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>

#include "ledger/crypto.h"
#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

std::vector<ReconItem> day_of(std::mt19937_64& random, size_t n) {
  std::vector<ReconItem> items;
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    char id[48];
    std::snprintf(id, sizeof id, "610100202603%02zu%010zu", i % 28 + 1, i);
    items.push_back(
        {id, Money::from_fen(static_cast<int64_t>(random() % 10'000'000) + 1), random() % 50 == 0});
  }
  return items;
}

struct Injected {
  std::vector<ReconItem> insured;
  std::vector<ReconItem> treating;
  std::map<std::string, DiffKind> expected;
};

// Copies a day to both sides and makes `k` claims differ, each in one of the four ways.
Injected inject(std::mt19937_64& random, const std::vector<ReconItem>& day, size_t k) {
  Injected out;
  std::set<size_t> chosen;
  while (chosen.size() < k) chosen.insert(random() % day.size());
  for (size_t i = 0; i < day.size(); ++i) {
    const ReconItem& item = day[i];
    if (!chosen.contains(i)) {
      out.insured.push_back(item);
      out.treating.push_back(item);
      continue;
    }
    const auto kind = static_cast<DiffKind>(1 + random() % 4);
    out.expected[item.setl_id] = kind;
    switch (kind) {
      case DiffKind::kMissingOnInsured:
        out.treating.push_back(item);
        break;
      case DiffKind::kMissingOnTreating:
        out.insured.push_back(item);
        break;
      case DiffKind::kAmountDiffers: {
        ReconItem changed = item;
        changed.amount =
            changed.amount + Money::from_fen(1 + static_cast<int64_t>(random() % 1000));
        out.insured.push_back(item);
        out.treating.push_back(changed);
        break;
      }
      case DiffKind::kCancelOnOneSide: {
        ReconItem changed = item;
        changed.cancelled = !changed.cancelled;
        out.insured.push_back(item);
        out.treating.push_back(changed);
        break;
      }
    }
  }
  return out;
}

TEST(Reconcile, FindsExactlyTheInjectedDifferences) {
  std::mt19937_64 random(
      medclear::testing::test_seed("Reconcile.FindsExactlyTheInjectedDifferences"));
  const ReconHash hash = ledger::digest_function(ledger::HashAlgorithm::kSha256);
  const std::vector<ReconItem> day = day_of(random, 100'000);
  for (const size_t k :
       {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{100}, size_t{1000}, size_t{10'000}}) {
    Injected sides = inject(random, day, k);
    ReconSide insured(sides.insured, hash);
    ReconSide treating(sides.treating, hash);
    const ReconResult result = reconcile(insured, treating);
    EXPECT_EQ(result.balanced, k == 0);
    ASSERT_EQ(result.differences.size(), k) << "k=" << k;
    for (const ReconDifference& d : result.differences) {
      const auto it = sides.expected.find(d.setl_id);
      ASSERT_NE(it, sides.expected.end()) << d.setl_id;
      EXPECT_EQ(d.kind, it->second) << d.setl_id;
    }
    std::cout << "k=" << k << " bytes=" << result.bytes_exchanged
              << " full=" << result.bytes_full_transfer << " rounds=" << result.rounds << "\n";
    // A few differences in a day cost under 1 % of sending the day; many still less than all.
    if (k <= 7) {
      EXPECT_LT(result.bytes_exchanged * 100, result.bytes_full_transfer) << "k=" << k;
    } else if (k <= 1000) {
      EXPECT_LT(result.bytes_exchanged, result.bytes_full_transfer) << "k=" << k;
    }
  }
}

// A side given its items in reconciliation order (as a ledger reads them) takes them as they are;
// given in any other order it sorts them: the same tree either way.
TEST(Reconcile, OrderedAndShuffledItemsIndexAlike) {
  std::mt19937_64 random(
      medclear::testing::test_seed("Reconcile.OrderedAndShuffledItemsIndexAlike"));
  std::vector<ReconItem> shuffled = day_of(random, 5000);
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  std::vector<ReconItem> ordered = shuffled;
  std::sort(ordered.begin(), ordered.end(), recon_order_less);
  const ReconHash hash = ledger::digest_function(ledger::HashAlgorithm::kSha256);
  ReconSide a(shuffled, hash);
  ReconSide b(ordered, hash);
  const int depth = recon_depth(ordered.size());
  EXPECT_EQ(a.totals(depth).root, b.totals(depth).root);
  const std::vector<ReconItem> items = a.items();
  ASSERT_EQ(items.size(), ordered.size());
  for (size_t i = 0; i < ordered.size(); ++i) {
    ASSERT_EQ(items[i].setl_id, ordered[i].setl_id);
    ASSERT_EQ(items[i].amount, ordered[i].amount);
    ASSERT_EQ(items[i].cancelled, ordered[i].cancelled);
    ASSERT_EQ(b.find(ordered[i].setl_id)->amount, ordered[i].amount);
  }
  EXPECT_FALSE(a.find("not an id").has_value());
  EXPECT_TRUE(reconcile(a, b).balanced);
}

TEST(Reconcile, EmptyAndOneSidedDays) {
  const ReconHash hash = ledger::digest_function(ledger::HashAlgorithm::kSha256);
  ReconSide empty_a({}, hash);
  ReconSide empty_b({}, hash);
  EXPECT_TRUE(reconcile(empty_a, empty_b).balanced);
  ReconSide one({{"S1", Money::from_fen(100), false}, {"S2", Money::from_fen(5), true}}, hash);
  ReconSide none({}, hash);
  const ReconResult result = reconcile(one, none);
  ASSERT_EQ(result.differences.size(), 2u);
  EXPECT_EQ(result.differences[0].kind, DiffKind::kMissingOnTreating);
  EXPECT_EQ(result.differences[0].insured_amount, Money::from_fen(100));
}

}  // namespace
}  // namespace medclear::clearing
