// The Kafka edge against the embedded broker (librdkafka's mock cluster): what is produced and
// flushed is consumed, from the offsets the caller chooses, on manually assigned partitions.
#include "adapters/kafka.h"

#include <gtest/gtest.h>

#include <set>

namespace medclear::adapters {
namespace {

// A producer learns the topics it will send to before the first message: those of the named
// prefixes, no others; a message to a topic created later still goes (lazily).
TEST(Kafka, ProducerPreparesTheTopicsOfItsPrefixes) {
  auto broker = EmbeddedBroker::start(3);
  ASSERT_TRUE(broker.is_ok()) << broker.status().message();
  for (const char* topic :
       {"claims.110000", "claims.310000", "settlements.110000", "other.110000"}) {
    ASSERT_TRUE((*broker)->create_topic(topic, 2).is_ok());
  }
  auto producer = Producer::create({(*broker)->bootstrap_servers(), {}});
  ASSERT_TRUE(producer.is_ok()) << producer.status().message();
  const Result<size_t> prepared = (*producer)->prepare({"claims.", "settlements."}, 10'000);
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
