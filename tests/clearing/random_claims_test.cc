// Randomized money test: seeded random policies, catalogues, people of every accepted insurance
// type and claims by the hundred thousand. Every answer of the engine equals the independent
// oracle's (simulator/oracle) field by field — refusals, every money field, setldetail, the
// accumulator moves and the year to date — every identity of DOMAIN.md §3 holds, no cap is
// exceeded, and cancelling every settlement in random order returns every accumulator and account
// to zero. The seed is printed; MEDCLEAR_SEED=<n> replays a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "clearing/engine.h"
#include "clearing/item_split.h"
#include "clearing/memory_state.h"
#include "clearing/split.h"
#include "simulator/oracle/model.h"
#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

// Every insutype the code tables accept (clearing/codes.cpp CodeTables): 310 and 390 have
// policies, the others are refused no_policy (contracts/adjudicate.md).
constexpr const char* kInsutypes[] = {"310", "320", "330", "390", "392", "510"};

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

  // Mostly the two schemes with policies; one person in ten of another accepted insutype.
  std::string insutype() {
    if (chance(90)) return chance(50) ? "310" : "390";
    return kInsutypes[between(0, static_cast<int64_t>(std::size(kInsutypes)) - 1)];
  }

  Person person(int index) {
    Person p;
    p.psn_no = "P" + std::to_string(index);
    p.insutype = insutype();
    const bool employee = p.insutype == "310" || p.insutype == "320" || p.insutype == "330";
    p.insuplc_admdvs = employee ? "440100" : "610100";
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
        // some in January 2027: a new year of accumulators
        Date::from_days(Date::from_ymd(2026, 1, 1)->days() + static_cast<int32_t>(between(0, 409))),
        static_cast<int32_t>(between(0, 86399))};
    SettlementInput in;
    in.psn_no = person.psn_no;
    in.insutype = chance(97) ? person.insutype : insutype();  // some insutype_mismatch
    in.med_type = inpatient ? kInpatient[between(0, 3)] : kOutpatient[between(0, 3)];
    in.mdtrt_id = "MD" + std::to_string(index);
    in.acct_used_flag = chance(60);
    const int lines = static_cast<int>(between(1, 10));
    const int64_t scale = inpatient ? 5'000'000 : 50'000;
    for (int l = 0; l < lines; ++l) {
      FeeLine line;
      line.feedetl_sn = std::to_string(l);
      line.fee_ocur_time = e.inf_time;  // or days before: the catalogue in force at the line's
      if (chance(20)) {
        line.fee_ocur_time.date =
            Date::from_days(e.inf_time.date.days() - static_cast<int32_t>(between(0, 20)));
      }
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
    if (chance(6)) spoil(r);
    return r;
  }

  // One fault the contract refuses before the policy: each gate of the ladder gets claims.
  void spoil(Request& r) {
    auto& in = std::get<SettlementInput>(r.input);
    switch (between(0, 5)) {
      case 0:
        in.medfee_sumamt += Money::from_fen(1);  // amount_mismatch
        break;
      case 1:
        in.lines.push_back(in.lines.front());  // duplicate_fee_line
        in.medfee_sumamt += in.lines.back().amount;
        break;
      case 2:
        in.psn_no = "P-unknown";  // unknown_person
        break;
      case 3:
        r.envelope.insuplc_admdvs.clear();  // local business: not_cross_province
        break;
      case 4:
        r.envelope.fixmedins_code = "H31010400009";  // unknown_facility
        break;
      default:
        r.envelope.fixmedins_code = "H31010400004";  // facility_not_networked
        break;
    }
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

// The engine's setlinfo money fields under the interface's names, in the oracle's order.
std::vector<std::pair<std::string_view, Money>> engine_fields(const SettlementAmounts& a) {
  return {{"medfee_sumamt", a.medfee_sumamt},
          {"fulamt_ownpay_amt", a.fulamt_ownpay_amt},
          {"overlmt_selfpay", a.overlmt_selfpay},
          {"preselfpay_amt", a.preselfpay_amt},
          {"inscp_scp_amt", a.inscp_scp_amt},
          {"act_pay_dedc", a.act_pay_dedc},
          {"hifp_pay", a.hifp_pay},
          {"cvlserv_pay", a.cvlserv_pay},
          {"hifes_pay", a.hifes_pay},
          {"hifmi_pay", a.hifmi_pay},
          {"hifob_pay", a.hifob_pay},
          {"maf_pay", a.maf_pay},
          {"hosp_part_amt", a.hosp_part_amt},
          {"oth_pay", a.oth_pay},
          {"fund_pay_sumamt", a.fund_pay_sumamt},
          {"psn_part_amt", a.psn_part_amt},
          {"acct_pay", a.acct_pay},
          {"psn_cash_pay", a.psn_cash_pay},
          {"balc", a.balc},
          {"acct_mulaid_pay", a.acct_mulaid_pay}};
}

oracle::YearToDate year_of(const Accumulators& a) {
  return {a.inpatient_deductible_paid,
          a.outpatient_deductible_paid,
          a.pool_paid,
          a.layer_base,
          a.layer_paid,
          a.assistance_paid};
}

// "field engine E oracle O" for each pair of equally named values that differ.
void compare(std::string_view what, const std::vector<std::pair<std::string_view, Money>>& engine,
             const std::vector<std::pair<std::string_view, Money>>& model, std::string& out) {
  for (size_t i = 0; i < engine.size(); ++i) {
    if (engine[i].first != model[i].first || engine[i].second != model[i].second) {
      out += std::string(what) + std::string(engine[i].first) + " engine " +
             engine[i].second.to_string() + " oracle " + model[i].second.to_string() + "; ";
    }
  }
}

// Every difference between the engine's record and the oracle's answer, named by field; empty
// when they agree on every money field, the ratio, setldetail and the accumulator moves.
std::string differences(const SettlementRecord& record, const oracle::Expected& expected) {
  const SettlementAmounts& a = record.amounts;
  std::string out;
  compare("", engine_fields(a), oracle::money_fields(expected), out);
  if (a.pool_prop_selfpay != expected.pool_prop_selfpay) {
    out += "pool_prop_selfpay engine " + a.pool_prop_selfpay.to_string() + " oracle " +
           expected.pool_prop_selfpay.to_string() + "; ";
  }
  if (a.details.size() != expected.setldetail.size()) {
    out += "setldetail rows engine " + std::to_string(a.details.size()) + " oracle " +
           std::to_string(expected.setldetail.size()) + "; ";
  }
  for (size_t i = 0; i < std::min(a.details.size(), expected.setldetail.size()); ++i) {
    const FundPayment& d = a.details[i];
    const oracle::FundRow& row = expected.setldetail[i];
    if (fund_code(d.fund) != row.fund_pay_type) {
      out += "setldetail[" + std::to_string(i) + "].fund_pay_type engine " +
             std::string(fund_code(d.fund)) + " oracle " + row.fund_pay_type + "; ";
    }
    compare("setldetail[" + std::to_string(i) + "].",
            {{"inscp_scp_amt", d.inscp_scp_amt},
             {"crt_payb_lmt_amt", d.crt_payb_lmt_amt},
             {"fund_payamt", d.fund_payamt}},
            {{"inscp_scp_amt", row.inscp_scp_amt},
             {"crt_payb_lmt_amt", row.crt_payb_lmt_amt},
             {"fund_payamt", row.fund_payamt}},
            out);
  }
  compare("delta.", oracle::year_fields(year_of(record.delta.year)),
          oracle::year_fields(expected.moved), out);
  compare("delta.", {{"account_used", record.delta.account_used}},
          {{"account_used", expected.account_moved}}, out);
  if (record.year != expected.year) out += "year differs; ";
  return out;
}

// The state's year to date and account use of the person equal the oracle's books.
std::string book_differences(const MemoryState& state, const oracle::Model& model,
                             const std::string& psn_no, const std::string& insutype, int year) {
  const oracle::PersonBefore books = model.before(psn_no, insutype, year);
  std::string out;
  compare("year.", oracle::year_fields(year_of(state.accumulators(psn_no, insutype, year))),
          oracle::year_fields(books.year), out);
  compare("", {{"account_used", state.account_used(psn_no)}},
          {{"account_used", books.account_used}}, out);
  return out;
}

// One seeded run: the same reference data given to the engine (ReferenceData) and to the oracle
// (plain lists), the engine's state, and the oracle's own books.
class SeededRun {
 public:
  static constexpr int kPersons = 3000;

  explicit SeededRun(uint64_t seed) : seed_(seed), gen_(seed), lists_(make_lists(gen_)) {
    for (const Policy& p : lists_.policies) reference_.add_policy(p);
    for (const Catalogue& c : lists_.catalogues) reference_.add_catalogue(c);
    for (const Facility& f : lists_.facilities) reference_.add_facility(f);
    for (const Person& p : lists_.persons) reference_.add_person(p);
  }

  // Decides claim `index` with the engine and the oracle; they must agree on everything.
  void settle(int index) {
    const Request request = gen_.claim(index, lists_.persons[gen_.between(0, kPersons - 1)]);
    const Decision decision = engine_.decide(request, state_);
    const oracle::Expected expected = model_.settle(request);
    const std::string verdict =
        decision.accepted() ? "" : std::string(name(decision.rejection.reason));
    ASSERT_EQ(verdict, expected.refusal)
        << request.envelope.msgid << " " << decision.rejection.message << " seed " << seed_;
    if (!decision.accepted()) {
      ++refused_[verdict];
      return;
    }
    ASSERT_TRUE(decision.append);
    const SettlementRecord& record = decision.result;
    const Accumulators before = state_.accumulators(record.psn_no, record.insutype, record.year);
    const Status identities = check_identities(record.amounts, false);
    ASSERT_TRUE(identities.is_ok()) << identities.message() << " seed " << seed_;
    const std::string differ = differences(record, expected);
    ASSERT_TRUE(differ.empty()) << request.envelope.msgid << ": " << differ << "seed " << seed_;
    expect_item_split(request, record);
    state_.apply(record);
    fund_paid_ += record.amounts.fund_pay_sumamt;
    settled_.push_back(record.setl_id);
    msgid_of_[record.setl_id] = request.envelope.msgid;
    expect_within_limits(reference_, state_, record, before, seed_);
    expect_same_books(record);
  }

  // Cancels the settlement `setl_id` with the engine and the oracle; they must agree.
  void cancel(const std::string& setl_id) {
    const SettlementRecord original = *state_.by_setl_id(setl_id);
    const Decision decision = engine_.decide(cancel_of(original), state_);
    ASSERT_TRUE(decision.accepted()) << decision.rejection.message << " seed " << seed_;
    const Status identities = check_identities(decision.result.amounts, true);
    ASSERT_TRUE(identities.is_ok()) << identities.message() << " seed " << seed_;
    const oracle::Expected expected = model_.cancel(msgid_of_.at(setl_id));
    ASSERT_TRUE(expected.accepted()) << expected.refusal << " seed " << seed_;
    const std::string differ = differences(decision.result, expected);
    ASSERT_TRUE(differ.empty()) << "cancel of " << setl_id << ": " << differ << "seed " << seed_;
    state_.apply(decision.result);
    expect_same_books(original);
  }

  Generator& gen() { return gen_; }
  std::vector<std::string>& settled() { return settled_; }
  const std::map<std::string, int>& refused() const { return refused_; }
  Money fund_paid() const { return fund_paid_; }
  const MemoryState& state() const { return state_; }

 private:
  static oracle::Reference make_lists(Generator& gen) {
    oracle::Reference lists;
    const Date jan = *Date::from_ymd(2026, 1, 1);
    const Date jul = *Date::from_ymd(2026, 7, 1);
    for (const auto& [admdvs, insutype] :
         {std::pair{"610100", "390"}, std::pair{"440100", "310"}}) {
      lists.policies.push_back(gen.policy(admdvs, insutype, jan));
      lists.policies.push_back(gen.policy(admdvs, insutype, jul));
    }
    lists.catalogues = {gen.catalogue(jan), gen.catalogue(jul)};
    for (int level = 1; level <= 4; ++level) {  // H31010400004 is not networked
      lists.facilities.push_back(
          {"H3101040000" + std::to_string(level), "310104", std::min(level, 3), level <= 3});
    }
    for (int i = 0; i < kPersons; ++i) lists.persons.push_back(gen.person(i));
    return lists;
  }

  Request cancel_of(const SettlementRecord& original) {
    Request cancel;
    cancel.envelope.infno = original.infno == Transaction::kInpatientSettle
                                ? Transaction::kInpatientCancel
                                : Transaction::kOutpatientCancel;
    cancel.envelope.msgid = "X" + std::to_string(cancels_++);
    cancel.envelope.fixmedins_code = original.fixmedins_code;
    cancel.envelope.insuplc_admdvs = original.insuplc_admdvs;
    cancel.envelope.mdtrtarea_admvs = original.mdtrtarea_admvs;
    cancel.envelope.inf_time = original.setl_time;
    cancel.input = CancelInput{original.setl_id, original.mdtrt_id, original.psn_no};
    cancel.fingerprint = cancel.envelope.msgid;
    return cancel;
  }

  // The settlement laid onto its lines (item_split.h, the FHIR items): every line's parts are
  // whole, not negative and within the line, and each category adds up to the claim's exactly.
  void expect_item_split(const Request& request, const SettlementRecord& record) {
    const auto& claim = std::get<SettlementInput>(request.input);
    const Facility* facility = reference_.facility(request.envelope.fixmedins_code);
    ASSERT_NE(facility, nullptr);
    const std::vector<LineSplit> classes =
        classify_lines(claim.lines, reference_, facility->admdvs);
    std::vector<Money> submitted, eligible;
    for (size_t i = 0; i < claim.lines.size(); ++i) {
      submitted.push_back(claim.lines[i].amount);
      eligible.push_back(classes[i].inscp_scp_amt);
    }
    const auto items = split_items(submitted, eligible, record.amounts);
    ASSERT_TRUE(items) << request.envelope.msgid << " seed " << seed_;
    Money deductible, benefit, copay;
    for (const ItemSplit& item : *items) {
      ASSERT_TRUE(!item.eligible.is_negative() && !item.deductible.is_negative() &&
                  !item.benefit.is_negative() && !item.copay.is_negative())
          << request.envelope.msgid << " seed " << seed_;
      ASSERT_LE(item.eligible, item.submitted) << " seed " << seed_;
      ASSERT_LE(item.deductible, item.eligible) << " seed " << seed_;
      ASSERT_LE(item.benefit, item.eligible) << " seed " << seed_;
      ASSERT_EQ(item.benefit + item.copay, item.submitted) << " seed " << seed_;
      deductible += item.deductible;
      benefit += item.benefit;
      copay += item.copay;
    }
    ASSERT_EQ(deductible, record.amounts.act_pay_dedc) << " seed " << seed_;
    ASSERT_EQ(benefit, record.amounts.fund_pay_sumamt) << " seed " << seed_;
    ASSERT_EQ(copay, record.amounts.psn_part_amt) << " seed " << seed_;
  }

  // The state's year to date and account use of the record's person equal the oracle's books.
  void expect_same_books(const SettlementRecord& record) {
    const std::string books =
        book_differences(state_, model_, record.psn_no, record.insutype, record.year);
    ASSERT_TRUE(books.empty()) << record.psn_no << ": " << books << "seed " << seed_;
  }

  uint64_t seed_;
  Generator gen_;
  oracle::Reference lists_;
  ReferenceData reference_;
  const Engine engine_{reference_};
  MemoryState state_;
  oracle::Model model_{lists_};
  std::vector<std::string> settled_;
  std::map<std::string, std::string> msgid_of_;  // setl_id → msgid (the oracle's key)
  std::map<std::string, int> refused_;
  Money fund_paid_;
  int cancels_ = 0;
};

TEST(RandomClaims, IdentitiesCapsAndFullCancellation) {
  const uint64_t seed =
      medclear::testing::test_seed("RandomClaims.IdentitiesCapsAndFullCancellation");
  for (const char* insutype : kInsutypes) ASSERT_TRUE(CodeTables().knows_insutype(insutype));
  SeededRun run(seed);
  constexpr int kClaims = 100'000;
  for (int i = 0; i < kClaims; ++i) {
    run.settle(i);
    if (HasFatalFailure()) return;
  }
  std::cout << "[ info ] settled " << run.settled().size() << " of " << kClaims << ", funds paid "
            << run.fund_paid();
  for (const auto& [reason, count] : run.refused()) std::cout << ", " << reason << " " << count;
  std::cout << std::endl;
  ASSERT_GT(run.settled().size(), kClaims / 4) << "seed " << seed;
  // Every gate the generator aims at was reached (no_valid_filing too, unless every policy of the
  // seed pays unfiled claims).
  for (const char* reason :
       {"amount_mismatch", "duplicate_fee_line", "unknown_person", "insutype_mismatch",
        "not_cross_province", "unknown_facility", "facility_not_networked", "no_policy"}) {
    ASSERT_TRUE(run.refused().contains(reason)) << reason << " never happened, seed " << seed;
  }

  run.gen().shuffle(run.settled());
  for (const std::string& setl_id : run.settled()) {
    run.cancel(setl_id);
    if (HasFatalFailure()) return;
  }
  for (const auto& [key, year] : run.state().all_accumulators()) {
    ASSERT_TRUE(year.is_zero()) << key << " seed " << seed;
  }
  for (const auto& [psn_no, used] : run.state().all_accounts()) {
    ASSERT_TRUE(used.is_zero()) << psn_no << " seed " << seed;
  }
}

}  // namespace
}  // namespace medclear::clearing
