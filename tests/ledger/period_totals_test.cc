// Period totals (ledger/period_totals.h) over hand-made entries with round amounts: a period takes
// every entry of a business day up to and including its last day (the day after is the next
// period's), minus what an earlier clearing took; settlements, cancels and reversals count and
// add their signed amounts, adjustments add without counting, local claims are left out, and an
// entry written late for a cleared day or held by a clearing lands in the next period.
#include "ledger/period_totals.h"
#include "ledger/documents.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "ledger/directory.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/records.h"

namespace medclear::testing {
namespace {

using clearing::Date;
using clearing::Money;
using ledger::ClearingMark;
using ledger::Counted;
using ledger::Side;

Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

std::string setl_id(int n) {
  char id[32];
  std::snprintf(id, sizeof id, "610100202603150000%06d", n);
  return id;
}
std::string msgid(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "H31010400001202603151000%06d", n);
  return id;
}

class PeriodTotals : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_directory("period-totals");
    insured_ = open("610000");
    treating_ = open("310000");
  }
  void TearDown() override {
    insured_ = {};
    treating_ = {};
    std::filesystem::remove_all(root_);
  }
  ledger::LedgerDirectory open(const std::string& region) {
    ledger::LedgerOptions options;
    options.region = region;
    return std::move(*ledger::open_directory(root_ + "/" + region, options, true));
  }
  void stage(ledger::Ledger& l, const clearing::SettlementRecord& r, Side side) {
    const Result<ledger::Ledger::Staged> staged = l.stage(r, side);
    ASSERT_TRUE(staged.is_ok()) << staged.status().message();
    ASSERT_EQ(*staged, ledger::Ledger::Staged::kAppended);
  }

  // The insured ledger (610000), seq by seq: what it owes 310000 (fund + account of each entry).
  //   1  Feb 28  settlement 1            +10,000
  //   2  Mar 01  settlement 2            +20,000
  //   3  Mar 31  settlement 3            +40,500 (fund 40,000 + account 500)
  //   4  Apr 01  settlement 4            +80,000
  //   5  Mar 10  cancel of 1             −10,000
  //   6  Mar 25  reversal of that cancel +10,000
  //   7  Feb 27  settlement 7, written late (after February was cleared)  +5,000
  //   8  Mar 15  settlement 8 of a local claim (treated in 610104): not owed to another region
  void write_insured() {
    ledger::Ledger& l = *insured_.ledger;
    const auto s1 = settlement_record(setl_id(1), msgid(1), day(2026, 2, 28), 20000, 10000);
    stage(l, s1, Side::kInsured);
    stage(l, settlement_record(setl_id(2), msgid(2), day(2026, 3, 1), 30000, 20000),
          Side::kInsured);
    stage(l, settlement_record(setl_id(3), msgid(3), day(2026, 3, 31), 50000, 40000, 500),
          Side::kInsured);
    stage(l, settlement_record(setl_id(4), msgid(4), day(2026, 4, 1), 90000, 80000),
          Side::kInsured);
    const auto cancel = cancel_record(s1, setl_id(5), msgid(5), day(2026, 3, 10));
    stage(l, cancel, Side::kInsured);
    clearing::SettlementRecord reversal =
        cancel_record(cancel, setl_id(6), msgid(6), day(2026, 3, 25));
    reversal.kind = clearing::RecordKind::kReversal;
    reversal.infno = clearing::Transaction::kReversal;
    stage(l, reversal, Side::kInsured);
    stage(l, settlement_record(setl_id(7), msgid(7), day(2026, 2, 27), 6000, 5000), Side::kInsured);
    clearing::SettlementRecord local =
        settlement_record(setl_id(8), msgid(8), day(2026, 3, 15), 100000, 99900);
    local.mdtrtarea_admvs = "610104";
    stage(l, local, Side::kInsured);
    ASSERT_TRUE(l.commit().is_ok());
    ASSERT_EQ(l.last_seq(), 8u);
  }

  std::string root_;
  ledger::LedgerDirectory insured_;
  ledger::LedgerDirectory treating_;
};

ledger::SideTotals totals(const ledger::Ledger& l, Date last_day,
                          const std::vector<ClearingMark>& earlier = {}) {
  Result<ledger::SideTotals> result = ledger::period_side_totals(l, last_day, earlier);
  EXPECT_TRUE(result.is_ok()) << result.status().message();
  return result.is_ok() ? *result : ledger::SideTotals{};
}

TEST_F(PeriodTotals, TheLastDayIsInAndTheDayAfterIsOut) {
  write_insured();
  // February alone: seqs 1 and 7 (Feb 28 and Feb 27): 10,000 + 5,000 = 15,000 over 2 entries.
  const ledger::SideTotals february = totals(*insured_.ledger, day(2026, 2, 28));
  EXPECT_EQ(february.payable.at("310000"), (Counted{Money::from_fen(15000), 2}));
  EXPECT_TRUE(february.receivable.empty());
  EXPECT_EQ(february.through_seq, 8u);
  // Through March 30: + seq 2 (20,000) + seq 5 (−10,000) + seq 6 (+10,000) = 35,000 over 5.
  EXPECT_EQ(totals(*insured_.ledger, day(2026, 3, 30)).payable.at("310000"),
            (Counted{Money::from_fen(35000), 5}));
  // Through March 31, nothing cleared before: + seq 3 (40,500) = 75,500 over 6; the local claim
  // (seq 8) owes no other region and April 1 (seq 4) is out.
  const ledger::SideTotals march = totals(*insured_.ledger, day(2026, 3, 31));
  EXPECT_EQ(march.payable.at("310000"), (Counted{Money::from_fen(75500), 6}));
  EXPECT_EQ(march.payable.size(), 1u) << "the local claim was counted as owed to its own region";
}

TEST_F(PeriodTotals, WhatAnEarlierClearingTookIsNotTakenAgain) {
  write_insured();
  // February was cleared when the journal ended at seq 1: it took seq 1 only.
  const ClearingMark february{"2026-02", day(2026, 2, 28), 1, {}};
  // March: 20,000 + 40,500 − 10,000 + 10,000 + the late Feb 27 entry 5,000 = 65,500 over 5.
  const ledger::SideTotals march = totals(*insured_.ledger, day(2026, 3, 31), {february});
  EXPECT_EQ(march.payable.at("310000"), (Counted{Money::from_fen(65500), 5}));
  // April after both: seq 4 alone, 80,000.
  const ClearingMark cleared_march{"2026-03", day(2026, 3, 31), 8, {}};
  EXPECT_EQ(
      totals(*insured_.ledger, day(2026, 4, 30), {february, cleared_march}).payable.at("310000"),
      (Counted{Money::from_fen(80000), 1}));
  // February again after both marks: seq 1 went with February, the late seq 7 with March.
  EXPECT_TRUE(
      totals(*insured_.ledger, day(2026, 2, 28), {february, cleared_march}).payable.empty());
}

TEST_F(PeriodTotals, AHeldAccountStaysForTheNextPeriod) {
  write_insured();
  // February's totals with 310000 did not agree: its payable stayed, so March takes seq 1 too:
  // 65,500 + 10,000 = 75,500 over 6.
  const ClearingMark february{"2026-02", day(2026, 2, 28), 1, {"payable:310000"}};
  EXPECT_EQ(totals(*insured_.ledger, day(2026, 3, 31), {february}).payable.at("310000"),
            (Counted{Money::from_fen(75500), 6}));
  // A hold on another account does not keep this one.
  const ClearingMark other{"2026-02", day(2026, 2, 28), 1, {"payable:440000"}};
  EXPECT_EQ(totals(*insured_.ledger, day(2026, 3, 31), {other}).payable.at("310000"),
            (Counted{Money::from_fen(65500), 5}));
}

TEST_F(PeriodTotals, AdjustmentsMoveTheAmountButAreNotCounted) {
  ledger::Ledger& l = *treating_.ledger;
  // Treated here for 610000: settlement 12,345 on Mar 5, then a reconciliation replaced it by
  // 13,000 on Mar 31 (−12,345 and +13,000), and a settlement of 5,000 on Apr 1.
  const auto s = settlement_record(setl_id(1), msgid(1), day(2026, 3, 5), 20000, 12345);
  stage(l, s, Side::kTreating);
  clearing::SettlementRecord taken_back = cancel_record(s, "adj:x:1", "adj:x:1", day(2026, 3, 31));
  taken_back.kind = clearing::RecordKind::kAdjustment;
  taken_back.compensates.clear();
  stage(l, taken_back, Side::kTreating);
  clearing::SettlementRecord booked =
      settlement_record("adj:x:2", "adj:x:2", day(2026, 3, 31), 20000, 13000);
  booked.kind = clearing::RecordKind::kAdjustment;
  stage(l, booked, Side::kTreating);
  stage(l, settlement_record(setl_id(2), msgid(2), day(2026, 4, 1), 6000, 5000), Side::kTreating);
  ASSERT_TRUE(l.commit().is_ok());
  // March: 12,345 − 12,345 + 13,000 = 13,000, one entry counted (the settlement).
  const ledger::SideTotals march = totals(l, day(2026, 3, 31));
  EXPECT_EQ(march.receivable.at("610000"), (Counted{Money::from_fen(13000), 1}));
  EXPECT_TRUE(march.payable.empty());
  // April after March: 5,000 over 1.
  const ClearingMark cleared{"2026-03", day(2026, 3, 31), 3, {}};
  EXPECT_EQ(totals(l, day(2026, 4, 30), {cleared}).receivable.at("610000"),
            (Counted{Money::from_fen(5000), 1}));
}

TEST(PeriodDays, LastDayOfEachPeriod) {
  EXPECT_EQ(ledger::last_day_of_period("2026-01"), day(2026, 1, 31));
  EXPECT_EQ(ledger::last_day_of_period("2026-02"), day(2026, 2, 28));
  EXPECT_EQ(ledger::last_day_of_period("2024-02"), day(2024, 2, 29));  // leap
  EXPECT_EQ(ledger::last_day_of_period("2000-02"), day(2000, 2, 29));  // leap (÷400)
  EXPECT_EQ(ledger::last_day_of_period("2100-02"), day(2100, 2, 28));  // not leap (÷100)
  EXPECT_EQ(ledger::last_day_of_period("2026-04"), day(2026, 4, 30));
  EXPECT_EQ(ledger::last_day_of_period("2026-12"), day(2026, 12, 31));  // across the year end
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "202603", "2026/03", "2026-03-01",
                          "abcd-01", "2026-0a", "", "-026-03"}) {
    EXPECT_FALSE(ledger::last_day_of_period(bad)) << '"' << bad << '"';
  }
}

TEST(PeriodDays, ClearingMarksRoundTripAndRefuseDamage) {
  const ClearingMark mark{
      "2026-03", day(2026, 3, 31), 1234, {"payable:440000", "receivable:110000"}};
  const std::string bytes = ledger::encode_clearing_mark(mark);
  const Result<ClearingMark> decoded = ledger::decode_clearing_mark(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, mark);
  EXPECT_EQ(ledger::documents::clearing_mark("2026-03"), "clearing/2026-03");
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(ledger::decode_clearing_mark(bytes.substr(0, cut)).is_ok()) << cut;
  }
  EXPECT_FALSE(ledger::decode_clearing_mark(bytes + "x").is_ok());
}

// December 2999, the last month of the date range, has its last day.
TEST(PeriodDays, TheLastPeriodOfTheDateRangeHasALastDay) {
  EXPECT_EQ(ledger::last_day_of_period("2999-12"), day(2999, 12, 31));
}

}  // namespace
}  // namespace medclear::testing
