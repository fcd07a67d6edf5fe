// POST /fhir/r4/Claim over real mutual TLS with the development PKI (contracts/gateway.md "HL7
// FHIR R4"): a FHIR claim and its national twin are one settlement (same msgid: one booking, the
// same setl_id and amounts, in either order); a refused claim is an OperationOutcome carrying
// the err_code; malformed JSON, a wrong Content-Type, other roles and methods are
// OperationOutcomes too, and the node goes on. Every FHIR message sent and received is dumped for
// the R4 schema validator (ctest fhir_conformance).
#include <gtest/gtest.h>

#include <future>

#include "adapters/decimal_text.h"
#include "adapters/fhir.h"
#include "gateway/app/region_set.h"
#include "gateway/tls/pki.h"
#include "ledger/ledger.h"
#include "tests/support/fhir_dump.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
using adapters::Json;
using testing::dump_fhir;
using testing::HttpAnswer;
using testing::HttpsClient;
using testing::Identity;

constexpr const char* kHospital = "H31010400001";  // the worked examples' hospital, in 310000
constexpr const char* kTreating = "310000";
constexpr const char* kInsured = "610000";
constexpr const char* kFhir = "application/fhir+json";

class FhirGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_directory("fhir_gateway");
    pki_ = dir_ + "/pki";
    scenario_ = std::make_unique<adapters::Scenario>(testing::worked_examples());
    const auto& reference = scenario_->reference;
    std::vector<DevHospital> hospitals;
    for (const auto& [code, facility] : reference.facilities()) {
      hospitals.push_back({code, ledger::region_of(facility.admdvs), facility.level});
    }
    hospitals.push_back({"H61010000009", "610000", 2});  // a hospital elsewhere
    ASSERT_TRUE(write_dev_pki(pki_, regions_of(reference), hospitals).is_ok());
    RegionSetOptions options;
    options.regions = regions_of(reference);
    options.ledgers_dir = dir_ + "/ledgers";
    options.pki_dir = pki_;
    options.partitions = 2;
    options.gateway.threads = 1;
    auto set = RegionSet::start(options, reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }
  void TearDown() override {
    if (set_) set_->stop();
  }

  HttpsClient client(const std::string& stem) const {
    const Identity id = stem.empty()
                            ? Identity{}
                            : Identity{pki_ + "/" + stem + ".pem", pki_ + "/" + stem + ".key"};
    return HttpsClient(set_->gateway(kTreating)->port(), pki_ + "/ca.pem", id);
  }
  HttpsClient hospital() const { return client(std::string("hospital-") + kHospital); }

  cl::Request request(size_t index) const {
    const adapters::NhsaParse parse =
        adapters::parse_nhsa_request(scenario_->requests.at(index), scenario_->reference.codes);
    EXPECT_TRUE(parse.request.has_value()) << parse.rejection.message;
    return *parse.request;
  }

  // Posts a FHIR body (dumped, like the answer when it is FHIR).
  HttpAnswer post_fhir(HttpsClient& caller, const std::string& body,
                       const std::string& content_type = kFhir, bool dump_request = true) {
    if (dump_request) dump_fhir("request", body);
    HttpAnswer answer = caller.post("/fhir/r4/Claim", body, content_type);
    EXPECT_EQ(answer.content_type, kFhir) << answer.status << " " << answer.body << answer.error;
    if (answer.content_type == kFhir) dump_fhir("answer", answer.body);
    return answer;
  }

  uint64_t last_seq(const std::string& region) {
    std::promise<uint64_t> seq;
    set_->node(region)->read(
        [&](const ledger::Ledger* l) { seq.set_value(l ? l->last_seq() : 0); });
    return seq.get_future().get();
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
};

// A ClaimResponse is dense in containers (six categories per item, each a CodeableConcept and a
// Money): more than the request parser's default memory budget per byte allows.
const adapters::JsonLimits kResponseLimits{.memory_per_document_byte_max = 128};

// What a ClaimResponse says: setl_id and every setlinfo amount (the adjudication categories
// and the amount extensions), by national field name.
std::map<std::string, std::string> settlement_of(const std::string& claim_response) {
  std::map<std::string, std::string> out;
  const Result<Json> tree = adapters::parse_json(claim_response, kResponseLimits);
  if (!tree.is_ok() || tree->find("resourceType")->text != "ClaimResponse") return out;
  out["setl_id"] = tree->find("identifier")->items.at(0).find("value")->text;
  const std::map<std::string, std::string> categories = {
      {"submitted", "medfee_sumamt"}, {"eligible", "inscp_scp_amt"},
      {"deductible", "act_pay_dedc"}, {"benefit", "fund_pay_sumamt"},
      {"copay", "psn_part_amt"},      {"eligpercent", "pool_prop_selfpay"}};
  for (const Json& adjudication : tree->find("adjudication")->items) {
    const std::string code =
        adjudication.find("category")->find("coding")->items.at(0).find("code")->text;
    const Json* amount = adjudication.find("amount");
    out[categories.at(code)] =
        amount != nullptr ? amount->find("value")->text : adjudication.find("value")->text;
  }
  for (const Json& extension : tree->find("extension")->items) {
    const std::string url = extension.find("url")->text;
    out[url.substr(adapters::kFhirNational.size())] =
        extension.find("valueMoney")->find("value")->text;
  }
  return out;
}

// The same of a national response envelope (eligpercent: the ratio in percent).
std::map<std::string, std::string> settlement_of_national(const std::string& envelope) {
  std::map<std::string, std::string> out;
  const std::optional<adapters::NhsaAnswer> answer = adapters::parse_nhsa_answer(envelope);
  if (!answer || !answer->record) return out;
  const cl::SettlementRecord& r = *answer->record;
  const cl::SettlementAmounts& a = r.amounts;
  out["setl_id"] = r.setl_id;
  out["pool_prop_selfpay"] = adapters::decimal_text(a.pool_prop_selfpay.basis_points(), 2);
  const std::pair<const char*, cl::Money> amounts[] = {{"medfee_sumamt", a.medfee_sumamt},
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
  for (const auto& [name, amount] : amounts) out[name] = amount.to_string();
  return out;
}

// The err_code an OperationOutcome carries, or "".
std::string err_code_of(const std::string& outcome) {
  const Result<Json> tree = adapters::parse_json(outcome);
  if (!tree.is_ok() || tree->find("resourceType")->text != "OperationOutcome") return "?";
  const Json* details = tree->find("issue")->items.at(0).find("details");
  if (details == nullptr) return "";
  return details->find("coding")->items.at(0).find("code")->text;
}

TEST_F(FhirGateway, FhirFirstThenNationalIsOneSettlementWithTheSameAmounts) {
  HttpsClient caller = hospital();
  const cl::Request claim = request(0);
  const HttpAnswer fhir = post_fhir(caller, adapters::build_fhir_claim(claim));
  ASSERT_EQ(fhir.status, 200) << fhir.body;
  const uint64_t insured = last_seq(kInsured);
  const uint64_t treating = last_seq(kTreating);
  const HttpAnswer national = caller.post("/v1/nhsa", adapters::build_nhsa_request(claim));
  ASSERT_EQ(national.status, 200) << national.body;
  const auto from_fhir = settlement_of(fhir.body);
  ASSERT_EQ(from_fhir.size(), 22u) << fhir.body;  // setl_id, 20 amounts and the ratio
  EXPECT_EQ(from_fhir, settlement_of_national(national.body)) << national.body;
  EXPECT_EQ(last_seq(kInsured), insured) << "the national twin was booked again";
  EXPECT_EQ(last_seq(kTreating), treating);
  // And the FHIR claim again: the same answer, still one booking.
  const HttpAnswer again = post_fhir(caller, adapters::build_fhir_claim(claim));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(settlement_of(again.body), from_fhir);
  EXPECT_EQ(last_seq(kInsured), insured);
}

TEST_F(FhirGateway, NationalFirstThenFhirIsOneSettlementWithTheSameAmounts) {
  HttpsClient caller = hospital();
  // An inpatient claim insured in 610000, an outpatient one insured in 440000.
  for (const auto& [index, region] : {std::pair<size_t, const char*>{1, kInsured}, {5, "440000"}}) {
    const cl::Request claim = request(index);
    const HttpAnswer national = caller.post("/v1/nhsa", adapters::build_nhsa_request(claim));
    ASSERT_EQ(national.status, 200) << national.body;
    const uint64_t insured = last_seq(region);
    const HttpAnswer fhir = post_fhir(caller, adapters::build_fhir_claim(claim));
    ASSERT_EQ(fhir.status, 200) << fhir.body;
    EXPECT_EQ(settlement_of(fhir.body), settlement_of_national(national.body)) << fhir.body;
    EXPECT_EQ(last_seq(region), insured) << "the FHIR twin was booked again";
  }
}

// Each item's adjudication of a ClaimResponse, category code → value text ("" when absent).
std::vector<std::map<std::string, std::string>> items_of(const std::string& claim_response) {
  std::vector<std::map<std::string, std::string>> out;
  const Result<Json> tree = adapters::parse_json(claim_response, kResponseLimits);
  if (!tree.is_ok() || tree->find("item") == nullptr) return out;
  for (const Json& item : tree->find("item")->items) {
    std::map<std::string, std::string>& line = out.emplace_back();
    for (const Json& adjudication : item.find("adjudication")->items) {
      const std::string code =
          adjudication.find("category")->find("coding")->items.at(0).find("code")->text;
      const Json* amount = adjudication.find("amount");
      line[code] =
          amount != nullptr ? amount->find("value")->text : adjudication.find("value")->text;
    }
  }
  return out;
}

// The sum of one category over the items, in fen.
cl::Money item_sum(const std::vector<std::map<std::string, std::string>>& items,
                   const std::string& category) {
  cl::Money sum;
  for (const auto& line : items) {
    const auto value = line.find(category);
    if (value == line.end()) continue;
    const std::optional<cl::Money> amount = cl::parse_money(value->second);
    EXPECT_TRUE(amount) << category << " " << value->second;
    if (amount) sum += *amount;
  }
  return sum;
}

// Every worked example settled by the national interface, then asked again as FHIR: each
// category of the items adds up to the national answer's figure, and the first example's items
// are the ones computed by hand (adapters/FHIR.md "Per item").
TEST_F(FhirGateway, ItemsSplitTheNationalSettlementExactly) {
  HttpsClient caller = hospital();
  for (size_t index = 0; index < scenario_->requests.size(); ++index) {
    SCOPED_TRACE("request " + std::to_string(index));
    const cl::Request claim = request(index);
    const HttpAnswer national = caller.post("/v1/nhsa", adapters::build_nhsa_request(claim));
    ASSERT_EQ(national.status, 200) << national.body;
    const std::map<std::string, std::string> figures = settlement_of_national(national.body);
    ASSERT_FALSE(figures.empty()) << national.body;
    const HttpAnswer fhir = post_fhir(caller, adapters::build_fhir_claim(claim));
    ASSERT_EQ(fhir.status, 200) << fhir.body;
    const auto items = items_of(fhir.body);
    ASSERT_EQ(items.size(), std::get<cl::SettlementInput>(claim.input).lines.size());
    for (const auto& [category, field] :
         {std::pair<std::string, std::string>{"submitted", "medfee_sumamt"},
          {"eligible", "inscp_scp_amt"},
          {"deductible", "act_pay_dedc"},
          {"benefit", "fund_pay_sumamt"},
          {"copay", "psn_part_amt"}}) {
      EXPECT_EQ(item_sum(items, category).to_string(), figures.at(field)) << category;
    }
  }
}

TEST_F(FhirGateway, ItemsOfWorkedExampleAByHand) {
  // DOMAIN.md §3 example A: 3,000.00 class C (XC01); 3,000.00 of XA02 at 60.00 over its cap
  // 50.00 (500.00 over the cap); 10,000.00 class B at 10 % (1,000.00 pre-self-pay); 34,000.00
  // class A. In scope 0 + 2,500.00 + 9,000.00 + 34,000.00 = 45,500.00; deductible 500.00, funds
  // 33,900.00, patient 16,100.00. Pro rata to 2,500 : 9,000 : 34,000 (of 45,500), in fen:
  //   deductible 50,000 → 2,747.25 | 9,890.11 | 37,362.64 → floors 2,747 9,890 37,362, the one
  //     fen left to the largest remainder (line 4): 27.47, 98.90, 373.63;
  //   benefit 3,390,000 → 186,263.74 | 670,549.45 | 2,533,186.81 → floors leave 2 fen, to
  //     lines 4 and 2: 1,862.64, 6,705.49, 25,331.87; copay = line − benefit;
  //   eligpercent 33,900 / 45,500 = 74.505…% → 74.51 on every line with an eligible part.
  HttpsClient caller = hospital();
  const HttpAnswer fhir = post_fhir(caller, adapters::build_fhir_claim(request(0)));
  ASSERT_EQ(fhir.status, 200) << fhir.body;
  using Line = std::map<std::string, std::string>;
  const std::vector<Line> expected = {Line{{"submitted", "3000.00"},
                                           {"eligible", "0.00"},
                                           {"deductible", "0.00"},
                                           {"benefit", "0.00"},
                                           {"copay", "3000.00"}},
                                      Line{{"submitted", "3000.00"},
                                           {"eligible", "2500.00"},
                                           {"deductible", "27.47"},
                                           {"eligpercent", "74.51"},
                                           {"benefit", "1862.64"},
                                           {"copay", "1137.36"}},
                                      Line{{"submitted", "10000.00"},
                                           {"eligible", "9000.00"},
                                           {"deductible", "98.90"},
                                           {"eligpercent", "74.51"},
                                           {"benefit", "6705.49"},
                                           {"copay", "3294.51"}},
                                      Line{{"submitted", "34000.00"},
                                           {"eligible", "34000.00"},
                                           {"deductible", "373.63"},
                                           {"eligpercent", "74.51"},
                                           {"benefit", "25331.87"},
                                           {"copay", "8668.13"}}};
  EXPECT_EQ(items_of(fhir.body), expected) << fhir.body;
}

TEST_F(FhirGateway, RefusedClaimsAreOperationOutcomesWithTheErrCode) {
  HttpsClient caller = hospital();
  // A person the insured region does not know: a business rule, 422.
  cl::Request stranger = request(2);
  std::get<cl::SettlementInput>(stranger.input).psn_no = "61000000000000009999";
  HttpAnswer answer = post_fhir(caller, adapters::build_fhir_claim(stranger));
  EXPECT_EQ(answer.status, 422) << answer.body;
  EXPECT_EQ(err_code_of(answer.body), "unknown_person") << answer.body;
  // The msgid of a settled claim with other content.
  const cl::Request settled = request(3);
  ASSERT_EQ(post_fhir(caller, adapters::build_fhir_claim(settled)).status, 200);
  cl::Request changed = settled;
  std::get<cl::SettlementInput>(changed.input).mdtrt_id = "MD-OTHER";
  answer = post_fhir(caller, adapters::build_fhir_claim(changed));
  EXPECT_EQ(answer.status, 422) << answer.body;
  EXPECT_EQ(err_code_of(answer.body), "msgid_reused_with_different_payload") << answer.body;
  // A field the adapter refuses: 400 with the err_code and the FHIR path.
  cl::Request unknown_code = request(4);
  std::get<cl::SettlementInput>(unknown_code.input).med_type = "77";
  answer = post_fhir(caller, adapters::build_fhir_claim(unknown_code));
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(err_code_of(answer.body), "unknown_code") << answer.body;
  EXPECT_NE(answer.body.find("urn:medclear:nhsa:med_type"), std::string::npos) << answer.body;
}

TEST_F(FhirGateway, MalformedJsonIsAnOperationOutcomeNeverACrash) {
  HttpsClient caller = hospital();
  const std::string good = adapters::build_fhir_claim(request(0));
  for (const std::string& body :
       {std::string("{"), std::string(""), std::string("[1,2"), std::string("null"),
        std::string("{\"resourceType\":\"Claim\",\"item\":{}}"), good.substr(0, good.size() / 2),
        std::string(5000, '[')}) {
    const HttpAnswer answer = post_fhir(caller, body, kFhir, false);
    EXPECT_EQ(answer.status, 400) << body.substr(0, 60) << " → " << answer.body << answer.error;
    EXPECT_EQ(err_code_of(answer.body), "malformed_message") << answer.body;
  }
  const HttpAnswer after = post_fhir(caller, good);
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(FhirGateway, OnlyFhirJsonFromTheHospitalItselfIsTaken) {
  const std::string claim = adapters::build_fhir_claim(request(0));
  const uint64_t insured = last_seq(kInsured);
  HttpsClient caller = hospital();
  for (const char* type : {"application/json", "text/plain", "application/fhir+xml", ""}) {
    const HttpAnswer answer = post_fhir(caller, claim, type);
    EXPECT_EQ(answer.status, 415) << type << " → " << answer.body;
  }
  HttpsClient bureau = client("bureau-310000");
  EXPECT_EQ(post_fhir(bureau, claim).status, 403);
  HttpsClient elsewhere = client("hospital-H61010000009");
  EXPECT_EQ(post_fhir(elsewhere, claim).status, 403);
  HttpsClient anonymous = client("");
  EXPECT_EQ(post_fhir(anonymous, claim).status, 401);
  const HttpAnswer get = caller.get("/fhir/r4/Claim");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.content_type, kFhir);
  dump_fhir("answer", get.body);
  EXPECT_EQ(last_seq(kInsured), insured) << "a refused claim changed a ledger";
  // With parameters, the media type is still FHIR JSON.
  const HttpAnswer taken = post_fhir(caller, claim, "application/fhir+json; charset=utf-8");
  EXPECT_EQ(taken.status, 200) << taken.body;
}

}  // namespace
}  // namespace medclear::gateway
