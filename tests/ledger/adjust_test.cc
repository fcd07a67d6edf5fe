// Adjustments (ledger/adjust.h) between a treating ledger (310000) and an insured one (610000) that
// disagree on five claims, one of each difference kind: each gets exactly the entries the header
// promises (the negation of the treating side's booking, a copy of the insured side's, or both),
// to the fen, under the promised ids; the treating side then owes what the insured side booked;
// a second run appends nothing; no earlier entry changes.
#include "ledger/adjust.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "ledger/directory.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/records.h"

namespace medclear::testing {
namespace {

using clearing::Date;
using clearing::Money;
using ledger::Direction;
using ledger::Leg;
using ledger::Side;

const Date kDay = *Date::from_ymd(2026, 3, 15);    // the business day reconciled
const Date kNight = *Date::from_ymd(2026, 3, 16);  // the day the adjustments are booked
constexpr const char* kStatement = "2026-03-15/610000-310000";
constexpr const char* kHospital = "hospital:H31010400001";
constexpr const char* kReceivable = "receivable:610000";

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
std::string adjustment(int claim, int n) {
  return "adj:" + std::string(kStatement) + ":" + setl_id(claim) + ":" + std::to_string(n);
}

// Whether `setl_id` is booked in `ledger` and in effect (ledger/adjust.h booking_in_effect).
bool in_effect_in(const ledger::Ledger& journal, const std::string& id) {
  const Result<std::optional<clearing::SettlementRecord>> booking =
      ledger::booking_in_effect(journal, id);
  EXPECT_TRUE(booking.is_ok()) << booking.status().message();
  return booking.is_ok() && booking->has_value();
}

// A read that must succeed: its answer.
bool booked(const Result<bool>& answer) {
  EXPECT_TRUE(answer.is_ok()) << answer.status().message();
  return answer.is_ok() && *answer;
}

class Adjust : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_directory("adjust");
    insured_ = open("610000");
    treating_ = open("310000");
    write_both();
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
  static void stage(ledger::Ledger& l, const clearing::SettlementRecord& r, Side side) {
    const Result<ledger::Ledger::Staged> staged = l.stage(r, side);
    ASSERT_TRUE(staged.is_ok()) << staged.status().message();
  }

  // What the treating side advances for each claim (fund + account), in fen:
  //   claim  treating ledger                      insured ledger
  //   1      70,000                               70,000                  (agree)
  //   2      30,000                               —                       missing on insured
  //   3      —                                    46,284 (45,050 + 1,234)  missing on treating
  //   4      20,000                               21,000                  amount differs
  //   5      33,333                               33,333, cancelled (9)   cancel on insured only
  //   6      7,001, cancelled (10)                7,001                   cancel on treating only
  void write_both() {
    ledger::Ledger& t = *treating_.ledger;
    ledger::Ledger& i = *insured_.ledger;
    const auto c1 = settlement_record(setl_id(1), msgid(1), kDay, 100000, 70000);
    stage(t, c1, Side::kTreating);
    stage(i, c1, Side::kInsured);
    stage(t, settlement_record(setl_id(2), msgid(2), kDay, 50000, 30000), Side::kTreating);
    claim3_ = settlement_record(setl_id(3), msgid(3), kDay, 80000, 45050, 1234);
    stage(i, claim3_, Side::kInsured);
    stage(t, settlement_record(setl_id(4), msgid(4), kDay, 40000, 20000), Side::kTreating);
    claim4_ = settlement_record(setl_id(4), msgid(4), kDay, 40000, 21000);
    stage(i, claim4_, Side::kInsured);
    const auto c5 = settlement_record(setl_id(5), msgid(5), kDay, 60000, 33333);
    stage(t, c5, Side::kTreating);
    stage(i, c5, Side::kInsured);
    stage(i, cancel_record(c5, setl_id(9), msgid(9), kDay), Side::kInsured);
    const auto c6 = settlement_record(setl_id(6), msgid(6), kDay, 10000, 7001);
    stage(t, c6, Side::kTreating);
    stage(t, cancel_record(c6, setl_id(10), msgid(10), kDay), Side::kTreating);
    stage(i, c6, Side::kInsured);
    ASSERT_TRUE(t.commit().is_ok());
    ASSERT_TRUE(i.commit().is_ok());
    ASSERT_EQ(t.last_seq(), 6u);
  }

  size_t adjust() {
    const std::vector<std::string> differing = {setl_id(2), setl_id(3), setl_id(4), setl_id(5),
                                                setl_id(6)};
    Result<size_t> staged = ledger::stage_adjustments(*treating_.ledger, *insured_.ledger,
                                                      kStatement, differing, kNight);
    EXPECT_TRUE(staged.is_ok()) << staged.status().message();
    EXPECT_TRUE(treating_.ledger->commit().is_ok());
    return staged.is_ok() ? *staged : 0;
  }

  clearing::SettlementRecord entry_record(const std::string& id) const {
    const std::optional<uint64_t> seq = treating_.ledger->seq_by_msgid(id);
    EXPECT_TRUE(seq.has_value()) << id;
    if (!seq) return {};
    return treating_.ledger->entry(*seq)->entry.record;
  }
  std::vector<Leg> entry_legs(const std::string& id) const {
    const std::optional<uint64_t> seq = treating_.ledger->seq_by_msgid(id);
    EXPECT_TRUE(seq.has_value()) << id;
    if (!seq) return {};
    return treating_.ledger->entry(*seq)->entry.legs;
  }

  std::string root_;
  ledger::LedgerDirectory insured_;
  ledger::LedgerDirectory treating_;
  clearing::SettlementRecord claim3_;
  clearing::SettlementRecord claim4_;
};

// The treating side's legs for `fen` advanced: receivable debited, hospital credited.
std::vector<Leg> treating_legs(int64_t fen) {
  return {{Direction::kDebit, kReceivable, Money::from_fen(fen)},
          {Direction::kCredit, kHospital, Money::from_fen(fen)}};
}

TEST(AdjustIds, StatementAndAdjustmentIdsHaveTheDocumentedForm) {
  EXPECT_EQ(ledger::statement_id(kDay, "610000", "310000"), "2026-03-15/610000-310000");
  EXPECT_EQ(ledger::statement_id(*Date::from_ymd(2026, 1, 2), "110000", "440000"),
            "2026-01-02/110000-440000");
  EXPECT_EQ(ledger::adjustment_msgid("2026-03-15/610000-310000", "610100202603150000000003", 2),
            "adj:2026-03-15/610000-310000:610100202603150000000003:2");
  EXPECT_EQ(ledger::adjustment_msgid(kStatement, setl_id(2), 1), adjustment(2, 1));
}

TEST_F(Adjust, EachDifferenceKindGetsItsEntriesToTheFen) {
  // Before: 70,000 + 30,000 + 20,000 + 33,333 + (7,001 − 7,001) = 153,333.
  EXPECT_EQ(treating_.ledger->balance(kReceivable), Money::from_fen(153333));
  EXPECT_EQ(adjust(), 6u);  // claims 2, 3, 5, 6: one entry each; claim 4: two
  EXPECT_EQ(treating_.ledger->last_seq(), 12u);
  // Missing on the insured side: the treating booking taken back, nothing booked.
  EXPECT_EQ(entry_legs(adjustment(2, 1)), treating_legs(-30000));
  EXPECT_FALSE(treating_.ledger->seq_by_msgid(adjustment(2, 2)));
  // Missing on the treating side: the insured booking copied, 45,050 + 1,234 = 46,284.
  EXPECT_EQ(entry_legs(adjustment(3, 1)), treating_legs(46284));
  EXPECT_FALSE(treating_.ledger->seq_by_msgid(adjustment(3, 2)));
  // Amount differs: 20,000 taken back, then 21,000 booked.
  EXPECT_EQ(entry_legs(adjustment(4, 1)), treating_legs(-20000));
  EXPECT_EQ(entry_legs(adjustment(4, 2)), treating_legs(21000));
  // Cancelled on the insured side only: the treating booking taken back.
  EXPECT_EQ(entry_legs(adjustment(5, 1)), treating_legs(-33333));
  EXPECT_FALSE(treating_.ledger->seq_by_msgid(adjustment(5, 2)));
  // Cancelled on the treating side only: the insured booking booked again.
  EXPECT_EQ(entry_legs(adjustment(6, 1)), treating_legs(7001));
  EXPECT_FALSE(treating_.ledger->seq_by_msgid(adjustment(6, 2)));
  // After: 153,333 − 30,000 + 46,284 − 20,000 + 21,000 − 33,333 + 7,001 = 144,285, which is what
  // the insured side has in effect: 70,000 + 46,284 + 21,000 + 7,001 = 144,285.
  EXPECT_EQ(treating_.ledger->balance(kReceivable), Money::from_fen(144285));
  EXPECT_EQ(treating_.ledger->balance(kHospital), Money::from_fen(-144285));
}

TEST_F(Adjust, AnAdjustmentIsItsOwnRecordAndCopiesOrNegatesEveryAmount) {
  adjust();
  // A copy: the insured side's record of claim 3, re-dated and renamed, amounts unchanged.
  const clearing::SettlementRecord copy = entry_record(adjustment(3, 1));
  EXPECT_EQ(copy.kind, clearing::RecordKind::kAdjustment);
  EXPECT_EQ(copy.msgid, adjustment(3, 1));
  EXPECT_EQ(copy.setl_id, adjustment(3, 1));
  EXPECT_EQ(copy.compensates, "");
  EXPECT_EQ(copy.setl_time, (clearing::DateTime{kNight, 0}));
  EXPECT_EQ(copy.amounts.medfee_sumamt, Money::from_fen(80000));
  EXPECT_EQ(copy.amounts.fund_pay_sumamt, Money::from_fen(45050));
  EXPECT_EQ(copy.amounts.acct_pay, Money::from_fen(1234));
  EXPECT_EQ(copy.amounts.psn_cash_pay, Money::from_fen(80000 - 45050 - 1234));  // 33,716
  EXPECT_EQ(copy.delta, claim3_.delta);
  EXPECT_EQ(copy.psn_no, claim3_.psn_no);
  EXPECT_EQ(copy.mdtrt_id, claim3_.mdtrt_id);
  // A negation: every amount of the treating side's claim 4 (bill 40,000, fund 20,000) flipped.
  const clearing::SettlementRecord negation = entry_record(adjustment(4, 1));
  EXPECT_EQ(negation.kind, clearing::RecordKind::kAdjustment);
  EXPECT_EQ(negation.compensates, "");
  EXPECT_EQ(negation.amounts.medfee_sumamt, Money::from_fen(-40000));
  EXPECT_EQ(negation.amounts.inscp_scp_amt, Money::from_fen(-40000));
  EXPECT_EQ(negation.amounts.hifp_pay, Money::from_fen(-20000));
  EXPECT_EQ(negation.amounts.fund_pay_sumamt, Money::from_fen(-20000));
  EXPECT_EQ(negation.amounts.psn_part_amt, Money::from_fen(-20000));  // 40,000 − 20,000
  EXPECT_EQ(negation.amounts.psn_cash_pay, Money::from_fen(-20000));
  ASSERT_EQ(negation.amounts.details.size(), 1u);
  EXPECT_EQ(negation.amounts.details[0].fund_payamt, Money::from_fen(-20000));
  EXPECT_EQ(negation.delta.year.pool_paid, Money::from_fen(-20000));
  // Its business day is the night's, not the claim's.
  const std::optional<uint64_t> seq = treating_.ledger->seq_by_msgid(adjustment(4, 1));
  ASSERT_TRUE(seq);
  EXPECT_EQ(treating_.ledger->entry(*seq)->entry.day, kNight);
  EXPECT_EQ(treating_.ledger->entry(*seq)->entry.side, Side::kTreating);
}

TEST_F(Adjust, ASecondRunAppendsNothing) {
  EXPECT_EQ(adjust(), 6u);
  const Money receivable = treating_.ledger->balance(kReceivable);
  EXPECT_EQ(adjust(), 0u);
  EXPECT_EQ(treating_.ledger->last_seq(), 12u);
  EXPECT_EQ(treating_.ledger->balance(kReceivable), receivable);
  // The same with the insured side's bookings as the network brings them.
  const std::vector<std::string> ids = {setl_id(2), setl_id(3), setl_id(4), setl_id(5), setl_id(6)};
  Result<std::map<std::string, clearing::SettlementRecord>> theirs =
      ledger::bookings_in_effect(*insured_.ledger, ids);
  ASSERT_TRUE(theirs.is_ok());
  Result<size_t> again =
      ledger::stage_adjustments(*treating_.ledger, *theirs, kStatement, ids, kNight);
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(*again, 0u);
  EXPECT_EQ(treating_.ledger->last_seq(), 12u);
}

TEST_F(Adjust, NothingBookedBeforeIsEdited) {
  std::vector<std::string> before;
  for (uint64_t seq = 1; seq <= 6; ++seq) before.push_back(*treating_.ledger->entry_bytes(seq));
  adjust();
  for (uint64_t seq = 1; seq <= 6; ++seq) {
    EXPECT_EQ(*treating_.ledger->entry_bytes(seq), before[seq - 1]) << "entry " << seq;
  }
  // The claims' own cancel chains are left alone: an adjustment compensates nothing.
  EXPECT_TRUE(in_effect_in(*treating_.ledger, setl_id(2)));
  EXPECT_TRUE(in_effect_in(*treating_.ledger, setl_id(5)));
  EXPECT_FALSE(in_effect_in(*treating_.ledger, setl_id(6)));
  EXPECT_FALSE(treating_.ledger->compensation_of(setl_id(2))->has_value());
  EXPECT_EQ(insured_.ledger->last_seq(), 6u);  // the insured side is only read
}

TEST_F(Adjust, BookingsInEffectAndInEffect) {
  // The insured side: claim 5 cancelled, claim 2 never booked.
  EXPECT_TRUE(in_effect_in(*insured_.ledger, setl_id(1)));
  EXPECT_FALSE(in_effect_in(*insured_.ledger, setl_id(2)));
  EXPECT_FALSE(in_effect_in(*insured_.ledger, setl_id(5)));
  EXPECT_TRUE(in_effect_in(*insured_.ledger, setl_id(6)));
  const Result<std::map<std::string, clearing::SettlementRecord>> theirs =
      ledger::bookings_in_effect(*insured_.ledger,
                                 {setl_id(2), setl_id(3), setl_id(4), setl_id(5), setl_id(6)});
  ASSERT_TRUE(theirs.is_ok());
  ASSERT_EQ(theirs->size(), 3u);  // 3, 4, 6
  EXPECT_EQ(theirs->at(setl_id(3)).amounts.fund_pay_sumamt, Money::from_fen(45050));
  EXPECT_EQ(theirs->at(setl_id(4)).amounts.fund_pay_sumamt, Money::from_fen(21000));
  EXPECT_EQ(theirs->at(setl_id(6)).amounts.fund_pay_sumamt, Money::from_fen(7001));
  // A reversal of claim 5's cancel (9) puts claim 5 back in effect.
  const std::optional<uint64_t> cancel_seq = insured_.ledger->seq_by_setl_id(setl_id(9));
  ASSERT_TRUE(cancel_seq);
  const clearing::SettlementRecord cancel = insured_.ledger->entry(*cancel_seq)->entry.record;
  clearing::SettlementRecord reversal = cancel_record(cancel, setl_id(11), msgid(11), kDay);
  reversal.kind = clearing::RecordKind::kReversal;
  reversal.infno = clearing::Transaction::kReversal;
  stage(*insured_.ledger, reversal, Side::kInsured);
  EXPECT_TRUE(in_effect_in(*insured_.ledger, setl_id(5)));
}

TEST_F(Adjust, BookedByAdjustmentFindsTheCopyOfTheInsuredBooking) {
  EXPECT_FALSE(booked(ledger::booked_by_adjustment(*treating_.ledger, claim3_)));
  adjust();
  EXPECT_TRUE(booked(ledger::booked_by_adjustment(*treating_.ledger, claim3_)));
  // A claim the reconciliation did not touch, one without setl_id (a pre-settlement), and the
  // same claim on another business day (another statement) were not booked by an adjustment.
  EXPECT_FALSE(booked(ledger::booked_by_adjustment(
      *treating_.ledger, settlement_record(setl_id(1), msgid(1), kDay, 100000, 70000))));
  clearing::SettlementRecord pre = claim3_;
  pre.setl_id = "";
  EXPECT_FALSE(booked(ledger::booked_by_adjustment(*treating_.ledger, pre)));
  clearing::SettlementRecord other_day = claim3_;
  other_day.setl_time.date = kNight;
  EXPECT_FALSE(booked(ledger::booked_by_adjustment(*treating_.ledger, other_day)));
}

TEST_F(Adjust, ABookingOfAnotherClaimOrRegionIsRefused) {
  std::map<std::string, clearing::SettlementRecord> theirs;
  theirs[setl_id(3)] = claim4_;  // names claim 4
  EXPECT_FALSE(
      ledger::stage_adjustments(*treating_.ledger, theirs, kStatement, {setl_id(3)}, kNight)
          .is_ok());
  treating_.ledger->discard_staged();
  clearing::SettlementRecord elsewhere = claim3_;
  elsewhere.mdtrtarea_admvs = "440104";  // treated in 440000, not here
  theirs[setl_id(3)] = elsewhere;
  EXPECT_FALSE(
      ledger::stage_adjustments(*treating_.ledger, theirs, kStatement, {setl_id(3)}, kNight)
          .is_ok());
  treating_.ledger->discard_staged();
  EXPECT_EQ(treating_.ledger->last_seq(), 6u);
}

}  // namespace
}  // namespace medclear::testing
