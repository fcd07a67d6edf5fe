// The Kafka edge against the embedded broker (librdkafka's mock cluster): what is produced and
// flushed is consumed, from the offsets the caller chooses, on manually assigned partitions, and
// still delivered through the broker's named faults; the topic names byte for byte.
#include "adapters/kafka.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "adapters/topics.h"

namespace medclear::adapters {
namespace {

// A producer learns the topics it will send to before the first message: those of the named
// prefixes, no others; a message to a topic created later still goes (lazily).
// The names are a wire contract (WIRE.md, ops/kafka-topics.sh, topics on running clusters).
TEST(Kafka, TopicNamesOfARegion) {
  EXPECT_EQ(claims_topic("110000"), "claims.110000");
  EXPECT_EQ(settlements_topic("310000"), "settlements.310000");
  EXPECT_EQ(dead_letters_topic("440000"), "dead-letters.440000");
  EXPECT_EQ(
      region_topics("110000"),
      (std::vector<std::string>{"claims.110000", "settlements.110000", "dead-letters.110000"}));
}

// A broker down and back up, and retriable produce errors: what was produced is delivered.
TEST(Kafka, DeliveredThroughNamedBrokerFaults) {
  auto broker = EmbeddedBroker::start(3);
  ASSERT_TRUE(broker.is_ok()) << broker.status().message();
  ASSERT_TRUE((*broker)->create_topic(claims_topic("610000"), 4).is_ok());
  auto producer = Producer::create({(*broker)->bootstrap_servers(), {}});
  ASSERT_TRUE(producer.is_ok()) << producer.status().message();
  ASSERT_TRUE((*broker)->set_broker_down(2).is_ok());
  (*broker)->push_request_errors(
      KafkaRequest::kProduce, {BrokerError::kNotLeaderForPartition, BrokerError::kRequestTimedOut,
                               BrokerError::kNotEnoughReplicas});
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(
        (*producer)->produce(claims_topic("610000"), "key" + std::to_string(i), "v").is_ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE((*broker)->set_broker_up(2).is_ok());
  EXPECT_TRUE((*producer)->flush(20'000).is_ok());
}

TEST(Kafka, ProducerPreparesTheTopicsOfItsPrefixes) {
  auto broker = EmbeddedBroker::start(3);
  ASSERT_TRUE(broker.is_ok()) << broker.status().message();
  for (const std::string& topic : {claims_topic("110000"), claims_topic("310000"),
                                   settlements_topic("110000"), std::string("other.110000")}) {
    ASSERT_TRUE((*broker)->create_topic(topic, 2).is_ok());
  }
  auto producer = Producer::create({(*broker)->bootstrap_servers(), {}});
  ASSERT_TRUE(producer.is_ok()) << producer.status().message();
  const Result<size_t> prepared =
      (*producer)->prepare({kClaimsTopicPrefix, kSettlementsTopicPrefix}, 10'000);
  ASSERT_TRUE(prepared.is_ok()) << prepared.status().message();
  EXPECT_EQ(*prepared, 3u);
  ASSERT_TRUE((*broker)->create_topic("claims.440000", 2).is_ok());
  for (const char* topic : {"claims.110000", "claims.440000"}) {
    ASSERT_TRUE((*producer)->produce(topic, "k", "v").is_ok());
  }
  EXPECT_TRUE((*producer)->flush(10'000).is_ok());
}

TEST(Kafka, ProducedAndFlushedIsConsumedFromChosenOffsets) {
  auto broker = EmbeddedBroker::start(3);
  ASSERT_TRUE(broker.is_ok()) << broker.status().message();
  ASSERT_TRUE((*broker)->create_topic("claims.610000", 4).is_ok());
  const KafkaConfig config{(*broker)->bootstrap_servers(), {}};
  auto producer = Producer::create(config);
  ASSERT_TRUE(producer.is_ok()) << producer.status().message();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(
        (*producer)
            ->produce("claims.610000", "key" + std::to_string(i % 37), "value" + std::to_string(i))
            .is_ok());
  }
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());

  auto consumer = Consumer::create(config, "test");
  ASSERT_TRUE(consumer.is_ok()) << consumer.status().message();
  auto partitions = (*consumer)->partitions("claims.610000", 5000);
  ASSERT_TRUE(partitions.is_ok()) << partitions.status().message();
  ASSERT_EQ(*partitions, 4);
  std::vector<Consumer::Start> starts;
  for (int p = 0; p < 4; ++p) starts.push_back({"claims.610000", p, std::nullopt});
  ASSERT_TRUE((*consumer)->assign(starts).is_ok());
  std::set<std::string> seen;
  std::map<int32_t, int64_t> next_offset;
  for (int round = 0; round < 200 && seen.size() < 1000; ++round) {
    for (const KafkaMessage& m : (*consumer)->poll(500, 100)) {
      seen.insert(m.value);
      next_offset[m.partition] = m.offset + 1;
    }
  }
  EXPECT_EQ(seen.size(), 1000u);

  // A second consumer resuming from the stored offsets sees only what comes after.
  ASSERT_TRUE((*producer)->produce("claims.610000", "late", "late value").is_ok());
  ASSERT_TRUE((*producer)->flush(10'000).is_ok());
  auto resumed = Consumer::create(config, "test");
  starts.clear();
  for (int p = 0; p < 4; ++p) starts.push_back({"claims.610000", p, next_offset[p]});
  ASSERT_TRUE((*resumed)->assign(starts).is_ok());
  std::vector<std::string> after;
  for (int round = 0; round < 100 && after.empty(); ++round) {
    for (const KafkaMessage& m : (*resumed)->poll(10, 100)) after.push_back(m.value);
  }
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], "late value");
}

}  // namespace
}  // namespace medclear::adapters
