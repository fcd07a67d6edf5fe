// Province dialects (adapters/dialect.h, DIALECT.md): the example Guangdong dialect turns its
// variant of worked example A into the national request (the same fingerprint, so the same
// settlement); a request naming a field both ways is refused; a bad dialect file is refused with
// its key path.
#include "adapters/dialect.h"

#include <gtest/gtest.h>

#include "adapters/nhsa.h"
#include "tests/support/scenario.h"

namespace medclear::adapters {
namespace {

using testing::data_of;
using testing::line_of;
using testing::member;
using testing::remove_member;

Dialect guangdong() {
  Result<Dialect> dialect = Dialect::load(testing::source_path("ops/dialects/440000.json"));
  if (!dialect.is_ok()) throw std::runtime_error(dialect.status().message());
  return std::move(*dialect);
}

// Renames member `from` of `object` to `to`, keeping its place.
void rename_member(Json& object, const std::string& from, const std::string& to) {
  for (auto& [name, value] : object.members) {
    if (name == from) name = to;
  }
}

// Worked example A as a hospital on Guangdong's variant sends it: local field names, the local
// insutype 391, no psn_setlway, acct_used_flag or hosp_appr_flag.
Json guangdong_variant(const Json& national) {
  Json local = national;
  Json& data = data_of(local);
  rename_member(data, "insutype", "insu_type");
  testing::set_string(data, "insu_type", "391");
  rename_member(data, "mdtrt_id", "ipt_otp_no");
  remove_member(data, "psn_setlway");
  remove_member(data, "acct_used_flag");
  for (Json& line : member(member(local, "input"), "feedetail").items) {
    rename_member(line, "med_list_codg", "hilist_code");
    remove_member(line, "hosp_appr_flag");
  }
  return local;
}

TEST(Dialect, TheGuangdongVariantIsTheNationalRequest) {
  const Scenario scenario = testing::worked_examples();
  const Json& national = scenario.requests.at(0);
  const Json local = guangdong_variant(national);
  const NhsaParse refused = parse_nhsa_request(testing::to_text(local), scenario.reference.codes);
  ASSERT_FALSE(refused.request) << "the variant must not pass as national by itself";
  const Result<std::string> mapped = guangdong().to_national(testing::to_text(local), {});
  ASSERT_TRUE(mapped.is_ok()) << mapped.status().message();
  const NhsaParse from_dialect = parse_nhsa_request(*mapped, scenario.reference.codes);
  const NhsaParse from_national =
      parse_nhsa_request(testing::to_text(national), scenario.reference.codes);
  ASSERT_TRUE(from_dialect.request) << from_dialect.rejection.message;
  ASSERT_TRUE(from_national.request);
  EXPECT_EQ(from_dialect.request->fingerprint, from_national.request->fingerprint);
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState a;
  clearing::MemoryState b;
  const clearing::Decision one = engine.decide(*from_dialect.request, a);
  const clearing::Decision two = engine.decide(*from_national.request, b);
  ASSERT_TRUE(one.accepted() && two.accepted());
  EXPECT_EQ(one.result.amounts.fund_pay_sumamt, two.result.amounts.fund_pay_sumamt);
  EXPECT_EQ(one.result.amounts.psn_cash_pay, two.result.amounts.psn_cash_pay);
}

TEST(Dialect, NationalRequestsPassUnchangedInMeaning) {
  const Scenario scenario = testing::worked_examples();
  for (const Json& request : scenario.requests) {
    const std::string text = testing::to_text(request);
    const Result<std::string> mapped = guangdong().to_national(text, {});
    ASSERT_TRUE(mapped.is_ok());
    const NhsaParse before = parse_nhsa_request(text, scenario.reference.codes);
    const NhsaParse after = parse_nhsa_request(*mapped, scenario.reference.codes);
    ASSERT_EQ(before.request.has_value(), after.request.has_value());
    if (before.request) {
      EXPECT_EQ(before.request->fingerprint, after.request->fingerprint);
    }
  }
}

TEST(Dialect, AFieldNamedBothWaysIsRefusedAndNumbersAreMapped) {
  Json local = guangdong_variant(testing::worked_examples().requests.at(0));
  testing::set_string(data_of(local), "insutype", "390");
  const Result<std::string> both = guangdong().to_national(testing::to_text(local), {});
  ASSERT_FALSE(both.is_ok());
  EXPECT_NE(both.status().message().find("input.data.insu_type and input.data.insutype"),
            std::string::npos)
      << both.status().message();
  remove_member(data_of(local), "insutype");
  testing::set_number(data_of(local), "insu_type", "391");  // some systems send codes as numbers
  const Result<std::string> mapped = guangdong().to_national(testing::to_text(local), {});
  ASSERT_TRUE(mapped.is_ok());
  EXPECT_NE(mapped->find("\"insutype\":\"390\""), std::string::npos) << *mapped;
  EXPECT_FALSE(guangdong().to_national("[1]", {}).is_ok());
  EXPECT_FALSE(guangdong().to_national("{\"a\":", {}).is_ok());
}

TEST(Dialect, DefaultsFillEveryFeeLineButNeverOverwrite) {
  Json local = guangdong_variant(testing::worked_examples().requests.at(0));
  testing::set_string(line_of(local, 2), "hosp_appr_flag", "1");
  Result<Json> mapped = parse_json(*guangdong().to_national(testing::to_text(local), {}));
  ASSERT_TRUE(mapped.is_ok());
  const Json& lines = *mapped->find("input")->find("feedetail");
  ASSERT_EQ(lines.items.size(), 4u);
  for (size_t i = 0; i < lines.items.size(); ++i) {
    EXPECT_EQ(lines.items[i].find("hosp_appr_flag")->text, i == 2 ? "1" : "0");
    EXPECT_NE(lines.items[i].find("med_list_codg"), nullptr);
  }
}

struct BadFile {
  std::string members;  // after "format" and "province"
  std::string named;
};

TEST(Dialect, ABadFileIsRefusedWithItsKeyPath) {
  const std::string head = R"({"format":"medclear.dialect.v1","province":"440000")";
  const std::vector<BadFile> cases = {
      {R"(,"renames":{})", "F: unknown key renames"},
      {R"(,"rename":{"input..x":"y"})", R"(F: rename["input..x"]: not a field path)"},
      {R"(,"rename":{"input.data[]":"y"})", R"(F: rename["input.data[]"]: not a field path)"},
      {R"(,"rename":{"input.data.a":7})", R"(F: rename["input.data.a"]: must be the national)"},
      {R"(,"rename":{"input.data.a":"a"})", R"(F: rename["input.data.a"]: must be the national)"},
      {R"(,"rename":{"input.data.a":"c","input.data.b":"c"})",
       R"(F: rename["input.data.b"]: renames into or out of)"},
      {R"(,"codes":{"input.data.insutype":{}})", R"(F: codes["input.data.insutype"]: must be an)"},
      {R"(,"codes":{"input.data.insutype":{"391":390}})",
       R"(F: codes["input.data.insutype"]["391"]: a local code maps)"},
      {R"(,"codes":[])", "F: codes must be an object"},
      {R"(,"defaults":{"input.data.acct_used_flag":0})",
       R"(F: defaults["input.data.acct_used_flag"]: must be a string)"},
      {R"(,"defaults":{"input.data.x y":"0"})", R"(F: defaults["input.data.x y"]: not a field)"},
  };
  for (const BadFile& bad : cases) {
    SCOPED_TRACE(bad.members);
    const Result<Dialect> dialect = Dialect::parse(head + bad.members + "}", "F");
    ASSERT_FALSE(dialect.is_ok());
    EXPECT_NE(dialect.status().message().find(bad.named), std::string::npos)
        << dialect.status().message();
  }
  EXPECT_FALSE(Dialect::parse(R"({"format":"medclear.dialect.v1"})", "F").is_ok());
  EXPECT_FALSE(Dialect::parse(R"({"format":"v2","province":"440000"})", "F").is_ok());
  EXPECT_FALSE(Dialect::parse(R"({"format":"medclear.dialect.v1","province":"44"})", "F").is_ok());
  EXPECT_FALSE(Dialect::load("/nonexistent/dialect.json").is_ok());
}

TEST(Dialect, AHospitalsOwnDialectComesBeforeItsRegions) {
  Dialects dialects;
  auto region = std::make_shared<const Dialect>(guangdong());
  auto hospital = std::make_shared<const Dialect>(guangdong());
  dialects.add("440000", region);
  dialects.add("H44010600001", hospital);
  EXPECT_EQ(dialects.of("H44010600001", "440000"), hospital.get());
  EXPECT_EQ(dialects.of("H44010600002", "440000"), region.get());
  EXPECT_EQ(dialects.of("H31010400001", "310000"), nullptr);
  EXPECT_TRUE(is_dialect_key("440000"));
  EXPECT_TRUE(is_dialect_key("H44010600001"));
  EXPECT_FALSE(is_dialect_key("440100"));
  EXPECT_FALSE(is_dialect_key("44"));
}

}  // namespace
}  // namespace medclear::adapters
