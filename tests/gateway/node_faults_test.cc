// Region nodes under broker faults (each in its own test): a broker down and back, produce and
// fetch errors injected by the mock cluster, and every message of a run delivered again in reverse
// order. Each ends with every claim settled, nothing lost and nothing doubled. And the node's own
// faults: a corrupt outbox or intake is a reported failure, not an abort; a dead letter the
// producer refuses is kept (its offset held) and tried again; a waiter may call back into the node.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <thread>

#include "adapters/topics.h"
#include "gateway/node/node.h"
#include "ledger/verify.h"
#include "tests/ledger/fault_fs.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/nation.h"

namespace medclear::testing {
namespace {

const std::vector<std::string> kRegions = {"110000", "310000", "440000"};
constexpr int kPersons = 100;
using adapters::BrokerError;
using adapters::KafkaRequest;

class NodeFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_directory("faults");
    reference_ = make_nation(kRegions, kPersons);
    broker_ = std::move(*adapters::EmbeddedBroker::start(3));
    for (const std::string& region : kRegions) {
      ASSERT_TRUE(broker_->create_topic(adapters::claims_topic(region), 6).is_ok());
      ASSERT_TRUE(broker_->create_topic(adapters::settlements_topic(region), 6).is_ok());
      ASSERT_TRUE(broker_->create_topic(adapters::dead_letters_topic(region), 1).is_ok());
    }
    for (const std::string& region : kRegions) {
      nodes_[region] = std::move(*gateway::RegionNode::start(options_for(region), reference_));
    }
  }

  gateway::NodeOptions options_for(const std::string& region) const {
    gateway::NodeOptions options;
    options.region = region;
    options.ledger_dir = root_ + "/" + region;
    options.kafka.bootstrap_servers = broker_->bootstrap_servers();
    options.resend_after_ms = 1000;
    return options;
  }

  // Stops the node of `region` and hands its ledger to `change`, then commits what it staged.
  void change_ledger_of(const std::string& region,
                        const std::function<void(ledger::Ledger&)>& change) {
    nodes_.erase(region);
    auto opened = ledger::open_directory(root_ + "/" + region, {}, false);
    ASSERT_TRUE(opened.is_ok()) << opened.status().message();
    change(*opened->ledger);
    ASSERT_TRUE(opened->ledger->commit().is_ok());
  }
  void TearDown() override {
    nodes_.clear();
    broker_.reset();
    std::filesystem::remove_all(root_);
  }

  // Submits `count` claims in every direction; returns their msgids after all are answered.
  std::vector<std::string> settle_all(uint64_t first, int count, uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<std::future<gateway::NodeAnswer>> futures;
    std::vector<std::string> msgids;
    for (int i = 0; i < count; ++i) {
      const std::string& treating = kRegions[random() % 3];
      std::string insured = kRegions[random() % 3];
      while (insured == treating) insured = kRegions[random() % 3];
      clearing::Request request = make_claim(random, treating, insured, kPersons, first + i);
      msgids.push_back(request.envelope.msgid);
      futures.push_back(nodes_.at(treating)->submit(request));
    }
    for (auto& future : futures) {
      EXPECT_EQ(future.wait_for(std::chrono::seconds(90)), std::future_status::ready);
      const gateway::NodeAnswer answer = future.get();
      EXPECT_FALSE(answer.pending);
      EXPECT_EQ(answer.rejection.reason, clearing::Reject::kOk) << answer.rejection.message;
    }
    return msgids;
  }

  // After the nodes stop: every claim exactly once on each side, every ledger verifies.
  void expect_exactly_once(size_t claims) {
    nodes_.clear();
    uint64_t entries = 0;
    for (const std::string& region : kRegions) {
      auto opened = ledger::open_directory(root_ + "/" + region, {}, false);
      ASSERT_TRUE(opened.is_ok());
      const ledger::VerifyReport report = ledger::verify_ledger(*opened->ledger, nullptr);
      EXPECT_TRUE(report.ok) << region << ": " << report.problem;
      entries += opened->ledger->last_seq();
      EXPECT_TRUE(opened->ledger->intakes()->empty()) << region;
    }
    EXPECT_EQ(entries, 2 * claims)
        << "each claim once on the insured and once on the treating side";
  }

  std::string root_;
  clearing::ReferenceData reference_;
  std::unique_ptr<adapters::EmbeddedBroker> broker_;
  // A node's ledger disk, when a test makes it fail (outlives the nodes, declared after it).
  std::shared_ptr<FaultFs> fault_fs_;
  std::unique_ptr<rocksdb::Env> fault_env_;
  std::map<std::string, std::unique_ptr<gateway::RegionNode>> nodes_;
};

TEST_F(NodeFaults, BrokerDownAndBack) {
  std::thread outage([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(broker_->set_broker_down(2).is_ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(broker_->set_broker_up(2).is_ok());
  });
  const auto msgids = settle_all(0, 600, 21);
  outage.join();
  expect_exactly_once(msgids.size());
}

TEST_F(NodeFaults, ProduceAndFetchErrors) {
  broker_->push_request_errors(
      KafkaRequest::kProduce, {BrokerError::kNotLeaderForPartition, BrokerError::kRequestTimedOut,
                               BrokerError::kNotEnoughReplicas, BrokerError::kNotLeaderForPartition,
                               BrokerError::kRequestTimedOut, BrokerError::kNotEnoughReplicas});
  broker_->push_request_errors(
      KafkaRequest::kFetch,
      {BrokerError::kNotLeaderForPartition, BrokerError::kUnknownTopicOrPartition,
       BrokerError::kNotLeaderForPartition, BrokerError::kUnknownTopicOrPartition});
  const auto msgids = settle_all(0, 600, 22);
  expect_exactly_once(msgids.size());
}

TEST_F(NodeFaults, EveryMessageDeliveredAgainInReverseOrder) {
  const auto msgids = settle_all(0, 300, 23);
  // Read back every claim and settlement of the run and deliver each again, last first.
  auto consumer = adapters::Consumer::create({broker_->bootstrap_servers(), {}}, "replayer");
  std::vector<adapters::Consumer::Start> starts;
  for (const std::string& region : kRegions) {
    for (int p = 0; p < 6; ++p) {
      starts.push_back({adapters::claims_topic(region), p, std::nullopt});
      starts.push_back({adapters::settlements_topic(region), p, std::nullopt});
    }
  }
  ASSERT_TRUE((*consumer)->assign(starts).is_ok());
  std::vector<adapters::KafkaMessage> all;
  for (int idle = 0; idle < 10;) {
    auto batch = (*consumer)->poll(1000, 100);
    idle = batch.empty() ? idle + 1 : 0;
    for (auto& m : batch) all.push_back(std::move(m));
  }
  ASSERT_GE(all.size(), 600u);
  auto producer = adapters::Producer::create({broker_->bootstrap_servers(), {}});
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    ASSERT_TRUE((*producer)->produce(it->topic, it->key, it->value).is_ok());
  }
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  // Wait until the nodes have consumed the replay: the claims are decided again (replays).
  for (int i = 0; i < 200; ++i) {
    uint64_t decided = 0;
    for (const auto& [region, node] : nodes_) decided += node->counters().claims_decided;
    if (decided >= 600) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  expect_exactly_once(msgids.size());
}

// Waits up to `seconds` for `condition`.
bool eventually(const std::function<bool()>& condition, int seconds = 30) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

TEST_F(NodeFaults, ACorruptOutboxMessageStopsTheNodeWithAFailureNotAnAbort) {
  change_ledger_of("440000",
                   [](ledger::Ledger& l) { l.stage_outbox("a message without its separators"); });
  auto node = gateway::RegionNode::start(options_for("440000"), reference_);
  ASSERT_TRUE(node.is_ok()) << node.status().message();
  ASSERT_TRUE(eventually([&] { return (*node)->failure().has_value(); }));
  EXPECT_NE((*node)->failure()->find("outbox message"), std::string::npos) << *(*node)->failure();
}

TEST_F(NodeFaults, ACorruptIntakeIsAFailureToStartNotAnAbort) {
  change_ledger_of("310000", [](ledger::Ledger& l) { l.stage_intake("H1", "no separators"); });
  auto node = gateway::RegionNode::start(options_for("310000"), reference_);
  ASSERT_FALSE(node.is_ok());
  EXPECT_EQ(node.status().code(), StatusCode::kCorruption) << node.status().message();
}

TEST_F(NodeFaults, AWaiterMayCallBackIntoTheNode) {
  std::mt19937_64 random(24);
  const clearing::Request request = make_claim(random, "310000", "110000", kPersons, 0);
  gateway::RegionNode& node = *nodes_.at("310000");
  std::promise<size_t> answered;
  std::promise<size_t> kept;
  auto answered_future = answered.get_future();
  auto kept_future = kept.get_future();
  // Both callbacks ask the node something: under the node's mutex that would deadlock.
  node.submit(
      request, [&](gateway::NodeAnswer) { answered.set_value(node.claims_in_flight()); },
      std::chrono::seconds(10));
  node.when_kept(request.envelope.msgid, [&](bool) { kept.set_value(node.claims_in_flight()); });
  ASSERT_EQ(kept_future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  ASSERT_EQ(answered_future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(answered_future.get(), 0u);
}

// A dead letter larger than the node's producer takes (message.max.bytes) is refused at once:
// the node keeps it and tries again, holds its partition's offset at it across a restart, and
// sends it once the producer takes it — the undecodable message is never lost.
TEST_F(NodeFaults, ADeadLetterTheProducerRefusesIsKeptAndSentLater) {
  nodes_.erase("110000");
  gateway::NodeOptions limited = options_for("110000");
  limited.kafka.properties["message.max.bytes"] = "100000";
  nodes_["110000"] = std::move(*gateway::RegionNode::start(limited, reference_));
  const std::string garbage(300'000, 'x');
  auto producer = adapters::Producer::create({broker_->bootstrap_servers(), {}});
  ASSERT_TRUE((*producer)->produce(adapters::claims_topic("110000"), "k", garbage).is_ok());
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  ASSERT_TRUE(eventually([&] { return nodes_.at("110000")->counters().dead_letters_refused >= 2; }))
      << "the refused dead letter is tried again without a restart";
  settle_all(0, 60, 25);  // the node goes on with the claims after it
  // The poison is the first message of its partition (offset 0): that partition's consumed offset
  // stays 0 while every partition that only held claims moves on.
  auto held_partitions = [&](const ledger::Ledger& l) {
    int held = 0;
    for (int32_t partition = 0; partition < 6; ++partition) {
      const auto offset = l.offset(adapters::claims_topic("110000"), partition);
      EXPECT_TRUE(offset.is_ok());
      if (offset.is_ok() && offset->has_value() && **offset == 0) ++held;
    }
    return held;
  };
  nodes_.erase("110000");
  {
    auto opened = ledger::open_directory(root_ + "/110000", {}, false);
    ASSERT_TRUE(opened.is_ok());
    EXPECT_EQ(held_partitions(*opened->ledger), 1) << "the offset moved past an unsent dead letter";
  }
  nodes_["110000"] = std::move(*gateway::RegionNode::start(options_for("110000"), reference_));
  settle_all(100, 30, 26);
  EXPECT_TRUE(eventually([&] {
    auto held = std::make_shared<std::promise<int>>();
    auto answer = held->get_future();
    nodes_.at("110000")->read([held, &held_partitions](const ledger::Ledger* l) {
      held->set_value(l != nullptr ? held_partitions(*l) : -1);
    });
    return answer.get() == 0;
  })) << "the offset moves past the dead letter once the broker has it";
}

// Kafka lag (medclear_node_kafka_lag_messages): claims produced for a node that does not consume
// (its worker held between two steps) are counted — the high watermark minus the offset its
// ledger keeps — and the lag falls to 0 once it caught up.
TEST_F(NodeFaults, KafkaLagCountsWhatANodeHasNotHandledAndFallsToZeroOnceItCaughtUp) {
  nodes_.erase("310000");  // sends each claim once: no resend adds a message
  gateway::NodeOptions options = options_for("310000");
  options.resend_after_ms = 600'000;
  nodes_["310000"] = std::move(*gateway::RegionNode::start(options, reference_));
  settle_all(0, 30, 31);
  const auto lag_is = [&](const std::string& region, uint64_t messages) {
    const std::optional<uint64_t> lag = nodes_.at(region)->kafka_lag();
    return lag.has_value() && *lag == messages;
  };
  ASSERT_TRUE(eventually([&] { return lag_is("110000", 0) && lag_is("310000", 0); }));
  std::promise<void> held, release;
  std::shared_future<void> released = release.get_future().share();
  nodes_.at("110000")->read([&held, released](const ledger::Ledger*) {
    held.set_value();
    released.wait();
  });
  held.get_future().wait();
  constexpr int kClaims = 25;
  std::mt19937_64 random(32);
  std::vector<std::future<gateway::NodeAnswer>> futures;
  for (int i = 0; i < kClaims; ++i) {
    futures.push_back(
        nodes_.at("310000")->submit(make_claim(random, "310000", "110000", kPersons, 100 + i)));
  }
  const bool counted = eventually([&] { return lag_is("110000", kClaims); });
  const std::optional<uint64_t> seen = nodes_.at("110000")->kafka_lag();
  release.set_value();
  EXPECT_TRUE(counted) << "lag " << (seen ? std::to_string(*seen) : "unknown") << ", " << kClaims
                       << " claims not consumed";
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    EXPECT_EQ(future.get().rejection.reason, clearing::Reject::kOk);
  }
  EXPECT_TRUE(eventually([&] { return lag_is("110000", 0) && lag_is("310000", 0); }));
  expect_exactly_once(30 + kClaims);
}

// A full disk (issue 16): the node whose ledger disk fills takes no new claim (storage_full, at
// once), keeps what it had taken — its own hospitals' claims and the claims of its insured —
// and does not stop; once there is space again it writes again by itself, and every claim is
// answered and booked exactly once on each side, every ledger verifies.
TEST_F(NodeFaults, AFullDiskRefusesNewClaimsAndTheNodeResumesByItselfOnceThereIsSpace) {
  fault_fs_ = std::make_shared<FaultFs>(rocksdb::FileSystem::Default());
  fault_env_ = rocksdb::NewCompositeEnv(fault_fs_);
  nodes_.erase("110000");
  gateway::NodeOptions options = options_for("110000");
  options.ledger_env = fault_env_.get();
  nodes_["110000"] = std::move(*gateway::RegionNode::start(options, reference_));
  gateway::RegionNode& full = *nodes_.at("110000");
  size_t settled = settle_all(0, 60, 27).size();

  fault_fs_->no_space = true;
  std::mt19937_64 random(28);
  std::vector<clearing::Request> requests;  // in flight as the disk fills, both ways
  std::vector<std::future<gateway::NodeAnswer>> futures;
  for (int i = 0; i < 20; ++i) {
    const bool treated_here = i % 2 == 0;
    requests.push_back(make_claim(random, treated_here ? "110000" : "310000",
                                  treated_here ? "310000" : "110000", kPersons, 100 + i));
    futures.push_back(nodes_.at(treated_here ? "110000" : "310000")->submit(requests.back()));
  }
  ASSERT_TRUE(eventually([&] { return full.storage_full(); }));
  const gateway::NodeAnswer refused =
      full.submit(make_claim(random, "110000", "440000", kPersons, 200)).get();
  EXPECT_TRUE(refused.storage_full) << "a new claim is refused at once while the disk is full";
  EXPECT_FALSE(refused.record.has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a retry or two, still full
  EXPECT_TRUE(full.storage_full());
  EXPECT_FALSE(full.failure().has_value()) << *full.failure();

  fault_fs_->no_space = false;
  ASSERT_TRUE(eventually([&] { return !full.storage_full(); }, 60)) << "resumes by itself";
  for (size_t i = 0; i < futures.size(); ++i) {
    ASSERT_EQ(futures[i].wait_for(std::chrono::seconds(90)), std::future_status::ready);
    gateway::NodeAnswer answer = futures[i].get();
    if (answer.storage_full) {  // refused before it was kept: the hospital sends it again
      answer = nodes_.at("110000")->submit(requests[i]).get();
    }
    EXPECT_FALSE(answer.pending || answer.storage_full) << requests[i].envelope.msgid;
    EXPECT_EQ(answer.rejection.reason, clearing::Reject::kOk) << answer.rejection.message;
  }
  settled += requests.size();
  settled += settle_all(300, 30, 29).size();
  EXPECT_FALSE(full.failure().has_value());
  expect_exactly_once(settled);
}

}  // namespace
}  // namespace medclear::testing
