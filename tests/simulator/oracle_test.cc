// The auditor's oracle (simulator/oracle) alone reproduces DOMAIN.md §3's worked examples A, B, B2,
// C, D and E to the fen, and posts them as §5 says. Only the scenario file's parsing is shared with
// the product (adapters/, to read the same JSON); every amount is computed by the oracle, and the
// expected values are typed in from DOMAIN.md. One test then holds the ledger's legs to it.
#include <gtest/gtest.h>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "ledger/entry.h"
#include "simulator/oracle/model.h"
#include "simulator/oracle/postings.h"
#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

using oracle::Expected;
using oracle::Posting;

// The worked-example scenario as the oracle's plain lists, and its requests in order.
struct Loaded {
  oracle::Reference reference;
  std::vector<clearing::Request> requests;
};

Loaded load_worked_examples() {
  Loaded loaded;
  const adapters::Scenario scenario = worked_examples();  // persons, facilities, code tables
  const Result<adapters::Json> parse =
      adapters::parse_json(read_file(source_path("tests/scenarios/worked_examples.json")));
  const clearing::CodeTables& codes = scenario.reference.codes;
  for (const adapters::Json& policy : parse->find("policies")->items) {
    loaded.reference.policies.push_back(*adapters::load_policy(policy, codes, "policy"));
  }
  for (const adapters::Json& catalogue : parse->find("catalogues")->items) {
    loaded.reference.catalogues.push_back(*adapters::load_catalogue(catalogue, "catalogue"));
  }
  for (const auto& [code, facility] : scenario.reference.facilities()) {
    loaded.reference.facilities.push_back(facility);
  }
  for (const auto& [psn_no, person] : scenario.reference.persons()) {
    loaded.reference.persons.push_back(person);
  }
  for (const adapters::Json& envelope : scenario.requests) {
    loaded.requests.push_back(*adapters::parse_nhsa_request(envelope, codes).request);
  }
  return loaded;
}

std::vector<Expected> settle_all(oracle::Model& model, const Loaded& loaded) {
  std::vector<Expected> answers;
  for (const clearing::Request& request : loaded.requests) answers.push_back(model.settle(request));
  return answers;
}

struct Example {
  const char* name;
  int64_t inscp, preselfpay, dedc, hifp, ratio_bp, hifmi, fund, psn, acct, cash, balc;
};

TEST(Oracle, ReproducesTheWorkedExamplesToTheFen) {
  const Loaded loaded = load_worked_examples();
  oracle::Model model(loaded.reference);
  const std::vector<Expected> answers = settle_all(model, loaded);
  ASSERT_EQ(answers.size(), 7u);
  const Example examples[] = {
      {"A", 4550000, 100000, 50000, 3150000, 7000, 240000, 3390000, 1610000, 0, 1610000, 0},
      {"B", 4550000, 100000, 50000, 2475000, 5500, 645000, 3120000, 1880000, 0, 1880000, 0},
      {"B2", 4550000, 100000, 50000, 2700000, 6000, 510000, 3210000, 1790000, 0, 1790000, 0},
      {"C", 25000000, 0, 50000, 13000000, 7000, 7700000, 20700000, 4300000, 0, 4300000, 0},
      {"D", 1890000, 10000, 80000, 1592800, 8800, 0, 1592800, 407200, 150000, 257200, 0},
  };
  for (size_t i = 0; i < std::size(examples); ++i) {
    const Example& x = examples[i];
    const Expected& a = answers[i];
    ASSERT_TRUE(a.accepted()) << x.name << ": " << a.refusal;
    EXPECT_EQ(a.inscp_scp_amt.fen(), x.inscp) << x.name;
    EXPECT_EQ(a.preselfpay_amt.fen(), x.preselfpay) << x.name;
    EXPECT_EQ(a.act_pay_dedc.fen(), x.dedc) << x.name;
    EXPECT_EQ(a.hifp_pay.fen(), x.hifp) << x.name;
    EXPECT_EQ(a.pool_prop_selfpay.basis_points(), x.ratio_bp) << x.name;
    EXPECT_EQ(a.hifmi_pay.fen(), x.hifmi) << x.name;
    EXPECT_EQ(a.fund_pay_sumamt.fen(), x.fund) << x.name;
    EXPECT_EQ(a.psn_part_amt.fen(), x.psn) << x.name;
    EXPECT_EQ(a.acct_pay.fen(), x.acct) << x.name;
    EXPECT_EQ(a.psn_cash_pay.fen(), x.cash) << x.name;
    EXPECT_EQ(a.balc.fen(), x.balc) << x.name;
  }
  // A: 3,000 class C and 500 over the cap. C: raw pool 174,650 capped at the 130,000 limit.
  EXPECT_EQ(answers[0].fulamt_ownpay_amt.fen(), 300000);
  EXPECT_EQ(answers[0].overlmt_selfpay.fen(), 50000);
  EXPECT_EQ(answers[3].moved.pool_paid.fen(), 13000000);
  EXPECT_EQ(answers[3].moved.layer_base.fen(), 12000000);
  // E: request 5 met the outpatient deductible; rounding of 333.33 × 10% and 1,166.67 × 88%.
  const Expected& e = answers[6];
  ASSERT_TRUE(e.accepted()) << e.refusal;
  EXPECT_EQ(answers[5].moved.outpatient_deductible.fen(), 80000);
  EXPECT_EQ(e.act_pay_dedc.fen(), 0);
  EXPECT_EQ(e.preselfpay_amt.fen(), 3333);
  EXPECT_EQ(e.inscp_scp_amt.fen(), 116667);
  EXPECT_EQ(e.hifp_pay.fen(), 102667);
  EXPECT_EQ(e.psn_part_amt.fen(), 20789);
  EXPECT_EQ(e.acct_pay.fen(), 5000);
  EXPECT_EQ(e.psn_cash_pay.fen(), 15789);
  EXPECT_EQ(e.balc.fen(), 0);
}

TEST(Oracle, PostsExampleDOnBothSides) {
  const Loaded loaded = load_worked_examples();
  oracle::Model model(loaded.reference);
  const Expected d = settle_all(model, loaded)[4];  // employee retiree of Guangzhou, in Shanghai
  const std::vector<Posting> insured = oracle::postings(d, oracle::Side::kInsured);
  const std::vector<Posting> want_insured = {
      {true, "fund:310100", clearing::Money::from_fen(1592800)},
      {true, "fund:310200", clearing::Money::from_fen(150000)},
      {false, "payable:310000", clearing::Money::from_fen(1742800)}};
  EXPECT_EQ(insured, want_insured);
  const std::vector<Posting> treating = oracle::postings(d, oracle::Side::kTreating);
  const std::vector<Posting> want_treating = {
      {true, "receivable:440000", clearing::Money::from_fen(1742800)},
      {false, "hospital:H31010400001", clearing::Money::from_fen(1742800)}};
  EXPECT_EQ(treating, want_treating);
}

TEST(Oracle, CancellingEverythingEmptiesItsBooksAndNegatesThePostings) {
  const Loaded loaded = load_worked_examples();
  oracle::Model model(loaded.reference);
  settle_all(model, loaded);
  for (const clearing::Request& request : loaded.requests) {
    const Expected cancel = model.cancel(request.envelope.msgid);
    ASSERT_TRUE(cancel.accepted()) << cancel.refusal;
    EXPECT_LE(cancel.fund_pay_sumamt, clearing::Money());
    for (const Posting& p : oracle::postings(cancel, oracle::Side::kInsured)) {
      EXPECT_LT(p.amount, clearing::Money()) << p.account;  // red ink: same side, negated
    }
    EXPECT_EQ(model.cancel(request.envelope.msgid).refusal, "already_cancelled");
  }
  EXPECT_EQ(model.before("44000000000000000006", "310", 2026).account_used, clearing::Money());
  EXPECT_EQ(model.before("61000000000000000004", "390", 2026).year, oracle::YearToDate{});
  // The reversal of the cancel of example E takes the account's 50.00 again.
  const Expected again = model.reinstate(loaded.requests[6].envelope.msgid);
  ASSERT_TRUE(again.accepted()) << again.refusal;
  EXPECT_EQ(again.acct_pay.fen(), 5000);
  EXPECT_EQ(again.balc.fen(), 0);
}

// What the ledger's legs add to each account, in the oracle's terms.
std::map<std::string, clearing::Money> ledger_moves(const clearing::SettlementRecord& record,
                                                    ledger::Side side) {
  std::vector<Posting> legs;
  for (const ledger::Leg& leg : ledger::legs_for(record, side)) {
    legs.push_back({leg.direction == ledger::Direction::kDebit, leg.account, leg.amount});
  }
  return oracle::balance_moves(legs);
}

TEST(Oracle, LedgerPostsWhatTheOracleExpectsForSettlementsAndCancels) {
  // The engine and the ledger on one side, the oracle on the other, over the worked examples
  // and a cancel of each: every account moves by the same amount in both regions' ledgers.
  const Loaded loaded = load_worked_examples();
  oracle::Model model(loaded.reference);
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  std::vector<std::pair<clearing::SettlementRecord, Expected>> pairs;
  for (size_t i = 0; i < scenario.requests.size(); ++i) {
    const Outcome outcome = submit(engine, state, scenario.requests[i]);
    ASSERT_TRUE(outcome.accepted()) << outcome.rejection.message;
    pairs.emplace_back(outcome.result, model.settle(loaded.requests[i]));
  }
  for (size_t i = 0; i < scenario.requests.size(); ++i) {
    const std::string cancel_msgid = "H3101040000120260316100000000" + std::to_string(i);
    const Outcome outcome = submit(
        engine, state, cancel_of(scenario.requests[i], pairs[i].first.setl_id, cancel_msgid));
    ASSERT_TRUE(outcome.accepted()) << outcome.rejection.message;
    pairs.emplace_back(outcome.result, model.cancel(loaded.requests[i].envelope.msgid));
  }
  for (const auto& [record, expected] : pairs) {
    ASSERT_TRUE(expected.accepted()) << expected.refusal;
    EXPECT_GE(oracle::postings(expected, oracle::Side::kInsured).size(), 2u) << record.msgid;
    EXPECT_EQ(ledger_moves(record, ledger::Side::kInsured),
              oracle::balance_moves(oracle::postings(expected, oracle::Side::kInsured)))
        << record.msgid;
    EXPECT_EQ(ledger_moves(record, ledger::Side::kTreating),
              oracle::balance_moves(oracle::postings(expected, oracle::Side::kTreating)))
        << record.msgid;
  }
}

TEST(Oracle, InsutypesWithoutAPolicyOfTheirOwnAreNoPolicy) {
  // contracts/adjudicate.md: only 310 and 390 have policies; 320, 330, 392, 510 are no_policy,
  // even if reference data carried a policy for one (it may not: the loader refuses it).
  Loaded loaded = load_worked_examples();
  clearing::Policy stray = loaded.reference.policies[0];
  stray.insutype = "320";
  loaded.reference.policies.push_back(stray);
  for (clearing::Person& person : loaded.reference.persons) person.insutype = "320";
  oracle::Model model(loaded.reference);
  clearing::Request request = loaded.requests[0];
  std::get<clearing::SettlementInput>(request.input).insutype = "320";
  EXPECT_EQ(model.settle(request).refusal, "no_policy");
  EXPECT_EQ(model.before("61000000000000000001", "320", 2026).year, oracle::YearToDate{});
}

}  // namespace
}  // namespace medclear::testing
