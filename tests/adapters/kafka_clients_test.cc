// The clients a process's nodes share (adapters/kafka_clients.h), against the embedded broker:
// each member gets the messages of its own topics only, each partition in order, and the delivery
// reports of its own messages; a member joining again reads from the offsets it names; an inbox
// that fills pauses its partitions and loses nothing when they resume; each arrival wakes it.
#include "adapters/kafka_clients.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "adapters/topics.h"

namespace medclear::adapters {
namespace {

using Clock = std::chrono::steady_clock;

class KafkaClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = EmbeddedBroker::start(3);
    ASSERT_TRUE(started.is_ok()) << started.status().message();
    broker_ = std::move(*started);
    for (const std::string region : {"110000", "310000"}) {
      for (const std::string& topic : region_topics(region)) {
        ASSERT_TRUE(broker_->create_topic(topic, 4).is_ok());
      }
    }
    auto clients = KafkaClients::start({broker_->bootstrap_servers(), {}}, "test");
    ASSERT_TRUE(clients.is_ok()) << clients.status().message();
    clients_ = std::move(*clients);
  }

  std::vector<Consumer::Start> all_partitions(const std::string& topic,
                                              std::optional<int64_t> offset = std::nullopt) {
    std::vector<Consumer::Start> starts;
    for (int32_t partition = 0; partition < 4; ++partition) {
      starts.push_back({topic, partition, offset});
    }
    return starts;
  }

  // Takes from `member` until `count` messages came or 20 s passed.
  static std::vector<KafkaMessage> take_all(KafkaMember& member, size_t count) {
    std::vector<KafkaMessage> out;
    const auto until = Clock::now() + std::chrono::seconds(20);
    while (out.size() < count && Clock::now() < until) {
      for (KafkaMessage& m : member.take(1000)) out.push_back(std::move(m));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return out;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
  std::shared_ptr<KafkaClients> clients_;
};

TEST_F(KafkaClientsTest, EachMemberGetsItsOwnTopicsInOrderAndItsOwnReports) {
  std::atomic<int> woken_a{0};
  auto a = clients_->join(all_partitions(claims_topic("110000")), [&] { ++woken_a; });
  auto b = clients_->join(all_partitions(claims_topic("310000")), [] {});
  ASSERT_TRUE(a.is_ok()) << a.status().message();
  ASSERT_TRUE(b.is_ok()) << b.status().message();
  for (int i = 0; i < 200; ++i) {
    const std::string key = "person-" + std::to_string(i % 7);
    ASSERT_TRUE((*b)->produce(claims_topic("110000"), key, std::to_string(i), 1000 + i).is_ok());
    ASSERT_TRUE((*a)->produce(claims_topic("310000"), key, std::to_string(i)).is_ok());
  }
  const std::vector<KafkaMessage> got_a = take_all(**a, 200);
  const std::vector<KafkaMessage> got_b = take_all(**b, 200);
  ASSERT_EQ(got_a.size(), 200u);
  ASSERT_EQ(got_b.size(), 200u);
  EXPECT_GT(woken_a.load(), 0);
  std::map<int32_t, int64_t> last_offset;
  std::map<std::string, int> last_value;  // per key: produced in increasing order
  for (const KafkaMessage& m : got_a) {
    EXPECT_EQ(m.topic, claims_topic("110000"));
    if (last_offset.contains(m.partition)) {
      EXPECT_GT(m.offset, last_offset[m.partition]);
    }
    last_offset[m.partition] = m.offset;
    const int value = std::stoi(m.value);
    if (last_value.contains(m.key)) {
      EXPECT_GT(value, last_value[m.key]);
    }
    last_value[m.key] = value;
  }
  for (const KafkaMessage& m : got_b) EXPECT_EQ(m.topic, claims_topic("310000"));
  // b's tokened messages are reported to b, each once; a sent none with a token.
  std::map<uint64_t, int> reports;
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (reports.size() < 200 && Clock::now() < until) {
    for (const Producer::Delivery& d : (*b)->deliveries()) {
      EXPECT_TRUE(d.ok);
      ++reports[d.token];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(reports.size(), 200u);
  for (const auto& [token, count] : reports) {
    EXPECT_GE(token, 1000u);
    EXPECT_LT(token, 1200u);
    EXPECT_EQ(count, 1) << token;
  }
  EXPECT_TRUE((*a)->deliveries().empty());
}

TEST_F(KafkaClientsTest, ATopicHasOneMember) {
  auto a = clients_->join(all_partitions(claims_topic("110000")), [] {});
  ASSERT_TRUE(a.is_ok());
  auto again = clients_->join(all_partitions(claims_topic("110000")), [] {});
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
}

// A node restarted in the same process joins again from its ledger's offsets: what it had
// handled is not read again, what it had not is.
TEST_F(KafkaClientsTest, JoiningAgainReadsFromTheOffsetsItNames) {
  const std::string topic = settlements_topic("110000");
  auto producer = Producer::create({broker_->bootstrap_servers(), {}});
  ASSERT_TRUE(producer.is_ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE((*producer)->produce(topic, "k", "first").is_ok());
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  std::map<int32_t, int64_t> next;  // per partition, after the first 40
  {
    auto member = clients_->join(all_partitions(topic), [] {});
    ASSERT_TRUE(member.is_ok());
    for (const KafkaMessage& m : take_all(**member, 40)) next[m.partition] = m.offset + 1;
  }
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*producer)->produce(topic, "k", "second").is_ok());
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  std::vector<Consumer::Start> starts;
  for (int32_t partition = 0; partition < 4; ++partition) {
    starts.push_back(
        {topic, partition,
         next.contains(partition) ? std::optional<int64_t>(next[partition]) : std::nullopt});
  }
  auto member = clients_->join(starts, [] {});
  ASSERT_TRUE(member.is_ok()) << member.status().message();
  const std::vector<KafkaMessage> got = take_all(**member, 30);
  ASSERT_EQ(got.size(), 30u);
  for (const KafkaMessage& m : got) EXPECT_EQ(m.value, "second");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE((*member)->take(1000).empty());
}

// More than an inbox holds (its partitions pause at 20,000 messages), taken slowly: every
// message arrives once, in order.
TEST_F(KafkaClientsTest, AFullInboxPausesAndLosesNothing) {
  const std::string topic = claims_topic("310000");
  auto member = clients_->join(all_partitions(topic), [] {});
  ASSERT_TRUE(member.is_ok());
  auto producer = Producer::create({broker_->bootstrap_servers(), {}});
  ASSERT_TRUE(producer.is_ok());
  constexpr int kCount = 30'000;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE((*producer)->produce(topic, "k", std::to_string(i)).is_ok());
  }
  ASSERT_TRUE((*producer)->flush(30'000).is_ok());              // one key: one partition, in order
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the inbox fills and pauses
  std::vector<KafkaMessage> got = take_all(**member, kCount);
  ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)].value, std::to_string(i));
    if (got[static_cast<size_t>(i)].value != std::to_string(i)) break;
  }
}

}  // namespace
}  // namespace medclear::adapters
