// The demo's auditor judges the engine by the independent oracle (simulator/oracle): over the
// worked examples, their cancels, a retry and a reversal of a cancel they agree; when the oracle's
// reference data is off by one fen, or one field of an answer differs, the disagreement is a
// mismatch that names the request and the field. Requests refused before the domain are skipped.
#include <gtest/gtest.h>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "simulator/oracle/model.h"
#include "simulator/report.h"
#include "simulator/run.h"
#include "tests/support/scenario.h"

namespace medclear::simulator {
namespace {

// The worked examples: the engine's reference data, the same as the oracle's plain lists, and
// the requests as the adapter parsed them.
struct Examples {
  adapters::Scenario scenario = testing::worked_examples();
  oracle::Reference lists;
  std::vector<clearing::Request> requests;
};

std::optional<clearing::Request> parse_request(const adapters::Json& envelope,
                                               const clearing::CodeTables& codes) {
  return adapters::parse_nhsa_request(testing::to_text(envelope), codes).request;
}

Examples load_examples() {
  Examples examples;
  const Result<adapters::Json> parse = adapters::parse_json(
      testing::read_file(testing::source_path("tests/scenarios/worked_examples.json")));
  const clearing::CodeTables& codes = examples.scenario.reference.codes;
  for (const adapters::Json& policy : parse->find("policies")->items) {
    examples.lists.policies.push_back(*adapters::load_policy(policy, codes, "policy"));
  }
  for (const adapters::Json& catalogue : parse->find("catalogues")->items) {
    examples.lists.catalogues.push_back(*adapters::load_catalogue(catalogue, "catalogue"));
  }
  for (const auto& [code, facility] : examples.scenario.reference.facilities()) {
    examples.lists.facilities.push_back(facility);
  }
  for (const auto& [psn_no, person] : examples.scenario.reference.persons()) {
    examples.lists.persons.push_back(person);
  }
  for (const adapters::Json& envelope : examples.scenario.requests) {
    examples.requests.push_back(*parse_request(envelope, codes));
  }
  return examples;
}

std::string cancel_msgid(size_t i) { return "H3101040000120260316100000000" + std::to_string(i); }

TEST(Simulator, AuditorAgreesWithItsOracleOnTheWorkedExamples) {
  const Examples examples = load_examples();
  const clearing::CodeTables& codes = examples.scenario.reference.codes;
  Mismatches mismatches;
  Auditor auditor(examples.scenario.reference, examples.lists, mismatches);
  std::vector<std::string> setl_ids;
  for (const clearing::Request& request : examples.requests) {
    const clearing::Decision decision = auditor.decide(request);
    ASSERT_TRUE(decision.accepted()) << decision.rejection.message;
    setl_ids.push_back(decision.result.setl_id);
  }
  for (size_t i = 0; i < examples.requests.size(); ++i) {
    const auto cancel = parse_request(
        testing::cancel_of(examples.scenario.requests[i], setl_ids[i], cancel_msgid(i)), codes);
    ASSERT_TRUE(auditor.decide(*cancel).accepted());
    EXPECT_TRUE(auditor.decide(*cancel).replayed);  // a retry: the same answer, nothing again
  }
  // The reversal of the cancel of example E: its settlement again (the oracle's reinstate).
  const size_t e = 6;
  const auto cancel_e =
      testing::cancel_of(examples.scenario.requests[e], setl_ids[e], cancel_msgid(e));
  const auto reversal =
      parse_request(testing::reversal_of(cancel_e, "H31010400001202603161200000001"), codes);
  const clearing::Decision reinstated = auditor.decide(*reversal);
  EXPECT_EQ(mismatches.count, 0u) << (mismatches.reasons.empty() ? "" : mismatches.reasons[0]);
  EXPECT_TRUE(reinstated.accepted()) << reinstated.rejection.message;
  // Settlements, cancels and the reversal: what the ledgers must hold, retries not repeated.
  EXPECT_EQ(auditor.answers().size(), 2 * examples.requests.size() + 1);
  EXPECT_EQ(auditor.not_the_oracles(), 0u);
}

TEST(Simulator, AuditorSkipsWhatIsRefusedBeforeTheDomain) {
  const Examples examples = load_examples();
  Mismatches mismatches;
  Auditor auditor(examples.scenario.reference, examples.lists, mismatches);
  ASSERT_TRUE(auditor.decide(examples.requests[0]).accepted());
  clearing::Request reused = examples.requests[1];  // another claim under the first one's msgid
  reused.envelope.msgid = examples.requests[0].envelope.msgid;
  const clearing::Decision decision = auditor.decide(reused);
  EXPECT_EQ(decision.rejection.reason, clearing::Reject::kMsgidReusedWithDifferentPayload);
  EXPECT_EQ(auditor.not_the_oracles(), 1u);
  EXPECT_EQ(mismatches.count, 0u) << (mismatches.reasons.empty() ? "" : mismatches.reasons[0]);
  EXPECT_EQ(auditor.answers().size(), 1u);
}

TEST(Simulator, AuditorRecordsWhereTheOracleDisagrees) {
  // The oracle's persons hold one fen more in their personal account than the engine's: every
  // answer's balc then differs, and each is a mismatch naming the request and the field.
  Examples examples = load_examples();
  for (clearing::Person& person : examples.lists.persons) {
    person.account_balance = person.account_balance + clearing::Money::from_fen(1);
  }
  Mismatches mismatches;
  Auditor auditor(examples.scenario.reference, examples.lists, mismatches);
  for (const clearing::Request& request : examples.requests) auditor.decide(request);
  ASSERT_EQ(mismatches.count, examples.requests.size());
  const std::string& first = mismatches.reasons[0];
  EXPECT_EQ(first.find("oracle on " + examples.requests[0].envelope.msgid), 0u) << first;
  EXPECT_NE(first.find("): balc engine 0.00 oracle 0.01; "), std::string::npos) << first;
  EXPECT_EQ(first.find("hifp_pay"), std::string::npos) << first;  // only what differs
}

TEST(Simulator, OracleDifferencesNameTheFieldThatDiffers) {
  const Examples examples = load_examples();
  Mismatches mismatches;
  Auditor auditor(examples.scenario.reference, examples.lists, mismatches);
  oracle::Model model(examples.lists);
  const clearing::Request& request = examples.requests[3];
  const clearing::Decision decision = auditor.decide(request);
  const oracle::Expected expected = model.settle(request);
  ASSERT_EQ(oracle_differences(decision, expected), "");

  oracle::Expected hifp = expected;
  hifp.hifp_pay = hifp.hifp_pay + clearing::Money::from_fen(1);
  EXPECT_EQ(oracle_differences(decision, hifp), "hifp_pay engine " + expected.hifp_pay.to_string() +
                                                    " oracle " + hifp.hifp_pay.to_string() + "; ");

  oracle::Expected detail = expected;
  ASSERT_FALSE(detail.setldetail.empty());
  detail.setldetail[0].fund_payamt = clearing::Money();
  EXPECT_NE(oracle_differences(decision, detail).find("setldetail[0].fund_payamt engine "),
            std::string::npos);

  oracle::Expected moved = expected;
  moved.moved.pool_paid = clearing::Money();
  EXPECT_NE(oracle_differences(decision, moved).find("delta.pool_paid engine "), std::string::npos);

  oracle::Expected refused;
  refused.refusal = "no_valid_filing";
  EXPECT_EQ(oracle_differences(decision, refused),
            "verdict engine accepted oracle no_valid_filing; ");
}

}  // namespace
}  // namespace medclear::simulator
