// Reconciliation between two region nodes over their node-to-node HTTPS endpoint (POST /v1/recon,
// role node, mutual TLS): the insured node's side in its process, the treating node answering
// each round over the network. It finds exactly the injected differences of every kind, with the
// same protocol bytes as in process; only the insured region's node may ask; malformed rounds get
// a 400 and change nothing.
#include "gateway/recon/recon_peer.h"

#include <gtest/gtest.h>

#include <future>
#include <iostream>

#include "adapters/json.h"
#include "gateway/app/region_set.h"
#include "gateway/recon/nightly.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/tls/pki.h"
#include "ledger/crypto.h"
#include "ledger/recon_items.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

std::vector<cl::ReconItem> items_of(RegionSet& set, const std::string& region, cl::Date day,
                                    const std::pair<std::string, std::string>& pair) {
  std::promise<std::vector<cl::ReconItem>> items;
  set.node(region)->read([&](const lg::Ledger* ledger) {
    Result<lg::PairItems> read = lg::recon_items(*ledger, day);
    auto it = read.is_ok() ? read->find(pair) : read->end();
    items.set_value(read.is_ok() && it != read->end() ? it->second : std::vector<cl::ReconItem>{});
  });
  return items.get_future().get();
}

TEST(ReconPeer, NodesReconcileOverHttpsFindingExactlyTheDifferences) {
  const std::string root = testing::fresh_directory("recon-peer");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  const cl::SettlementRecord& base = records.front();
  const std::string insured = lg::region_of(base.insuplc_admdvs);
  const std::string treating = lg::region_of(base.mdtrtarea_admvs);
  const cl::Date day = base.setl_time.date;
  std::map<std::string, cl::DiffKind> injected;
  {
    auto dirs = testing::write_ledgers(root + "/ledgers", records);
    lg::Ledger& ins = *dirs.at(insured).ledger;
    lg::Ledger& trt = *dirs.at(treating).ledger;
    const cl::SettlementRecord only_treating = testing::renamed(base, "00001");
    const cl::SettlementRecord only_insured = testing::renamed(base, "00002");
    const cl::SettlementRecord differs = testing::renamed(base, "00003");
    cl::SettlementRecord differs_treating = differs;
    // 1.00 more between the regions (the account pays it, the counter 1.00 less).
    differs_treating.amounts.acct_pay += cl::Money::from_fen(100);
    differs_treating.amounts.psn_cash_pay -= cl::Money::from_fen(100);
    ASSERT_TRUE(trt.stage(only_treating, lg::Side::kTreating).is_ok());
    ASSERT_TRUE(ins.stage(only_insured, lg::Side::kInsured).is_ok());
    ASSERT_TRUE(ins.stage(differs, lg::Side::kInsured).is_ok());
    Result<lg::Ledger::Staged> staged = trt.stage(differs_treating, lg::Side::kTreating);
    ASSERT_TRUE(staged.is_ok()) << staged.status().message();
    ASSERT_TRUE(ins.commit().is_ok());
    ASSERT_TRUE(trt.commit().is_ok());
    ASSERT_TRUE(dirs.at(insured).seal_key().is_ok());  // created with the directory's key files
    ASSERT_TRUE(dirs.at(treating).seal_key().is_ok());
    injected = {{only_treating.setl_id, cl::DiffKind::kMissingOnInsured},
                {only_insured.setl_id, cl::DiffKind::kMissingOnTreating},
                {differs.setl_id, cl::DiffKind::kAmountDiffers}};
  }  // the ledgers close; the nodes open them
  const adapters::Scenario scenario = testing::worked_examples();
  const std::string pki = root + "/pki";
  ASSERT_TRUE(write_dev_pki(pki, regions_of(scenario.reference), {}).is_ok());
  RegionSetOptions options;
  options.regions = regions_of(scenario.reference);
  options.ledgers_dir = root + "/ledgers";
  options.pki_dir = pki;
  options.partitions = 2;
  options.gateway.threads = 1;
  auto set = RegionSet::start(options, scenario.reference);
  ASSERT_TRUE(set.is_ok()) << set.status().message();

  const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
  cl::ReconSide mine(items_of(**set, insured, day, {insured, treating}), hash);
  ReconPeerOptions peer_options{"127.0.0.1",
                                (*set)->gateway(treating)->port(),
                                pki + "/ca.pem",
                                pki + "/node-" + insured + ".pem",
                                pki + "/node-" + insured + ".key",
                                30'000,
                                treating};
  HttpsReconPeer peer(peer_options, day, insured, treating);
  const std::optional<cl::ReconResult> remote = cl::reconcile(mine, peer);
  ASSERT_TRUE(remote.has_value()) << peer.error();
  std::map<std::string, cl::DiffKind> found;
  for (const cl::ReconDifference& d : remote->differences) found[d.setl_id] = d.kind;
  EXPECT_EQ(found, injected);
  // The same as both sides in one process, byte for byte of the protocol.
  cl::ReconSide mine_again(items_of(**set, insured, day, {insured, treating}), hash);
  cl::ReconSide theirs(items_of(**set, treating, day, {insured, treating}), hash);
  const cl::ReconResult local = cl::reconcile(mine_again, theirs);
  EXPECT_EQ(local.bytes_exchanged, remote->bytes_exchanged);
  EXPECT_EQ(local.differences.size(), remote->differences.size());
  std::cout << "[ recon over https ] " << peer.requests() << " requests, "
            << remote->bytes_exchanged << " protocol bytes, " << peer.http_bytes()
            << " HTTP body bytes, full transfer " << remote->bytes_full_transfer << std::endl;

  // Only the insured region's node asks: the treating node's own certificate, a bureau's, and a
  // node asking for another region's pair are refused, and the protocol has no result.
  for (const std::string& stem : {"node-" + treating, "bureau-" + insured}) {
    ReconPeerOptions other = peer_options;
    other.certificate_file = pki + "/" + stem + ".pem";
    other.key_file = pki + "/" + stem + ".key";
    HttpsReconPeer refused(other, day, insured, treating);
    cl::ReconSide side(items_of(**set, insured, day, {insured, treating}), hash);
    EXPECT_FALSE(cl::reconcile(side, refused).has_value()) << stem;
    EXPECT_NE(refused.error().find("403"), std::string::npos) << stem << ": " << refused.error();
  }
  // Malformed rounds: 400, and the endpoint still answers.
  testing::HttpsClient raw((*set)->gateway(treating)->port(), pki + "/ca.pem",
                           {pki + "/node-" + insured + ".pem", pki + "/node-" + insured + ".key"});
  const std::string head = "{\"day\":\"" + day.to_string() + "\",\"insured\":\"" + insured +
                           "\",\"treating\":\"" + treating + "\",";
  for (const std::string& bad :
       {head + "\"op\":\"children\",\"level\":0,\"nodes\":[99999999]}",
        head + "\"op\":\"children\",\"level\":6,\"nodes\":[0]}",
        head + "\"op\":\"items\",\"buckets\":[-1]}", head + "\"op\":\"totals\",\"depth\":40}",
        head + "\"op\":\"drop\"}", std::string("{\"op\":\"summary\"}"), std::string("not json")}) {
    EXPECT_EQ(raw.post("/v1/recon", bad).status, 400) << bad;
  }
  EXPECT_EQ(raw.post("/v1/recon", head + "\"op\":\"summary\"}").status, 200);

  // The nightly run inside the insured node: the statement signed with its seal key, checked
  // and countersigned by the treating node, which appends the adjustments; both ledgers keep it
  // and serve it by GET /v1/reconciliations.
  NightlyOptions nightly_options;
  nightly_options.region = insured;
  nightly_options.peers = {{treating, (*set)->peer_pins(insured).at(treating)}};
  nightly_options.seal_key_file = root + "/ledgers/" + insured + "/seal-key.pem";
  nightly_options.ca_file = peer_options.ca_file;
  nightly_options.certificate_file = peer_options.certificate_file;
  nightly_options.key_file = peer_options.key_file;
  NightlyReconciler nightly(nightly_options, (*set)->node(insured));
  const std::vector<NightlyOutcome> outcomes = nightly.run_day(day);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
  EXPECT_TRUE(outcomes[0].countersigned) << outcomes[0].error;
  EXPECT_FALSE(outcomes[0].balanced);
  EXPECT_EQ(outcomes[0].differences, injected.size());
  std::map<std::string, std::string> keys;
  for (const std::string& region : {insured, treating}) {
    const Result<lg::SigningKey> key =
        lg::SigningKey::load_private_pem(root + "/ledgers/" + region + "/seal-key.pem");
    ASSERT_TRUE(key.is_ok());
    keys[region] = key->public_key_raw();
  }
  std::string kept;
  for (const std::string& region : {insured, treating}) {
    testing::HttpsClient bureau(
        (*set)->gateway(region)->port(), pki + "/ca.pem",
        {pki + "/bureau-" + region + ".pem", pki + "/bureau-" + region + ".key"});
    const testing::HttpAnswer listed =
        bureau.request(boost::beast::http::verb::get, "/v1/reconciliations?day=" + day.to_string());
    ASSERT_EQ(listed.status, 200) << listed.body;
    Result<adapters::Json> parsed = adapters::parse_json(listed.body);
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
    const auto& statements = parsed->find("statements")->items;
    ASSERT_EQ(statements.size(), 1u) << region << ": " << listed.body;
    EXPECT_EQ(statements[0].find("statement")->find("differences")->items.size(), injected.size());
    adapters::JsonWriter w;
    w.value(statements[0]);
    EXPECT_TRUE(verify_statement(w.str(), keys).is_ok())
        << region << ": " << verify_statement(w.str(), keys).message();
    if (kept.empty()) kept = w.str();
    EXPECT_EQ(w.str(), kept) << "both ledgers keep the same statement";
  }
  // The adjustments: the treating side now books what the insured side did.
  std::promise<cl::Money> receivable, payable;
  (*set)->node(treating)->read(
      [&](const lg::Ledger* l) { receivable.set_value(l->balance("receivable:" + insured)); });
  (*set)->node(insured)->read(
      [&](const lg::Ledger* l) { payable.set_value(l->balance("payable:" + treating)); });
  EXPECT_EQ(receivable.get_future().get(), -payable.get_future().get());
  // A statement that misstates the treating side is refused (409) and changes nothing.
  {
    PairStatement wrong{insured, treating, day, {}, 1, 999};
    const std::string body = recon_statement_json(wrong);
    const Result<lg::SigningKey> key =
        lg::SigningKey::load_private_pem(root + "/ledgers/" + insured + "/seal-key.pem");
    HttpsReconPeer asker(peer_options, day, insured, treating);
    ASSERT_TRUE(asker.summary().has_value());
    EXPECT_FALSE(
        asker
            .countersign(body,
                         {insured, lg::to_hex(key->public_key_raw()), lg::to_hex(*key->sign(body))},
                         {})
            .has_value());
    EXPECT_NE(asker.error().find("409"), std::string::npos) << asker.error();
  }
  (*set)->stop();
}

}  // namespace
}  // namespace medclear::gateway
