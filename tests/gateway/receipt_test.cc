// Receipts over real HTTPS with the development PKI (GET /v1/claims/{msgid}/receipt): 409 before
// the business day is sealed, 200 for the sending hospital after, refused to everybody else; the
// receipt verifies offline with `medclear ledger verify-proof`, and a one-byte change does not.
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "gateway/app/region_set.h"
#include "gateway/backoffice/receipt.h"
#include "gateway/tls/pki.h"
#include "ledger/ledger.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

using testing::HttpAnswer;
using testing::HttpsClient;
using testing::Identity;

constexpr const char* kHospital = "H31010400001";  // the scenario's hospital, in 310000
constexpr const char* kTreating = "310000";

class Receipts : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_directory("receipt");
    pki_ = dir_ + "/pki";
    scenario_ = std::make_unique<adapters::Scenario>(testing::worked_examples());
    const auto& reference = scenario_->reference;
    std::vector<DevHospital> hospitals;
    for (const auto& [code, facility] : reference.facilities()) {
      hospitals.push_back({code, ledger::region_of(facility.admdvs), facility.level});
    }
    hospitals.push_back({"H31010400099", "310000", 2});  // another hospital of the same region
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
    return HttpsClient(set_->gateway(kTreating)->port(), pki_ + "/ca.pem",
                       Identity{pki_ + "/" + stem + ".pem", pki_ + "/" + stem + ".key"});
  }

  // Seals the treating region's ledger through the business day of the entry under `msgid`, with
  // the region's own seal key, on its node's worker (as the nightly job would).
  void seal_day_of(const std::string& msgid) {
    Result<ledger::SigningKey> key =
        ledger::SigningKey::load_private_pem(dir_ + "/ledgers/" + kTreating + "/seal-key.pem");
    ASSERT_TRUE(key.is_ok()) << key.status().message();
    std::promise<Status> sealed;
    set_->node(kTreating)->write(
        [&](ledger::Ledger& l) {
          Result<ledger::DecodedEntry> entry = l.entry(l.seq_by_msgid(msgid).value_or(0));
          if (!entry.is_ok()) return entry.status();
          return l.seal_through(entry->entry.day, *key).status();
        },
        [&](Status status) { sealed.set_value(status); });
    const Status status = sealed.get_future().get();
    ASSERT_TRUE(status.is_ok()) << status.message();
  }

  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
};

TEST_F(Receipts, TheSendingHospitalGetsAReceiptOnceItsDayIsSealedAndItVerifiesOffline) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  ASSERT_EQ(hospital.post("/v1/nhsa", testing::to_text(scenario_->requests[0])).status, 200);
  const std::string msgid = scenario_->requests[0].find("msgid")->text;
  const std::string route = "/v1/claims/" + msgid + "/receipt";

  const HttpAnswer early = hospital.get(route);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("not sealed yet"), std::string::npos) << early.body;
  seal_day_of(msgid);

  const HttpAnswer answer = hospital.get(route);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find("\"format\":\"medclear.receipt.v1\""), std::string::npos);
  EXPECT_NE(answer.body.find("\"msgid\":\"" + msgid + "\""), std::string::npos);
  // Nobody else: the region's bureau and node, a regulator (403); another hospital is not told
  // whether the msgid exists (404, as for a msgid nobody sent).
  for (const char* other : {"bureau-310000", "node-310000", "regulator"}) {
    EXPECT_EQ(client(other).get(route).status, 403) << other;
  }
  EXPECT_EQ(client("hospital-H31010400099").get(route).status, 404);
  EXPECT_EQ(hospital.get("/v1/claims/" + msgid.substr(0, 26) + "9998/receipt").status, 404);

  // Offline: verified with the key the receipt names, and with the region's key pinned.
  const std::string file = write("receipt.json", answer.body);
  const std::string pinned = " --pubkey " + dir_ + "/ledgers/310000/seal-key.pub.pem";
  auto [status, output] = testing::run_medclear("ledger verify-proof --proof " + file + " 2>&1");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("\nverified\n"), std::string::npos) << output;
  EXPECT_NE(output.find("medfee_sumamt"), std::string::npos) << output;
  EXPECT_EQ(testing::run_medclear("ledger verify-proof --proof " + file + pinned).first, 0);
  // Another region's key pinned: refused.
  const auto [other_key, other_output] =
      testing::run_medclear("ledger verify-proof --proof " + file + " --pubkey " + dir_ +
                            "/ledgers/610000/seal-key.pub.pem 2>&1");
  EXPECT_EQ(other_key, 1) << other_output;
  EXPECT_NE(other_output.find("altered: "), std::string::npos) << other_output;
}

// Every single-byte change of the entry (one hex digit at a time, across the whole entry) and of
// the readable amounts makes the receipt "altered", naming why.
TEST_F(Receipts, AnyChangedByteOfTheEntryOrItsReadableAmountsIsAltered) {
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  ASSERT_EQ(hospital.post("/v1/nhsa", testing::to_text(scenario_->requests[0])).status, 200);
  const std::string msgid = scenario_->requests[0].find("msgid")->text;
  seal_day_of(msgid);
  const HttpAnswer answer = hospital.get("/v1/claims/" + msgid + "/receipt");
  ASSERT_EQ(answer.status, 200) << answer.body;
  Result<adapters::Json> genuine = adapters::parse_json(answer.body);
  ASSERT_TRUE(genuine.is_ok());
  ASSERT_TRUE(verify_receipt(*genuine, nullptr).is_ok());

  const size_t begin = answer.body.find("\"entry\":\"") + 9;
  const size_t end = answer.body.find('"', begin);
  for (size_t at = begin; at < end; ++at) {
    std::string forged = answer.body;
    forged[at] = forged[at] == '0' ? '1' : '0';
    Result<adapters::Json> json = adapters::parse_json(forged);
    ASSERT_TRUE(json.is_ok());
    EXPECT_FALSE(verify_receipt(*json, nullptr).is_ok()) << "hex digit " << at - begin;
  }
  // The readable copy of an amount, changed while the entry stays genuine.
  std::string forged = answer.body;
  const size_t amount = forged.find("\"medfee_sumamt\":\"") + 17;
  forged[amount] = forged[amount] == '9' ? '8' : '9';
  const std::string file = write("forged.json", forged);
  auto [status, output] = testing::run_medclear("ledger verify-proof --proof " + file + " 2>&1");
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("altered: settlement.medfee_sumamt says"), std::string::npos) << output;
  // One byte of the entry through the command: exit 1, "altered".
  forged = answer.body;
  forged[begin + 300] = forged[begin + 300] == '0' ? '1' : '0';
  std::tie(status, output) = testing::run_medclear("ledger verify-proof --proof " +
                                                   write("forged-entry.json", forged) + " 2>&1");
  EXPECT_EQ(status, 1) << output;
  EXPECT_EQ(output.rfind("altered: ", 0), 0u) << output;
}

}  // namespace
}  // namespace medclear::gateway
