// Bad input at the national interface: each malformed or invalid request gives its err_code,
// names the field, and leaves the state exactly as it was.
#include "adapters/nhsa.h"

#include <gtest/gtest.h>

#include <iostream>
#include <random>

#include "tests/support/nation.h"
#include "tests/support/scenario.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

struct BadInput {
  const char* name;
  std::function<void(adapters::Json&)> mutate;
  const char* err_code;
  const char* mentions;  // the field the message must name
};

const std::vector<BadInput>& bad_inputs() {
  static const std::vector<BadInput> cases = {
      {"unknown infno", [](auto& j) { set_string(j, "infno", "9999"); }, "unknown_transaction",
       "infno"},
      {"no infno", [](auto& j) { remove_member(j, "infno"); }, "unknown_transaction", "infno"},
      {"short msgid", [](auto& j) { set_string(j, "msgid", "H3101040000120260315"); },
       "invalid_msgid", "msgid"},
      {"msgid bad time", [](auto& j) { set_string(j, "msgid", "H31010400001202613151000000001"); },
       "invalid_msgid", "msgid"},
      {"no msgid", [](auto& j) { remove_member(j, "msgid"); }, "invalid_msgid", "msgid"},
      {"bad inf_time", [](auto& j) { set_string(j, "inf_time", "2026-02-30 10:00:00"); },
       "malformed_message", "inf_time"},
      {"bad fee time", [](auto& j) { set_string(line_of(j, 0), "fee_ocur_time", "2026/03/14"); },
       "malformed_message", "fee_ocur_time"},
      {"admdvs letters", [](auto& j) { set_string(j, "mdtrtarea_admvs", "31A104"); },
       "malformed_message", "mdtrtarea_admvs"},
      {"fixmedins length", [](auto& j) { set_string(j, "fixmedins_code", "H310104"); },
       "malformed_message", "fixmedins_code"},
      {"input not object", [](auto& j) { set_string(j, "input", "x"); }, "malformed_message",
       "input"},
      {"feedetail not array", [](auto& j) { set_string(member(j, "input"), "feedetail", "x"); },
       "malformed_message", "feedetail"},
      {"psn_no too long", [](auto& j) { set_string(data_of(j), "psn_no", std::string(31, '1')); },
       "malformed_message", "psn_no"},
      {"no psn_no", [](auto& j) { remove_member(data_of(j), "psn_no"); }, "missing_field",
       "psn_no"},
      {"empty mdtrt_id", [](auto& j) { set_string(data_of(j), "mdtrt_id", ""); }, "missing_field",
       "mdtrt_id"},
      {"no certno", [](auto& j) { remove_member(data_of(j), "certno"); }, "missing_field",
       "certno"},
      {"no psn_name", [](auto& j) { remove_member(data_of(j), "psn_name"); }, "missing_field",
       "psn_name"},
      {"no psn_cert_type", [](auto& j) { remove_member(data_of(j), "psn_cert_type"); },
       "missing_field", "psn_cert_type"},
      {"no psn_type", [](auto& j) { remove_member(data_of(j), "psn_type"); }, "missing_field",
       "psn_type"},
      {"no lines", [](auto& j) { member(member(j, "input"), "feedetail").items.clear(); },
       "missing_field", "feedetail"},
      {"no line amount", [](auto& j) { remove_member(line_of(j, 0), "det_item_fee_sumamt"); },
       "missing_field", "det_item_fee_sumamt"},
      {"three decimals", [](auto& j) { set_number(data_of(j), "medfee_sumamt", "50000.001"); },
       "invalid_amount", "medfee_sumamt"},
      {"exponent", [](auto& j) { set_number(data_of(j), "medfee_sumamt", "5e4"); },
       "invalid_amount", "medfee_sumamt"},
      {"negative", [](auto& j) { set_number(line_of(j, 0), "det_item_fee_sumamt", "-3000"); },
       "invalid_amount", "det_item_fee_sumamt"},
      {"overflow", [](auto& j) { set_number(data_of(j), "medfee_sumamt", "123456789012345678"); },
       "invalid_amount", "medfee_sumamt"},
      {"above claim max", [](auto& j) { set_number(data_of(j), "medfee_sumamt", "1000000000.01"); },
       "invalid_amount", "medfee_sumamt"},
      {"huge price x cnt",
       [](auto& j) {
         set_number(line_of(j, 0), "pric", "9999999999.999999");
         set_number(line_of(j, 0), "cnt", "999999999999.9999");
       },
       "amount_mismatch", "det_item_fee_sumamt"},
      {"amount text", [](auto& j) { set_string(data_of(j), "medfee_sumamt", "fifty"); },
       "invalid_amount", "medfee_sumamt"},
      {"price 7 decimals", [](auto& j) { set_number(line_of(j, 0), "pric", "3000.0000001"); },
       "invalid_amount", "pric"},
      {"unknown med_type", [](auto& j) { set_string(data_of(j), "med_type", "77"); },
       "unknown_code", "med_type"},
      {"unknown insutype", [](auto& j) { set_string(data_of(j), "insutype", "999"); },
       "unknown_code", "insutype"},
      {"unknown psn_type", [](auto& j) { set_string(data_of(j), "psn_type", "99"); },
       "unknown_code", "psn_type"},
      {"bad approval", [](auto& j) { set_string(line_of(j, 0), "hosp_appr_flag", "3"); },
       "unknown_code", "hosp_appr_flag"},
      {"bad acct flag", [](auto& j) { set_string(data_of(j), "acct_used_flag", "2"); },
       "unknown_code", "acct_used_flag"},
      // Several faults: the contract's precedence decides.
      {"msgid and amount",
       [](auto& j) {
         set_string(j, "msgid", "x");
         set_number(data_of(j), "medfee_sumamt", "1e3");
       },
       "invalid_msgid", "msgid"},
      {"missing and code",
       [](auto& j) {
         remove_member(data_of(j), "psn_no");
         set_string(data_of(j), "med_type", "77");
       },
       "missing_field", "psn_no"},
  };
  return cases;
}

TEST(NhsaBadInput, EachGivesItsCodeNamesTheFieldAndChangesNothing) {
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  ASSERT_TRUE(submit(engine, state, scenario.requests[4]).accepted());  // some state to keep
  const auto accumulators = state.all_accumulators();
  for (const BadInput& c : bad_inputs()) {
    adapters::Json envelope = scenario.requests[0];
    c.mutate(envelope);
    const Outcome outcome = submit(engine, state, envelope);
    EXPECT_EQ(outcome.err_code(), c.err_code) << c.name << ": " << outcome.rejection.message;
    EXPECT_NE(outcome.rejection.message.find(c.mentions), std::string::npos)
        << c.name << ": " << outcome.rejection.message;
    EXPECT_EQ(state.size(), 1u) << c.name;
    EXPECT_EQ(state.all_accumulators(), accumulators) << c.name;
  }
}

TEST(NhsaBadInput, NotJsonIsMalformed) {
  const clearing::CodeTables codes;
  for (const char* body :
       {"", "{", "[1,2]", "\"text\"", "{\"infno\":\"2207\",\"infno\":\"2207\"}"}) {
    const adapters::NhsaParse parse = adapters::parse_nhsa_request(body, codes);
    EXPECT_FALSE(parse.request) << body;
    EXPECT_EQ(parse.rejection.reason, clearing::Reject::kMalformedMessage) << body;
  }
}

TEST(Nhsa, AmountsAsStringsOrNumbersAreTheSamePayload) {
  const adapters::Scenario scenario = worked_examples();
  adapters::Json as_numbers = scenario.requests[0];
  adapters::Json as_strings = scenario.requests[0];
  set_string(data_of(as_strings), "medfee_sumamt", "50000.00");
  set_string(line_of(as_strings, 0), "det_item_fee_sumamt", "3000.0");
  const auto a = adapters::parse_nhsa_request(to_text(as_numbers), scenario.reference.codes);
  const auto b = adapters::parse_nhsa_request(to_text(as_strings), scenario.reference.codes);
  ASSERT_TRUE(a.request && b.request);
  EXPECT_EQ(a.request->fingerprint, b.request->fingerprint);
  set_string(data_of(as_strings), "mdtrt_id", "OTHER");
  const auto c = adapters::parse_nhsa_request(to_text(as_strings), scenario.reference.codes);
  EXPECT_NE(a.request->fingerprint, c.request->fingerprint);
}

// The digest stored ledgers and retries compare: it must not change with the parser.
TEST(Nhsa, FingerprintsAreThoseLedgersHold) {
  const adapters::Scenario scenario = worked_examples();
  const std::vector<std::string> expected = {
      "29a17b0882758e5690e8dba4b78985fc85ea56bf4ec735b0da9d9ede3f10698f",
      "41e4d4bdf5e8d8a84ca7ad6f6f9d618d79c9fae97374780ea8f7316bda9015da",
      "46b4659470e2c50d301f932e3747664e755fc126e4b1f0edd7134cd7b425b68c",
      "e9ec9ec3b972b9cbd7c1e2940981af0e7f8f5bfe623ed24bb049ec141120f62a",
      "fdc49a6adbe157b89a6a597a490dfd5608cf4ed254a6a529581592d131853236",
      "f3dfd0cdd1ff9f718ad9decd198bf7a58b2498ea676312ba3a41ba582f6a5b12",
      "be40622b8710393da06ab2f12a95560ae789cdf2b877046ced23ab528ee02b23"};
  ASSERT_EQ(scenario.requests.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto parse =
        adapters::parse_nhsa_request(to_text(scenario.requests[i]), scenario.reference.codes);
    ASSERT_TRUE(parse.request) << i << ": " << parse.rejection.message;
    EXPECT_EQ(parse.request->fingerprint, expected[i]) << i;
  }
}

// The body's text (the flat JsonDoc, as the gateway reads it) and the same envelope as a tree
// (scenario files) give one answer: the same request and fingerprint, or the same rejection.
void expect_same_answer(const std::string& body, const clearing::CodeTables& codes) {
  const auto from_text = adapters::parse_nhsa_request(body, codes);
  const Result<adapters::Json> tree = adapters::parse_json(body);
  ASSERT_TRUE(tree.is_ok()) << body;
  const auto from_tree = adapters::parse_nhsa_request(*tree, codes);
  ASSERT_EQ(from_text.request.has_value(), from_tree.request.has_value()) << body;
  EXPECT_EQ(from_text.msgid, from_tree.msgid);
  EXPECT_EQ(from_text.mdtrtarea_admvs, from_tree.mdtrtarea_admvs);
  if (from_text.request) {
    EXPECT_EQ(from_text.request->fingerprint, from_tree.request->fingerprint) << body;
    EXPECT_EQ(adapters::build_nhsa_request(*from_text.request),
              adapters::build_nhsa_request(*from_tree.request));
  } else {
    EXPECT_EQ(from_text.rejection.reason, from_tree.rejection.reason) << body;
    EXPECT_EQ(from_text.rejection.message, from_tree.rejection.message) << body;
  }
}

TEST(Nhsa, TextAndTreeGiveTheSameAnswer) {
  const adapters::Scenario scenario = worked_examples();
  const auto& codes = scenario.reference.codes;
  for (const adapters::Json& request : scenario.requests)
    expect_same_answer(to_text(request), codes);
  for (const BadInput& c : bad_inputs()) {
    adapters::Json envelope = scenario.requests[0];
    c.mutate(envelope);
    expect_same_answer(to_text(envelope), codes);
  }
}

// Number forms in a money field read exactly as before: the text decides, never a double.
TEST(Nhsa, MoneyNumberFormsAnswerAsBefore) {
  const adapters::Scenario scenario = worked_examples();
  const auto& codes = scenario.reference.codes;
  // Each form's answer as the parser before the flat JsonDoc gave it: fen, or code and message.
  const std::vector<std::pair<std::string, std::string>> forms = {
      {"50000", "5000000"},
      {"50000.00", "5000000"},
      {"\"50000.0\"", "5000000"},
      {"\"\\u00350000.00\"", "5000000"},
      {"5e4", "invalid_amount input.data.medfee_sumamt \"5e4\": exponent notation is not allowed"},
      {"5E+4",
       "invalid_amount input.data.medfee_sumamt \"5E+4\": exponent notation is not allowed"},
      {"50000.005", "invalid_amount input.data.medfee_sumamt \"50000.005\": too many decimals"},
      {"1.005", "invalid_amount input.data.medfee_sumamt \"1.005\": too many decimals"},
      {"-0", "0"},
      {"-0.0", "0"},
      {"-50000", "invalid_amount input.data.medfee_sumamt \"-50000\": must not be negative"},
      {"123456789012345678901234567890",
       "invalid_amount input.data.medfee_sumamt \"123456789012345678901234567890\": more digits "
       "than numeric(16, scale) holds"}};
  for (const auto& [text, answer] : forms) {
    adapters::Json envelope = scenario.requests[0];
    set_string(data_of(envelope), "medfee_sumamt", "@");
    std::string body = to_text(envelope);
    body.replace(body.find("\"@\""), 3, text);
    expect_same_answer(body, codes);
    const auto parse = adapters::parse_nhsa_request(body, codes);
    const std::string got =
        parse.request
            ? std::to_string(
                  std::get<clearing::SettlementInput>(parse.request->input).medfee_sumamt.fen())
            : std::string(clearing::name(parse.rejection.reason)) + " " + parse.rejection.message;
    EXPECT_EQ(got, answer) << text;
  }
}

TEST(Nhsa, LocalCodesAreAccepted) {
  adapters::Scenario scenario = worked_examples();
  adapters::Json envelope = scenario.requests[0];
  set_string(data_of(envelope), "med_type", "2101");
  EXPECT_FALSE(adapters::parse_nhsa_request(to_text(envelope), scenario.reference.codes).request);
  scenario.reference.codes.add_local_med_type("2101");
  EXPECT_TRUE(adapters::parse_nhsa_request(to_text(envelope), scenario.reference.codes).request);
}

TEST(Nhsa, RejectionEnvelope) {
  const adapters::ResponseStamp stamp = adapters::stamp_now("310104", 42);
  const std::string text = adapters::build_nhsa_rejection(
      stamp, "H31010400001202603151000000001", {clearing::Reject::kNoValidFiling, "no filing"});
  const Result<adapters::Json> parse = adapters::parse_json(text);
  ASSERT_TRUE(parse.is_ok());
  EXPECT_EQ(parse->find("infcode")->text, "-1");
  EXPECT_EQ(parse->find("err_code")->text, "no_valid_filing");
  EXPECT_EQ(parse->find("err_msg")->text, "no filing");
  const std::string& ref = parse->find("inf_refmsgid")->text;
  EXPECT_EQ(ref.size(), 30u);
  EXPECT_EQ(ref.substr(0, 6), "310104");
  EXPECT_EQ(ref.substr(20), "0000000042");
  EXPECT_EQ(parse->find("respond_time")->text.size(), 17u);
}

// What a hospital reads back: parse_nhsa_answer gives every setlinfo amount to the fen, for
// random amounts of either sign, and a rejection's err_code; anything else is not an answer.
TEST(Nhsa, AnswersParseBackToTheirAmounts) {
  std::mt19937_64 random(test_seed("Nhsa.AnswersParseBackToTheirAmounts"));
  const adapters::ResponseStamp stamp = adapters::stamp_now("310104", 7);
  for (int i = 0; i < 300; ++i) {
    clearing::Decision decision;
    clearing::SettlementRecord& r = decision.result;
    r.setl_id = "310000202603150000000" + std::to_string(100 + i);
    r.mdtrt_id = "MD" + std::to_string(i);
    r.psn_no = "31000000000000000042";
    r.msgid = "H31010400001202603151000000" + std::to_string(100 + i);
    r.insuplc_admdvs = "310104";
    r.med_type = "11";
    clearing::SettlementAmounts& a = r.amounts;
    std::vector<clearing::Money*> fields = {
        &a.medfee_sumamt,  &a.fulamt_ownpay_amt, &a.overlmt_selfpay,
        &a.preselfpay_amt, &a.inscp_scp_amt,     &a.act_pay_dedc,
        &a.hifp_pay,       &a.cvlserv_pay,       &a.hifes_pay,
        &a.hifmi_pay,      &a.hifob_pay,         &a.maf_pay,
        &a.hosp_part_amt,  &a.oth_pay,           &a.fund_pay_sumamt,
        &a.psn_part_amt,   &a.acct_pay,          &a.psn_cash_pay,
        &a.balc,           &a.acct_mulaid_pay};
    const int64_t sign = i % 3 == 0 ? -1 : 1;  // a cancel's amounts are negative
    for (clearing::Money* m : fields) {
      *m = clearing::Money::from_fen(sign * static_cast<int64_t>(random() % 100'000'000));
    }
    const std::optional<adapters::NhsaAnswer> answer =
        adapters::parse_nhsa_answer(adapters::build_nhsa_response(stamp, r.msgid, decision));
    ASSERT_TRUE(answer.has_value());
    ASSERT_TRUE(answer->accepted);
    ASSERT_TRUE(answer->record.has_value());
    EXPECT_EQ(answer->record->setl_id, r.setl_id);
    EXPECT_EQ(answer->record->msgid, r.msgid);
    const clearing::SettlementAmounts& b = answer->record->amounts;
    const std::vector<const clearing::Money*> back = {
        &b.medfee_sumamt,  &b.fulamt_ownpay_amt, &b.overlmt_selfpay,
        &b.preselfpay_amt, &b.inscp_scp_amt,     &b.act_pay_dedc,
        &b.hifp_pay,       &b.cvlserv_pay,       &b.hifes_pay,
        &b.hifmi_pay,      &b.hifob_pay,         &b.maf_pay,
        &b.hosp_part_amt,  &b.oth_pay,           &b.fund_pay_sumamt,
        &b.psn_part_amt,   &b.acct_pay,          &b.psn_cash_pay,
        &b.balc,           &b.acct_mulaid_pay};
    for (size_t f = 0; f < fields.size(); ++f) EXPECT_EQ(*back[f], *fields[f]) << "field " << f;
  }
  const std::optional<adapters::NhsaAnswer> refused = adapters::parse_nhsa_answer(
      adapters::build_nhsa_rejection(stamp, "H1", {clearing::Reject::kNoValidFiling, "no filing"}));
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->accepted);
  EXPECT_EQ(refused->err_code, "no_valid_filing");
  EXPECT_EQ(refused->err_msg, "no filing");
  EXPECT_FALSE(refused->record.has_value());
  for (const char* text :
       {"", "[]", "{}", "{\"infcode\":0,\"err_code\":\"\"}",
        "{\"infcode\":0,\"err_code\":\"\",\"output\":{\"setlinfo\":{\"hifp_pay\":1.005}}}"}) {
    EXPECT_FALSE(adapters::parse_nhsa_answer(text).has_value()) << text;
  }
}

// build_nhsa_request is the inverse of parsing: every worked example and 2,000 random claims
// come back with the same fingerprint (the digest of the parsed meaning) and the same amounts.
TEST(Nhsa, BuiltRequestsParseBackToTheSameRequest) {
  const adapters::Scenario scenario = worked_examples();
  const clearing::CodeTables& codes = scenario.reference.codes;
  std::vector<clearing::Request> requests;
  for (const adapters::Json& envelope : scenario.requests) {
    adapters::NhsaParse parse = adapters::parse_nhsa_request(to_text(envelope), codes);
    if (parse.request) requests.push_back(*parse.request);
  }
  ASSERT_GE(requests.size(), 5u);
  std::mt19937_64 random(test_seed("Nhsa.BuiltRequestsParseBackToTheSameRequest"));
  const clearing::ReferenceData nation = make_nation({"110000", "310000"}, 100);
  for (int i = 0; i < 2000; ++i) {
    // A synthetic claim gets its fingerprint from its first parse.
    const std::string first = adapters::build_nhsa_request(
        make_claim(random, "310000", "110000", 100, static_cast<uint64_t>(i)));
    const adapters::NhsaParse parse = adapters::parse_nhsa_request(first, nation.codes);
    ASSERT_TRUE(parse.request.has_value()) << parse.rejection.message << "\n" << first;
    requests.push_back(*parse.request);
  }
  for (const clearing::Request& request : requests) {
    const std::string built = adapters::build_nhsa_request(request);
    const adapters::NhsaParse again = adapters::parse_nhsa_request(built, nation.codes);
    ASSERT_TRUE(again.request.has_value()) << again.rejection.message << "\n" << built;
    EXPECT_EQ(again.request->fingerprint, request.fingerprint) << built;
    EXPECT_EQ(adapters::build_nhsa_request(*again.request), built);
  }
}

}  // namespace
}  // namespace medclear::testing
