// Reference-data files are loaded strictly: each fault is refused with the path of its key.
#include "adapters/reference_json.h"

#include <gtest/gtest.h>

#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

std::string load_error(const std::string& document) {
  const Result<adapters::Scenario> load = adapters::load_scenario(document);
  return load.is_ok() ? "" : load.status().message();
}

std::string with_policy_edit(const std::function<void(adapters::Json&)>& edit) {
  Result<adapters::Json> parse =
      adapters::parse_json(read_file(source_path("tests/scenarios/worked_examples.json")));
  adapters::Json& policy = member(*parse, "policies").items.at(0);
  edit(policy);
  return to_text(*parse);
}

TEST(ReferenceJson, WorkedExamplesLoad) {
  EXPECT_EQ(load_error(read_file(source_path("tests/scenarios/worked_examples.json"))), "");
}

TEST(ReferenceJson, FaultsNameTheirPath) {
  struct Case {
    std::function<void(adapters::Json&)> edit;
    const char* path;
  };
  const std::vector<Case> cases = {
      {[](auto& p) { set_number(p, "bogus", "1"); }, "policies[0].bogus: unknown key"},
      {[](auto& p) { set_string(p, "format", "v2"); }, "policies[0].format"},
      {[](auto& p) { set_string(p, "admdvs", "61"); }, "policies[0].admdvs"},
      {[](auto& p) { set_string(p, "effective_from", "2026-13-01"); },
       "policies[0].effective_from"},
      {[](auto& p) { set_string(member(member(p, "inpatient"), "ratio"), "3", "1.5"); },
       "policies[0].inpatient.ratio.3"},
      {[](auto& p) { remove_member(member(member(p, "inpatient"), "ratio"), "2"); },
       "policies[0].inpatient.ratio.2: is missing"},
      {[](auto& p) { set_string(p, "pool_annual_limit", "1.234"); },
       "policies[0].pool_annual_limit"},
      {[](auto& p) {
         set_string(member(member(p, "layer"), "bands").items.at(1), "upto", "20000.00");
       },
       "policies[0].layer.bands[1].upto"},
      {[](auto& p) { set_string(p, "unfiled", "pay"); }, "policies[0].unfiled"},
      {[](auto& p) { set_string(member(p, "filing_cut"), "other", "0.1"); },
       "policies[0].filing_cut.other: unknown key"},
  };
  for (const Case& c : cases) {
    const std::string error = load_error(with_policy_edit(c.edit));
    EXPECT_NE(error.find(c.path), std::string::npos) << "expected " << c.path << ", got " << error;
  }
}

// Only 310 and 390 have policies (contracts/adjudicate.md); the other national insutypes are known
// codes (a person may hold one) whose policy makes the reference data invalid.
TEST(ReferenceJson, PoliciesOnlyForEmployeeAndResidentSchemes) {
  for (const char* insutype : {"320", "330", "392", "510"}) {
    const std::string error =
        load_error(with_policy_edit([&](auto& p) { set_string(p, "insutype", insutype); }));
    EXPECT_NE(error.find("policies[0].insutype"), std::string::npos) << insutype << ": " << error;
    EXPECT_NE(error.find("no policy of its own"), std::string::npos) << insutype << ": " << error;
  }
  // A province's local insutype is accepted for people and requests, but not for a policy.
  EXPECT_NE(load_error(R"({"local_codes":{"insutype":["399"]},
                           "policies":[{"format":"medclear.policy.v1","admdvs":"610100","insutype":"399"}]})")
                .find("policies[0].insutype"),
            std::string::npos);
  // A person insured under 320 still loads: the request is refused later, with no_policy.
  EXPECT_EQ(load_error(R"({"persons":[{"psn_no":"1","insuplc_admdvs":"610100","insutype":"320",
                                       "psn_type":"1701","filings":[]}]})"),
            "");
  // 310 and 390 load (the worked examples hold one of each).
  EXPECT_EQ(load_error(with_policy_edit([](auto& p) { set_string(p, "insutype", "310"); })), "");
}

TEST(ReferenceJson, DuplicatesAndOtherSections) {
  EXPECT_NE(
      load_error(
          R"({"facilities":[{"fixmedins_code":"H31010400001","admdvs":"310104","level":3,"cross_province":true},
                                          {"fixmedins_code":"H31010400001","admdvs":"310104","level":2,"cross_province":true}]})")
          .find("facilities[1]: duplicate"),
      std::string::npos);
  EXPECT_NE(load_error(
                R"({"facilities":[{"fixmedins_code":"H31010400001","admdvs":"310104","level":4}]})")
                .find("facilities[0].level"),
            std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"persons":[{"psn_no":"1","insuplc_admdvs":"610100","insutype":"390","psn_type":"1701",
                                       "filings":[{"kind":"forever","area":"310000","from":"2026-01-01","to":"2026-12-31"}]}]})")
          .find("persons[0].filings[0].kind"),
      std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"catalogues":[{"format":"medclear.catalogue.v1","admdvs":"310000","effective_from":"2026-01-01",
                                          "items":[{"code":"A","class":"04"}]}]})")
          .find("catalogues[0].items[0].class"),
      std::string::npos);
  EXPECT_NE(load_error(R"({"surprise":[]})").find("scenario.surprise: unknown key"),
            std::string::npos);
  EXPECT_NE(load_error("{").find("not valid JSON"), std::string::npos);
}

TEST(ReferenceJson, LocalCodesExtendTheTables) {
  const Result<adapters::Scenario> load =
      adapters::load_scenario(R"({"local_codes":{"med_type":["2101","9901"]},"persons":[]})");
  ASSERT_TRUE(load.is_ok()) << load.status().message();
  EXPECT_TRUE(load->reference.codes.knows_med_type("2101"));
  EXPECT_TRUE(load->reference.codes.knows_med_type("21"));
  EXPECT_FALSE(load->reference.codes.knows_med_type("2102"));
}

}  // namespace
}  // namespace medclear::testing
