// The HTTPS gateway over real TLS on port 0, two and three regions on the embedded broker:
// answers equal to `medclear adjudicate`'s, the authorization matrix, bad clients, limits, the
// claim timeline, and pending answers that are never settled twice.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <regex>
#include <thread>

#include "gateway/app/region_set.h"
#include "gateway/backoffice/adjudicate.h"
#include "gateway/http/console.h"
#include "gateway/tls/pki.h"
#include "ledger/ledger.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

using testing::HttpAnswer;
using testing::HttpsClient;
using testing::Identity;
namespace fs = std::filesystem;

constexpr const char* kHospital = "H31010400001";  // the scenario's hospital, in 310000
constexpr const char* kTreating = "310000";
constexpr const char* kInsured = "610000";  // worked example A's insured region

// Drops the parts of a response envelope that differ between runs (the answering stamp).
std::string without_stamp(std::string envelope) {
  static const std::regex stamp(R"re("(inf_refmsgid|refmsg_time|respond_time)":"[^"]*")re");
  return std::regex_replace(envelope, stamp, "\"$1\":\"\"");
}

std::string json_field(const std::string& body, const std::string& key) {
  const std::regex field("\"" + key + "\":\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(body, match, field) ? match[1].str() : std::string();
}

class Gateways : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(const GatewayLimits& limits) {
    dir_ = testing::fresh_directory("gateway");
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
    options.gateway.limits = limits;
    auto set = RegionSet::start(options, reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }

  void TearDown() override {
    if (set_) set_->stop();
  }

  uint16_t port(const std::string& region) const { return set_->gateway(region)->port(); }
  std::string ca() const { return pki_ + "/ca.pem"; }
  Identity id(const std::string& stem) const {
    return {pki_ + "/" + stem + ".pem", pki_ + "/" + stem + ".key"};
  }
  HttpsClient client(const std::string& stem, const std::string& region = kTreating) const {
    return HttpsClient(port(region), ca(), stem.empty() ? Identity{} : id(stem));
  }
  std::string request_text(size_t index) const {
    return testing::to_text(scenario_->requests.at(index));
  }

  // The ledger's last sequence number of a region, read on its worker.
  uint64_t last_seq(const std::string& region) {
    std::promise<uint64_t> seq;
    set_->node(region)->read(
        [&](const ledger::Ledger* l) { seq.set_value(l ? l->last_seq() : 0); });
    return seq.get_future().get();
  }

  // Issues a certificate from the development CA (or another CA) into the PKI directory.
  Identity issue(const std::string& stem, const CertificateRequest& request,
                 bool untrusted = false) {
    std::optional<CertificateAuthority> authority;
    if (untrusted) {
      authority.emplace(std::move(*CertificateAuthority::create("someone else's CA")));
    } else {
      authority.emplace(std::move(*CertificateAuthority::load(
          testing::read_file(pki_ + "/ca.pem"), testing::read_file(pki_ + "/ca.key"))));
    }
    Result<IssuedCertificate> issued = authority->issue(request);
    EXPECT_TRUE(issued.is_ok());
    std::ofstream(pki_ + "/" + stem + ".pem") << issued->certificate_pem;
    std::ofstream(pki_ + "/" + stem + ".key") << issued->key_pem;
    return id(stem);
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
};

TEST_F(Gateways, EveryWorkedExampleAnswersAsAdjudicateDoes) {
  clearing::MemoryState state;
  std::vector<std::string> expected;
  run_adjudication(*scenario_, state, [&](const std::string& line) { expected.push_back(line); });
  ASSERT_EQ(expected.size(), scenario_->requests.size());
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  for (size_t i = 0; i < expected.size(); ++i) {
    const HttpAnswer answer = hospital.post("/v1/nhsa", request_text(i));
    ASSERT_EQ(answer.status, 200) << i << ": " << answer.body << answer.error;
    EXPECT_EQ(without_stamp(answer.body), without_stamp(expected[i])) << "request " << i;
  }
}

TEST_F(Gateways, RetryWithTheSameMsgidGetsTheSameAnswerAndSettlesOnce) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const HttpAnswer first = hospital.post("/v1/nhsa", request_text(0));
  const uint64_t insured_seq = last_seq(kInsured);
  const uint64_t treating_seq = last_seq(kTreating);
  const HttpAnswer again = hospital.post("/v1/nhsa", request_text(0));
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(without_stamp(first.body), without_stamp(again.body));
  EXPECT_FALSE(json_field(first.body, "setl_id").empty());
  EXPECT_EQ(last_seq(kInsured), insured_seq);
  EXPECT_EQ(last_seq(kTreating), treating_seq);
}

TEST_F(Gateways, SettleCancelAndReadTheTimelineAcrossTwoRegions) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const HttpAnswer settled = hospital.post("/v1/nhsa", request_text(0));
  ASSERT_EQ(settled.status, 200) << settled.body;
  const std::string setl_id = json_field(settled.body, "setl_id");
  const std::string msgid = scenario_->requests[0].find("msgid")->text;
  const adapters::Json cancel =
      testing::cancel_of(scenario_->requests[0], setl_id, msgid.substr(0, 26) + "9999");
  const HttpAnswer cancelled = hospital.post("/v1/nhsa", testing::to_text(cancel));
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_NE(cancelled.body.find("\"infcode\":0"), std::string::npos) << cancelled.body;

  const HttpAnswer timeline = hospital.get("/v1/claims/" + msgid);
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  size_t at = 0;
  for (const char* step :
       {"received", "validated", "sent", "settled", "written", "answered", "cancelled"}) {
    const size_t found = timeline.body.find(std::string("\"step\":\"") + step + "\"", at);
    ASSERT_NE(found, std::string::npos) << step << " missing or out of order: " << timeline.body;
    at = found;
  }
  EXPECT_EQ(json_field(timeline.body, "setl_id"), setl_id);
  // Both regions' bureaus and regulators read it; another hospital and another bureau do not.
  EXPECT_EQ(client("bureau-" + std::string(kInsured)).get("/v1/claims/" + msgid).status, 200);
  EXPECT_EQ(client("bureau-" + std::string(kTreating)).get("/v1/claims/" + msgid).status, 200);
  EXPECT_EQ(client("regulator").get("/v1/claims/" + msgid).status, 200);
  EXPECT_EQ(client("hospital-H61010000009").get("/v1/claims/" + msgid).status, 403);
  EXPECT_EQ(client("bureau-440000").get("/v1/claims/" + msgid).status, 403);
  EXPECT_EQ(hospital.get("/v1/claims/NOSUCHMSGID").status, 404);

  // The cancel netted both regions' positions back to zero.
  const HttpAnswer insured = client("bureau-" + std::string(kInsured)).get("/v1/balances");
  ASSERT_EQ(insured.status, 200) << insured.body;
  EXPECT_EQ(json_field(insured.body, "payable"), "0.00") << insured.body;
}

// Each role and organisation against each route: the status codes of contracts/gateway.md.
TEST_F(Gateways, AuthorizationMatrix) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const HttpAnswer settled = hospital.post("/v1/nhsa", request_text(0));
  ASSERT_EQ(settled.status, 200);
  const std::string msgid = scenario_->requests[0].find("msgid")->text;
  issue("auditor", {"auditor", "someone", -3600, 86400, false});
  const std::string claim = "/v1/claims/" + msgid;
  const std::string nhsa = "/v1/nhsa";
  struct Case {
    std::string who;
    std::string method;
    std::string target;
    int status;
  };
  const std::string own = std::string("hospital-") + kHospital;
  const std::vector<Case> cases = {
      {own, "POST", nhsa, 200},
      {"hospital-H61010000009", "POST", nhsa, 403},  // another hospital's envelope
      {"bureau-310000", "POST", nhsa, 403},
      {"regulator", "POST", nhsa, 403},
      {"node-310000", "POST", nhsa, 403},
      {"auditor", "POST", nhsa, 403},
      {own, "GET", claim, 200},
      {"hospital-H61010000009", "GET", claim, 403},
      {"bureau-310000", "GET", claim, 200},
      {"bureau-610000", "GET", claim, 200},
      {"bureau-440000", "GET", claim, 403},
      {"regulator", "GET", claim, 200},
      {own, "GET", "/v1/balances", 403},
      {"bureau-310000", "GET", "/v1/balances", 200},
      {"bureau-310000", "GET", "/v1/balances?region=610000", 403},
      {"bureau-610000", "GET", "/v1/balances", 200},  // served in process for its region
      {"regulator", "GET", "/v1/balances?region=610000", 200},
      {"regulator", "GET", "/v1/balances?region=999999", 404},
      {"regulator", "GET", "/v1/balances?region=abc", 400},
      {own, "GET", "/v1/reconciliations?day=2026-03-15", 403},
      {"bureau-310000", "GET", "/v1/reconciliations?day=2026-03-15", 200},
      {"regulator", "GET", "/v1/reconciliations?day=2026-03-15", 200},
      {"regulator", "GET", "/v1/reconciliations", 400},
      {own, "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=json", 403},
      {"bureau-310000", "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=json", 403},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=json", 200},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=csv", 200},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=html", 200},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=xml", 400},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-31&to=2026-03-01", 400},
      {"regulator", "GET", "/v1/audit/report?from=2026-03-01", 400},
      {own, "GET", "/v1/ledger/seals", 403},
      {"bureau-310000", "GET", "/v1/ledger/seals", 200},
      {"bureau-440000", "GET", "/v1/ledger/seals?region=310000", 403},
      {"regulator", "GET", "/v1/ledger/seals?region=610000", 200},
      {"regulator", "GET", "/v1/ledger/proof/NOSUCH", 404},
      {own, "GET", "/v1/ledger/proof/NOSUCH", 403},
      {"auditor", "GET", "/v1/balances", 403},
      {"", "GET", "/v1/balances", 401},
      {"", "POST", nhsa, 401},
      {"", "GET", "/metrics", 401},
      {"regulator", "GET", "/metrics", 200},
      {"bureau-310000", "GET", "/metrics", 200},
      {"bureau-440000", "GET", "/metrics", 403},
      {own, "GET", "/metrics", 403},
      {"", "GET", "/healthz", 200},
      {"", "GET", "/readyz", 200},
      {own, "GET", nhsa, 405},
      {own, "DELETE", "/v1/balances", 405},
      {own, "GET", "/v1/nothing", 404},
      // The console: bureaus and regulators; a hospital, a node or an unknown role gets 403.
      {"bureau-310000", "GET", "/console/", 200},
      {"regulator", "GET", "/console", 200},
      {"regulator", "GET", "/console/app.js", 200},
      {"bureau-610000", "GET", "/console/style.css", 200},
      {"regulator", "GET", "/console/nothing.js", 404},
      {"regulator", "POST", "/console/", 405},
      {own, "GET", "/console/", 403},
      {own, "GET", "/console/app.js", 403},
      {"node-310000", "GET", "/console/", 403},
      {"auditor", "GET", "/console/", 403},
      {"", "GET", "/console/", 401},
      // The month's clearing statement (none cleared here: 404 once allowed).
      {"bureau-310000", "GET", "/v1/clearing?period=2026-03", 404},
      {"bureau-310000", "GET", "/v1/clearing?period=2026-03&region=610000", 403},
      {"regulator", "GET", "/v1/clearing?period=2026-03&region=610000", 404},
      {"regulator", "GET", "/v1/clearing?period=2026-3", 400},
      {own, "GET", "/v1/clearing?period=2026-03", 403},
  };
  for (const Case& c : cases) {
    HttpsClient caller = client(c.who);
    std::string body;
    if (c.method == "POST") {
      body = request_text(0);  // the envelope of the scenario's hospital, whoever sends it
    }
    const auto verb = c.method == "POST"  ? boost::beast::http::verb::post
                      : c.method == "GET" ? boost::beast::http::verb::get
                                          : boost::beast::http::verb::delete_;
    const HttpAnswer answer = caller.request(verb, c.target, body);
    EXPECT_EQ(answer.status, c.status)
        << (c.who.empty() ? "(no certificate)" : c.who) << " " << c.method << " " << c.target
        << " → " << answer.body << answer.error;
  }
}

// The console's page carries who is looking as attribute values, escaped: a regulator's CN is
// any text. Only its three files are served.
TEST(Console, PageEscapesTheViewerAndServesOnlyItsFiles) {
  const ConsoleViewer viewer{
      "regulator", "a\"><script>x()</script>", "310000", {"310000", "610000"}};
  const ConsoleFile page = console_file("/console/", viewer);
  ASSERT_TRUE(page.found);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_NE(page.body.find("data-organisation=\"a&quot;&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("&quot;310000&quot;,&quot;610000&quot;"), std::string::npos);
  EXPECT_NE(page.body.find("上海市"), std::string::npos);
  EXPECT_EQ(page.body.find("{{"), std::string::npos);
  EXPECT_EQ(console_file("/console/app.js", viewer).content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(console_file("/console/style.css", viewer).content_type, "text/css; charset=utf-8");
  for (const char* path : {"/console/../server.cpp", "/console/app.js.map", "/consoles", "/"}) {
    EXPECT_FALSE(console_file(path, viewer).found) << path;
  }
}

// The regulators' audit report over HTTPS covers every region of the process: what was settled
// through the gateway is in the pair totals, and every ledger verifies.
TEST_F(Gateways, RegulatorReadsTheAuditReport) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  ASSERT_EQ(hospital.post("/v1/nhsa", request_text(0)).status, 200);
  HttpsClient regulator = client("regulator");
  const HttpAnswer answer = regulator.request(boost::beast::http::verb::get,
                                              "/v1/audit/report?from=2026-03-01&to=2026-03-31");
  ASSERT_EQ(answer.status, 200) << answer.body;
  Result<adapters::Json> report = adapters::parse_json(answer.body);
  ASSERT_TRUE(report.is_ok()) << report.status().message();
  EXPECT_TRUE(report->find("integrity")->find("intact")->boolean) << answer.body;
  const auto& ledgers = report->find("integrity")->find("ledgers")->items;
  EXPECT_EQ(ledgers.size(), regions_of(scenario_->reference).size());  // every region served here
  for (const adapters::Json& ledger : ledgers) EXPECT_TRUE(ledger.find("ok")->boolean);
  const adapters::Json* pairs = report->find("pairs");
  ASSERT_EQ(pairs->items.size(), 1u) << answer.body;
  EXPECT_EQ(pairs->items[0].find("insured")->text, kInsured);
  EXPECT_EQ(pairs->items[0].find("treating")->text, kTreating);
  EXPECT_EQ(pairs->items[0].find("entries")->text, "1");
  EXPECT_EQ(report->find("claims_by_status")->find("settled")->text, "1");
  const HttpAnswer page = regulator.request(
      boost::beast::http::verb::get, "/v1/audit/report?from=2026-03-01&to=2026-03-31&format=html");
  EXPECT_NE(page.body.find("<svg id=\"positions\""), std::string::npos);
}

// POST /v1/sandbox: the insured region's bureau and regulators ask what a draft would have cost;
// the policy in force as the draft changes nothing; other callers and bad drafts are refused.
TEST_F(Gateways, BureauAndRegulatorAskTheSandbox) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  ASSERT_EQ(hospital.post("/v1/sandbox", "{}").status, 403);
  ASSERT_EQ(hospital.post("/v1/nhsa", request_text(0)).status, 200);  // insured in 610100
  Result<adapters::Json> scenario = adapters::parse_json(
      testing::read_file(testing::source_path("tests/scenarios/worked_examples.json")));
  ASSERT_TRUE(scenario.is_ok());
  const std::string draft = testing::to_text(scenario->find("policies")->items.at(0));
  for (const std::string who : {"regulator", "bureau-610000"}) {
    const HttpAnswer answer = client(who).post("/v1/sandbox?from=2026-03-01&to=2026-03-31", draft);
    ASSERT_EQ(answer.status, 200) << who << " " << answer.body;
    Result<adapters::Json> result = adapters::parse_json(answer.body);
    ASSERT_TRUE(result.is_ok()) << answer.body;
    EXPECT_EQ(result->find("claims")->text, "1");
    EXPECT_EQ(result->find("delta")->find("fund_pay_sumamt")->text, "0.00");
    EXPECT_EQ(result->find("people")->find("same")->text, "1");
  }
  EXPECT_EQ(client("bureau-310000").post("/v1/sandbox", draft).status, 403);  // not its region
  EXPECT_EQ(client("regulator").post("/v1/sandbox?format=xml", draft).status, 400);
  const HttpAnswer bad = client("regulator").post("/v1/sandbox", "{\"format\":\"x\"}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("policy.format"), std::string::npos) << bad.body;
  const HttpAnswer page = client("regulator").post("/v1/sandbox?format=html", draft);
  EXPECT_NE(page.body.find("<svg id=\"groups\""), std::string::npos);
  EXPECT_EQ(client("regulator").request(boost::beast::http::verb::get, "/v1/sandbox").status, 405);
}

TEST_F(Gateways, BadClientsAreAnsweredAndChangeNothing) {
  const uint64_t insured_seq = last_seq(kInsured);
  const uint64_t treating_seq = last_seq(kTreating);
  const std::string body = request_text(0);
  // An untrusted CA, an expired certificate, one not yet valid.
  const Identity stranger = issue("stranger", {"hospital", kHospital, -3600, 86400, false}, true);
  const Identity expired = issue("expired", {"hospital", kHospital, -7200, -3600, false});
  const Identity future = issue("future", {"hospital", kHospital, 3600, 7200, false});
  for (const Identity& who : {stranger, expired, future}) {
    HttpsClient caller(port(kTreating), ca(), who);
    const HttpAnswer answer = caller.post("/v1/nhsa", body);
    EXPECT_EQ(answer.status, 401) << who.certificate_file << ": " << answer.body << answer.error;
  }
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  EXPECT_EQ(hospital.post("/v1/nhsa", "{\"infno\": \"2207\",").status, 400);
  EXPECT_EQ(hospital.post("/v1/nhsa", "[1,2,3]").status, 400);
  EXPECT_EQ(hospital.post("/v1/nhsa", "").status, 400);
  const HttpAnswer big = hospital.post("/v1/nhsa", std::string(2 << 20, ' '));
  EXPECT_EQ(big.status, 413) << big.error;
  // Invalid envelope: HTTP 200 with the interface's own rejection.
  adapters::Json broken = scenario_->requests[0];
  testing::set_string(broken, "msgid", "short");
  const HttpAnswer refused = hospital.post("/v1/nhsa", testing::to_text(broken));
  EXPECT_EQ(refused.status, 200);
  EXPECT_NE(refused.body.find("\"infcode\":-1"), std::string::npos) << refused.body;

  // Plain HTTP on the HTTPS port.
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port(kTreating)});
    const std::string plain = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(plain));
    std::string reply;
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(reply), ec);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  }
  EXPECT_EQ(last_seq(kInsured), insured_seq);
  EXPECT_EQ(last_seq(kTreating), treating_seq);
  EXPECT_EQ(set_->node(kTreating)->counters().claims_sent.load(), 0u);
}

// ID numbers and names reach neither Kafka nor any file a node writes (ledgers, intake, logs of
// RocksDB): every file under the ledgers directory is searched for them after a settlement.
TEST_F(Gateways, PersonalDataIsNeverWrittenAtRest) {
  const adapters::Json* data = scenario_->requests[0].find("input")->find("data");
  const std::string certno = data->find("certno")->text;
  const std::string name = data->find("psn_name")->text;
  ASSERT_GE(certno.size(), 15u);
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  ASSERT_EQ(hospital.post("/v1/nhsa", request_text(0)).status, 200);
  set_->stop();  // everything durable and closed
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ + "/ledgers")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = testing::read_file(entry.path().string());
    EXPECT_EQ(bytes.find(certno), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(name), std::string::npos) << entry.path();
  }
  EXPECT_GT(files, 10u);
}

class LimitedGateways : public Gateways {
 protected:
  void SetUp() override {}
};

TEST_F(LimitedGateways, PerClientRateIsLimitedWith429) {
  GatewayLimits limits;
  limits.client_requests_per_s = 1;
  limits.client_burst_requests = 3;
  start(limits);
  HttpsClient bureau = client("bureau-310000");
  std::vector<int> statuses;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) statuses.push_back(bureau.get("/v1/balances").status);
  const auto elapsed_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  // The burst passes; beyond it, one more request per second of elapsed time at most.
  EXPECT_EQ(statuses[0], 200);
  EXPECT_EQ(statuses[1], 200);
  EXPECT_EQ(statuses[2], 200);
  const auto passed = std::count(statuses.begin(), statuses.end(), 200);
  EXPECT_LE(passed, 3 + elapsed_s + 1) << ::testing::PrintToString(statuses);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 8 - passed)
      << ::testing::PrintToString(statuses);
  EXPECT_GE(8 - passed, 1);
  // Another client is not slowed down by this one.
  EXPECT_EQ(client("regulator").get("/v1/balances").status, 200);
}

TEST_F(LimitedGateways, ConnectionsBeyondTheLimitGet503) {
  GatewayLimits limits;
  limits.connections_max = 2;
  start(limits);
  HttpsClient a = client("bureau-310000");
  HttpsClient b = client("bureau-310000");
  HttpsClient c = client("bureau-310000");
  EXPECT_EQ(a.get("/v1/balances").status, 200);
  EXPECT_EQ(b.get("/v1/balances").status, 200);
  EXPECT_EQ(c.get("/v1/balances").status, 503);
}

TEST_F(LimitedGateways, SlowClientIsCutOffAfterTheReadTimeout) {
  GatewayLimits limits;
  limits.read_timeout_ms = 300;
  start(limits);
  // A TLS client that sends half a request header and then waits.
  boost::asio::io_context io;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  tls.load_verify_file(ca());
  tls.use_certificate_chain_file(pki_ + "/bureau-310000.pem");
  tls.use_private_key_file(pki_ + "/bureau-310000.key", boost::asio::ssl::context::pem);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(io, tls);
  boost::beast::get_lowest_layer(stream).connect(
      {boost::asio::ip::make_address("127.0.0.1"), port(kTreating)});
  stream.handshake(boost::asio::ssl::stream_base::client);
  boost::asio::write(stream, boost::asio::buffer(std::string("GET /v1/balances HTTP/1.1\r\nHo")));
  boost::beast::flat_buffer buffer;
  boost::beast::http::response<boost::beast::http::string_body> response;
  boost::system::error_code ec;
  const auto started = std::chrono::steady_clock::now();
  boost::beast::http::read(stream, buffer, response, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 408u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(LimitedGateways, UnansweredClaimIsPendingThenSettledOnceOnRetry) {
  GatewayLimits limits;
  limits.answer_timeout_ms = 0;  // every settlement outlives the answer timeout
  start(limits);
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const HttpAnswer first = hospital.post("/v1/nhsa", request_text(0));
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_NE(first.body.find("pending"), std::string::npos);
  // Wait until the settlement is in the treating ledger, then retry: the same single settlement.
  for (int i = 0; i < 500 && set_->node(kTreating)->counters().settlements_recorded == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(set_->node(kTreating)->counters().settlements_recorded.load(), 1u);
  const uint64_t insured_seq = last_seq(kInsured);
  GatewayLimits patient;
  // The same gateway still has answer_timeout_ms = 0; the timeline tells the hospital the outcome.
  const std::string msgid = scenario_->requests[0].find("msgid")->text;
  const HttpAnswer timeline = hospital.get("/v1/claims/" + msgid);
  ASSERT_EQ(timeline.status, 200);
  EXPECT_NE(timeline.body.find("\"step\":\"pending\""), std::string::npos) << timeline.body;
  const HttpAnswer retry = hospital.post("/v1/nhsa", request_text(0));
  EXPECT_TRUE(retry.status == 202 || retry.status == 200) << retry.status;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(last_seq(kInsured), insured_seq);
  EXPECT_EQ(set_->node(kTreating)->counters().settlements_recorded.load(), 1u);
}

}  // namespace
}  // namespace medclear::gateway
