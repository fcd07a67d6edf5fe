// DOMAIN.md §3 worked examples A, B, B2, C, D, E through the whole offline path (scenario file →
// adapter → engine), with the expected amounts typed in from DOMAIN.md, not from the program.
#include <gtest/gtest.h>

#include "gateway/backoffice/adjudicate.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

struct Expected {
  const char* name;
  int64_t inscp, preselfpay, dedc, hifp, ratio_bp, hifmi, fund, psn, acct, cash, balc;
};

TEST(WorkedExamples, ReproduceDomainToTheFen) {
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  std::vector<Outcome> outcomes;
  for (const adapters::Json& request : scenario.requests) {
    outcomes.push_back(submit(engine, state, request));
  }
  ASSERT_EQ(outcomes.size(), 7u);
  // Request 5 only meets example E's deductible; its amounts are checked by hand below.
  const Expected expected[] = {
      {"A", 4550000, 100000, 50000, 3150000, 7000, 240000, 3390000, 1610000, 0, 1610000, 0},
      {"B", 4550000, 100000, 50000, 2475000, 5500, 645000, 3120000, 1880000, 0, 1880000, 0},
      {"B2", 4550000, 100000, 50000, 2700000, 6000, 510000, 3210000, 1790000, 0, 1790000, 0},
      {"C", 25000000, 0, 50000, 13000000, 7000, 7700000, 20700000, 4300000, 0, 4300000, 0},
      {"D", 1890000, 10000, 80000, 1592800, 8800, 0, 1592800, 407200, 150000, 257200, 0},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    const Expected& e = expected[i];
    ASSERT_TRUE(outcomes[i].accepted()) << e.name << ": " << outcomes[i].rejection.message;
    const clearing::SettlementAmounts& a = outcomes[i].result.amounts;
    EXPECT_EQ(a.inscp_scp_amt.fen(), e.inscp) << e.name;
    EXPECT_EQ(a.preselfpay_amt.fen(), e.preselfpay) << e.name;
    EXPECT_EQ(a.act_pay_dedc.fen(), e.dedc) << e.name;
    EXPECT_EQ(a.hifp_pay.fen(), e.hifp) << e.name;
    EXPECT_EQ(a.pool_prop_selfpay.basis_points(), e.ratio_bp) << e.name;
    EXPECT_EQ(a.hifmi_pay.fen(), e.hifmi) << e.name;
    EXPECT_EQ(a.fund_pay_sumamt.fen(), e.fund) << e.name;
    EXPECT_EQ(a.psn_part_amt.fen(), e.psn) << e.name;
    EXPECT_EQ(a.acct_pay.fen(), e.acct) << e.name;
    EXPECT_EQ(a.psn_cash_pay.fen(), e.cash) << e.name;
    EXPECT_EQ(a.balc.fen(), e.balc) << e.name;
  }
  // A: 3,000 class C and 500 over the cap.
  EXPECT_EQ(outcomes[0].result.amounts.fulamt_ownpay_amt.fen(), 300000);
  EXPECT_EQ(outcomes[0].result.amounts.overlmt_selfpay.fen(), 50000);
  // E: deductible already met by request 5, rounding of 333.33 × 10% and 1,166.67 × 88%.
  const clearing::SettlementAmounts& e = outcomes[6].result.amounts;
  ASSERT_TRUE(outcomes[6].accepted()) << outcomes[6].rejection.message;
  EXPECT_EQ(e.act_pay_dedc.fen(), 0);
  EXPECT_EQ(e.preselfpay_amt.fen(), 3333);
  EXPECT_EQ(e.inscp_scp_amt.fen(), 116667);
  EXPECT_EQ(e.hifp_pay.fen(), 102667);
  EXPECT_EQ(e.psn_part_amt.fen(), 20789);
  EXPECT_EQ(e.acct_pay.fen(), 5000);
  EXPECT_EQ(e.psn_cash_pay.fen(), 15789);
}

TEST(WorkedExamples, AdjudicateCommandPrintsOneEnvelopePerRequest) {
  const auto [status, output] =
      run_medclear("adjudicate --scenario " + source_path("tests/scenarios/worked_examples.json"));
  EXPECT_EQ(status, 0);
  std::vector<adapters::Json> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) {
    Result<adapters::Json> parse = adapters::parse_json(line);
    ASSERT_TRUE(parse.is_ok()) << parse.status().message() << ": " << line;
    lines.push_back(std::move(*parse));
  }
  ASSERT_EQ(lines.size(), 7u);
  const adapters::Json& a = *lines[0].find("output")->find("setlinfo");
  EXPECT_EQ(lines[0].find("infcode")->text, "0");
  EXPECT_EQ(a.find("hifp_pay")->text, "31500.00");  // two decimals, as a JSON number
  EXPECT_EQ(a.find("pool_prop_selfpay")->text, "0.7000");
  EXPECT_EQ(a.find("hifmi_pay")->text, "2400.00");
  EXPECT_EQ(a.find("setl_id")->text, "610100202603150000000001");
  EXPECT_EQ(lines[0].find("inf_refmsgid")->text.size(), 30u);
  const adapters::Json& e = *lines[6].find("output")->find("setlinfo");
  EXPECT_EQ(e.find("psn_cash_pay")->text, "157.89");
}

TEST(WorkedExamples, InvalidScenarioExitsTwoWithThePath) {
  const std::string path = ::testing::TempDir() + "/bad_scenario.json";
  std::ofstream(path)
      << R"({"policies":[{"format":"medclear.policy.v1","admdvs":"610100","bogus":1}]})";
  const auto [status, output] = run_medclear("adjudicate --scenario " + path + " 2>&1");
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("policies[0]"), std::string::npos) << output;
}

// contracts/adjudicate.md: "a policy given for one [320, 330, 392, 510] makes the reference data
// invalid (exit 2)".
TEST(WorkedExamples, PolicyOfAnInsutypeWithoutFundsExitsTwo) {
  std::string scenario = read_file(source_path("tests/scenarios/worked_examples.json"));
  const std::string resident = R"("insutype": "390")";
  const size_t at = scenario.find(resident);
  ASSERT_NE(at, std::string::npos);
  ASSERT_LT(at, scenario.find(R"("persons")"));  // the first is the resident policy's
  scenario.replace(at, resident.size(), R"("insutype": "320")");
  const std::string path = ::testing::TempDir() + "/policy_320_scenario.json";
  std::ofstream(path) << scenario;
  const auto [status, output] = run_medclear("adjudicate --scenario " + path + " 2>&1");
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("policies[0].insutype"), std::string::npos) << output;
  EXPECT_EQ(output.find("infcode"), std::string::npos) << "no request may be decided: " << output;
}

TEST(WorkedExamples, EveryCommandHasHelp) {
  const auto [status, output] = run_medclear("--help");
  EXPECT_EQ(status, 0);
  EXPECT_NE(output.find("adjudicate"), std::string::npos) << output;
  const auto [adjudicate_status, adjudicate_help] = run_medclear("adjudicate --help");
  EXPECT_EQ(adjudicate_status, 0);
  EXPECT_NE(adjudicate_help.find("--scenario"), std::string::npos) << adjudicate_help;
  EXPECT_EQ(run_medclear("no-such-command 2>/dev/null").first, 2);
}

}  // namespace
}  // namespace medclear::testing
