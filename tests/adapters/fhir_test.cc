// The FHIR R4 adapter (adapters/fhir.h) without a network: a Claim maps to the same canonical
// request (and fingerprint) as its national twin, money is exact decimal text, faults name their
// FHIR path and err_code, and the answers carry the split. Every FHIR message made here is
// dumped for the R4 schema validator (tests/support/fhir_dump.h, ctest fhir_conformance).
#include <gtest/gtest.h>

#include <random>

#include "adapters/decimal_text.h"
#include "adapters/fhir.h"
#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "tests/support/fhir_dump.h"
#include "tests/support/scenario.h"
#include "tests/support/seed.h"

namespace medclear::adapters {
namespace {

namespace cl = medclear::clearing;
using testing::dump_fhir;
using testing::member;

class FhirAdapter : public ::testing::Test {
 protected:
  void SetUp() override { scenario_ = std::make_unique<Scenario>(testing::worked_examples()); }

  const cl::CodeTables& codes() const { return scenario_->reference.codes; }

  // The canonical request of the scenario's national envelope `index`.
  cl::Request national(size_t index) const {
    const NhsaParse parse = parse_nhsa_request(scenario_->requests.at(index), codes());
    EXPECT_TRUE(parse.request.has_value()) << parse.rejection.message;
    return *parse.request;
  }

  // The FHIR Claim of envelope 0, as a tree a test edits.
  Json claim_tree() const {
    Result<Json> tree = parse_json(build_fhir_claim(national(0)));
    EXPECT_TRUE(tree.is_ok());
    return *tree;
  }

  FhirClaimParse parse(const Json& claim, bool invalid_on_purpose = false) const {
    const std::string text = testing::to_text(claim);
    dump_fhir("claim", text, invalid_on_purpose);
    FhirClaimParse parsed = parse_fhir_claim(text, codes());
    if (!parsed.request) {
      dump_fhir("outcome",
                build_fhir_operation_outcome(fhir_issue_of(parsed.rejection, parsed.path)));
    }
    return parsed;
  }

  std::unique_ptr<Scenario> scenario_;
};

Json& item(Json& claim, size_t index) { return member(claim, "item").items.at(index); }

TEST_F(FhirAdapter, EveryWorkedExampleClaimIsTheSameRequestAsItsNationalTwin) {
  for (size_t i = 0; i < scenario_->requests.size(); ++i) {
    const cl::Request request = national(i);
    const std::string claim = build_fhir_claim(request);
    dump_fhir("claim", claim);
    const FhirClaimParse parsed = parse_fhir_claim(claim, codes());
    ASSERT_TRUE(parsed.request.has_value()) << i << ": " << parsed.rejection.message;
    EXPECT_EQ(parsed.request->fingerprint, request.fingerprint) << i;
    EXPECT_EQ(parsed.request->envelope.msgid, request.envelope.msgid);
    EXPECT_EQ(parsed.request->envelope.inf_time, request.envelope.inf_time);
    EXPECT_EQ(build_nhsa_request(*parsed.request), build_nhsa_request(request)) << i;
    // The envelope the gateway sends on is the national twin too.
    const NhsaParse again = parse_nhsa_request(parsed.envelope, codes());
    ASSERT_TRUE(again.request.has_value()) << again.rejection.message;
    EXPECT_EQ(again.request->fingerprint, request.fingerprint);
  }
}

TEST_F(FhirAdapter, MoneyIsReadAndWrittenAsDecimalText) {
  Json claim = claim_tree();
  // 0.1 + 0.2 is not 0.3 in binary floating point; here every fen is kept.
  testing::set_number(member(item(claim, 0), "net"), "value", "0.10");
  testing::set_number(member(item(claim, 1), "net"), "value", "0.20");
  testing::set_number(member(item(claim, 2), "net"), "value", "999999.99");
  testing::set_number(member(item(claim, 3), "net"), "value", "12345678.01");
  testing::set_number(member(claim, "total"), "value", "13345678.3");
  for (size_t i = 0; i < 4; ++i) {
    testing::set_number(member(item(claim, i), "quantity"), "value", "1");
  }
  testing::set_number(member(item(claim, 0), "unitPrice"), "value", "0.1");
  testing::set_number(member(item(claim, 1), "unitPrice"), "value", "0.2");
  testing::set_number(member(item(claim, 2), "unitPrice"), "value", "999999.99");
  testing::set_number(member(item(claim, 3), "unitPrice"), "value", "12345678.01");
  const FhirClaimParse parsed = parse(claim);
  ASSERT_TRUE(parsed.request.has_value()) << parsed.rejection.message;
  const auto& input = std::get<cl::SettlementInput>(parsed.request->input);
  EXPECT_EQ(input.lines[0].amount.fen(), 10);
  EXPECT_EQ(input.lines[1].amount.fen(), 20);
  EXPECT_EQ(input.lines[2].amount.fen(), 99999999);
  EXPECT_EQ(input.lines[3].amount.fen(), 1234567801);
  EXPECT_EQ(input.medfee_sumamt.fen(), 1334567830);
  const std::string rebuilt = build_fhir_claim(*parsed.request);
  dump_fhir("claim", rebuilt);
  EXPECT_NE(rebuilt.find("\"net\":{\"value\":12345678.01,\"currency\":\"CNY\"}"), std::string::npos)
      << rebuilt;
  EXPECT_NE(rebuilt.find("\"total\":{\"value\":13345678.30,"), std::string::npos) << rebuilt;
}

struct Fault {
  const char* what;
  std::function<void(Json&)> edit;
  cl::Reject reason;
  std::string path;     // the FHIR path the message begins with
  bool schema_invalid;  // the edit also breaks the R4 schema
};

TEST_F(FhirAdapter, FaultsNameTheirFhirPathAndErrCode) {
  const auto text = [](Json& object, std::string_view key, std::string value) {
    testing::set_string(object, key, std::move(value));
  };
  const std::vector<Fault> faults = {
      {"no patient", [](Json& c) { testing::remove_member(c, "patient"); },
       cl::Reject::kMissingField, "Claim.patient.identifier.value", true},
      {"net as a string", [&](Json& c) { text(member(item(c, 0), "net"), "value", "3000.00"); },
       cl::Reject::kMalformedMessage, "Claim.item[0].net.value", true},
      {"three decimals",
       [](Json& c) { testing::set_number(member(item(c, 1), "net"), "value", "3000.001"); },
       cl::Reject::kInvalidAmount, "Claim.item[1].net.value", false},
      {"dollars", [&](Json& c) { text(member(c, "total"), "currency", "USD"); },
       cl::Reject::kMalformedMessage, "Claim.total.currency", false},
      {"unknown insutype",
       [&](Json& c) {
         text(member(member(member(c, "insurance").items.at(0), "coverage"), "identifier"), "value",
              "999");
       },
       cl::Reject::kUnknownCode, "Claim.insurance[0].coverage.identifier.value", false},
      {"use of a pre-settlement", [&](Json& c) { text(c, "use", "predetermination"); },
       cl::Reject::kMalformedMessage, "Claim.use", false},
      {"not a Claim", [&](Json& c) { text(c, "resourceType", "Patient"); },
       cl::Reject::kMalformedMessage, "resourceType", true},
      {"a modifier extension",
       [](Json& c) {
         Json list;
         list.kind = Json::Kind::kArray;
         Json extension;
         extension.kind = Json::Kind::kObject;
         testing::set_string(extension, "url", "http://example.org/must-understand");
         testing::set_string(extension, "valueString", "x");
         list.items.push_back(extension);
         member(c, "modifierExtension") = list;
       },
       cl::Reject::kMalformedMessage, "Claim.modifierExtension", false},
      {"no R4 element", [&](Json& c) { text(c, "colour", "blue"); }, cl::Reject::kMalformedMessage,
       "Claim.colour", true},
      {"created in UTC", [&](Json& c) { text(c, "created", "2026-03-15T02:00:00Z"); },
       cl::Reject::kMalformedMessage, "Claim.created", false},
      {"items out of order", [](Json& c) { testing::set_number(item(c, 1), "sequence", "7"); },
       cl::Reject::kMalformedMessage, "Claim.item[1].sequence", false},
      {"another identifier system",
       [&](Json& c) { text(member(member(c, "patient"), "identifier"), "system", "urn:x:y"); },
       cl::Reject::kMalformedMessage, "Claim.patient.identifier.system", false},
      {"a national extension that names nothing",
       [](Json& c) {
         testing::set_string(member(c, "extension").items.at(0), "url", "urn:medclear:nhsa:nope");
       },
       cl::Reject::kMalformedMessage, "Claim.extension[0].url", false},
      {"a msgid of someone else",
       [&](Json& c) {
         text(member(c, "identifier").items.at(0), "value", "H99999999999202603151000000001");
       },
       cl::Reject::kInvalidMsgid, "Claim.identifier.where(system='urn:medclear:nhsa:msgid').value",
       false},
      {"no fee line", [](Json& c) { member(c, "item").items.clear(); }, cl::Reject::kMissingField,
       "Claim.item", false},
      {"no mdtrt_id",
       [](Json& c) {
         std::erase_if(member(c, "extension").items, [](const Json& e) {
           return e.find("url")->text == "urn:medclear:nhsa:mdtrt_id";
         });
       },
       cl::Reject::kMissingField,
       "Claim.extension.where(url='urn:medclear:nhsa:mdtrt_id').valueString", false},
  };
  for (const Fault& fault : faults) {
    Json claim = claim_tree();
    fault.edit(claim);
    const FhirClaimParse parsed = parse(claim, fault.schema_invalid);
    ASSERT_FALSE(parsed.request.has_value()) << fault.what;
    EXPECT_EQ(cl::name(parsed.rejection.reason), cl::name(fault.reason))
        << fault.what << ": " << parsed.rejection.message;
    EXPECT_EQ(parsed.path, fault.path) << fault.what << ": " << parsed.rejection.message;
    if (!fault.path.empty()) {
      EXPECT_TRUE(parsed.rejection.message.starts_with(fault.path + " "))
          << fault.what << ": " << parsed.rejection.message;
    }
    const std::string outcome =
        build_fhir_operation_outcome(fhir_issue_of(parsed.rejection, parsed.path));
    EXPECT_NE(outcome.find("\"code\":\"" + std::string(cl::name(fault.reason)) + "\""),
              std::string::npos)
        << outcome;
  }
}

// A ClaimResponse is dense in containers (six categories per item, each a CodeableConcept and a
// Money): more than the request parser's default memory budget per byte allows.
const JsonLimits kResponseLimits{.memory_per_document_byte_max = 128};

TEST_F(FhirAdapter, ClaimResponseCarriesTheSplitOfTheDecision) {
  const cl::Engine engine(scenario_->reference);
  cl::MemoryState state;
  for (size_t i = 0; i < scenario_->requests.size(); ++i) {
    const cl::Request request = national(i);
    cl::Decision decision = engine.decide(request, state);
    ASSERT_TRUE(decision.accepted()) << i << ": " << decision.rejection.message;
    if (decision.append) state.apply(decision.result);
    const std::string response =
        build_fhir_claim_response(request, decision.result, scenario_->reference);
    dump_fhir("response", response);
    const Result<Json> tree = parse_json(response, kResponseLimits);
    ASSERT_TRUE(tree.is_ok()) << tree.status().message() << response;
    EXPECT_EQ(tree->find("outcome")->text, "complete");
    const cl::SettlementAmounts& a = decision.result.amounts;
    const std::map<std::string, std::string> expected = {
        {"submitted", a.medfee_sumamt.to_string()},
        {"eligible", a.inscp_scp_amt.to_string()},
        {"deductible", a.act_pay_dedc.to_string()},
        {"benefit", a.fund_pay_sumamt.to_string()},
        {"copay", a.psn_part_amt.to_string()},
        {"eligpercent", decimal_text(a.pool_prop_selfpay.basis_points(), 2)}};
    std::map<std::string, std::string> header;
    for (const Json& adjudication : tree->find("adjudication")->items) {
      const std::string code =
          adjudication.find("category")->find("coding")->items.at(0).find("code")->text;
      const Json* amount = adjudication.find("amount");
      header[code] =
          amount != nullptr ? amount->find("value")->text : adjudication.find("value")->text;
    }
    EXPECT_EQ(header, expected) << response;
    EXPECT_EQ(tree->find("total")->items.size(), 5u);
    const auto& lines = std::get<cl::SettlementInput>(request.input).lines;
    ASSERT_EQ(tree->find("item")->items.size(), lines.size());
    EXPECT_EQ(tree->find("item")
                  ->items[0]
                  .find("adjudication")
                  ->items[0]
                  .find("amount")
                  ->find("value")
                  ->text,
              lines[0].amount.to_string());
    EXPECT_EQ(tree->find("identifier")->items[0].find("value")->text, decision.result.setl_id);
  }
  cl::Rejection refused{cl::Reject::kNoValidFiling, "no filing"};
  dump_fhir("outcome", build_fhir_operation_outcome(fhir_issue_of(refused)));
  dump_fhir("queued", build_fhir_claim_queued(national(0)));
}

// Whatever the bytes, an answer: a request or a rejection with a reason, never a crash.
TEST_F(FhirAdapter, MalformedBodiesAreRejectedNeverACrash) {
  const std::string good = build_fhir_claim(national(0));
  std::vector<std::string> bodies = {"",
                                     "{",
                                     "[]",
                                     "null",
                                     "{\"resourceType\":\"Claim\"}",
                                     "\"x\"",
                                     "{\"resourceType\":\"Claim\",\"item\":[1,[2],{}]}",
                                     std::string(200, '[') + std::string(200, ']')};
  const uint64_t seed = testing::test_seed("FhirAdapter.MalformedBodiesAreRejectedNeverACrash");
  std::mt19937_64 random(seed);
  for (int round = 0; round < 300; ++round) {
    std::string body = good;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % body.size();
      switch (random() % 3) {
        case 0:
          body[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          body.erase(at, 1 + random() % 8);
          break;
        default:
          body.insert(at, body.substr(random() % body.size(), 1 + random() % 16));
      }
      if (body.empty()) body = "{";
    }
    bodies.push_back(std::move(body));
  }
  for (const std::string& body : bodies) {
    const FhirClaimParse parsed = parse_fhir_claim(body, codes());
    if (!parsed.request) {
      EXPECT_NE(parsed.rejection.reason, cl::Reject::kOk) << "seed " << seed << ": " << body;
      EXPECT_FALSE(parsed.rejection.message.empty());
    } else {
      EXPECT_EQ(parse_fhir_claim(build_fhir_claim(*parsed.request), codes()).request->fingerprint,
                parsed.request->fingerprint)
          << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace medclear::adapters
