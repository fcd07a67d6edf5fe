// Hostile clients against real gateways on loopback (issue 13, SECURITY.md). Each case holds one
// certificate of the development PKI — a hospital's, or none — and tries what an attacker would:
// numbers past every range, another hospital's msgid, a number where a string belongs, claims no
// node can answer, a memory bomb, anonymous connection floods, endless retries, a settlement for
// a claim never sent. Each expects a clear refusal, every region still serving, nothing changed
// in any ledger, and no data of another organisation in any answer.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <regex>
#include <thread>

#include "adapters/kafka.h"
#include "adapters/nhsa.h"
#include "adapters/topics.h"
#include "adapters/wire.h"
#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "gateway/app/region_set.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/tls/pki.h"
#include "ledger/directory.h"
#include "ledger/ledger.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using testing::HttpAnswer;
using testing::HttpsClient;
using testing::Identity;
using Json = adapters::Json;

constexpr const char* kHospitalA = "H31010400001";     // the scenario's hospital, in 310000
constexpr const char* kHospitalB = "H31010400002";     // another hospital of 310000
constexpr const char* kElsewhere = "H61010000009";     // a hospital of 610000
constexpr const char* kNotNetworked = "H31010400003";  // a facility of 310000, not networked
constexpr const char* kNoFacility = "H31010499999";    // a certificate, but no facility
constexpr const char* kTreating = "310000";
constexpr const char* kInsured = "610000";
const std::vector<std::string> kRegions{"310000", "440000", "610000"};

std::string field_of(const std::string& body, const std::string& key) {
  const std::regex field("\"" + key + "\":\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(body, match, field) ? match[1].str() : std::string();
}

// A msgid of `hospital`: its code + a fixed time + a 4-digit serial.
std::string msgid_of(const std::string& hospital, int serial) {
  char tail[8];
  std::snprintf(tail, sizeof tail, "%04d", serial % 10000);
  return hospital + "20260315110000" + tail;
}

struct LedgerView {
  uint64_t last_seq = 0;
  std::map<std::string, cl::Money> balances;
  size_t intakes = 0;
  bool operator==(const LedgerView&) const = default;
};

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {}

  void start(GatewayLimits limits = {}, int pending_deadline_ms = 300'000) {
    dir_ = testing::fresh_directory("security");
    pki_ = dir_ + "/pki";
    scenario_ = std::make_unique<adapters::Scenario>(testing::worked_examples());
    cl::ReferenceData& reference = scenario_->reference;
    reference.add_facility({kHospitalB, "310104", 3, true});
    // A person insured in a region this deployment has no node for.
    reference.add_person({"12000000000000000007", "120100", "390", "1701", {}, {}});
    // A person insured in the treating province, a facility not networked, and a hospital
    // certificate for a code that is no facility: for the multi-fault table.
    reference.add_person({"31000000000000000008", "310100", "390", "1701", {}, {}});
    reference.add_person({"61000000000000000009", "610100", "390", "1701", {}, {}});  // no filing
    reference.add_facility({kNotNetworked, "310104", 2, false});
    std::vector<DevHospital> hospitals{{kHospitalA, "310000", 3},
                                       {kHospitalB, "310000", 3},
                                       {kElsewhere, "610000", 2},
                                       {kNotNetworked, "310000", 2},
                                       {kNoFacility, "310000", 3}};
    ASSERT_TRUE(write_dev_pki(pki_, kRegions, hospitals).is_ok());
    RegionSetOptions options;
    options.regions = kRegions;
    options.ledgers_dir = dir_ + "/ledgers";
    options.pki_dir = pki_;
    options.partitions = 2;
    options.node.pending_deadline_ms = pending_deadline_ms;
    options.gateway.threads = 1;
    options.gateway.limits = limits;
    auto set = RegionSet::start(options, reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }

  void TearDown() override {
    if (set_) set_->stop();
  }

  HttpsClient client(const std::string& stem, const std::string& region = kTreating) const {
    const Identity identity =
        stem.empty() ? Identity{}
                     : Identity{pki_ + "/" + stem + ".pem", pki_ + "/" + stem + ".key"};
    return HttpsClient(set_->gateway(region)->port(), pki_ + "/ca.pem", identity);
  }
  HttpAnswer post(const std::string& hospital, const Json& envelope,
                  const std::string& region = kTreating) const {
    return client("hospital-" + hospital, region).post("/v1/nhsa", testing::to_text(envelope));
  }

  // Worked example A (an inpatient settlement of a 610100 resident at hospital A) as `msgid`.
  Json claim(const std::string& msgid) const {
    Json envelope = scenario_->requests.at(0);
    testing::set_string(envelope, "msgid", msgid);
    return envelope;
  }

  LedgerView view(const std::string& region) const {
    std::promise<LedgerView> promise;
    set_->node(region)->read([&](const lg::Ledger* l) {
      LedgerView v;
      if (l != nullptr) {
        v.last_seq = l->last_seq();
        v.balances = *l->balances();
        v.intakes = l->intakes()->size();
      }
      promise.set_value(std::move(v));
    });
    return promise.get_future().get();
  }
  std::map<std::string, LedgerView> views() const {
    std::map<std::string, LedgerView> out;
    for (const std::string& region : kRegions) out[region] = view(region);
    return out;
  }

  // Every region still answers, and is ready.
  void expect_all_serving() const {
    for (const std::string& region : kRegions) {
      HttpsClient c = client("regulator", region);
      EXPECT_EQ(c.get("/healthz").status, 200) << region;
      EXPECT_EQ(c.get("/readyz").status, 200) << region;
      EXPECT_FALSE(set_->node(region)->failure().has_value()) << region;
    }
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
};

TEST_F(Hostile, NumbersPastEveryRangeAreInvalidAmountsAndChangeNothing) {
  start();
  const auto before = views();
  struct Case {
    const char* where;  // data or line
    const char* key;
    std::string value;
    bool as_number;
  };
  const std::vector<Case> cases{
      {"data", "medfee_sumamt", "100000000000000", false},  // 15 digits: 10^16 fen, past money
      {"data", "medfee_sumamt", "100000000000000", true},
      {"data", "medfee_sumamt", "99999999999999.99", false},  // fits numeric(16,2), past a claim
      {"data", "medfee_sumamt", "1e15", true},
      {"data", "medfee_sumamt", "-5", false},
      {"line", "pric", "10000000000000", false},  // would overflow int64 at scale 6
      {"line", "pric", "10000000000", true},      // 11 digits: past numeric(16,6)
      {"line", "cnt", "1000000000000", false},    // 13 digits: past numeric(16,4)
      {"line", "det_item_fee_sumamt", "12345678901234567", false},
      {"line", "det_item_fee_sumamt", "0.001", false},
  };
  int serial = 1;
  for (const Case& c : cases) {
    Json envelope = claim(msgid_of(kHospitalA, serial++));
    Json& target =
        std::string(c.where) == "data" ? testing::data_of(envelope) : testing::line_of(envelope, 0);
    if (c.as_number) {
      testing::set_number(target, c.key, c.value);
    } else {
      testing::set_string(target, c.key, c.value);
    }
    const HttpAnswer answer = post(kHospitalA, envelope);
    ASSERT_EQ(answer.status, 200) << c.key << "=" << c.value << ": " << answer.error;
    EXPECT_EQ(field_of(answer.body, "err_code"), "invalid_amount")
        << c.key << "=" << c.value << ": " << answer.body;
  }
  // The same body from another region's hospital never reaches the parser.
  Json envelope = claim(msgid_of(kElsewhere, 1));
  testing::set_string(testing::data_of(envelope), "medfee_sumamt", "100000000000000");
  EXPECT_EQ(post(kElsewhere, envelope).status, 403);
  expect_all_serving();
  EXPECT_EQ(views(), before);
}

TEST_F(Hostile, AMsgidBelongsToItsHospital) {
  start();
  const std::string a_msgid = msgid_of(kHospitalA, 7);
  // B squats on A's msgid first, with its own content: refused, nothing kept.
  Json squat = claim(a_msgid);
  testing::set_string(squat, "fixmedins_code", kHospitalB);
  const HttpAnswer squatted = post(kHospitalB, squat);
  ASSERT_EQ(squatted.status, 200) << squatted.error;
  EXPECT_EQ(field_of(squatted.body, "err_code"), "invalid_msgid") << squatted.body;
  EXPECT_EQ(client("hospital-" + std::string(kHospitalB)).get("/v1/claims/" + a_msgid).status, 404);

  // A settles its own claim; then B, sending under A's msgid, learns nothing of it.
  const HttpAnswer settled = post(kHospitalA, claim(a_msgid));
  ASSERT_EQ(settled.status, 200) << settled.error;
  const std::string setl_id = field_of(settled.body, "setl_id");
  ASSERT_FALSE(setl_id.empty()) << settled.body;
  const HttpAnswer after = post(kHospitalB, squat);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(field_of(after.body, "err_code"), "invalid_msgid");
  EXPECT_EQ(after.body.find(setl_id), std::string::npos) << after.body;
  EXPECT_EQ(after.body.find("61000000000000000001"), std::string::npos) << after.body;
  EXPECT_EQ(after.body.find("MD0001"), std::string::npos) << after.body;
  // A's timeline is A's: B gets 403, A reads it with its own hospital code.
  EXPECT_EQ(client("hospital-" + std::string(kHospitalB)).get("/v1/claims/" + a_msgid).status, 403);
  const HttpAnswer timeline =
      client("hospital-" + std::string(kHospitalA)).get("/v1/claims/" + a_msgid);
  ASSERT_EQ(timeline.status, 200);
  EXPECT_EQ(field_of(timeline.body, "fixmedins_code"), kHospitalA);
  EXPECT_EQ(field_of(timeline.body, "setl_id"), setl_id);
  // B may not cancel A's settlement either.
  Json cancel = testing::cancel_of(claim(a_msgid), setl_id, msgid_of(kHospitalB, 8));
  testing::set_string(cancel, "fixmedins_code", kHospitalB);
  const HttpAnswer cancelled = post(kHospitalB, cancel);
  ASSERT_EQ(cancelled.status, 200);
  EXPECT_EQ(field_of(cancelled.body, "err_code"), "unknown_settlement") << cancelled.body;
  expect_all_serving();
}

TEST_F(Hostile, AValueOfTheWrongTypeIsRefused) {
  start();
  const auto before = views();
  {  // the treating division as a number: not provably this region's
    Json envelope = claim(msgid_of(kHospitalA, 20));
    testing::set_number(envelope, "mdtrtarea_admvs", "440104");
    EXPECT_EQ(post(kHospitalA, envelope).status, 403);
    testing::set_string(envelope, "mdtrtarea_admvs", "440104");
    EXPECT_EQ(post(kHospitalA, envelope).status, 403);
  }
  {
    Json envelope = claim(msgid_of(kHospitalA, 21));
    testing::set_number(envelope, "fixmedins_code", "310104000010");
    EXPECT_EQ(post(kHospitalA, envelope).status, 403);
  }
  // String fields of the national interface take strings only.
  for (const char* key : {"psn_no", "med_type", "insutype", "mdtrt_id", "acct_used_flag"}) {
    Json envelope = claim(msgid_of(kHospitalA, 22));
    testing::set_number(testing::data_of(envelope), key, "61");
    const HttpAnswer answer = post(kHospitalA, envelope);
    ASSERT_EQ(answer.status, 200) << key;
    EXPECT_EQ(field_of(answer.body, "err_code"), "malformed_message") << key << ": " << answer.body;
  }
  {
    Json envelope = claim(msgid_of(kHospitalA, 23));
    testing::set_number(envelope, "insuplc_admdvs", "610100");
    const HttpAnswer answer = post(kHospitalA, envelope);
    EXPECT_EQ(field_of(answer.body, "err_code"), "malformed_message") << answer.body;
  }
  {  // money still takes a number or a decimal string
    Json envelope = claim(msgid_of(kHospitalA, 24));
    testing::set_string(testing::data_of(envelope), "medfee_sumamt", "50000.00");
    const HttpAnswer answer = post(kHospitalA, envelope);
    EXPECT_NE(field_of(answer.body, "setl_id"), "") << answer.body;
  }
  expect_all_serving();
  const auto after = views();
  EXPECT_EQ(after.at("440000"), before.at("440000"));  // no other region booked anything
}

TEST_F(Hostile, AClaimInsuredWhereNoNodeServesIsRefusedAtOnce) {
  start();
  const auto before = views();
  Json envelope = claim(msgid_of(kHospitalA, 30));
  testing::set_string(envelope, "insuplc_admdvs", "120100");
  testing::set_string(testing::data_of(envelope), "psn_no", "12000000000000000007");
  const auto started = std::chrono::steady_clock::now();
  const HttpAnswer answer = post(kHospitalA, envelope);
  ASSERT_EQ(answer.status, 200) << answer.error;
  EXPECT_EQ(field_of(answer.body, "err_code"), "region_not_served") << answer.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(set_->node(kTreating)->claims_in_flight(), 0u);
  EXPECT_EQ(views(), before);
  expect_all_serving();
}

TEST_F(Hostile, AJsonMemoryBombIsRefusedEarly) {
  start();
  std::string bomb = "[";
  while (bomb.size() < (1 << 20) - 8) bomb += "{},";
  bomb += "{}]";
  std::string deep(200, '[');
  deep += std::string(200, ']');
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const long peak_before_kb = usage.ru_maxrss;
  HttpsClient hospital = client("hospital-" + std::string(kHospitalA));
  for (const std::string& body : {bomb, deep}) {
    const HttpAnswer answer = hospital.post("/v1/nhsa", body);
    EXPECT_EQ(answer.status, 400) << answer.body.substr(0, 200);
  }
  getrusage(RUSAGE_SELF, &usage);
  // The whole process (three regions, broker, test) grew by less than 64 MB for a 1 MiB body.
  EXPECT_LT(usage.ru_maxrss - peak_before_kb, 64 * 1024) << "peak RSS grew by KB";
  expect_all_serving();
}

TEST_F(Hostile, AnonymousConnectionsAreBoundedPerAddressAndTimedOut) {
  GatewayLimits limits;
  limits.unverified_connections_per_address_max = 4;
  limits.handshake_timeout_ms = 1500;
  start(limits);
  std::vector<std::unique_ptr<HttpsClient>> anonymous;
  for (int i = 0; i < 4; ++i) {
    anonymous.push_back(std::make_unique<HttpsClient>(set_->gateway(kTreating)->port(),
                                                      pki_ + "/ca.pem", Identity{}));
    EXPECT_EQ(anonymous.back()->get("/healthz").status, 200) << i;
  }
  HttpsClient fifth = client("");
  EXPECT_EQ(fifth.get("/healthz").status, 0) << "a fifth anonymous connection from one address";
  // Before its handshake nobody's certificate is known: the address is full for everyone on it
  // (an attacker blocks only its own address), while another region's gateway is untouched.
  EXPECT_EQ(client("hospital-" + std::string(kHospitalA)).get("/healthz").status, 0);
  EXPECT_EQ(client("regulator", kInsured).get("/healthz").status, 200);
  // After the handshake timeout the anonymous connections are closed and the address is free.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  for (auto& connection : anonymous) {
    EXPECT_EQ(connection->get("/healthz").status, 0) << "still open after handshake_timeout_ms";
  }
  HttpsClient hospital = client("hospital-" + std::string(kHospitalA));
  EXPECT_EQ(hospital.get("/healthz").status, 200);
  // A certified connection is no longer counted: it stays open beside four new anonymous ones.
  std::vector<std::unique_ptr<HttpsClient>> again;
  for (int i = 0; i < 4; ++i) {
    again.push_back(std::make_unique<HttpsClient>(set_->gateway(kTreating)->port(),
                                                  pki_ + "/ca.pem", Identity{}));
    EXPECT_EQ(again.back()->get("/healthz").status, 200) << i;
  }
  EXPECT_EQ(hospital.get("/healthz").status, 200);
  again.clear();  // closed by the clients: the address is free again
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  expect_all_serving();
}

TEST_F(Hostile, RetriesAreCountedNotAppended) {
  start();
  const std::string msgid = msgid_of(kHospitalA, 40);
  HttpsClient hospital = client("hospital-" + std::string(kHospitalA));
  const std::string body = testing::to_text(claim(msgid));
  for (int i = 0; i < 300; ++i) ASSERT_EQ(hospital.post("/v1/nhsa", body).status, 200) << i;
  const HttpAnswer timeline = hospital.get("/v1/claims/" + msgid);
  ASSERT_EQ(timeline.status, 200);
  EXPECT_LT(timeline.body.size(), 4096u) << timeline.body.substr(0, 400);
  EXPECT_NE(timeline.body.find("\"count\":300"), std::string::npos) << timeline.body;
}

TEST_F(Hostile, ASettlementForNoClaimOfTheIntakeIsDeadLettered) {
  start();
  const auto before = views();
  // Forge what the insured region would answer to a claim hospital A never sent.
  cl::SettlementRecord record;
  record.msgid = msgid_of(kHospitalA, 50);
  record.setl_id = "610100202603150000099999";
  record.infno = cl::Transaction::kOutpatientSettle;
  record.insuplc_admdvs = "610100";
  record.mdtrtarea_admvs = "310104";
  record.fixmedins_code = kHospitalA;
  record.psn_no = "61000000000000000001";
  record.insutype = "390";
  record.med_type = "11";
  record.fingerprint = "forged";
  record.setl_time = {*cl::Date::from_ymd(2026, 3, 15), 3600};
  record.amounts.medfee_sumamt = cl::Money::from_fen(100'000'00);
  record.amounts.inscp_scp_amt = record.amounts.medfee_sumamt;
  record.amounts.hifp_pay = record.amounts.medfee_sumamt;
  record.amounts.fund_pay_sumamt = record.amounts.medfee_sumamt;
  record.amounts.details.push_back({cl::Fund::kResidentPool, record.amounts.medfee_sumamt,
                                    record.amounts.medfee_sumamt, record.amounts.medfee_sumamt});
  ASSERT_TRUE(cl::check_identities(record.amounts, false).is_ok());
  adapters::KafkaConfig kafka;
  kafka.bootstrap_servers = set_->bootstrap_servers();
  auto producer = adapters::Producer::create(kafka);
  ASSERT_TRUE(producer.is_ok());
  const std::string message = adapters::encode_settlement({record.msgid, {}, record, false});
  ASSERT_TRUE(
      (*producer)->produce(adapters::settlements_topic(kTreating), record.msgid, message).is_ok());
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  const NodeCounters& counters = set_->node(kTreating)->counters();
  for (int i = 0; i < 200 && counters.settlements_unsolicited.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(counters.settlements_unsolicited.load(), 1u);
  EXPECT_EQ(counters.settlements_recorded.load(), 0u);
  EXPECT_EQ(views(), before);
  expect_all_serving();
}

// A claim whose insured region does not answer in time leaves the intake (its timeline says
// expired); when the insured node later books it, the treating node refuses the settlement (it
// is no longer in the intake) and the nightly reconciliation finds exactly that claim missing on
// the treating side and resolves it with an adjustment.
TEST_F(Hostile, AnExpiredClaimBookedLaterIsFoundAndResolvedByReconciliation) {
  GatewayLimits limits;
  limits.answer_timeout_ms = 300;
  start(limits, /*pending_deadline_ms=*/1500);
  set_->node(kInsured)->stop();  // the insured region is down
  const std::string msgid = msgid_of(kHospitalA, 60);
  HttpsClient hospital = client("hospital-" + std::string(kHospitalA));
  const HttpAnswer kept = hospital.post("/v1/nhsa", testing::to_text(claim(msgid)));
  ASSERT_EQ(kept.status, 202) << kept.body;
  for (int i = 0; i < 100 && set_->node(kTreating)->claims_in_flight() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(set_->node(kTreating)->claims_in_flight(), 0u);
  EXPECT_EQ(set_->node(kTreating)->counters().claims_expired.load(), 1u);
  EXPECT_EQ(view(kTreating).intakes, 0u);
  const HttpAnswer timeline = hospital.get("/v1/claims/" + msgid);
  EXPECT_NE(timeline.body.find("\"step\":\"expired\""), std::string::npos) << timeline.body;

  // The insured region comes back and books the claim it finds on its topic.
  ASSERT_TRUE(set_->restart_node(kInsured).is_ok());
  const NodeCounters& treating = set_->node(kTreating)->counters();
  for (int i = 0; i < 200 && treating.settlements_unsolicited.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(treating.settlements_unsolicited.load(), 1u);
  EXPECT_EQ(view(kTreating).last_seq, 0u);
  EXPECT_EQ(view(kInsured).last_seq, 1u);
  set_->stop();
  set_.reset();  // the ledgers are closed with their nodes

  Result<lg::LedgerSet> opened = lg::open_ledger_set(dir_ + "/ledgers");
  ASSERT_TRUE(opened.is_ok()) << opened.status().message();
  const cl::Date day = *cl::Date::from_ymd(2026, 3, 15);
  Result<std::vector<PairStatement>> statements =
      reconcile_day(opened->ledgers, day, std::pair<std::string, std::string>{kInsured, kTreating});
  ASSERT_TRUE(statements.is_ok()) << statements.status().message();
  ASSERT_EQ(statements->size(), 1u);
  const PairStatement& statement = statements->front();
  ASSERT_EQ(statement.result.differences.size(), 1u);
  EXPECT_EQ(statement.result.differences[0].kind, cl::DiffKind::kMissingOnTreating);
  size_t adjustments = 0;
  ASSERT_TRUE(record_statement(opened->directories.at(kInsured), opened->directories.at(kTreating),
                               statement, day, &adjustments)
                  .is_ok());
  EXPECT_EQ(adjustments, 1u);
  lg::Ledger& insured = *opened->directories.at(kInsured).ledger;
  lg::Ledger& treating_ledger = *opened->directories.at(kTreating).ledger;
  EXPECT_EQ(treating_ledger.balance("receivable:" + std::string(kInsured)),
            -insured.balance("payable:" + std::string(kTreating)));
  EXPECT_FALSE(treating_ledger.balance("receivable:" + std::string(kInsured)).is_zero());
}

// Long reads (audit scans, reconciliation items) run over a snapshot on the node's reader thread:
// one that takes its time stalls no claim, and sees the ledger as it was when it was taken.
TEST_F(Hostile, ALongReadStallsNoClaim) {
  start();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<uint64_t> seen;
  set_->node(kTreating)->read_snapshot([&](const lg::Ledger* ledger) {
    released.wait();  // a read that takes as long as the claim below
    seen.set_value(ledger != nullptr ? ledger->last_seq() : UINT64_MAX);
  });
  const HttpAnswer settled = post(kHospitalA, claim(msgid_of(kHospitalA, 70)));
  ASSERT_EQ(settled.status, 200) << settled.body;
  EXPECT_NE(field_of(settled.body, "setl_id"), "") << settled.body;
  EXPECT_EQ(view(kTreating).last_seq, 1u);
  release.set_value();
  EXPECT_EQ(seen.get_future().get(), 0u);  // the view was taken before the settlement
}

// A hostile client asking for long reads faster than they run cannot make the node hold an
// unbounded backlog of them (each holds a request and, later, a snapshot): past 64 waiting, the
// next one is answered at once with no ledger (the gateway's 503), and the waiting ones all run.
TEST_F(Hostile, LongReadsPastTheBacklogAreRefusedAtOnce) {
  start();
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  RegionNode* node = set_->node(kTreating);
  node->read_snapshot([&](const lg::Ledger*) {
    started.set_value();
    released.wait();  // the reader thread is busy with this one
  });
  started.get_future().wait();
  constexpr int kBacklog = 64;  // gateway/node/node.cpp kSnapshotBacklogMax
  std::atomic<int> ran_with_ledger{0}, ran{0};
  std::promise<void> all_ran;
  for (int i = 0; i < kBacklog; ++i) {
    node->read_snapshot([&](const lg::Ledger* ledger) {
      if (ledger != nullptr) ++ran_with_ledger;
      if (++ran == kBacklog) all_ran.set_value();
    });
  }
  EXPECT_EQ(ran.load(), 0);  // all waiting behind the first
  bool refused = false;
  node->read_snapshot([&](const lg::Ledger* ledger) { refused = ledger == nullptr; });
  EXPECT_TRUE(refused) << "the 65th waiting read was not refused at once";
  // Claims still settle while the reads wait.
  const HttpAnswer settled = post(kHospitalA, claim(msgid_of(kHospitalA, 71)));
  EXPECT_EQ(settled.status, 200) << settled.body;
  release.set_value();
  all_ran.get_future().wait();
  EXPECT_EQ(ran_with_ledger.load(), kBacklog);
  // The backlog drained: a read is taken again.
  std::promise<bool> again;
  node->read_snapshot([&](const lg::Ledger* ledger) { again.set_value(ledger != nullptr); });
  EXPECT_TRUE(again.get_future().get());
}

// The stateless checks live once (clearing/admission.h): requests with several faults get the same
// err_code from the offline engine (`medclear adjudicate`), the node in process and HTTPS.
TEST_F(Hostile, MultiFaultRequestsAnswerAlikeOnEveryPath) {
  start();
  struct Case {
    const char* name;
    const char* hospital;
    std::function<void(Json&)> edit;
    bool settle_first;  // the same msgid is settled first with the unedited claim
    const char* expected;
  };
  auto same_province = [](Json& j) { testing::set_string(j, "insuplc_admdvs", "310100"); };
  auto mismatch = [](Json& j) {
    testing::set_string(testing::data_of(j), "medfee_sumamt", "1.00");
  };
  auto stranger = [](Json& j) {
    testing::set_string(testing::data_of(j), "psn_no", "61000000000000009999");
  };
  auto local_person = [](Json& j) {
    testing::set_string(testing::data_of(j), "psn_no", "31000000000000000008");
  };
  const std::vector<Case> cases{
      {"amount_mismatch + same province", kHospitalA,
       [&](Json& j) {
         mismatch(j);
         same_province(j);
       },
       false, "amount_mismatch"},
      {"unknown person + same province", kHospitalA,
       [&](Json& j) {
         stranger(j);
         same_province(j);
       },
       false, "unknown_person"},
      {"duplicate line + unknown person", kHospitalA,
       [&](Json& j) {
         stranger(j);
         testing::set_string(testing::line_of(j, 1), "feedetl_sn", "1");
       },
       false, "duplicate_fee_line"},
      {"same province + no such facility", kNoFacility,
       [&](Json& j) {
         local_person(j);
         same_province(j);
       },
       false, "not_cross_province"},
      {"insutype mismatch + not networked", kNotNetworked,
       [&](Json& j) { testing::set_string(testing::data_of(j), "insutype", "310"); }, false,
       "insutype_mismatch"},
      {"not networked + no filing", kNotNetworked,
       [&](Json& j) { testing::set_string(testing::data_of(j), "psn_no", "61000000000000000009"); },
       false, "facility_not_networked"},
      {"no such facility", kNoFacility, [](Json&) {}, false, "unknown_facility"},
      {"msgid reused + amount mismatch", kHospitalA, [&](Json& j) { mismatch(j); }, true,
       "msgid_reused_with_different_payload"},
      {"unserved region + amount mismatch", kHospitalA,
       [&](Json& j) {
         mismatch(j);
         testing::set_string(j, "insuplc_admdvs", "120100");
         testing::set_string(testing::data_of(j), "psn_no", "12000000000000000007");
       },
       false, "amount_mismatch"},
      {"msgid of another hospital + amount mismatch", kHospitalA,
       [&](Json& j) {
         mismatch(j);
         testing::set_string(j, "msgid", msgid_of(kHospitalB, 99));
       },
       false, "invalid_msgid"},
  };
  clearing::Engine engine(scenario_->reference);
  clearing::MemoryState state;
  int serial = 100;
  for (const Case& c : cases) {
    std::map<std::string, std::string> answers;  // path → err_code
    for (const char* path : {"adjudicate", "node", "https"}) {
      Json envelope = claim(msgid_of(c.hospital, ++serial));
      testing::set_string(envelope, "fixmedins_code", c.hospital);
      Json edited = envelope;
      c.edit(edited);
      auto answer = [&](const Json& request) -> std::string {
        const std::string body = testing::to_text(request);
        if (std::string(path) == "adjudicate")
          return testing::submit(engine, state, body).err_code();
        if (std::string(path) == "node") {
          const adapters::NhsaParse parse =
              adapters::parse_nhsa_request(body, scenario_->reference.codes);
          if (!parse.request) return std::string(cl::name(parse.rejection.reason));
          return std::string(
              cl::name(set_->node(kTreating)->submit(*parse.request).get().rejection.reason));
        }
        const HttpAnswer http = post(c.hospital, request);
        EXPECT_EQ(http.status, 200) << c.name << ": " << http.body;
        return field_of(http.body, "err_code");
      };
      if (c.settle_first) {
        EXPECT_EQ(answer(envelope), "") << c.name << " via " << path;
      }
      answers[path] = answer(edited);
    }
    EXPECT_EQ(answers["adjudicate"], c.expected) << c.name;
    EXPECT_EQ(answers["node"], c.expected) << c.name;
    EXPECT_EQ(answers["https"], c.expected) << c.name;
  }
  expect_all_serving();
}

}  // namespace
}  // namespace medclear::gateway
