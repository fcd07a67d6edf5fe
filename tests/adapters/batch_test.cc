// Claims files and results files (adapters/batch.h, BATCH.md): a good line becomes the same
// canonical request as the national envelope it stands for; every malformed kind is refused with
// its line number and column; results survive a torn last line.
#include "adapters/batch.h"

#include <gtest/gtest.h>

#include "tests/support/batch_file.h"
#include "tests/support/scenario.h"

namespace medclear::adapters {
namespace {

using testing::example_batch_file;
using testing::example_batch_line;

TEST(BatchFile, AGoodLineIsTheNationalRequestItStandsFor) {
  const BatchFile file = parse_batch_file(example_batch_file(1, 1));
  ASSERT_TRUE(file.faults.empty()) << file.faults.front().message;
  ASSERT_EQ(file.claims.size(), 1u);
  EXPECT_EQ(file.claims[0].line, 2u);
  const Scenario scenario = testing::worked_examples();
  const NhsaParse national =
      parse_nhsa_request(testing::to_text(scenario.requests.at(0)), scenario.reference.codes);
  const NhsaParse batch = parse_nhsa_request(file.claims[0].envelope, scenario.reference.codes);
  ASSERT_TRUE(national.request && batch.request) << batch.rejection.message;
  EXPECT_EQ(batch.request->fingerprint, national.request->fingerprint);
  const auto& claim = std::get<clearing::SettlementInput>(file.claims[0].request.input);
  EXPECT_EQ(claim.medfee_sumamt, clearing::Money::from_fen(5'000'000));
  EXPECT_EQ(claim.lines.at(1).amount, clearing::Money::from_fen(300'000));
  EXPECT_EQ(claim.lines.at(1).cnt.ten_thousandths, 500'000);
}

TEST(BatchFile, CrlfLinesAndNoFinalLineEndAreRead) {
  std::string text = example_batch_file(1, 3);
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 2)) {
    text.insert(at, "\r");
  }
  text.resize(text.size() - 2);  // no final line ending
  const BatchFile file = parse_batch_file(text);
  ASSERT_TRUE(file.faults.empty()) << file.faults.front().message;
  EXPECT_EQ(file.claims.size(), 3u);
  EXPECT_EQ(file.claims[2].line, 4u);
}

// Replaces column `column` (0-based) of a good line.
std::string with_column(size_t column, const std::string& value) {
  std::string line = example_batch_line(1);
  size_t start = 0;
  for (size_t i = 0; i < column; ++i) start = line.find('\t', start) + 1;
  const size_t end = line.find('\t', start);
  return line.replace(start, end == std::string::npos ? std::string::npos : end - start, value);
}

struct Malformed {
  std::string line;   // the file's line 3 (line 2 is good)
  std::string named;  // the fault must contain this
};

TEST(BatchFile, EveryMalformedKindIsNamedWithItsLine) {
  const std::string fee = "1|2026-03-14 09:00:00|XC01|MXC01|3000|1|3000|0";
  const std::vector<Malformed> cases = {
      {example_batch_line(2) + "\textra", "24 columns, the header has 23"},
      {with_column(0, "2305"), "infno \"2305\": a batch line is a settlement"},
      {with_column(1, "H31010400001"), "msgid \"H31010400001\": msgid must be 30 characters"},
      {with_column(1, "H99999999999202603151000000002"), "msgid must begin with the sender's"},
      {with_column(6, "2026-03-15T10:00:00"), "inf_time \"2026-03-15T10:00:00\": not yyyy-MM-dd"},
      {with_column(11, "500,00"), "medfee_sumamt \"500,00\": "},
      {with_column(11, "1e5"), "medfee_sumamt \"1e5\": "},
      {with_column(11, "-5"), "medfee_sumamt \"-5\": "},
      {with_column(11, "1.234"), "medfee_sumamt \"1.234\": "},
      {with_column(16, "yes"), "acct_used_flag \"yes\": must be one of 01"},
      {with_column(17, "2"), "mid_setl_flag \"2\": must be one of 01"},
      {with_column(22, ""), "feedetail is empty"},
      {with_column(22, fee + ";1|2026-03-14|XC01"), "feedetail[1] has 3 fields, not 8"},
      {with_column(22, "1|2026-03-14|XC01|MXC01|3000|1|3000|0"),
       "feedetail[0].fee_ocur_time \"2026-03-14\": not yyyy-MM-dd"},
      {with_column(22, "1|2026-03-14 09:00:00|XC01|MXC01|30x0|1|3000|0"),
       "feedetail[0].det_item_fee_sumamt \"30x0\""},
      {with_column(22, "1|2026-03-14 09:00:00|XC01|MXC01|3000|1.00001|3000|0"),
       "feedetail[0].cnt \"1.00001\""},
      {with_column(22, "1|2026-03-14 09:00:00|XC01|MXC01|3000|1|3000.0000001|0"),
       "feedetail[0].pric \"3000.0000001\""},
      {with_column(22, "1|2026-03-14 09:00:00|XC01|MXC01|3000|1|3000|3"),
       "feedetail[0].hosp_appr_flag \"3\": must be one of 012"},
      {with_column(21, std::string("Pa\x01tient")), "psn_name holds a control character"},
      {with_column(21, std::string("Pa\xfftient")), "a text column is not UTF-8"},
      {"", "an empty line"},
      {example_batch_line(2), "msgid H31010400001202603151000000002 is already on line 2"},
  };
  for (const Malformed& bad : cases) {
    SCOPED_TRACE(bad.line);
    const std::string text = example_batch_file(2, 2) + bad.line + "\n" + example_batch_line(9);
    const BatchFile file = parse_batch_file(text);
    ASSERT_EQ(file.faults.size(), 1u);
    EXPECT_EQ(file.faults[0].line, 3u);
    EXPECT_NE(file.faults[0].message.find(bad.named), std::string::npos) << file.faults[0].message;
  }
}

TEST(BatchFile, HeaderAndEmptyFilesAreRefusedAtLineOne) {
  for (const std::string& text :
       {std::string(), std::string("msgid\tpsn_no\n") + example_batch_line(1),
        example_batch_line(1) + "\n", std::string(batch_claims_header()) + "\n"}) {
    const BatchFile file = parse_batch_file(text);
    ASSERT_EQ(file.faults.size(), 1u) << text;
    EXPECT_EQ(file.faults[0].line, 1u);
  }
}

TEST(BatchFile, FaultsAreCollectedUpToTheLimit) {
  std::string text = example_batch_file(1, 1);
  for (int i = 0; i < 30; ++i) text += with_column(11, "x") + "\n";
  const BatchFile file = parse_batch_file(text, 5);
  ASSERT_EQ(file.faults.size(), 5u);
  EXPECT_EQ(file.faults[4].line, 7u);
}

TEST(BatchResults, LinesReadBackAndATornLastLineIsNotCounted) {
  BatchResult settled{2,        "H31010400001202603151000000001",
                      true,     "S1",
                      "",       "500.00",
                      "300.00", "200.00",
                      "0.00",   "200.00",
                      ""};
  BatchResult refused;
  refused.line = 3;
  refused.msgid = "H31010400001202603151000000002";
  refused.err_code = "person_not_found";
  refused.err_msg = "no such\tperson\n";
  const std::string whole = std::string(batch_results_header()) + "\n" +
                            format_batch_result(settled) + format_batch_result(refused);
  const std::string torn = whole + format_batch_result(settled).substr(0, 20);
  const Result<BatchResults> read = read_batch_results(torn);
  ASSERT_TRUE(read.is_ok()) << read.status().message();
  EXPECT_EQ(read->complete_bytes, whole.size());
  ASSERT_EQ(read->results.size(), 2u);
  EXPECT_TRUE(read->results[0].settled);
  EXPECT_EQ(read->results[0].setl_id, "S1");
  EXPECT_EQ(read->results[0].fund_pay_sumamt, "300.00");
  EXPECT_FALSE(read->results[1].settled);
  EXPECT_EQ(read->results[1].err_code, "person_not_found");
  EXPECT_EQ(read->results[1].err_msg, "no such person ");
  EXPECT_EQ(read_batch_results("")->complete_bytes, 0u);
  EXPECT_EQ(read_batch_results("line\tmsg")->complete_bytes, 0u);  // a torn header
}

TEST(BatchResults, AFileOfSomethingElseIsRefusedWithItsLine) {
  const std::string header = std::string(batch_results_header()) + "\n";
  EXPECT_NE(read_batch_results("hello\n").status().message().find("line 1"), std::string::npos);
  EXPECT_NE(read_batch_results(header + "2\tM\tsettled\n").status().message().find("line 2"),
            std::string::npos);
  EXPECT_NE(read_batch_results(header + "2\tM\tmaybe\t\t\t\t\t\t\t\t\n")
                .status()
                .message()
                .find("outcome"),
            std::string::npos);
}

}  // namespace
}  // namespace medclear::adapters
