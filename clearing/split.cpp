#include "clearing/split.h"

#include "clearing/codes.h"

namespace medclear::clearing {

namespace {

bool is_self_pay(const CatalogueItem* item, Approval approval) {
  if (item == nullptr || item->item_class == ItemClass::kC) {
    return true;
  }
  if (approval == Approval::kRefused) {
    return true;
  }
  return item->limited_use && approval != Approval::kApproved;
}

// contracts/adjudicate.md: 310 → pool 310100, large-amount layer 330100 (hifob); 390 → pool
// 390100, critical-illness layer 390200 (hifmi). split_claim admits no other insutype.
Fund pool_fund(std::string_view insutype) {
  return insutype == kInsutypeEmployee ? Fund::kEmployeePool : Fund::kResidentPool;
}

Fund layer_fund(std::string_view insutype) {
  return insutype == kInsutypeEmployee ? Fund::kLargeAmountSubsidy : Fund::kResidentCritical;
}

Money remaining(Money limit, Money used) { return max(Money::zero(), limit - used); }

// Deductible still to be paid by this claim, before capping by the in-scope amount.
Money deductible_due(const SplitTerms& terms, const Accumulators& before) {
  const Policy& policy = *terms.policy;
  const CareTerms& care = policy.terms_for(terms.med_type);
  const Money deductible = terms.filing ? care.deductible_by_level[terms.facility_level - 1]
                                        : policy.unfiled->deductible;
  if (care.deductible_basis == DeductibleBasis::kPerAdmission) {
    return deductible;  // assumption: each inpatient settlement is one admission
  }
  // The branch's own year-to-date use: inpatient and outpatient deductibles are separate.
  return remaining(deductible, before.deductible_paid_for(terms.med_type));
}

Ratio pool_ratio(const SplitTerms& terms) {
  const Policy& policy = *terms.policy;
  if (!terms.filing) {
    return policy.unfiled->ratio;  // replaces level ratio: no uplift, no cut
  }
  const CareTerms& care = policy.terms_for(terms.med_type);
  int64_t bp = care.ratio_by_level[terms.facility_level - 1].basis_points();
  if (terms.retiree) {
    bp += policy.retiree_uplift.basis_points();
  }
  bp -= policy.cut(*terms.filing).basis_points();
  return Ratio::clamped(bp);
}

}  // namespace

LineSplit classify_line(const FeeLine& line, const CatalogueItem* item) {
  LineSplit split;
  if (is_self_pay(item, line.hosp_appr_flag)) {
    split.fulamt_ownpay_amt = line.amount;
    return split;
  }
  if (item->price_cap && line.pric > *item->price_cap) {
    const Price over{line.pric.micro_yuan - item->price_cap->micro_yuan};
    const WideInt over_fen = price_times_quantity_fen(over, line.cnt);
    split.overlmt_selfpay = over_fen < line.amount.fen()
                                ? Money::from_fen(static_cast<int64_t>(over_fen))
                                : line.amount;
  }
  if (item->item_class == ItemClass::kB) {
    split.preselfpay_amt =
        multiply_half_up(line.amount - split.overlmt_selfpay, item->selfpay_prop);
  }
  split.inscp_scp_amt = line.amount - split.overlmt_selfpay - split.preselfpay_amt;
  return split;
}

std::vector<LineSplit> classify_lines(const std::vector<FeeLine>& lines,
                                      const ReferenceData& reference,
                                      std::string_view treating_admdvs) {
  std::vector<LineSplit> splits;
  splits.reserve(lines.size());
  const Catalogue* catalogue = nullptr;
  std::optional<Date> catalogue_date;
  for (const FeeLine& line : lines) {
    if (catalogue_date != line.fee_ocur_time.date) {  // lines of one day share a lookup
      catalogue_date = line.fee_ocur_time.date;
      catalogue = reference.catalogue_for(treating_admdvs, *catalogue_date);
    }
    const CatalogueItem* item = catalogue ? catalogue->find(line.med_list_codg) : nullptr;
    splits.push_back(classify_line(line, item));
  }
  return splits;
}

ClaimTotals classify_claim(const std::vector<FeeLine>& lines, const ReferenceData& reference,
                           std::string_view treating_admdvs) {
  ClaimTotals totals;
  const std::vector<LineSplit> splits = classify_lines(lines, reference, treating_admdvs);
  for (size_t i = 0; i < lines.size(); ++i) {
    totals.medfee_sumamt += lines[i].amount;
    totals.fulamt_ownpay_amt += splits[i].fulamt_ownpay_amt;
    totals.overlmt_selfpay += splits[i].overlmt_selfpay;
    totals.preselfpay_amt += splits[i].preselfpay_amt;
    totals.inscp_scp_amt += splits[i].inscp_scp_amt;
  }
  return totals;
}

WideInt layer_tiers_exact(const LayerTerms& layer, Money cumulative_base) {
  WideInt total = 0;
  Money lower = layer.threshold;
  for (const LayerBand& band : layer.bands) {
    if (cumulative_base <= lower) {
      break;
    }
    const Money upper = band.upto ? min(*band.upto, cumulative_base) : cumulative_base;
    if (upper > lower) {
      total += static_cast<WideInt>((upper - lower).fen()) * band.ratio.basis_points();
    }
    if (!band.upto) {
      break;
    }
    lower = max(lower, *band.upto);
  }
  return total;
}

SplitResult split_claim(const ClaimTotals& totals, const SplitTerms& terms,
                        const Accumulators& before, Money account_balance) {
  MC_CHECK(terms.policy != nullptr, "split without a policy");
  MC_CHECK(terms.facility_level >= 1 && terms.facility_level <= 3, "facility level");
  MC_CHECK(terms.filing || terms.policy->unfiled, "unfiled claim under a refusing policy");
  // The loader admits policies of 310 and 390 only (insutype_has_policy); any other would be
  // paid from the funds of a scheme it does not belong to.
  MC_CHECK(insutype_has_policy(terms.policy->insutype),
           "split under a policy of an insutype without funds");
  const Policy& policy = *terms.policy;
  SplitResult result;
  SettlementAmounts& a = result.amounts;
  Accumulators& moved = result.delta.year;
  a.medfee_sumamt = totals.medfee_sumamt;
  a.fulamt_ownpay_amt = totals.fulamt_ownpay_amt;
  a.overlmt_selfpay = totals.overlmt_selfpay;
  a.preselfpay_amt = totals.preselfpay_amt;
  a.inscp_scp_amt = totals.inscp_scp_amt;

  // 1. Deductible.
  a.act_pay_dedc = min(totals.inscp_scp_amt, deductible_due(terms, before));
  if (policy.terms_for(terms.med_type).deductible_basis == DeductibleBasis::kPerYear) {
    moved.deductible_paid_for(terms.med_type) = a.act_pay_dedc;
  }
  // 2–3. Pool, capped by what is left of the annual limit.
  a.pool_prop_selfpay = pool_ratio(terms);
  const Money pool_base = totals.inscp_scp_amt - a.act_pay_dedc;
  const Money pool_left = remaining(policy.pool_annual_limit, before.pool_paid);
  a.hifp_pay = min(multiply_half_up(pool_base, a.pool_prop_selfpay), pool_left);
  moved.pool_paid = a.hifp_pay;
  a.details.push_back({pool_fund(policy.insutype), pool_base, pool_left, a.hifp_pay});

  // 4. Layer: cumulative over the year, tiers(B1) − tiers(B0) rounded once.
  const Money layer_base = totals.inscp_scp_amt - a.hifp_pay;
  moved.layer_base = layer_base;
  Money layer_pay;
  if (policy.layer) {
    const Money b0 = before.layer_base;
    const Money b1 = b0 + layer_base;
    const WideInt exact =
        layer_tiers_exact(*policy.layer, b1) - layer_tiers_exact(*policy.layer, b0);
    const Money layer_left = remaining(policy.layer->annual_limit, before.layer_paid);
    layer_pay = min(Money::from_fen(divide_half_up(exact, Ratio::kOne)), layer_left);
    moved.layer_paid = layer_pay;
    const Fund fund = layer_fund(policy.insutype);
    (fund == Fund::kResidentCritical ? a.hifmi_pay : a.hifob_pay) = layer_pay;
    a.details.push_back({fund, layer_base, layer_left, layer_pay});
  }
  // 5. Medical assistance on the in-scope burden left after the layer.
  if (policy.assistance && terms.assistance_eligible) {
    const Money base = layer_base - layer_pay;
    const Money left = remaining(policy.assistance->annual_limit, before.assistance_paid);
    a.maf_pay = min(multiply_half_up(base, policy.assistance->ratio), left);
    moved.assistance_paid = a.maf_pay;
    a.details.push_back({Fund::kMedicalAssistance, base, left, a.maf_pay});
  }
  // 6. Totals: the patient's part by subtraction.
  a.fund_pay_sumamt =
      a.hifp_pay + a.cvlserv_pay + a.hifes_pay + a.hifmi_pay + a.hifob_pay + a.maf_pay + a.oth_pay;
  a.psn_part_amt = a.medfee_sumamt - a.fund_pay_sumamt - a.hosp_part_amt;
  // 7. Personal account.
  const Money balance = max(Money::zero(), account_balance);
  if (policy.personal_account && terms.account_requested) {
    a.acct_pay = min(balance, a.psn_part_amt);
  }
  a.psn_cash_pay = a.psn_part_amt - a.acct_pay;
  a.balc = balance - a.acct_pay;
  result.delta.account_used = a.acct_pay;
  return result;
}

std::optional<SplitTerms> claim_terms(const Policy& policy, const Person& person,
                                      const Facility& facility, std::string_view med_type,
                                      Date date, bool account_requested) {
  SplitTerms terms;
  terms.policy = &policy;
  terms.med_type = med_type;
  terms.facility_level = facility.level;
  terms.retiree = is_retiree(person.psn_type);
  terms.account_requested = account_requested;
  if (const Filing* filing = ReferenceData::filing_for(person, policy, facility.admdvs, date)) {
    terms.filing = filing->kind;
  } else if (is_emergency(med_type)) {
    terms.filing = FilingKind::kEmergency;
  } else if (!policy.unfiled) {
    return std::nullopt;
  }
  if (policy.assistance) {
    for (const std::string& psn_type : policy.assistance->psn_types) {
      terms.assistance_eligible |= psn_type == person.psn_type;
    }
  }
  return terms;
}

}  // namespace medclear::clearing
