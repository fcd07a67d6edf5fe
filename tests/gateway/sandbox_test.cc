// The policy sandbox (gateway/backoffice/sandbox.h, shared/contracts/sandbox.md): a draft equal to
// the policy in force changes nothing for anyone; a draft that only raises one ratio moves
// exactly the amounts computed here by hand; every re-decided claim keeps its identities; the
// ledgers are the same before and after (opened read-only while their writer keeps them open);
// `medclear sandbox` prints the contract's JSON, CSV and HTML and exits 2 on a bad policy.
#include "gateway/backoffice/sandbox.h"

#include <gtest/gtest.h>

#include <fstream>

#include "adapters/json.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using adapters::Json;

const cl::Policy& policy_of(const cl::ReferenceData& reference, const std::string& key) {
  return reference.policies().at(key).front();
}

// What a ledger is: its head and a full verification.
std::string fingerprint(const lg::Ledger& ledger) {
  const lg::VerifyReport verified = lg::verify_ledger(ledger, nullptr);
  return std::to_string(ledger.last_seq()) + "/" + lg::to_hex(ledger.head_hash()) + "/" +
         (verified.ok ? "verified" : verified.problem) + "/" + std::to_string(verified.entries);
}

void expect_zero(const SandboxTotals& t) {
  for (cl::Money m : {t.fund_pay_sumamt, t.hifp_pay, t.hifmi_pay, t.hifob_pay, t.maf_pay,
                      t.acct_pay, t.psn_cash_pay}) {
    EXPECT_EQ(m, cl::Money::zero());
  }
}

// Every policy of the worked examples as its own draft: the ledgers' settlements (with a cancel,
// a reversal of that cancel and a reversal) come out exactly as booked.
TEST(Sandbox, DraftEqualToThePolicyInForceChangesNothing) {
  const std::string root = testing::fresh_directory("sandbox-same");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  auto dirs = testing::write_ledgers(root, records);
  const adapters::Scenario scenario = testing::worked_examples();
  struct Expected {
    std::string policy, region;
    uint64_t claims, people;
  };
  // 610100: claims 1–4, claim 1 reversed; 440100: claim 5 (cancelled, put back), 6 and 7.
  for (const Expected& e :
       {Expected{"610100390", "610000", 3, 3}, Expected{"440100310", "440000", 3, 2}}) {
    const cl::Policy& draft = policy_of(scenario.reference, e.policy);
    Result<SandboxResult> r = run_sandbox(*dirs.at(e.region).ledger, scenario.reference, draft, {});
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(r->claims, e.claims) << e.policy;
    expect_zero(r->draft - r->baseline);
    EXPECT_EQ(r->same, e.people);
    EXPECT_EQ(r->pay_more + r->pay_less, 0u);
    EXPECT_EQ(r->identity_failures, 0u);
    EXPECT_EQ(r->refused, 0u);
    // The baseline is what the ledger holds: the settlements in effect, summed here.
    cl::Money funds, account;
    for (const cl::SettlementRecord& rec : records) {
      if (rec.kind != cl::RecordKind::kSettlement || rec.insutype != draft.insutype) continue;
      if (rec.setl_id == records[0].setl_id) continue;  // the reversed claim 1
      funds += rec.amounts.fund_pay_sumamt;
      account += rec.amounts.acct_pay;
    }
    EXPECT_EQ(r->baseline.fund_pay_sumamt, funds);
    EXPECT_EQ(r->baseline.acct_pay, account);
  }
}

// The worked examples' reference without the critical-illness layer, and these claims instead
// of its requests: inpatient bills of one person, one outpatient bill of another, every line of
// class A (all in scope) at the level-3 hospital, both filed long-term (no cut).
std::string ratio_scenario_text() {
  Json scenario = *adapters::parse_json(
      testing::read_file(testing::source_path("tests/scenarios/worked_examples.json")));
  Json& policies = testing::member(scenario, "policies");
  testing::member(policies.items.at(0), "layer") = Json{};
  const Json template_claim = testing::member(scenario, "requests").items.at(3);
  Json& requests = testing::member(scenario, "requests");
  requests.items.clear();
  struct Claim {
    const char* psn_no;
    const char* infno;
    const char* med_type;
    const char* amount;
  };
  const Claim claims[] = {{"61000000000000000001", "2304", "21", "1000.00"},
                          {"61000000000000000001", "2304", "21", "2000.00"},
                          {"61000000000000000001", "2304", "21", "1234.57"},
                          {"61000000000000000004", "2207", "11", "1000.00"}};
  int n = 0;
  for (const Claim& c : claims) {
    Json claim = template_claim;
    ++n;
    testing::set_string(claim, "infno", c.infno);
    testing::set_string(claim, "msgid", "H3101040000120260315100000900" + std::to_string(n));
    Json& data = testing::data_of(claim);
    testing::set_string(data, "psn_no", c.psn_no);
    testing::set_string(data, "med_type", c.med_type);
    testing::set_string(data, "mdtrt_id", "MDR" + std::to_string(n));
    testing::set_string(data, "medfee_sumamt", c.amount);
    Json& lines = testing::member(testing::member(claim, "input"), "feedetail");
    lines.items.resize(1);
    testing::set_string(lines.items[0], "det_item_fee_sumamt", c.amount);
    testing::set_string(lines.items[0], "pric", c.amount);
    testing::set_string(lines.items[0], "cnt", "1");
    requests.items.push_back(std::move(claim));
  }
  return testing::to_text(scenario);
}

struct RatioFixture {
  std::string root;
  std::string reference_file;
  std::string draft_file;
  std::map<std::string, lg::LedgerDirectory> dirs;
};

// Settles the claims through the engine into the ledgers; the draft raises only the inpatient
// ratio of level 3 from 0.7000 to 0.7500.
RatioFixture ratio_fixture(const std::string& name) {
  RatioFixture f;
  f.root = testing::fresh_directory(name);
  const std::string text = ratio_scenario_text();
  Result<adapters::Scenario> scenario = adapters::load_scenario(text);
  EXPECT_TRUE(scenario.is_ok()) << scenario.status().message();
  const cl::Engine engine(scenario->reference);
  cl::MemoryState state;
  std::vector<cl::SettlementRecord> records;
  for (const Json& request : scenario->requests) {
    testing::Outcome outcome = testing::submit(engine, state, testing::to_text(request));
    EXPECT_TRUE(outcome.accepted()) << outcome.rejection.message;
    records.push_back(outcome.result);
  }
  f.dirs = testing::write_ledgers(f.root + "/ledgers", records);
  f.reference_file = f.root + "/reference.json";
  std::ofstream(f.reference_file) << text;
  Json policy = *adapters::parse_json(text);
  Json draft = testing::member(policy, "policies").items.at(0);
  testing::set_string(testing::member(testing::member(draft, "inpatient"), "ratio"), "3", "0.7500");
  f.draft_file = f.root + "/draft.json";
  std::ofstream(f.draft_file) << testing::to_text(draft);
  return f;
}

// By hand: inpatient deductible 500.00 per admission, then the pool pays the ratio of the rest.
//   1000.00: 0.70 × 500.00 = 350.00        0.75 × 500.00 = 375.00         +25.00
//   2000.00: 0.70 × 1500.00 = 1050.00      0.75 × 1500.00 = 1125.00       +75.00
//   1234.57: 0.70 × 734.57 = 514.199 → 514.20   0.75 × 734.57 = 550.9275 → 550.93   +36.73
// The outpatient bill (ratio unchanged): 0.50 × (1000.00 − 100.00) = 450.00 both ways.
TEST(Sandbox, RaisingOneRatioMovesExactlyTheHandComputedAmounts) {
  RatioFixture f = ratio_fixture("sandbox-ratio");
  const std::string before = fingerprint(*f.dirs.at("610000").ledger);
  // The ledgers stay open here, as a running node keeps them: the sandbox opens them read-only.
  Result<SandboxResult> r = sandbox_at(f.root + "/ledgers", f.reference_file, f.draft_file, {});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(fingerprint(*f.dirs.at("610000").ledger), before);
  EXPECT_EQ(r->claims, 4u);
  EXPECT_EQ(r->identity_failures, 0u);
  EXPECT_EQ(r->baseline.hifp_pay.to_string(), "2364.20");  // 350 + 1050 + 514.20 + 450
  EXPECT_EQ(r->draft.hifp_pay.to_string(), "2500.93");     // 375 + 1125 + 550.93 + 450
  const SandboxTotals delta = r->draft - r->baseline;
  EXPECT_EQ(delta.fund_pay_sumamt.to_string(), "136.73");
  EXPECT_EQ(delta.hifp_pay.to_string(), "136.73");
  EXPECT_EQ(delta.psn_cash_pay.to_string(), "-136.73");
  EXPECT_EQ(delta.hifmi_pay, cl::Money::zero());
  EXPECT_EQ(delta.acct_pay, cl::Money::zero());
  EXPECT_EQ(r->pay_less, 1u);
  EXPECT_EQ(r->same, 1u);
  EXPECT_EQ(r->pay_more, 0u);
  EXPECT_EQ(r->pay_less_total.to_string(), "136.73");
  ASSERT_EQ(r->by.size(), 2u);
  const SandboxGroup& inpatient = r->by.at({"inpatient", 3, "310000"});
  EXPECT_EQ(inpatient.claims, 3u);
  EXPECT_EQ((inpatient.draft_fund - inpatient.baseline_fund).to_string(), "136.73");
  const SandboxGroup& outpatient = r->by.at({"outpatient", 3, "310000"});
  EXPECT_EQ(outpatient.claims, 1u);
  EXPECT_EQ(outpatient.draft_fund, outpatient.baseline_fund);

  // The period narrows what is decided again: none on 2026-03-16.
  SandboxOptions later;
  later.from = cl::parse_date("2026-03-16");
  Result<SandboxResult> none =
      sandbox_at(f.root + "/ledgers", f.reference_file, f.draft_file, later);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->claims, 0u);
  // A cap on claims is a clear error.
  SandboxOptions capped;
  capped.claims_max = 2;
  Result<SandboxResult> over =
      sandbox_at(f.root + "/ledgers", f.reference_file, f.draft_file, capped);
  ASSERT_FALSE(over.is_ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalid);
  EXPECT_NE(over.status().message().find("more than 2 claims"), std::string::npos);
}

TEST(Sandbox, CommandPrintsTheContractAndRefusesABadPolicy) {
  RatioFixture f = ratio_fixture("sandbox-command");
  f.dirs.clear();  // closed, as after a demo
  const std::string args = "sandbox --ledgers " + f.root + "/ledgers --reference " +
                           f.reference_file + " --policy " + f.draft_file;
  const auto [code, out] = testing::run_medclear(args + " --from 2026-03-01 --to 2026-03-31");
  ASSERT_EQ(code, 0) << out;
  Result<Json> json = adapters::parse_json(out);
  ASSERT_TRUE(json.is_ok()) << out;
  EXPECT_EQ(json->find("format")->text, "medclear.sandbox.v1");
  EXPECT_EQ(json->find("admdvs")->text, "610100");
  EXPECT_EQ(json->find("from")->text, "2026-03-01");
  EXPECT_EQ(json->find("claims")->text, "4");
  EXPECT_EQ(json->find("delta")->find("fund_pay_sumamt")->text, "136.73");
  EXPECT_EQ(json->find("baseline")->find("hifp_pay")->text, "2364.20");
  EXPECT_EQ(json->find("people")->find("pay_less")->text, "1");
  EXPECT_EQ(json->find("by")->items.at(0).find("delta_fund")->text, "136.73");
  const auto [csv_code, csv] = testing::run_medclear(args + " --format csv");
  EXPECT_EQ(csv_code, 0);
  EXPECT_NE(csv.find("delta,,,,fund_pay_sumamt,136.73\n"), std::string::npos) << csv;
  const std::string page = f.root + "/sandbox.html";
  EXPECT_EQ(testing::run_medclear(args + " --format html --out " + page).first, 0);
  const std::string html = testing::read_file(page);
  for (const char* chart : {"<svg id=\"funds\"", "<svg id=\"groups\"", "<svg id=\"people\""}) {
    EXPECT_NE(html.find(chart), std::string::npos) << chart;
  }
  EXPECT_EQ(html.find("http://"), std::string::npos);  // nothing from outside

  std::ofstream(f.root + "/bad.json")
      << testing::read_file(f.draft_file)
             .replace(testing::read_file(f.draft_file).find("0.7500"), 6, "1.7500");
  const std::string bad = "sandbox --ledgers " + f.root + "/ledgers --reference " +
                          f.reference_file + " --policy " + f.root + "/bad.json 2>&1";
  const auto [bad_code, message] = testing::run_medclear(bad);
  EXPECT_EQ(bad_code, 2);
  EXPECT_NE(message.find("policy.inpatient.ratio.3"), std::string::npos) << message;
  EXPECT_EQ(testing::run_medclear(args + " --from 2026-13-01 2>/dev/null").first, 2);
  std::ofstream(f.root + "/elsewhere.json")
      << testing::read_file(f.draft_file)
             .replace(testing::read_file(f.draft_file).find("610100"), 6, "650100");
  EXPECT_EQ(testing::run_medclear("sandbox --ledgers " + f.root + "/ledgers --reference " +
                                  f.reference_file + " --policy " + f.root +
                                  "/elsewhere.json 2>/dev/null")
                .first,
            2);  // no ledger of region 650000
}

}  // namespace
}  // namespace medclear::gateway
