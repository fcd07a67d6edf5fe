// The split's rules one at a time (DOMAIN.md §3), on hand-built terms.
#include "clearing/split.h"

#include <gtest/gtest.h>

namespace medclear::clearing {
namespace {

Money yuan(int64_t y) { return Money::from_fen(y * 100); }
Ratio pct(int32_t p) { return Ratio::from_basis_points(p * 100); }

Policy resident_policy() {  // P-SL of DOMAIN.md
  Policy p;
  p.admdvs = "610100";
  p.insutype = "390";
  p.inpatient.deductible_basis = DeductibleBasis::kPerAdmission;
  p.inpatient.deductible_by_level[2] = yuan(500);
  p.inpatient.ratio_by_level[2] = pct(70);
  p.outpatient.deductible_basis = DeductibleBasis::kPerYear;
  p.outpatient.deductible_by_level[2] = yuan(100);
  p.outpatient.ratio_by_level[2] = pct(50);
  p.pool_annual_limit = yuan(130000);
  p.filing_cut[static_cast<int>(FilingKind::kReferral)] = pct(10);
  p.filing_cut[static_cast<int>(FilingKind::kEmergency)] = pct(10);
  p.filing_cut[static_cast<int>(FilingKind::kTemporary)] = pct(15);
  p.layer = LayerTerms{yuan(10000),
                       {{yuan(30000), pct(60)}, {yuan(100000), pct(70)}, {std::nullopt, pct(80)}},
                       yuan(300000)};
  return p;
}

ClaimTotals in_scope(Money amount) {
  ClaimTotals t;
  t.medfee_sumamt = amount;
  t.inscp_scp_amt = amount;
  return t;
}

SplitTerms inpatient(const Policy& p, FilingKind kind = FilingKind::kLongTerm) {
  SplitTerms t;
  t.policy = &p;
  t.med_type = "21";
  t.facility_level = 3;
  t.filing = kind;
  return t;
}

Accumulators apply(Accumulators a, const AccumulatorDelta& d) {
  a.inpatient_deductible_paid += d.year.inpatient_deductible_paid;
  a.outpatient_deductible_paid += d.year.outpatient_deductible_paid;
  a.pool_paid += d.year.pool_paid;
  a.layer_base += d.year.layer_base;
  a.layer_paid += d.year.layer_paid;
  a.assistance_paid += d.year.assistance_paid;
  return a;
}

TEST(Split, LayerIsCumulativeOverTheYear) {
  // Two claims whose layer bases add up to the base of one claim pay the same layer in total.
  const Policy p = resident_policy();
  const SplitResult one = split_claim(in_scope(yuan(250000)), inpatient(p), {}, {});
  EXPECT_EQ(one.amounts.hifmi_pay, yuan(77000));  // example C
  Accumulators year;
  const SplitResult first = split_claim(in_scope(yuan(100000)), inpatient(p), year, {});
  year = apply(year, first.delta);
  const SplitResult second = split_claim(in_scope(yuan(150000)), inpatient(p), year, {});
  EXPECT_EQ(first.amounts.hifp_pay, yuan(69650));            // (100,000 − 500) × 70%
  EXPECT_EQ(second.amounts.hifp_pay, yuan(130000 - 69650));  // capped by the pool's limit
  EXPECT_EQ(year.layer_base, yuan(100000 - 69650));
  EXPECT_TRUE(check_identities(first.amounts, false).is_ok());
  EXPECT_TRUE(check_identities(second.amounts, false).is_ok());
}

TEST(Split, LayerStopsAtItsAnnualLimit) {
  Policy p = resident_policy();
  p.layer->annual_limit = yuan(1000);
  const SplitResult r = split_claim(in_scope(yuan(50000)), inpatient(p), {}, {});
  EXPECT_EQ(r.amounts.hifmi_pay, yuan(1000));
  Accumulators year = apply({}, r.delta);
  const SplitResult next = split_claim(in_scope(yuan(50000)), inpatient(p), year, {});
  EXPECT_EQ(next.amounts.hifmi_pay, Money::zero());
  EXPECT_EQ(next.amounts.details[1].crt_payb_lmt_amt, Money::zero());
}

TEST(Split, LayerRoundsTheDifferenceOnce) {
  Policy p = resident_policy();
  p.layer->bands = {{std::nullopt, Ratio::from_basis_points(3333)}};
  p.layer->threshold = Money::zero();
  p.pool_annual_limit = Money::zero();
  // base 0.01 → 0.003333 → rounds to 0.00; two such claims still pay 0.01 × 33.33% in total
  // rounded each time; the cumulative tiers never drift more than half a fen per claim.
  Accumulators year;
  Money paid;
  for (int i = 0; i < 3; ++i) {
    const SplitResult r = split_claim(in_scope(Money::from_fen(1)), inpatient(p), year, {});
    year = apply(year, r.delta);
    paid += r.amounts.hifmi_pay;
  }
  EXPECT_EQ(paid, Money::zero());
  const SplitResult big = split_claim(in_scope(Money::from_fen(2)), inpatient(p), year, {});
  // tiers(5) − tiers(3) = 2 × 3333 bp = 0.6666 fen → 1 fen
  EXPECT_EQ(big.amounts.hifmi_pay, Money::from_fen(1));
}

TEST(Split, RatioClampsAndRetireeUplift) {
  Policy p = resident_policy();
  p.retiree_uplift = pct(40);
  SplitTerms t = inpatient(p);
  t.retiree = true;
  EXPECT_EQ(split_claim(in_scope(yuan(1000)), t, {}, {}).amounts.pool_prop_selfpay, pct(100));
  p.filing_cut[static_cast<int>(FilingKind::kTemporary)] = pct(90);
  EXPECT_EQ(split_claim(in_scope(yuan(1000)), inpatient(p, FilingKind::kTemporary), {}, {})
                .amounts.pool_prop_selfpay,
            Ratio::from_basis_points(0));
}

TEST(Split, OutpatientDeductibleIsPerYear) {
  const Policy p = resident_policy();
  SplitTerms t = inpatient(p);
  t.med_type = "11";
  const SplitResult first = split_claim(in_scope(yuan(60)), t, {}, {});
  EXPECT_EQ(first.amounts.act_pay_dedc, yuan(60));
  const SplitResult second = split_claim(in_scope(yuan(60)), t, apply({}, first.delta), {});
  EXPECT_EQ(second.amounts.act_pay_dedc, yuan(40));
  EXPECT_EQ(second.amounts.hifp_pay, yuan(10));  // (60 − 40) × 50%
}

// Inpatient and outpatient deductibles are separate benefits (DOMAIN.md §3 step 1): with both
// branches per year, what one branch used never reduces the other's.
Policy both_per_year() {
  Policy p = resident_policy();
  p.inpatient.deductible_basis = DeductibleBasis::kPerYear;
  return p;
}

SplitTerms outpatient(const Policy& p) {
  SplitTerms t = inpatient(p);
  t.med_type = "11";
  return t;
}

TEST(Split, OutpatientDeductibleMetDoesNotReduceTheInpatientOne) {
  const Policy p = both_per_year();
  Accumulators year;
  const SplitResult out = split_claim(in_scope(yuan(300)), outpatient(p), year, {});
  EXPECT_EQ(out.amounts.act_pay_dedc, yuan(100));  // the outpatient deductible, met
  EXPECT_EQ(out.delta.year.outpatient_deductible_paid, yuan(100));
  EXPECT_EQ(out.delta.year.inpatient_deductible_paid, Money::zero());
  year = apply(year, out.delta);
  const SplitResult in = split_claim(in_scope(yuan(2000)), inpatient(p), year, {});
  EXPECT_EQ(in.amounts.act_pay_dedc, yuan(500));  // untouched by the outpatient 100
  EXPECT_EQ(in.amounts.hifp_pay, yuan(1050));     // (2,000 − 500) × 70%
  EXPECT_EQ(in.delta.year.inpatient_deductible_paid, yuan(500));
  EXPECT_EQ(in.delta.year.outpatient_deductible_paid, Money::zero());
  year = apply(year, in.delta);
  EXPECT_EQ(year.inpatient_deductible_paid, yuan(500));
  EXPECT_EQ(year.outpatient_deductible_paid, yuan(100));
  // Both met now: neither branch pays a deductible again this year.
  EXPECT_EQ(split_claim(in_scope(yuan(50)), outpatient(p), year, {}).amounts.act_pay_dedc,
            Money::zero());
  EXPECT_EQ(split_claim(in_scope(yuan(50)), inpatient(p), year, {}).amounts.act_pay_dedc,
            Money::zero());
}

TEST(Split, InpatientDeductibleMetDoesNotReduceTheOutpatientOne) {
  const Policy p = both_per_year();
  Accumulators year;
  const SplitResult in = split_claim(in_scope(yuan(5000)), inpatient(p), year, {});
  EXPECT_EQ(in.amounts.act_pay_dedc, yuan(500));
  year = apply(year, in.delta);
  // Partly: 60 of the outpatient 100, then the remaining 40; the inpatient 500 never counts.
  const SplitResult first = split_claim(in_scope(yuan(60)), outpatient(p), year, {});
  EXPECT_EQ(first.amounts.act_pay_dedc, yuan(60));
  year = apply(year, first.delta);
  const SplitResult second = split_claim(in_scope(yuan(60)), outpatient(p), year, {});
  EXPECT_EQ(second.amounts.act_pay_dedc, yuan(40));
  EXPECT_EQ(second.amounts.hifp_pay, yuan(10));  // (60 − 40) × 50%
  year = apply(year, second.delta);
  EXPECT_EQ(year.inpatient_deductible_paid, yuan(500));
  EXPECT_EQ(year.outpatient_deductible_paid, yuan(100));
}

TEST(Split, PerAdmissionBranchMovesNoPerYearDeductible) {
  const Policy p = resident_policy();  // inpatient per admission, outpatient per year
  const SplitResult in = split_claim(in_scope(yuan(2000)), inpatient(p), {}, {});
  EXPECT_EQ(in.amounts.act_pay_dedc, yuan(500));
  EXPECT_EQ(in.delta.year.inpatient_deductible_paid, Money::zero());
  EXPECT_EQ(in.delta.year.outpatient_deductible_paid, Money::zero());
  // An admission after the outpatient deductible was met still pays its own deductible.
  Accumulators year;
  year.outpatient_deductible_paid = yuan(100);
  EXPECT_EQ(split_claim(in_scope(yuan(2000)), inpatient(p), year, {}).amounts.act_pay_dedc,
            yuan(500));
}

TEST(Split, DeltaNegationMovesBothBranchesBackExactly) {
  const Policy p = both_per_year();
  Accumulators year;
  const SplitResult out = split_claim(in_scope(yuan(70)), outpatient(p), year, {});
  year = apply(year, out.delta);
  const SplitResult in = split_claim(in_scope(yuan(300)), inpatient(p), year, {});
  year = apply(year, in.delta);
  EXPECT_EQ(year.outpatient_deductible_paid, yuan(70));
  EXPECT_EQ(year.inpatient_deductible_paid, yuan(300));
  year = year + out.delta.negated().year;
  EXPECT_EQ(year.outpatient_deductible_paid, Money::zero());
  EXPECT_EQ(year.inpatient_deductible_paid, yuan(300));
  year = year + in.delta.negated().year;
  EXPECT_TRUE(year.is_zero());
}

TEST(Split, OnlyEmployeeAndResidentPoliciesReachTheFunds) {
  // The loader refuses policies of other insutypes (contracts/adjudicate.md); reaching the split
  // with one is a bug, never a payment from the wrong scheme's funds.
  Policy p = resident_policy();
  p.insutype = "320";
  EXPECT_DEATH(
      { [[maybe_unused]] SplitResult r = split_claim(in_scope(yuan(1000)), inpatient(p), {}, {}); },
      "insutype without funds");
}

TEST(Split, AssistancePaysOnTheBurdenLeftAfterTheLayer) {
  Policy p = resident_policy();
  p.assistance = AssistanceTerms{{"1701"}, pct(70), yuan(10000)};
  SplitTerms t = inpatient(p);
  t.assistance_eligible = true;
  const SplitResult r = split_claim(in_scope(yuan(50000)), t, {}, {});
  // inscp 50,000: hifp 34,650; layer base 15,350 → 3,210; left 12,140 × 70% = 8,498
  EXPECT_EQ(r.amounts.hifp_pay, yuan(34650));
  EXPECT_EQ(r.amounts.hifmi_pay, yuan(3210));
  EXPECT_EQ(r.amounts.maf_pay, yuan(8498));
  EXPECT_EQ(r.amounts.details.size(), 3u);
  EXPECT_TRUE(check_identities(r.amounts, false).is_ok());
}

TEST(Split, EmployeeLayerIsLargeAmountSubsidy) {
  Policy p = resident_policy();
  p.insutype = "310";
  const SplitResult r = split_claim(in_scope(yuan(50000)), inpatient(p), {}, {});
  EXPECT_EQ(r.amounts.hifmi_pay, Money::zero());
  EXPECT_EQ(r.amounts.hifob_pay, yuan(3210));  // (50,000 − 34,650 − 10,000) × 60%
  EXPECT_EQ(fund_code(r.amounts.details[0].fund), "310100");
  EXPECT_EQ(fund_code(r.amounts.details[1].fund), "330100");
  p.insutype = "390";
  const SplitResult resident = split_claim(in_scope(yuan(50000)), inpatient(p), {}, {});
  EXPECT_EQ(resident.amounts.hifmi_pay, yuan(3210));
  EXPECT_EQ(resident.amounts.hifob_pay, Money::zero());
  EXPECT_EQ(fund_code(resident.amounts.details[0].fund), "390100");
  EXPECT_EQ(fund_code(resident.amounts.details[1].fund), "390200");
}

TEST(Split, PersonalAccountOnlyWhenAllowedAndAsked) {
  Policy p = resident_policy();
  SplitTerms t = inpatient(p);
  t.account_requested = true;
  EXPECT_EQ(split_claim(in_scope(yuan(1000)), t, {}, yuan(300)).amounts.acct_pay, Money::zero());
  p.personal_account = true;
  const SplitResult r = split_claim(in_scope(yuan(1000)), t, {}, yuan(300));
  EXPECT_EQ(r.amounts.acct_pay, yuan(300));
  EXPECT_EQ(r.amounts.balc, Money::zero());
  EXPECT_EQ(r.delta.account_used, yuan(300));
}

FeeLine line(const char* code, int64_t fen, Approval approval = Approval::kNotNeeded) {
  FeeLine l;
  l.med_list_codg = code;
  l.amount = Money::from_fen(fen);
  l.pric = Price{fen * 10'000};
  l.cnt = Quantity{10'000};
  l.hosp_appr_flag = approval;
  return l;
}

TEST(Classify, SelfPayRules) {
  CatalogueItem a{ItemClass::kA, {}, std::nullopt, false};
  CatalogueItem limited{ItemClass::kA, {}, std::nullopt, true};
  CatalogueItem c{ItemClass::kC, {}, std::nullopt, false};
  EXPECT_EQ(classify_line(line("X", 1000), &a).inscp_scp_amt.fen(), 1000);
  EXPECT_EQ(classify_line(line("X", 1000), nullptr).fulamt_ownpay_amt.fen(), 1000);
  EXPECT_EQ(classify_line(line("X", 1000), &c).fulamt_ownpay_amt.fen(), 1000);
  EXPECT_EQ(classify_line(line("X", 1000, Approval::kRefused), &a).fulamt_ownpay_amt.fen(), 1000);
  EXPECT_EQ(classify_line(line("X", 1000), &limited).fulamt_ownpay_amt.fen(), 1000);
  EXPECT_EQ(classify_line(line("X", 1000, Approval::kApproved), &limited).inscp_scp_amt.fen(),
            1000);
}

TEST(Classify, OverCapBeforePreSelfPay) {
  // class B, cap 50.00, 20% pre-self-pay: 60.00 × 10 = 600.00 → over 100.00, pre 100.00, in 400.00
  CatalogueItem b{ItemClass::kB, pct(20), Price{50'000'000}, false};
  FeeLine l = line("B", 60000);
  l.pric = Price{60'000'000};
  l.cnt = Quantity{100'000};
  const LineSplit s = classify_line(l, &b);
  EXPECT_EQ(s.overlmt_selfpay.fen(), 10000);
  EXPECT_EQ(s.preselfpay_amt.fen(), 10000);
  EXPECT_EQ(s.inscp_scp_amt.fen(), 40000);
}

TEST(Classify, CatalogueVersionInForceAtTheFeeDate) {
  ReferenceData reference;
  Catalogue old_version{
      "310000", *parse_date("2026-01-01"), {{"X", {ItemClass::kA, {}, {}, false}}}};
  Catalogue new_version{
      "310000", *parse_date("2026-07-01"), {{"X", {ItemClass::kC, {}, {}, false}}}};
  reference.add_catalogue(new_version);
  reference.add_catalogue(old_version);
  FeeLine june = line("X", 1000);
  june.fee_ocur_time.date = *parse_date("2026-06-30");
  FeeLine july = line("X", 500);
  july.fee_ocur_time.date = *parse_date("2026-07-01");
  const ClaimTotals totals = classify_claim({june, july}, reference, "310104");
  EXPECT_EQ(totals.inscp_scp_amt.fen(), 1000);
  EXPECT_EQ(totals.fulamt_ownpay_amt.fen(), 500);
  EXPECT_EQ(totals.medfee_sumamt.fen(), 1500);
}

}  // namespace
}  // namespace medclear::clearing
