// The hospital's detail reconciliation file (adapters/hospital_recon_tsv.h, HOSPITAL_RECON.md):
// good files round-trip; each fault refuses the whole file and names its line.
#include "adapters/hospital_recon_tsv.h"

#include <gtest/gtest.h>

namespace medclear::adapters {
namespace {

constexpr const char* kSender = "H31010400001";
const std::string kHeader(kHospitalReconHeader);

std::string file_of(const std::vector<std::string>& lines, const char* end = "\n") {
  std::string out = kHeader + end;
  for (const std::string& line : lines) out += line + end;
  return out;
}

const std::string kGood =
    "610100202603150000000001\tH31010400001202603151000000001\t1000.00\t700\t12.5\t0";

TEST(HospitalReconTsv, GoodFilesParseAndWriteBack) {
  const HospitalReconParse parse = parse_hospital_recon_tsv(
      file_of({kGood, "610100202603150000000002\tH31010400001202603151000000002\t-3.00\t0\t0\t1"}),
      kSender);
  ASSERT_TRUE(parse.ok()) << parse.error;
  ASSERT_EQ(parse.lines.size(), 2u);
  EXPECT_EQ(parse.lines[0].setl_id, "610100202603150000000001");
  EXPECT_EQ(parse.lines[0].medfee_sumamt, clearing::Money::from_fen(100000));
  EXPECT_EQ(parse.lines[0].fund_pay_sumamt, clearing::Money::from_fen(70000));
  EXPECT_EQ(parse.lines[0].acct_pay, clearing::Money::from_fen(1250));
  EXPECT_FALSE(parse.lines[0].cancelled);
  EXPECT_TRUE(parse.lines[1].cancelled);
  EXPECT_EQ(parse.lines[1].medfee_sumamt, clearing::Money::from_fen(-300));
  const HospitalReconParse again =
      parse_hospital_recon_tsv(write_hospital_recon_tsv(parse.lines), kSender);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.lines, parse.lines);
  // CRLF line ends, no final line end, and a header alone (a day without settlements).
  EXPECT_TRUE(parse_hospital_recon_tsv(file_of({kGood}, "\r\n"), kSender).ok());
  EXPECT_TRUE(parse_hospital_recon_tsv(kHeader + "\n" + kGood, kSender).ok());
  EXPECT_TRUE(parse_hospital_recon_tsv(kHeader, kSender).ok());
}

TEST(HospitalReconTsv, EachFaultRefusesTheWholeFileNamingItsLine) {
  const std::string other = "610100202603150000000009\tH31010400001202603151000000009\t1\t1\t0\t0";
  const struct {
    std::string text;
    size_t line;
    std::string says;
  } cases[] = {
      {"", 1, "empty"},
      {"\xEF\xBB\xBF" + kHeader + "\n", 1, "header"},
      {"setl_id,msgid\n", 1, "header"},
      {file_of({kGood, "x\ty"}), 3, "2 tab-separated fields"},
      {file_of({kGood, kGood + "\textra"}), 3, "more than 6"},
      {file_of({kGood, ""}) + "\n", 3, "1 tab-separated fields"},
      {file_of({other, kGood, kGood}), 4, "again (first on line 3)"},
      {file_of({"6101\tH31010400002202603151000000001\t1\t1\t0\t0"}), 2, "msgid"},
      {file_of({"6101\tH3101040000120260315100000000\t1\t1\t0\t0"}), 2, "msgid"},
      {file_of({"6101\tH31010400001202603151000000001\t1.001\t1\t0\t0"}), 2, "medfee_sumamt"},
      {file_of({"6101\tH31010400001202603151000000001\t1\t1e3\t0\t0"}), 2, "fund_pay_sumamt"},
      {file_of({"6101\tH31010400001202603151000000001\t1\t1\t\t0"}), 2, "acct_pay is empty"},
      {file_of({"6101\tH31010400001202603151000000001\t1\t1\t0\t2"}), 2, "cancelled"},
      {file_of({"6101\tH31010400001202603151000000001\t1\t1\t0\tyes"}), 2, "cancelled"},
      {file_of({"61 01\tH31010400001202603151000000001\t1\t1\t0\t0"}), 2, "space"},
      {file_of({"6101\tH31010400001202603151000000001\t1\t1\t0\t0\r"}, "\r\n"), 2, "carriage"},
      {file_of({"6101\tH31010400001202603151000000001\t2000000000.00\t1\t0\t0"}), 2,
       "per-claim maximum"},
      {file_of({std::string(31, '6') + "\tH31010400001202603151000000001\t1\t1\t0\t0"}), 2,
       "longer than 30"},
  };
  for (const auto& c : cases) {
    const HospitalReconParse parse = parse_hospital_recon_tsv(c.text, kSender);
    EXPECT_FALSE(parse.ok()) << c.text;
    EXPECT_TRUE(parse.lines.empty()) << c.text;
    EXPECT_EQ(parse.error_line, c.line) << parse.error;
    EXPECT_EQ(parse.error.rfind("line " + std::to_string(c.line) + ": ", 0), 0u) << parse.error;
    EXPECT_NE(parse.error.find(c.says), std::string::npos) << parse.error;
  }
}

}  // namespace
}  // namespace medclear::adapters
