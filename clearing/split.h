// The reimbursement split of DOMAIN.md §3, to the fen. Two pure steps that mirror who decides what:
//   classify_line / classify_claim — the treating region's catalogue splits each fee line into
//     full self-pay, over-cap, pre-self-pay and in-scope parts;
//   split_claim — the insured region's policy turns the in-scope total into deductible, pool,
//     layer, assistance and personal-account payments, given the year's accumulators.
// Every product is rounded half-up once; the patient's part comes by subtraction, so the identities
// hold exactly (check_identities in settlement.h).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "clearing/reference.h"
#include "clearing/request.h"
#include "clearing/settlement.h"

namespace medclear::clearing {

struct LineSplit {
  Money fulamt_ownpay_amt;
  Money overlmt_selfpay;
  Money preselfpay_amt;
  Money inscp_scp_amt;
};

// Splits one fee line with the catalogue item in force (nullptr: not in the catalogue, class C).
LineSplit classify_line(const FeeLine& line, const CatalogueItem* item);

struct ClaimTotals {
  Money medfee_sumamt;  // Σ line amounts
  Money fulamt_ownpay_amt;
  Money overlmt_selfpay;
  Money preselfpay_amt;
  Money inscp_scp_amt;
};

// Classifies every line with the treating division's catalogue version in force at each line's
// fee_ocur_time: one LineSplit per line, in order.
std::vector<LineSplit> classify_lines(const std::vector<FeeLine>& lines,
                                      const ReferenceData& reference,
                                      std::string_view treating_admdvs);

// classify_lines, summed.
ClaimTotals classify_claim(const std::vector<FeeLine>& lines, const ReferenceData& reference,
                           std::string_view treating_admdvs);

// How the insured region's policy applies to this claim.
struct SplitTerms {
  const Policy* policy = nullptr;
  std::string_view med_type;
  int facility_level = 3;            // 1..3
  std::optional<FilingKind> filing;  // nullopt: the policy's unfiled terms apply
  bool retiree = false;
  bool assistance_eligible = false;
  bool account_requested = false;  // acct_used_flag
};

// The terms `policy` gives a claim of `person` at `facility` on `date`: the filing valid for the
// treating division (an emergency counts as one without it), retiree, assistance. nullopt when the
// policy refuses the claim: no valid filing, no emergency, and no unfiled terms. The one home of
// the rule for the engine and for what-if tools (the policy sandbox).
std::optional<SplitTerms> claim_terms(const Policy& policy, const Person& person,
                                      const Facility& facility, std::string_view med_type,
                                      Date date, bool account_requested);

struct SplitResult {
  SettlementAmounts amounts;
  AccumulatorDelta delta;
};

// The claim split. `before` are the person's accumulators for the year, `account_balance` the
// personal account before this settlement. Pure and total: never fails for valid terms.
SplitResult split_claim(const ClaimTotals& totals, const SplitTerms& terms,
                        const Accumulators& before, Money account_balance);

// The layer's exact cumulative payment at base B in fen × basis points (no rounding).
WideInt layer_tiers_exact(const LayerTerms& layer, Money cumulative_base);

}  // namespace medclear::clearing
