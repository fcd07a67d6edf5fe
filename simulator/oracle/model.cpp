// The auditor's model of DOMAIN.md §3, step by step as the text says it, with nothing of
// clearing/ but its data types: its own half-up rounding, calendar year, area matching, version
// lookups, gates and books. Slow on purpose (lists, maps, no caches); clear before fast.
// Where the text left a rule open, it follows clearing/ASSUMPTIONS.md and says so where it does.
#include "simulator/oracle/model.h"

#include <algorithm>
#include <optional>

namespace medclear::oracle {

namespace cl = medclear::clearing;

namespace {

__extension__ typedef __int128 Wide;  // exact products (fen × basis points)

constexpr int64_t kRatioOne = 10000;

// ---- Numbers: the one rounding of §3, half-up (half away from zero), once per product.

Money fen(int64_t value) { return Money::from_fen(value); }

Money round_half_up(Wide numerator, Wide denominator) {
  const bool negative = numerator < 0;
  const Wide magnitude = negative ? -numerator : numerator;
  const Wide rounded = (magnitude + denominator / 2) / denominator;
  return fen(static_cast<int64_t>(negative ? -rounded : rounded));
}

Money times(Money amount, Ratio ratio) {
  return round_half_up(static_cast<Wide>(amount.fen()) * ratio.basis_points(), kRatioOne);
}

Money smaller(Money a, Money b) { return a < b ? a : b; }
Money left_of(Money limit, Money used) { return used < limit ? limit - used : Money(); }

// pric is in 1e-6 yuan = 1e-4 fen and cnt in 1e-4 units: the product is in 1e-8 fen.
Money price_times_count(int64_t price_micro_yuan, int64_t count_ten_thousandths) {
  return round_half_up(static_cast<Wide>(price_micro_yuan) * count_ten_thousandths, 100'000'000);
}

// ---- Calendar and areas.

// The proleptic Gregorian year of a day counted from 1970-01-01 (H. Hinnant's civil_from_days).
int year_of(cl::Date date) {
  const int64_t z = static_cast<int64_t>(date.days()) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  return static_cast<int>(year_of_era + era * 400 + (month_index >= 10 ? 1 : 0));
}

std::string province(std::string_view division) { return std::string(division.substr(0, 2)); }

// §1: "PP0000" is a province, "PPCC00" a prefecture, anything else one county.
bool covers(std::string_view area, std::string_view division) {
  if (area.size() != 6 || division.size() != 6) return false;
  if (area.substr(2) == "0000") return area.substr(0, 2) == division.substr(0, 2);
  if (area.substr(4) == "00") return area.substr(0, 4) == division.substr(0, 4);
  return area == division;
}

// A division, its prefecture and its province: where reference data for it may be filed.
std::vector<std::string> enclosing(std::string_view division) {
  std::vector<std::string> areas{std::string(division)};
  if (division.size() != 6) return areas;
  for (std::string area :
       {std::string(division.substr(0, 4)) + "00", province(division) + "0000"}) {
    if (area != areas.back()) areas.push_back(area);
  }
  return areas;
}

// The last version filed for exactly `area` with effective_from on or before `date`.
template <typename T, typename Matches>
const T* version_in_force(const std::vector<T>& versions, cl::Date date, Matches matches) {
  const T* found = nullptr;
  for (const T& v : versions) {
    if (!matches(v) || date.days() < v.effective_from.days()) continue;
    if (found == nullptr || found->effective_from.days() < v.effective_from.days()) found = &v;
  }
  return found;
}

// Only 310 and 390 have policies (contracts/adjudicate.md); a policy of any other insutype is
// invalid reference data, so the model never pays from one: the claim has no policy.
bool scheme_with_funds(std::string_view insutype) { return insutype == "310" || insutype == "390"; }

const cl::Policy* policy_in_force(const Reference& reference, std::string_view insured,
                                  std::string_view insutype, cl::Date date) {
  if (!scheme_with_funds(insutype)) return nullptr;
  for (const std::string& area : enclosing(insured)) {
    const cl::Policy* found = version_in_force(reference.policies, date, [&](const cl::Policy& p) {
      return p.admdvs == area && p.insutype == insutype;
    });
    if (found != nullptr) return found;
  }
  return nullptr;
}

const cl::Catalogue* catalogue_in_force(const Reference& reference, std::string_view treating,
                                        cl::Date date) {
  for (const std::string& area : enclosing(treating)) {
    const cl::Catalogue* found = version_in_force(
        reference.catalogues, date, [&](const cl::Catalogue& c) { return c.admdvs == area; });
    if (found != nullptr) return found;
  }
  return nullptr;
}

// ---- Fee lines (treating region's catalogue).

struct Parts {
  Money fulamt, overlmt, preselfpay, inscp;
};

bool whole_line_self_paid(const cl::CatalogueItem* item, cl::Approval approval) {
  if (item == nullptr) return true;  // not in the catalogue in force: as class C
  if (item->item_class == cl::ItemClass::kC) return true;
  if (approval == cl::Approval::kRefused) return true;
  return item->limited_use && approval == cl::Approval::kNotNeeded;
}

Parts split_line(const cl::FeeLine& line, const cl::CatalogueItem* item) {
  Parts parts;
  if (whole_line_self_paid(item, line.hosp_appr_flag)) {
    parts.fulamt = line.amount;
    return parts;
  }
  if (item->price_cap && line.pric.micro_yuan > item->price_cap->micro_yuan) {
    const Money over = price_times_count(line.pric.micro_yuan - item->price_cap->micro_yuan,
                                         line.cnt.ten_thousandths);
    parts.overlmt = smaller(over, line.amount);  // pric × cnt may exceed the line by a fen
  }
  if (item->item_class == cl::ItemClass::kB) {
    parts.preselfpay = times(line.amount - parts.overlmt, item->selfpay_prop);
  }
  parts.inscp = line.amount - parts.fulamt - parts.overlmt - parts.preselfpay;
  return parts;
}

const cl::CatalogueItem* item_of(const cl::Catalogue* catalogue, const std::string& code) {
  if (catalogue == nullptr) return nullptr;
  const auto it = catalogue->items.find(code);
  return it == catalogue->items.end() ? nullptr : &it->second;
}

// Each line with the catalogue version in force at its own fee_ocur_time.
Parts split_lines(const Reference& reference, const std::vector<cl::FeeLine>& lines,
                  std::string_view treating) {
  Parts sum;
  for (const cl::FeeLine& line : lines) {
    const cl::Catalogue* catalogue =
        catalogue_in_force(reference, treating, line.fee_ocur_time.date);
    const Parts parts = split_line(line, item_of(catalogue, line.med_list_codg));
    sum.fulamt += parts.fulamt;
    sum.overlmt += parts.overlmt;
    sum.preselfpay += parts.preselfpay;
    sum.inscp += parts.inscp;
  }
  return sum;
}

// ---- Gates, in the contract's order.

std::string claim_inconsistency(const cl::SettlementInput& claim) {
  Money sum;
  for (const cl::FeeLine& line : claim.lines) {
    const int64_t gap =
        (price_times_count(line.pric.micro_yuan, line.cnt.ten_thousandths) - line.amount).fen();
    if (gap > 1 || gap < -1) return "amount_mismatch";  // a fen of the hospital's own rounding
    sum += line.amount;
  }
  if (sum != claim.medfee_sumamt) return "amount_mismatch";
  for (size_t i = 0; i < claim.lines.size(); ++i) {
    for (size_t j = i + 1; j < claim.lines.size(); ++j) {
      if (claim.lines[i].feedetl_sn == claim.lines[j].feedetl_sn) return "duplicate_fee_line";
    }
  }
  return "";
}

struct Parties {
  const cl::Person* person = nullptr;
  const cl::Facility* facility = nullptr;
};

template <typename T>
const T* find_in(const std::vector<T>& list, const std::map<std::string, size_t>& index,
                 const std::string& key) {
  const auto it = index.find(key);
  return it == index.end() ? nullptr : &list[it->second];
}

// Person, regions, facility. Empty when admitted (then `parties` is filled).
std::string admission_refusal(const Reference& reference, const Index& index,
                              const cl::Request& request, const cl::SettlementInput& claim,
                              Parties& parties) {
  const cl::Envelope& envelope = request.envelope;
  parties.person = find_in(reference.persons, index.persons, claim.psn_no);
  if (parties.person == nullptr) return "unknown_person";
  const std::string& insured = parties.person->insuplc_admdvs;
  if (!envelope.insuplc_admdvs.empty() && !covers(envelope.insuplc_admdvs, insured)) {
    return "unknown_person";  // the envelope names another insured region than the person's
  }
  if (claim.insutype != parties.person->insutype) return "insutype_mismatch";
  if (envelope.insuplc_admdvs.empty() || province(insured) == province(envelope.mdtrtarea_admvs)) {
    return "not_cross_province";
  }
  parties.facility = find_in(reference.facilities, index.facilities, envelope.fixmedins_code);
  if (parties.facility == nullptr ||
      province(parties.facility->admdvs) != province(envelope.mdtrtarea_admvs)) {
    return "unknown_facility";
  }
  if (!parties.facility->cross_province) return "facility_not_networked";
  return "";
}

// ---- The insured region's policy.

struct Terms {
  const cl::Policy* policy = nullptr;
  bool inpatient = false;
  int level = 3;
  std::optional<cl::FilingKind> filing;  // nullopt: the policy's unfiled terms
  bool retiree = false;
  bool assisted = false;
  bool account = false;
};

Ratio cut_of(const cl::Policy& policy, cl::FilingKind kind) {
  return policy.filing_cut[static_cast<int>(kind)];
}

// The filing valid on `date` for the facility's division with the smallest cut (assumption: the
// most favourable wins); an emergency without one counts as filed with the emergency cut.
std::optional<cl::FilingKind> filing_kind(const cl::Person& person, const cl::Policy& policy,
                                          std::string_view facility_division, cl::Date date,
                                          std::string_view med_type) {
  std::optional<cl::FilingKind> best;
  for (const cl::Filing& f : person.filings) {
    if (date.days() < f.from.days() || f.to.days() < date.days()) continue;
    if (!covers(f.area, facility_division)) continue;
    if (!best || cut_of(policy, f.kind) < cut_of(policy, *best)) best = f.kind;
  }
  if (!best && (med_type == "13" || med_type == "24")) best = cl::FilingKind::kEmergency;
  return best;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Terms terms_of(const cl::Policy& policy, const cl::Person& person, const cl::Facility& facility,
               const cl::Request& request, const cl::SettlementInput& claim) {
  Terms terms;
  terms.policy = &policy;
  terms.inpatient = !claim.med_type.empty() && claim.med_type[0] == '2';
  terms.level = facility.level;
  terms.filing =
      filing_kind(person, policy, facility.admdvs, request.envelope.inf_time.date, claim.med_type);
  // assumption (ASSUMPTIONS.md): the person's registered psn_type, not the request's
  const std::string& type = person.psn_type;
  terms.retiree = type == "12" || type == "1204" || type == "13";
  terms.assisted = policy.assistance && listed(policy.assistance->psn_types, type);
  terms.account = policy.personal_account && claim.acct_used_flag;
  return terms;
}

const cl::CareTerms& care_of(const Terms& terms) {
  return terms.inpatient ? terms.policy->inpatient : terms.policy->outpatient;
}

// §3 step 2: base ratio of the level + retiree uplift − the filing's cut, clamped to [0, 1];
// without a filing the unfiled ratio replaces it all.
Ratio ratio_of(const Terms& terms) {
  if (!terms.filing) return terms.policy->unfiled->ratio;
  int64_t bp = care_of(terms).ratio_by_level[terms.level - 1].basis_points();
  if (terms.retiree) bp += terms.policy->retiree_uplift.basis_points();
  bp -= cut_of(*terms.policy, *terms.filing).basis_points();
  return Ratio::from_basis_points(static_cast<int32_t>(std::clamp<int64_t>(bp, 0, kRatioOne)));
}

bool per_year(const Terms& terms) {
  return care_of(terms).deductible_basis == cl::DeductibleBasis::kPerYear;
}

// §3 step 1: per admission, the whole deductible each settlement (assumption: one settlement is
// one admission); per year, what is left of this branch's (inpatient or outpatient) deductible.
Money deductible_due(const Terms& terms, const YearToDate& year) {
  const Money deductible = terms.filing ? care_of(terms).deductible_by_level[terms.level - 1]
                                        : terms.policy->unfiled->deductible;
  if (!per_year(terms)) return deductible;
  return left_of(deductible,
                 terms.inpatient ? year.inpatient_deductible : year.outpatient_deductible);
}

// The layer's bands applied to a cumulative base B: exact, in fen × basis points.
Wide tiers(const cl::LayerTerms& layer, Money base) {
  Wide total = 0;
  int64_t lower = layer.threshold.fen();
  for (const cl::LayerBand& band : layer.bands) {
    const int64_t upper = band.upto ? band.upto->fen() : base.fen();
    const int64_t top = std::min(base.fen(), upper);
    if (top > lower) total += static_cast<Wide>(top - lower) * band.ratio.basis_points();
    if (!band.upto) break;
    lower = std::max(lower, upper);
  }
  return total;
}

std::string pool_code(std::string_view insutype) { return insutype == "310" ? "310100" : "390100"; }

std::string layer_code(std::string_view insutype) {
  return insutype == "310" ? "330100" : "390200";
}

// §3 steps 1–3: deductible and pool.
void pay_pool(const Terms& terms, const YearToDate& before, Expected& e) {
  const cl::Policy& policy = *terms.policy;
  e.act_pay_dedc = smaller(e.inscp_scp_amt, deductible_due(terms, before));
  if (per_year(terms)) {
    (terms.inpatient ? e.moved.inpatient_deductible : e.moved.outpatient_deductible) =
        e.act_pay_dedc;
  }
  e.pool_prop_selfpay = ratio_of(terms);
  const Money base = e.inscp_scp_amt - e.act_pay_dedc;
  const Money left = left_of(policy.pool_annual_limit, before.pool_paid);
  e.hifp_pay = smaller(times(base, e.pool_prop_selfpay), left);
  e.moved.pool_paid = e.hifp_pay;
  e.setldetail.push_back({pool_code(policy.insutype), base, left, e.hifp_pay});
}

// §3 step 4: the layer, cumulative over the year; its base moves even under a policy without a
// layer (assumption: a later version that adds one starts from the true year to date).
void pay_layer(const Terms& terms, const YearToDate& before, Expected& e) {
  const cl::Policy& policy = *terms.policy;
  const Money base = e.inscp_scp_amt - e.hifp_pay;
  e.moved.layer_base = base;
  if (!policy.layer) return;
  const Wide exact =
      tiers(*policy.layer, before.layer_base + base) - tiers(*policy.layer, before.layer_base);
  const Money left = left_of(policy.layer->annual_limit, before.layer_paid);
  const Money pay = smaller(round_half_up(exact, kRatioOne), left);
  e.moved.layer_paid = pay;
  (policy.insutype == "310" ? e.hifob_pay : e.hifmi_pay) = pay;
  e.setldetail.push_back({layer_code(policy.insutype), base, left, pay});
}

// §3 step 5: assistance on the in-scope burden left after the layer.
void pay_assistance(const Terms& terms, const YearToDate& before, Expected& e) {
  if (!terms.assisted) return;
  const cl::AssistanceTerms& assistance = *terms.policy->assistance;
  const Money base = e.inscp_scp_amt - e.hifp_pay - e.hifmi_pay - e.hifob_pay;
  const Money left = left_of(assistance.annual_limit, before.assistance_paid);
  e.maf_pay = smaller(times(base, assistance.ratio), left);
  e.moved.assistance_paid = e.maf_pay;
  e.setldetail.push_back({"610100", base, left, e.maf_pay});
}

// §3 steps 6–7: totals, the patient's part by subtraction, the personal account.
void pay_patient(const Terms& terms, Money balance, Expected& e) {
  e.fund_pay_sumamt =
      e.hifp_pay + e.cvlserv_pay + e.hifes_pay + e.hifmi_pay + e.hifob_pay + e.maf_pay + e.oth_pay;
  e.psn_part_amt = e.medfee_sumamt - e.fund_pay_sumamt - e.hosp_part_amt;
  e.acct_pay = terms.account ? smaller(balance, e.psn_part_amt) : Money();
  e.psn_cash_pay = e.psn_part_amt - e.acct_pay;
  e.balc = balance - e.acct_pay;
  e.account_moved = e.acct_pay;
}

Expected refused(std::string reason) {
  Expected e;
  e.refusal = std::move(reason);
  return e;
}

void add(YearToDate& to, const YearToDate& delta, int sign) {
  auto scaled = [&](Money m) { return sign > 0 ? m : -m; };
  to.inpatient_deductible += scaled(delta.inpatient_deductible);
  to.outpatient_deductible += scaled(delta.outpatient_deductible);
  to.pool_paid += scaled(delta.pool_paid);
  to.layer_base += scaled(delta.layer_base);
  to.layer_paid += scaled(delta.layer_paid);
  to.assistance_paid += scaled(delta.assistance_paid);
}

// The answer of a compensation: every amount negated but the ratio; balc set by the caller.
Expected negation(const Expected& s) {
  Expected n = s;
  for (Money* m : {&n.medfee_sumamt, &n.fulamt_ownpay_amt, &n.overlmt_selfpay, &n.preselfpay_amt,
                   &n.inscp_scp_amt, &n.act_pay_dedc,      &n.hifp_pay,        &n.cvlserv_pay,
                   &n.hifes_pay,     &n.hifmi_pay,         &n.hifob_pay,       &n.maf_pay,
                   &n.hosp_part_amt, &n.oth_pay,           &n.fund_pay_sumamt, &n.psn_part_amt,
                   &n.acct_pay,      &n.psn_cash_pay,      &n.acct_mulaid_pay, &n.account_moved}) {
    *m = -*m;
  }
  for (FundRow& row : n.setldetail) {
    row.inscp_scp_amt = -row.inscp_scp_amt;
    row.fund_payamt = -row.fund_payamt;
  }
  n.moved = YearToDate{};
  add(n.moved, s.moved, -1);
  return n;
}

}  // namespace

std::vector<std::pair<std::string_view, Money>> money_fields(const Expected& e) {
  return {{"medfee_sumamt", e.medfee_sumamt},
          {"fulamt_ownpay_amt", e.fulamt_ownpay_amt},
          {"overlmt_selfpay", e.overlmt_selfpay},
          {"preselfpay_amt", e.preselfpay_amt},
          {"inscp_scp_amt", e.inscp_scp_amt},
          {"act_pay_dedc", e.act_pay_dedc},
          {"hifp_pay", e.hifp_pay},
          {"cvlserv_pay", e.cvlserv_pay},
          {"hifes_pay", e.hifes_pay},
          {"hifmi_pay", e.hifmi_pay},
          {"hifob_pay", e.hifob_pay},
          {"maf_pay", e.maf_pay},
          {"hosp_part_amt", e.hosp_part_amt},
          {"oth_pay", e.oth_pay},
          {"fund_pay_sumamt", e.fund_pay_sumamt},
          {"psn_part_amt", e.psn_part_amt},
          {"acct_pay", e.acct_pay},
          {"psn_cash_pay", e.psn_cash_pay},
          {"balc", e.balc},
          {"acct_mulaid_pay", e.acct_mulaid_pay}};
}

std::vector<std::pair<std::string_view, Money>> year_fields(const YearToDate& y) {
  return {{"inpatient_deductible", y.inpatient_deductible},
          {"outpatient_deductible", y.outpatient_deductible},
          {"pool_paid", y.pool_paid},
          {"layer_base", y.layer_base},
          {"layer_paid", y.layer_paid},
          {"assistance_paid", y.assistance_paid}};
}

Model::Model(Reference reference) : reference_(std::move(reference)) {
  for (size_t i = 0; i < reference_.persons.size(); ++i) {
    index_.persons.emplace(reference_.persons[i].psn_no, i);
  }
  for (size_t i = 0; i < reference_.facilities.size(); ++i) {
    index_.facilities.emplace(reference_.facilities[i].fixmedins_code, i);
  }
}

Expected Model::decide(const cl::Request& request, const PersonBefore& before) const {
  const auto* claim = std::get_if<cl::SettlementInput>(&request.input);
  if (claim == nullptr) return refused("not_a_claim");
  if (std::string why = claim_inconsistency(*claim); !why.empty()) return refused(why);
  Parties parties;
  if (std::string why = admission_refusal(reference_, index_, request, *claim, parties);
      !why.empty()) {
    return refused(why);
  }
  const cl::Date date = request.envelope.inf_time.date;
  const cl::Policy* policy =
      policy_in_force(reference_, parties.person->insuplc_admdvs, claim->insutype, date);
  if (policy == nullptr) return refused("no_policy");
  const Terms terms = terms_of(*policy, *parties.person, *parties.facility, request, *claim);
  if (!terms.filing && !policy->unfiled) return refused("no_valid_filing");

  Expected e;
  e.insuplc_admdvs = parties.person->insuplc_admdvs;
  e.mdtrtarea_admvs = request.envelope.mdtrtarea_admvs;
  e.fixmedins_code = request.envelope.fixmedins_code;
  e.year = year_of(date);
  const Parts parts = split_lines(reference_, claim->lines, parties.facility->admdvs);
  e.medfee_sumamt = claim->medfee_sumamt;
  e.fulamt_ownpay_amt = parts.fulamt;
  e.overlmt_selfpay = parts.overlmt;
  e.preselfpay_amt = parts.preselfpay;
  e.inscp_scp_amt = parts.inscp;
  pay_pool(terms, before.year, e);
  pay_layer(terms, before.year, e);
  pay_assistance(terms, before.year, e);
  pay_patient(terms, parties.person->account_balance - before.account_used, e);
  return e;
}

PersonBefore Model::before(std::string_view psn_no, std::string_view insutype, int year) const {
  PersonBefore b;
  const auto y = years_.find(YearKey{std::string(psn_no), std::string(insutype), year});
  if (y != years_.end()) b.year = y->second;
  const auto a = accounts_used_.find(std::string(psn_no));
  if (a != accounts_used_.end()) b.account_used = a->second;
  return b;
}

void Model::book(const Booked& booked, int sign) {
  add(years_[YearKey{booked.psn_no, booked.insutype, booked.settlement.year}],
      booked.settlement.moved, sign);
  Money& used = accounts_used_[booked.psn_no];
  used += sign > 0 ? booked.settlement.account_moved : -booked.settlement.account_moved;
}

Expected Model::settle(const cl::Request& request) {
  if (const auto it = booked_.find(request.envelope.msgid); it != booked_.end()) {
    return it->second.settlement;  // a retry: the first answer, nothing charged twice
  }
  const auto* claim = std::get_if<cl::SettlementInput>(&request.input);
  if (claim == nullptr) return refused("not_a_claim");
  const int year = year_of(request.envelope.inf_time.date);
  const Expected e = decide(request, before(claim->psn_no, claim->insutype, year));
  const cl::Transaction infno = request.envelope.infno;
  const bool settles =
      infno == cl::Transaction::kOutpatientSettle || infno == cl::Transaction::kInpatientSettle;
  if (e.accepted() && settles) {
    Booked booked{e, claim->psn_no, claim->insutype, false};
    book(booked, +1);
    booked_.emplace(request.envelope.msgid, std::move(booked));
  }
  return e;
}

Expected Model::cancel(const std::string& settlement_msgid) {
  const auto it = booked_.find(settlement_msgid);
  if (it == booked_.end()) return refused("unknown_settlement");
  Booked& booked = it->second;
  if (booked.cancelled) return refused("already_cancelled");
  book(booked, -1);
  booked.cancelled = true;
  Expected n = negation(booked.settlement);
  const cl::Person* person = find_in(reference_.persons, index_.persons, booked.psn_no);
  n.balc = person->account_balance - accounts_used_[booked.psn_no];
  return n;
}

Expected Model::reinstate(const std::string& settlement_msgid) {
  const auto it = booked_.find(settlement_msgid);
  if (it == booked_.end()) return refused("unknown_settlement");
  Booked& booked = it->second;
  if (!booked.cancelled) return refused("already_cancelled");  // the cancel is not in effect
  const cl::Person* person = find_in(reference_.persons, index_.persons, booked.psn_no);
  Expected again = booked.settlement;
  again.balc = person->account_balance - accounts_used_[booked.psn_no] - again.account_moved;
  if (again.balc < Money()) return refused("reversal_not_allowed");
  book(booked, +1);
  booked.cancelled = false;
  return again;
}

}  // namespace medclear::oracle
