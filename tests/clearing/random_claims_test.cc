// Randomized money test: seeded random policies, catalogues, people and claims by the hundred
// thousand. Every identity of DOMAIN.md §3 holds for every settlement, no cap is exceeded, and
// cancelling every settlement in random order returns every accumulator and account to zero.
// The seed is printed; MEDCLEAR_SEED=<n> replays a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int64_t between(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(rng_);
  }
  bool chance(int percent) { return between(1, 100) <= percent; }
  Ratio ratio(int32_t low_bp, int32_t high_bp) {
    return Ratio::from_basis_points(static_cast<int32_t>(between(low_bp, high_bp)));
  }
  Money fen(int64_t low, int64_t high) { return Money::from_fen(between(low, high)); }

  Policy policy(std::string admdvs, std::string insutype, Date from) {
    Policy p;
    p.admdvs = std::move(admdvs);
    p.insutype = std::move(insutype);
    p.effective_from = from;
    for (CareTerms* care : {&p.inpatient, &p.outpatient}) {
      care->deductible_basis =
          chance(50) ? DeductibleBasis::kPerYear : DeductibleBasis::kPerAdmission;
      for (int level = 0; level < 3; ++level) {
        care->deductible_by_level[level] = fen(0, 200'000);
        care->ratio_by_level[level] = ratio(3000, 10000);
      }
    }
    p.retiree_uplift = ratio(0, 1000);
    p.pool_annual_limit = fen(0, 30'000'000);
    for (Ratio& cut : p.filing_cut) cut = ratio(0, 3000);
    if (chance(40)) p.unfiled = UnfiledTerms{ratio(0, 5000), fen(0, 200'000)};
    if (chance(70)) {
      LayerTerms layer;
      layer.threshold = fen(0, 2'000'000);
      Money upto = layer.threshold;
      const int bands = static_cast<int>(between(1, 4));
      for (int b = 0; b < bands; ++b) {
        LayerBand band{std::nullopt, ratio(0, 10000)};
        if (b + 1 < bands) {
          upto += fen(1, 5'000'000);
          band.upto = upto;
        }
        layer.bands.push_back(band);
      }
      layer.annual_limit = fen(0, 50'000'000);
      p.layer = layer;
    }
    if (chance(40))
      p.assistance = AssistanceTerms{{"1701", "12", "11"}, ratio(0, 10000), fen(0, 1'000'000)};
    p.personal_account = p.insutype == "310";
    return p;
  }

  Catalogue catalogue(Date from) {
    Catalogue c{"310000", from, {}};
    for (int i = 0; i < 200; ++i) {
      CatalogueItem item;
      item.item_class = static_cast<ItemClass>(between(1, 3));
      item.selfpay_prop = ratio(0, 3000);
      if (chance(30)) item.price_cap = Price{between(1, 500'000) * 10'000};
      item.limited_use = chance(10);
      c.items.emplace("C" + std::to_string(i), item);
    }
    return c;
  }

  Person person(int index) {
    Person p;
    p.psn_no = "P" + std::to_string(index);
    const bool employee = chance(50);
    p.insuplc_admdvs = employee ? "440100" : "610100";
    p.insutype = employee ? "310" : "390";
    static const char* kTypes[] = {"11", "12", "1204", "13", "1701", "16"};
    p.psn_type = kTypes[between(0, 5)];
    p.account_balance = employee ? fen(0, 500'000) : Money::zero();
    const int filings = static_cast<int>(between(0, 2));
    for (int f = 0; f < filings; ++f) {
      const int32_t start =
          Date::from_ymd(2026, 1, 1)->days() + static_cast<int32_t>(between(0, 300));
      p.filings.push_back({static_cast<FilingKind>(between(0, 3)), chance(80) ? "310000" : "310100",
                           Date::from_days(start),
                           Date::from_days(start + static_cast<int32_t>(between(0, 200)))});
    }
    return p;
  }

  Request claim(int index, const Person& person) {
    Request r;
    Envelope& e = r.envelope;
    const bool inpatient = chance(40);
    static const char* kOutpatient[] = {"11", "13", "14", "41"};
    static const char* kInpatient[] = {"21", "22", "24", "28"};
    e.infno = inpatient ? Transaction::kInpatientSettle : Transaction::kOutpatientSettle;
    e.msgid = "M" + std::to_string(index);
    e.mdtrtarea_admvs = "310104";
    e.insuplc_admdvs = person.insuplc_admdvs;
    e.fixmedins_code = "H3101040000" + std::to_string(between(1, 3));
    e.inf_time = {
        Date::from_days(Date::from_ymd(2026, 1, 1)->days() + static_cast<int32_t>(between(0, 364))),
        static_cast<int32_t>(between(0, 86399))};
    SettlementInput in;
    in.psn_no = person.psn_no;
    in.insutype = person.insutype;
    in.med_type = inpatient ? kInpatient[between(0, 3)] : kOutpatient[between(0, 3)];
    in.mdtrt_id = "MD" + std::to_string(index);
    in.acct_used_flag = chance(60);
    const int lines = static_cast<int>(between(1, 10));
    const int64_t scale = inpatient ? 5'000'000 : 50'000;
    for (int l = 0; l < lines; ++l) {
      FeeLine line;
      line.feedetl_sn = std::to_string(l);
      line.fee_ocur_time = e.inf_time;
      line.med_list_codg = "C" + std::to_string(between(0, 219));  // some not in the catalogue
      line.pric = Price{between(1, scale) * 10'000 + (chance(20) ? between(0, 9'999) : 0)};
      line.cnt = Quantity{between(1, 40) * 2'500};
      line.amount =
          Money::from_fen(static_cast<int64_t>(price_times_quantity_fen(line.pric, line.cnt)));
      line.hosp_appr_flag = static_cast<Approval>(between(0, 2));
      in.medfee_sumamt += line.amount;
      in.lines.push_back(std::move(line));
    }
    r.input = std::move(in);
    r.fingerprint = e.msgid;
    return r;
  }

  template <typename T>
  void shuffle(std::vector<T>& items) {
    std::shuffle(items.begin(), items.end(), rng_);
  }

 private:
  std::mt19937_64 rng_;
};

// A settlement never takes a fund past its annual limit. A policy version may lower a limit
// mid-year below what was already paid; then the claim pays nothing more from that fund.
void expect_within_limits(const ReferenceData& reference, const MemoryState& state,
                          const SettlementRecord& record, const Accumulators& before,
                          uint64_t seed) {
  const Policy* policy =
      reference.policy_for(record.insuplc_admdvs, record.insutype, record.setl_time.date);
  const Accumulators year = state.accumulators(record.psn_no, record.insutype, record.year);
  ASSERT_LE(year.pool_paid, max(before.pool_paid, policy->pool_annual_limit)) << "seed " << seed;
  if (policy->layer) {
    ASSERT_LE(year.layer_paid, max(before.layer_paid, policy->layer->annual_limit))
        << "seed " << seed;
  }
  if (policy->assistance) {
    ASSERT_LE(year.assistance_paid, max(before.assistance_paid, policy->assistance->annual_limit))
        << "seed " << seed;
  }
  const Person* person = reference.person(record.psn_no);
  ASSERT_LE(state.account_used(record.psn_no), person->account_balance) << "seed " << seed;
}

// An independent oracle of the per-year deductible (DOMAIN.md §3 step 1, contracts/adjudicate.md),
// written from the text and sharing no code with the split: each branch (med_type starting with
// '2' inpatient, anything else outpatient) keeps its own year-to-date deductible when its basis is
// per year; a cancel gives back exactly what its settlement took.
class DeductibleOracle {
 public:
  DeductibleOracle(const std::vector<Policy>& policies, const std::vector<Person>& persons)
      : policies_(policies) {
    for (const Person& p : persons) persons_.emplace(p.psn_no, &p);
  }

  // Checks an accepted settlement's act_pay_dedc and records what it took.
  void settled(const SettlementRecord& r, uint64_t seed) {
    const bool inpatient = r.med_type.front() == '2';
    const Policy& policy = in_force(r.insutype, r.setl_time.date);
    const CareTerms& care = inpatient ? policy.inpatient : policy.outpatient;
    const int level = r.fixmedins_code.back() - '0';
    bool filed = r.med_type == "13" || r.med_type == "24";
    for (const Filing& f : persons_.at(r.psn_no)->filings) {
      filed = filed || (f.from <= r.setl_time.date && r.setl_time.date <= f.to);
    }
    ASSERT_TRUE(filed || policy.unfiled) << "seed " << seed;
    const int64_t deductible =
        filed ? care.deductible_by_level[level - 1].fen() : policy.unfiled->deductible.fen();
    const bool per_year = care.deductible_basis == DeductibleBasis::kPerYear;
    const auto key = std::pair{r.psn_no, inpatient};
    const int64_t used = per_year ? used_[key] : 0;
    const int64_t expected =
        std::min(r.amounts.inscp_scp_amt.fen(), std::max<int64_t>(0, deductible - used));
    ASSERT_EQ(r.amounts.act_pay_dedc.fen(), expected)
        << r.setl_id << (inpatient ? " inpatient" : " outpatient") << " seed " << seed;
    const int64_t taken = per_year ? expected : 0;
    used_[key] += taken;
    taken_[r.setl_id] = {key, taken};
  }

  void cancelled(const std::string& setl_id) {
    const auto& [key, taken] = taken_.at(setl_id);
    used_[key] -= taken;
  }

  // The state's two per-year deductibles of the person equal the oracle's.
  void expect_state(const MemoryState& state, const std::string& psn_no,
                    const std::string& insutype, uint64_t seed) {
    const Accumulators year = state.accumulators(psn_no, insutype, 2026);
    const int64_t inpatient = used_[std::pair{psn_no, true}];
    const int64_t outpatient = used_[std::pair{psn_no, false}];
    ASSERT_EQ(year.inpatient_deductible_paid.fen(), inpatient) << psn_no << " seed " << seed;
    ASSERT_EQ(year.outpatient_deductible_paid.fen(), outpatient) << psn_no << " seed " << seed;
  }

 private:
  const Policy& in_force(const std::string& insutype, Date date) const {
    const Policy* found = nullptr;
    for (const Policy& p : policies_) {
      if (p.insutype == insutype && p.effective_from <= date &&
          (found == nullptr || found->effective_from < p.effective_from)) {
        found = &p;
      }
    }
    return *found;
  }

  const std::vector<Policy>& policies_;
  std::map<std::string, const Person*> persons_;
  std::map<std::pair<std::string, bool>, int64_t> used_;
  std::map<std::string, std::pair<std::pair<std::string, bool>, int64_t>> taken_;
};

TEST(RandomClaims, IdentitiesCapsAndFullCancellation) {
  const uint64_t seed =
      medclear::testing::test_seed("RandomClaims.IdentitiesCapsAndFullCancellation");
  Generator gen(seed);
  ReferenceData reference;
  const Date jan = *Date::from_ymd(2026, 1, 1);
  const Date jul = *Date::from_ymd(2026, 7, 1);
  std::vector<Policy> policies;
  for (const auto& [admdvs, insutype] : {std::pair{"610100", "390"}, std::pair{"440100", "310"}}) {
    policies.push_back(gen.policy(admdvs, insutype, jan));
    policies.push_back(gen.policy(admdvs, insutype, jul));
  }
  for (const Policy& p : policies) reference.add_policy(p);
  reference.add_catalogue(gen.catalogue(jan));
  reference.add_catalogue(gen.catalogue(jul));
  for (int level = 1; level <= 3; ++level) {
    reference.add_facility({"H3101040000" + std::to_string(level), "310104", level, true});
  }
  constexpr int kPersons = 3000;
  std::vector<Person> persons;
  for (int i = 0; i < kPersons; ++i) {
    persons.push_back(gen.person(i));
    reference.add_person(persons.back());
  }
  const Engine engine(reference);
  MemoryState state;
  DeductibleOracle oracle(policies, persons);
  std::vector<std::string> settled;
  std::map<std::string, int> refused;
  Money fund_paid;
  constexpr int kClaims = 100'000;
  for (int i = 0; i < kClaims; ++i) {
    const Request request = gen.claim(i, persons[gen.between(0, kPersons - 1)]);
    const Decision decision = engine.decide(request, state);
    if (!decision.accepted()) {
      ++refused[std::string(name(decision.rejection.reason))];
      continue;
    }
    ASSERT_TRUE(decision.append);
    const auto& claim = std::get<SettlementInput>(request.input);
    const Accumulators before =
        state.accumulators(claim.psn_no, claim.insutype, request.envelope.inf_time.date.year());
    const std::string broken = check_identities(decision.result.amounts, false);
    ASSERT_TRUE(broken.empty()) << broken << " seed " << seed;
    state.apply(decision.result);
    fund_paid += decision.result.amounts.fund_pay_sumamt;
    settled.push_back(decision.result.setl_id);
    expect_within_limits(reference, state, decision.result, before, seed);
    oracle.settled(decision.result, seed);
    if (HasFatalFailure()) return;
    oracle.expect_state(state, claim.psn_no, claim.insutype, seed);
    if (HasFatalFailure()) return;
  }
  std::cout << "[ info ] settled " << settled.size() << " of " << kClaims << ", funds paid "
            << fund_paid;
  for (const auto& [reason, count] : refused) std::cout << ", " << reason << " " << count;
  std::cout << std::endl;
  ASSERT_GT(settled.size(), kClaims / 4) << "seed " << seed;

  gen.shuffle(settled);
  int index = 0;
  for (const std::string& setl_id : settled) {
    const SettlementRecord* original = state.by_setl_id(setl_id);
    Request cancel;
    cancel.envelope.infno = original->infno == Transaction::kInpatientSettle
                                ? Transaction::kInpatientCancel
                                : Transaction::kOutpatientCancel;
    cancel.envelope.msgid = "X" + std::to_string(index++);
    cancel.envelope.fixmedins_code = original->fixmedins_code;
    cancel.envelope.insuplc_admdvs = original->insuplc_admdvs;
    cancel.envelope.mdtrtarea_admvs = original->mdtrtarea_admvs;
    cancel.envelope.inf_time = original->setl_time;
    cancel.input = CancelInput{setl_id, original->mdtrt_id, original->psn_no};
    cancel.fingerprint = cancel.envelope.msgid;
    const Decision decision = engine.decide(cancel, state);
    ASSERT_TRUE(decision.accepted()) << decision.rejection.message << " seed " << seed;
    const std::string broken = check_identities(decision.result.amounts, true);
    ASSERT_TRUE(broken.empty()) << broken << " seed " << seed;
    state.apply(decision.result);
    oracle.cancelled(setl_id);
    oracle.expect_state(state, original->psn_no, original->insutype, seed);
    if (HasFatalFailure()) return;
  }
  for (const auto& [key, year] : state.all_accumulators()) {
    ASSERT_TRUE(year.is_zero()) << key << " seed " << seed;
  }
  for (const auto& [psn_no, used] : state.all_accounts()) {
    ASSERT_TRUE(used.is_zero()) << psn_no << " seed " << seed;
  }
}

}  // namespace
}  // namespace medclear::clearing
