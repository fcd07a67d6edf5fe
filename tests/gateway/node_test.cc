// Region nodes on the embedded broker: three regions in one process settle claims in every
// direction through Kafka, each exactly once; the insured side's payables and the treating side's
// receivables agree; every ledger verifies; a retried msgid is answered again without a second
// entry; a poison message goes to the dead-letter topic while the stream goes on; nodes restarted
// on their ledgers resume from the offsets kept there.
#include "gateway/node/node.h"
#include "adapters/topics.h"
#include "gateway/node/daily_seal.h"

#include <gtest/gtest.h>

#include <thread>

#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/nation.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

const std::vector<std::string> kRegions = {"110000", "310000", "440000"};
constexpr int kPersons = 200;

class Nodes : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_directory("nodes");
    reference_ = make_nation(kRegions, kPersons);
    auto broker = adapters::EmbeddedBroker::start(3);
    ASSERT_TRUE(broker.is_ok()) << broker.status().message();
    broker_ = std::move(*broker);
    for (const std::string& region : kRegions) {
      ASSERT_TRUE(broker_->create_topic(adapters::claims_topic(region), 8).is_ok());
      ASSERT_TRUE(broker_->create_topic(adapters::settlements_topic(region), 8).is_ok());
      ASSERT_TRUE(broker_->create_topic(adapters::dead_letters_topic(region), 1).is_ok());
    }
    start_nodes();
  }
  void TearDown() override {
    nodes_.clear();
    broker_.reset();
    std::filesystem::remove_all(root_);
  }

  void start_nodes() {
    for (const std::string& region : kRegions) {
      gateway::NodeOptions options;
      options.region = region;
      options.ledger_dir = root_ + "/" + region;
      options.kafka.bootstrap_servers = broker_->bootstrap_servers();
      auto node = gateway::RegionNode::start(options, reference_);
      ASSERT_TRUE(node.is_ok()) << node.status().message();
      nodes_[region] = std::move(*node);
    }
  }

  // Submits `count` claims in random directions and waits for every answer.
  std::vector<gateway::NodeAnswer> settle(uint64_t first_serial, int count, uint64_t seed,
                                          std::vector<clearing::Request>* sent = nullptr) {
    std::mt19937_64 random(seed);
    std::vector<std::future<gateway::NodeAnswer>> futures;
    for (int i = 0; i < count; ++i) {
      const std::string& treating = kRegions[random() % 3];
      std::string insured = kRegions[random() % 3];
      while (insured == treating) insured = kRegions[random() % 3];
      clearing::Request request = make_claim(random, treating, insured, kPersons, first_serial + i);
      futures.push_back(nodes_.at(treating)->submit(request));
      if (sent != nullptr) sent->push_back(std::move(request));
    }
    std::vector<gateway::NodeAnswer> answers;
    for (auto& future : futures) {
      EXPECT_EQ(future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
      answers.push_back(future.get());
    }
    return answers;
  }

  std::string root_;
  clearing::ReferenceData reference_;
  std::unique_ptr<adapters::EmbeddedBroker> broker_;
  std::map<std::string, std::unique_ptr<gateway::RegionNode>> nodes_;
};

TEST_F(Nodes, ClaimsInEveryDirectionSettleExactlyOnce) {
  const uint64_t seed = test_seed("Nodes.ClaimsInEveryDirectionSettleExactlyOnce");
  std::vector<clearing::Request> sent;
  const auto answers = settle(0, 3000, seed, &sent);
  // A retry of the first hundred claims: the same answers, no new entries.
  std::vector<std::future<gateway::NodeAnswer>> retries;
  for (int i = 0; i < 100; ++i) {
    const std::string treating = ledger::region_of(sent[i].envelope.mdtrtarea_admvs);
    retries.push_back(nodes_.at(treating)->submit(sent[i]));
  }
  for (int i = 0; i < 100; ++i) {
    const gateway::NodeAnswer retry = retries[i].get();
    ASSERT_TRUE(retry.record && answers[i].record);
    EXPECT_EQ(retry.record->setl_id, answers[i].record->setl_id);
  }
  size_t settled = 0;
  for (const auto& answer : answers) {
    ASSERT_FALSE(answer.pending);
    ASSERT_EQ(answer.rejection.reason, clearing::Reject::kOk) << answer.rejection.message;
    ASSERT_TRUE(answer.record);
    settled += !answer.record->setl_id.empty();
  }
  EXPECT_EQ(settled, 3000u);
  for (const auto& [region, node] : nodes_) EXPECT_FALSE(node->failure()) << region;
  nodes_.clear();

  std::map<std::string, ledger::LedgerDirectory> ledgers;
  for (const std::string& region : kRegions) {
    auto opened = ledger::open_directory(root_ + "/" + region, {}, false);
    ASSERT_TRUE(opened.is_ok());
    const ledger::VerifyReport report = ledger::verify_ledger(*opened->ledger, nullptr);
    EXPECT_TRUE(report.ok) << region << ": " << report.problem;
    ledgers.emplace(region, std::move(*opened));
  }
  // Every claim once on each side, with the same setl_id; pairwise totals agree.
  uint64_t entries = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    const std::string insured = ledger::region_of(sent[i].envelope.insuplc_admdvs);
    const std::string treating = ledger::region_of(sent[i].envelope.mdtrtarea_admvs);
    const auto on_insured = ledgers.at(insured).ledger->seq_by_msgid(sent[i].envelope.msgid);
    const auto on_treating = ledgers.at(treating).ledger->seq_by_msgid(sent[i].envelope.msgid);
    ASSERT_TRUE(on_insured && on_treating) << sent[i].envelope.msgid;
    EXPECT_EQ(ledgers.at(treating).ledger->seq_by_setl_id(answers[i].record->setl_id), on_treating);
  }
  for (const auto& [region, directory] : ledgers) entries += directory.ledger->last_seq();
  EXPECT_EQ(entries, 2 * sent.size());
  for (const std::string& insured : kRegions) {
    for (const std::string& treating : kRegions) {
      if (insured == treating) continue;
      EXPECT_EQ(-ledgers.at(insured).ledger->balance("payable:" + treating),
                ledgers.at(treating).ledger->balance("receivable:" + insured))
          << insured << " → " << treating;
    }
  }
}

// The daily seal (gateway/node/daily_seal.h): started after its time of day, a node seals every
// unsealed day through yesterday at once, on its worker, while claims go on; asked again for the
// same day it writes nothing; the ledger verifies with the seal covering every entry.
TEST_F(Nodes, TheDailySealSealsThroughYesterdayOnceWhileClaimsGoOn) {
  const uint64_t seed = test_seed("Nodes.TheDailySealSealsThroughYesterdayOnceWhileClaimsGoOn");
  const std::string region = kRegions[1];
  settle(0, 200, seed);
  const auto unix_now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const clearing::Date before = gateway::utc_yesterday(unix_now());
  gateway::DailySealOptions options;
  options.at = "00:00";  // passed already today: the seal is due at start
  options.seal_key_file = root_ + "/" + region + "/seal-key.pem";
  Result<ledger::SigningKey> key = ledger::SigningKey::generate();  // as `medclear node` finds it
  ASSERT_TRUE(key.is_ok() && key->save_private_pem(options.seal_key_file).is_ok());
  gateway::DailySealer sealer(options, nodes_.at(region).get());
  ASSERT_TRUE(sealer.start().is_ok());
  const gateway::NodeCounters& counters = nodes_.at(region)->counters();
  for (int i = 0; i < 600 && counters.seals_written.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(counters.seals_written.load(), 1u);
  const auto answers = settle(1'000, 100, seed + 1);  // claims go on after the seal
  for (const auto& answer : answers) ASSERT_TRUE(answer.record && !answer.pending);
  const clearing::Date after = gateway::utc_yesterday(unix_now());
  Result<bool> again = sealer.seal_through(before);
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_FALSE(*again);
  EXPECT_EQ(counters.seals_written.load(), 1u);
  EXPECT_EQ(counters.seals_failed.load(), 0u);
  nodes_.clear();

  auto opened = ledger::open_directory(root_ + "/" + region, {}, false);
  ASSERT_TRUE(opened.is_ok());
  Result<std::vector<ledger::Seal>> seals = opened->ledger->seals();
  ASSERT_TRUE(seals.is_ok());
  ASSERT_EQ(seals->size(), 1u);
  const ledger::Seal& seal = seals->front();
  EXPECT_TRUE(seal.day == before || seal.day == after) << seal.day.to_string();
  // The claims are of March 2026, long before yesterday: the seal took every entry then written.
  EXPECT_GT(seal.day_count, 0u);
  EXPECT_EQ(seal.day_count, seal.ledger_size);
  EXPECT_LT(seal.ledger_size, opened->ledger->last_seq());  // the later claims came after it
  const ledger::VerifyReport report = ledger::verify_ledger(*opened->ledger, nullptr);
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST(DailySeal, TheScheduleFallsOnTheDaysTime) {
  const int64_t day = 86'400;
  const int64_t noon = 20'000 * day + 12 * 3600;  // 2024-10-04 12:00 UTC
  EXPECT_EQ(gateway::utc_yesterday(noon), clearing::Date::from_days(19'999));
  EXPECT_EQ(gateway::utc_yesterday(20'000 * day), clearing::Date::from_days(19'999));
  EXPECT_EQ(gateway::next_daily_time(noon, 3 * 3600), 20'001 * day + 3 * 3600);
  EXPECT_EQ(gateway::next_daily_time(noon, 13 * 3600), 20'000 * day + 13 * 3600);
  EXPECT_EQ(gateway::next_daily_time(noon, 12 * 3600), 20'001 * day + 12 * 3600);  // not now
}

TEST_F(Nodes, PoisonGoesToTheDeadLetterTopicAndTheStreamGoesOn) {
  auto producer = adapters::Producer::create({broker_->bootstrap_servers(), {}});
  ASSERT_TRUE((*producer)->produce(adapters::claims_topic("310000"), "x", "not a claim").is_ok());
  ASSERT_TRUE((*producer)->flush(5000).is_ok());
  const auto answers = settle(0, 300, 7);
  for (const auto& answer : answers) EXPECT_EQ(answer.rejection.reason, clearing::Reject::kOk);
  EXPECT_EQ(nodes_.at("310000")->counters().dead_letters.load(), 1u);
  auto consumer = adapters::Consumer::create({broker_->bootstrap_servers(), {}}, "dlq-reader");
  ASSERT_TRUE(
      (*consumer)->assign({{adapters::dead_letters_topic("310000"), 0, std::nullopt}}).is_ok());
  std::vector<adapters::KafkaMessage> dead;
  for (int i = 0; i < 100 && dead.empty(); ++i) dead = (*consumer)->poll(10, 100);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].value.find("not a medclear message"), std::string::npos) << dead[0].value;
}

TEST_F(Nodes, RestartedNodesResumeFromTheirLedgers) {
  const auto first = settle(0, 500, 11);
  nodes_.clear();  // all three stop; their offsets are in their ledgers
  start_nodes();
  const auto second = settle(500, 500, 12);
  for (const auto* answers : {&first, &second}) {
    for (const auto& answer : *answers) {
      ASSERT_EQ(answer.rejection.reason, clearing::Reject::kOk) << answer.rejection.message;
    }
  }
  uint64_t decided = 0;
  for (const auto& [region, node] : nodes_) decided += node->counters().claims_decided;
  EXPECT_EQ(decided, 500u) << "a restarted node re-decided claims it had already consumed";
}

TEST_F(Nodes, TreatingSideKeepsItsClaimsUntilAnsweredAcrossRestarts) {
  nodes_.erase("440000");  // the insured region is down
  std::mt19937_64 random(5);
  std::vector<std::future<gateway::NodeAnswer>> futures;
  std::vector<std::string> msgids;
  for (int i = 0; i < 200; ++i) {
    clearing::Request request = make_claim(random, "310000", "440000", kPersons, 20'000 + i);
    msgids.push_back(request.envelope.msgid);
    futures.push_back(nodes_.at("310000")->submit(request));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  nodes_.clear();  // the treating region stops too, with every claim unanswered
  for (auto& future : futures) EXPECT_TRUE(future.get().pending);
  start_nodes();  // the treating node re-sends from its intake; the insured one de-duplicates
  for (int i = 0; i < 600 && nodes_.at("310000")->counters().settlements_recorded < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(nodes_.at("310000")->counters().settlements_recorded.load(), 200u);
  nodes_.clear();
  for (const char* region : {"310000", "440000"}) {
    auto opened = ledger::open_directory(root_ + "/" + region, {}, false);
    ASSERT_TRUE(opened.is_ok());
    EXPECT_EQ(opened->ledger->last_seq(), 200u) << region << ": each claim once";
    for (const std::string& msgid : msgids) EXPECT_TRUE(opened->ledger->seq_by_msgid(msgid));
    EXPECT_TRUE(opened->ledger->intakes()->empty()) << region;
    EXPECT_TRUE(ledger::verify_ledger(*opened->ledger, nullptr).ok) << region;
  }
}

}  // namespace
}  // namespace medclear::testing
