// The settlement lifecycle (DOMAIN.md §4) and the business ladder of the engine, through the
// worked-example scenario's reference data.
#include "clearing/engine.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

using clearing::Money;

class Lifecycle : public ::testing::Test {
 protected:
  Lifecycle() : scenario_(worked_examples()), engine_(scenario_.reference) {}

  adapters::Json claim_a() const { return scenario_.requests[0]; }
  adapters::Json claim_d() const { return scenario_.requests[4]; }

  adapters::Scenario scenario_;
  clearing::Engine engine_;
  clearing::MemoryState state_;
};

TEST_F(Lifecycle, PreSettlementChangesNothingAndMatchesTheSettlement) {
  adapters::Json pre = claim_a();
  set_string(pre, "infno", "2303");
  const Outcome presettled = submit(engine_, state_, pre);
  ASSERT_TRUE(presettled.accepted()) << presettled.rejection.message;
  EXPECT_EQ(presettled.result.setl_id, "");
  EXPECT_EQ(state_.size(), 0u);
  EXPECT_TRUE(state_.all_accumulators().empty());
  const Outcome settled = submit(engine_, state_, claim_a());
  ASSERT_TRUE(settled.accepted());
  EXPECT_EQ(settled.result.amounts.hifp_pay, presettled.result.amounts.hifp_pay);
  EXPECT_EQ(settled.result.amounts.hifmi_pay, presettled.result.amounts.hifmi_pay);
  EXPECT_EQ(settled.result.amounts.psn_cash_pay, presettled.result.amounts.psn_cash_pay);
}

TEST_F(Lifecycle, SettlementIsIdempotentByMsgid) {
  const Outcome first = submit(engine_, state_, claim_a());
  ASSERT_TRUE(first.accepted());
  const auto accumulators = state_.all_accumulators();
  // The same request again (even with a fresh inf_time): the same answer, nothing charged twice.
  adapters::Json retry = claim_a();
  set_string(retry, "inf_time", "2026-03-15 10:00:09");
  const Outcome second = submit(engine_, state_, retry);
  ASSERT_TRUE(second.accepted());
  EXPECT_EQ(second.result.setl_id, first.result.setl_id);
  EXPECT_EQ(second.result.amounts.hifp_pay, first.result.amounts.hifp_pay);
  EXPECT_EQ(state_.size(), 1u);
  EXPECT_EQ(state_.all_accumulators(), accumulators);
  // Same msgid, different payload: its own error, nothing changed.
  adapters::Json changed = claim_a();
  set_number(line_of(changed, 3), "det_item_fee_sumamt", "33999.99");
  set_number(line_of(changed, 3), "pric", "33999.99");
  set_number(data_of(changed), "medfee_sumamt", "49999.99");
  const Outcome reused = submit(engine_, state_, changed);
  EXPECT_EQ(reused.err_code(), "msgid_reused_with_different_payload");
  EXPECT_EQ(state_.size(), 1u);
  EXPECT_EQ(state_.all_accumulators(), accumulators);
}

TEST_F(Lifecycle, CancelNegatesExactlyAndReturnsAccumulatorsToZero) {
  const Outcome settled = submit(engine_, state_, claim_d());
  ASSERT_TRUE(settled.accepted());
  EXPECT_EQ(state_.account_used("44000000000000000005"), Money::from_fen(150000));
  const adapters::Json cancel =
      cancel_of(claim_d(), settled.result.setl_id, "H31010400001202603151100000001");
  const Outcome cancelled = submit(engine_, state_, cancel);
  ASSERT_TRUE(cancelled.accepted()) << cancelled.rejection.message;
  EXPECT_NE(cancelled.result.setl_id, settled.result.setl_id);
  EXPECT_EQ(cancelled.result.compensates, settled.result.setl_id);
  EXPECT_EQ(cancelled.result.amounts.hifp_pay, -settled.result.amounts.hifp_pay);
  EXPECT_EQ(cancelled.result.amounts.medfee_sumamt, -settled.result.amounts.medfee_sumamt);
  EXPECT_EQ(cancelled.result.amounts.acct_pay, Money::from_fen(-150000));
  EXPECT_EQ(cancelled.result.amounts.balc, Money::from_fen(150000));  // balance after the cancel
  for (const auto& [key, accumulators] : state_.all_accumulators()) {
    EXPECT_TRUE(accumulators.is_zero()) << key;
  }
  EXPECT_EQ(state_.account_used("44000000000000000005"), Money::zero());
  // A second cancel with a new msgid is refused; a retry of the first returns the same answer.
  const Outcome again =
      submit(engine_, state_,
             cancel_of(claim_d(), settled.result.setl_id, "H31010400001202603151100000002"));
  EXPECT_EQ(again.err_code(), "already_cancelled");
  const Outcome retry = submit(engine_, state_, cancel);
  ASSERT_TRUE(retry.accepted());
  EXPECT_EQ(retry.result.setl_id, cancelled.result.setl_id);
  EXPECT_EQ(state_.size(), 2u);
}

TEST_F(Lifecycle, CancelOfAnUnknownOrForeignSettlementIsRefused) {
  const Outcome settled = submit(engine_, state_, claim_a());
  ASSERT_TRUE(settled.accepted());
  EXPECT_EQ(
      submit(engine_, state_,
             cancel_of(claim_a(), "610100202603150000009999", "H31010400001202603151100000003"))
          .err_code(),
      "unknown_settlement");
  adapters::Json wrong_person =
      cancel_of(claim_a(), settled.result.setl_id, "H31010400001202603151100000004");
  set_string(data_of(wrong_person), "psn_no", "61000000000000000002");
  EXPECT_EQ(submit(engine_, state_, wrong_person).err_code(), "unknown_settlement");
  // 2208 (outpatient cancel) cannot cancel an inpatient settlement.
  adapters::Json outpatient_cancel =
      cancel_of(claim_a(), settled.result.setl_id, "H31010400001202603151100000005");
  set_string(outpatient_cancel, "infno", "2208");
  EXPECT_EQ(submit(engine_, state_, outpatient_cancel).err_code(), "unknown_settlement");
  EXPECT_EQ(state_.size(), 1u);
}

TEST_F(Lifecycle, ReversalOfASettlementAndOfACancel) {
  const Outcome settled = submit(engine_, state_, claim_a());
  ASSERT_TRUE(settled.accepted());
  const auto after_settlement = state_.all_accumulators();
  const adapters::Json cancel =
      cancel_of(claim_a(), settled.result.setl_id, "H31010400001202603151200000001");
  ASSERT_TRUE(submit(engine_, state_, cancel).accepted());
  // Reversing the cancel reinstates the settlement with exactly its deltas.
  const Outcome reinstated =
      submit(engine_, state_, reversal_of(cancel, "H31010400001202603151200000002"));
  ASSERT_TRUE(reinstated.accepted()) << reinstated.rejection.message;
  EXPECT_EQ(reinstated.result.amounts.hifp_pay, settled.result.amounts.hifp_pay);
  EXPECT_EQ(state_.all_accumulators(), after_settlement);
  // Now the settlement itself can be reversed, once.
  const Outcome reversed =
      submit(engine_, state_, reversal_of(claim_a(), "H31010400001202603151200000003"));
  ASSERT_TRUE(reversed.accepted()) << reversed.rejection.message;
  EXPECT_EQ(reversed.result.amounts.hifp_pay, -settled.result.amounts.hifp_pay);
  for (const auto& [key, accumulators] : state_.all_accumulators()) {
    EXPECT_TRUE(accumulators.is_zero()) << key;
  }
  EXPECT_EQ(
      submit(engine_, state_, reversal_of(claim_a(), "H31010400001202603151200000004")).err_code(),
      "already_cancelled");
  EXPECT_EQ(state_.size(), 4u);
}

TEST_F(Lifecycle, ReversalOnlyOfSettlementsAndCancels) {
  adapters::Json pre = claim_a();
  set_string(pre, "infno", "2303");
  adapters::Json reversal = reversal_of(pre, "H31010400001202603151300000001");
  EXPECT_EQ(submit(engine_, state_, reversal).err_code(), "reversal_not_allowed");
  adapters::Json unknown = reversal_of(claim_a(), "H31010400001202603151300000002");
  EXPECT_EQ(submit(engine_, state_, unknown).err_code(), "unknown_settlement");
  EXPECT_EQ(state_.size(), 0u);
}

// The business ladder: each case breaks one thing of a valid claim.
struct LadderCase {
  const char* name;
  std::function<void(adapters::Json&, clearing::ReferenceData&)> mutate;
  const char* err_code;
};

TEST_F(Lifecycle, BusinessChecksGiveTheirCodeAndChangeNothing) {
  const std::vector<LadderCase> cases = {
      {"sum differs", [](auto& j, auto&) { set_number(data_of(j), "medfee_sumamt", "50000.01"); },
       "amount_mismatch"},
      {"price x cnt differs", [](auto& j, auto&) { set_number(line_of(j, 0), "pric", "2999.00"); },
       "amount_mismatch"},
      {"duplicate line", [](auto& j, auto&) { set_string(line_of(j, 1), "feedetl_sn", "1"); },
       "duplicate_fee_line"},
      {"unknown person",
       [](auto& j, auto&) { set_string(data_of(j), "psn_no", "61000000000000009999"); },
       "unknown_person"},
      {"insured elsewhere", [](auto& j, auto&) { set_string(j, "insuplc_admdvs", "620100"); },
       "unknown_person"},
      {"insutype", [](auto& j, auto&) { set_string(data_of(j), "insutype", "310"); },
       "insutype_mismatch"},
      {"local business", [](auto& j, auto&) { set_string(j, "insuplc_admdvs", ""); },
       "not_cross_province"},
      {"same province", [](auto& j, auto&) { set_string(j, "mdtrtarea_admvs", "610102"); },
       "not_cross_province"},
      {"unknown facility", [](auto& j, auto&) { set_string(j, "fixmedins_code", "H31010400099"); },
       "unknown_facility"},
      {"not networked",
       [](auto&, auto& r) {
         r.add_facility({"H31010400002", "310104", 3, false});
       },
       "facility_not_networked"},
      {"no policy yet", [](auto& j, auto&) { set_string(j, "inf_time", "2025-12-31 10:00:00"); },
       "no_policy"},
      {"filing expired", [](auto& j, auto&) { set_string(j, "inf_time", "2027-01-02 10:00:00"); },
       "no_valid_filing"},
  };
  for (const LadderCase& c : cases) {
    adapters::Scenario scenario = worked_examples();
    adapters::Json claim = scenario.requests[0];
    c.mutate(claim, scenario.reference);
    if (std::string(c.err_code) == "facility_not_networked") {
      set_string(claim, "fixmedins_code", "H31010400002");
    }
    // A msgid is its hospital's: it begins with whatever fixmedins_code the case sends.
    const std::string msgid = claim.find("msgid")->text;
    set_string(claim, "msgid", claim.find("fixmedins_code")->text + msgid.substr(12));
    const clearing::Engine engine(scenario.reference);
    clearing::MemoryState state;
    const Outcome outcome = submit(engine, state, claim);
    EXPECT_EQ(outcome.err_code(), c.err_code) << c.name << ": " << outcome.rejection.message;
    EXPECT_FALSE(outcome.rejection.message.empty()) << c.name;
    EXPECT_EQ(state.size(), 0u) << c.name;
    EXPECT_TRUE(state.all_accumulators().empty()) << c.name;
  }
}

// The national insutypes without a policy of their own (contracts/adjudicate.md): a request of a
// person insured under one is no_policy, and nothing is charged.
TEST_F(Lifecycle, InsutypesWithoutAPolicyAreNoPolicy) {
  for (const char* insutype : {"320", "330", "392", "510"}) {
    adapters::Scenario scenario = worked_examples();
    clearing::Person person = *scenario.reference.person("61000000000000000001");
    person.psn_no = "61000000000000000099";
    person.insutype = insutype;
    ASSERT_TRUE(scenario.reference.add_person(person));
    adapters::Json claim = scenario.requests[0];
    set_string(data_of(claim), "psn_no", person.psn_no);
    set_string(data_of(claim), "insutype", insutype);
    const clearing::Engine engine(scenario.reference);
    clearing::MemoryState state;
    const Outcome outcome = submit(engine, state, claim);
    EXPECT_EQ(outcome.err_code(), "no_policy") << insutype << ": " << outcome.rejection.message;
    EXPECT_EQ(state.size(), 0u) << insutype;
    EXPECT_TRUE(state.all_accumulators().empty()) << insutype;
  }
}

// With both branches' deductibles per year (the resident policy's inpatient basis edited), each
// branch keeps its own year-to-date deductible through settle, cancel and reversal.
class SeparateDeductibles : public ::testing::Test {
 protected:
  SeparateDeductibles()
      : scenario_(worked_examples_edited([](adapters::Json& doc) {
          adapters::Json& resident = member(doc, "policies").items.at(0);
          set_string(member(member(resident, "inpatient"), "deductible"), "basis", "per_year");
        })),
        engine_(scenario_.reference) {}

  // Example A: 2304, med_type 21.
  adapters::Json inpatient() const { return scenario_.requests[0]; }
  // The same bill as an outpatient settlement (2207, med_type 11) of the same person.
  adapters::Json outpatient(const std::string& msgid, const std::string& mdtrt_id) const {
    adapters::Json claim = scenario_.requests[0];
    set_string(claim, "infno", "2207");
    set_string(claim, "msgid", msgid);
    set_string(data_of(claim), "med_type", "11");
    set_string(data_of(claim), "mdtrt_id", mdtrt_id);
    return claim;
  }
  clearing::Accumulators year() const { return state_.accumulators(kPerson, "390", 2026); }

  static constexpr const char* kPerson = "61000000000000000001";
  adapters::Scenario scenario_;
  clearing::Engine engine_;
  clearing::MemoryState state_;
};

TEST_F(SeparateDeductibles, EachBranchPaysItsOwnAndCancelMovesBothBackExactly) {
  ASSERT_EQ(scenario_.reference.policy_for("610100", "390", *clearing::parse_date("2026-03-15"))
                ->inpatient.deductible_basis,
            clearing::DeductibleBasis::kPerYear);
  // Outpatient first: its 100.00 deductible is met.
  const Outcome out =
      submit(engine_, state_, outpatient("H31010400001202603151400000001", "MD0101"));
  ASSERT_TRUE(out.accepted()) << out.rejection.message;
  EXPECT_EQ(out.result.amounts.act_pay_dedc, Money::from_fen(10000));
  EXPECT_EQ(year().outpatient_deductible_paid, Money::from_fen(10000));
  EXPECT_EQ(year().inpatient_deductible_paid, Money::zero());
  // Inpatient: the full 500.00, as in example A — the outpatient 100.00 does not count.
  const Outcome in = submit(engine_, state_, inpatient());
  ASSERT_TRUE(in.accepted()) << in.rejection.message;
  EXPECT_EQ(in.result.amounts.act_pay_dedc, Money::from_fen(50000));
  EXPECT_EQ(in.result.amounts.hifp_pay, Money::from_fen(3150000));  // (45,500 − 500) × 70%
  EXPECT_EQ(year().inpatient_deductible_paid, Money::from_fen(50000));
  EXPECT_EQ(year().outpatient_deductible_paid, Money::from_fen(10000));
  // A second outpatient claim: nothing left of the outpatient deductible.
  const Outcome out2 =
      submit(engine_, state_, outpatient("H31010400001202603151400000002", "MD0102"));
  ASSERT_TRUE(out2.accepted()) << out2.rejection.message;
  EXPECT_EQ(out2.result.amounts.act_pay_dedc, Money::zero());
  const clearing::Accumulators all_three = year();

  // Cancel the inpatient settlement: only the inpatient deductible returns.
  const adapters::Json cancel_in =
      cancel_of(inpatient(), in.result.setl_id, "H31010400001202603151500000001");
  const Outcome cancelled = submit(engine_, state_, cancel_in);
  ASSERT_TRUE(cancelled.accepted()) << cancelled.rejection.message;
  EXPECT_EQ(cancelled.result.delta, in.result.delta.negated());
  EXPECT_EQ(year().inpatient_deductible_paid, Money::zero());
  EXPECT_EQ(year().outpatient_deductible_paid, Money::from_fen(10000));
  // Reversing the cancel puts back exactly what the settlement moved.
  const Outcome reinstated =
      submit(engine_, state_, reversal_of(cancel_in, "H31010400001202603151500000002"));
  ASSERT_TRUE(reinstated.accepted()) << reinstated.rejection.message;
  EXPECT_EQ(year(), all_three);
  // Cancel everything: every accumulator returns to zero.
  const Outcome reversed =
      submit(engine_, state_, reversal_of(inpatient(), "H31010400001202603151500000003"));
  ASSERT_TRUE(reversed.accepted()) << reversed.rejection.message;
  int serial = 4;
  for (const Outcome* settled : {&out, &out2}) {
    const adapters::Json claim = outpatient(settled->result.msgid, settled->result.mdtrt_id);
    char msgid[40];
    std::snprintf(msgid, sizeof msgid, "H3101040000120260315150000%04d", serial++);
    const Outcome c = submit(engine_, state_, cancel_of(claim, settled->result.setl_id, msgid));
    ASSERT_TRUE(c.accepted()) << c.rejection.message;
  }
  EXPECT_TRUE(year().is_zero());
}

TEST_F(SeparateDeductibles, InpatientMetFirstLeavesTheOutpatientDeductibleWhole) {
  const Outcome in = submit(engine_, state_, inpatient());
  ASSERT_TRUE(in.accepted()) << in.rejection.message;
  EXPECT_EQ(in.result.amounts.act_pay_dedc, Money::from_fen(50000));
  const Outcome out =
      submit(engine_, state_, outpatient("H31010400001202603151400000003", "MD0103"));
  ASSERT_TRUE(out.accepted()) << out.rejection.message;
  EXPECT_EQ(out.result.amounts.act_pay_dedc, Money::from_fen(10000));
  EXPECT_EQ(year().inpatient_deductible_paid, Money::from_fen(50000));
  EXPECT_EQ(year().outpatient_deductible_paid, Money::from_fen(10000));
}

TEST_F(Lifecycle, EmergencyWithoutFilingSettlesWithTheEmergencyCut) {
  adapters::Scenario scenario = worked_examples();
  adapters::Json claim = scenario.requests[0];
  set_string(claim, "inf_time", "2027-01-02 10:00:00");  // after the filing ended
  // A 2027 policy so only the filing is missing.
  clearing::Policy policy =
      *scenario.reference.policy_for("610100", "390", *clearing::parse_date("2026-06-01"));
  policy.effective_from = *clearing::parse_date("2027-01-01");
  scenario.reference.add_policy(policy);
  set_string(data_of(claim), "med_type", "24");
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  const Outcome outcome = submit(engine, state, claim);
  ASSERT_TRUE(outcome.accepted()) << outcome.rejection.message;
  EXPECT_EQ(outcome.result.amounts.pool_prop_selfpay.basis_points(), 6000);  // 70% − 10 pp
}

TEST_F(Lifecycle, UnfiledTermsReplaceRatioAndDeductible) {
  adapters::Scenario scenario = worked_examples();
  clearing::Policy policy =
      *scenario.reference.policy_for("610100", "390", *clearing::parse_date("2026-06-01"));
  policy.effective_from = *clearing::parse_date("2027-01-01");
  policy.unfiled =
      clearing::UnfiledTerms{clearing::Ratio::from_basis_points(3500), Money::from_fen(100000)};
  scenario.reference.add_policy(policy);
  adapters::Json claim = scenario.requests[0];
  set_string(claim, "inf_time", "2027-01-02 10:00:00");
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  const Outcome outcome = submit(engine, state, claim);
  ASSERT_TRUE(outcome.accepted()) << outcome.rejection.message;
  EXPECT_EQ(outcome.result.amounts.act_pay_dedc, Money::from_fen(100000));
  EXPECT_EQ(outcome.result.amounts.pool_prop_selfpay.basis_points(), 3500);
  // (45,500 − 1,000) × 35% = 15,575.00
  EXPECT_EQ(outcome.result.amounts.hifp_pay, Money::from_fen(1557500));
}

}  // namespace
}  // namespace medclear::testing
