// The Kafka edge on librdkafka's C API: an idempotent producer whose deliveries are counted, a
// consumer with manual partition assignment (offsets live in the ledger, not in Kafka), and the
// embedded broker — librdkafka's mock cluster — for development, tests and the demo. A real
// cluster is a matter of configuration (bootstrap.servers, security.protocol, sasl.*).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clearing/status.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_mock_cluster_s;

namespace medclear::adapters {

// librdkafka properties: bootstrap.servers and anything else (security.protocol, sasl.mechanism,
// sasl.username, ssl.ca.location, …) passed through as given.
struct KafkaConfig {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
};

// The Kafka protocol requests a fault can target (values: their ApiKey).
enum class KafkaRequest : int16_t { kProduce = 0, kFetch = 1 };

// The errors a faulty broker answers with: each retriable, as a leader change, an overloaded or a
// lagging cluster would send them.
enum class BrokerError {
  kNotLeaderForPartition,
  kRequestTimedOut,
  kNotEnoughReplicas,
  kUnknownTopicOrPartition,
};

// librdkafka's in-process mock cluster (PLATFORM.md: at most 5 MiB per partition, in memory, no
// Admin API topic creation — topics are created here).
class EmbeddedBroker {
 public:
  // Brokers get the ids 1..brokers.
  static Result<std::unique_ptr<EmbeddedBroker>> start(int brokers);
  ~EmbeddedBroker();
  const std::string& bootstrap_servers() const { return bootstrap_; }
  Status create_topic(const std::string& topic, int partitions);

  // Faults (tests and the demo's --faults). Safe from any thread.
  // Takes broker `id` down: its connections close and new ones are refused until set_broker_up.
  // Errors: no broker with that id.
  Status set_broker_down(int32_t id);
  Status set_broker_up(int32_t id);
  // The next errors.size() requests of kind `request`, to any broker, fail with `errors` in order.
  void push_request_errors(KafkaRequest request, const std::vector<BrokerError>& errors);

 private:
  EmbeddedBroker() = default;
  rd_kafka_s* handle_ = nullptr;  // the mock cluster lives in this client instance
  rd_kafka_mock_cluster_s* mock_ = nullptr;
  std::string bootstrap_;
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> create(const KafkaConfig& config);
  ~Producer();
  // Queues a message. `token` (non-zero) comes back from deliveries() once the broker has
  // acknowledged the message, or failed it for good.
  Status produce(const std::string& topic, std::string_view key, std::string_view value,
                 uint64_t token = 0);
  struct Delivery {
    uint64_t token = 0;
    bool ok = false;
  };
  // Serves delivery reports without waiting; returns those of tokened messages since last call.
  std::vector<Delivery> deliveries();
  // Waits until every queued message is delivered or failed; error if any failed since the last
  // flush (the caller re-sends: the consumers de-duplicate).
  Status flush(int timeout_ms);
  // Learns the leaders of every topic of the cluster whose name starts with one of `prefixes`,
  // before the first message to it: otherwise the first message to each topic waits for a
  // metadata refresh (up to a second), which a node sending to thirty other regions pays on
  // thirty topics. Returns how many topics it prepared; topics created later still work, lazily.
  Result<size_t> prepare(const std::vector<std::string>& prefixes, int timeout_ms);

  struct Reports {
    uint64_t failed = 0;
    std::string last_error;
    std::vector<Delivery> tokened;
  };

 private:
  Producer() = default;
  rd_kafka_s* handle_ = nullptr;
  std::vector<rd_kafka_topic_s*> prepared_;  // held so their metadata stays known
  std::unique_ptr<Reports> reports_ = std::make_unique<Reports>();
};

struct KafkaMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

class Consumer {
 public:
  // `group` only names the client; partitions are assigned by assign(), never by a group.
  static Result<std::unique_ptr<Consumer>> create(const KafkaConfig& config,
                                                  const std::string& group);
  ~Consumer();
  // Number of partitions of `topic` (from the cluster's metadata).
  Result<int> partitions(const std::string& topic, int timeout_ms);
  struct Start {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> offset;  // nullopt: from the beginning
  };
  Status assign(const std::vector<Start>& starts);
  // Up to `max` messages, waiting at most `timeout_ms` for the first one.
  std::vector<KafkaMessage> poll(size_t max, int timeout_ms);

 private:
  Consumer() = default;
  rd_kafka_s* handle_ = nullptr;
};

}  // namespace medclear::adapters
