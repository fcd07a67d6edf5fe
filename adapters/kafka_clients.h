// The Kafka clients of one process, shared by its region nodes: one idempotent producer and one
// consumer (manual assignment, offsets in the ledgers), served by one pump thread that sleeps until
// librdkafka has a message or a delivery report for it — no poll loop. A node joins with the
// partitions it consumes and finds its messages and the delivery reports of its messages in its
// own inbox, which wakes it. A deployment with one region per process has one member; the demo's
// 31 regions share one pair of clients instead of 62, so one consumer fetches for all and the
// producer batches every region's messages for the same partition together.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/kafka.h"
#include "clearing/status.h"

struct rd_kafka_queue_s;

namespace medclear::adapters {

class KafkaClients;

// A partition's offsets as the consumer last heard them: `low` the first kept, `high` the one
// after the last message (the high watermark); nullopt until the cluster told.
struct Watermarks {
  std::optional<int64_t> low;
  std::optional<int64_t> high;
};

// One node's share of the clients. Thread-safe.
class KafkaMember {
 public:
  ~KafkaMember();  // leaves: its partitions are paused and its inbox no longer fed
  KafkaMember(const KafkaMember&) = delete;
  KafkaMember& operator=(const KafkaMember&) = delete;

  // As Producer::produce: the report of a tokened message comes back from deliveries().
  Status produce(const std::string& topic, std::string_view key, std::string_view value,
                 uint64_t token = 0);
  // The reports of its tokened messages since the last call.
  std::vector<Producer::Delivery> deliveries();
  // Up to `max` of its messages, each partition's in order, without waiting.
  std::vector<KafkaMessage> take(size_t max);
  // As KafkaClients::watermarks.
  Watermarks watermarks(const std::string& topic, int32_t partition) const;

  struct Inbox;

 private:
  friend class KafkaClients;
  KafkaMember(std::shared_ptr<KafkaClients> clients, std::shared_ptr<Inbox> inbox);
  std::shared_ptr<KafkaClients> clients_;
  std::shared_ptr<Inbox> inbox_;
};

class KafkaClients : public std::enable_shared_from_this<KafkaClients> {
 public:
  // `name` names the clients to the cluster (client.id and the consumer's group.id, which only
  // names it: partitions are assigned by join(), never by a group).
  static Result<std::shared_ptr<KafkaClients>> start(const KafkaConfig& config,
                                                     const std::string& name);
  ~KafkaClients();
  KafkaClients(const KafkaClients&) = delete;
  KafkaClients& operator=(const KafkaClients&) = delete;

  // A consumed partition's watermarks as librdkafka caches them: the high one comes with every
  // fetch response (fetches are long polls of at most fetch.wait.max.ms), without a request of
  // its own; a paused partition (an inbox full) is not fetched, so its high watermark then lags.
  Watermarks watermarks(const std::string& topic, int32_t partition) const;
  // Number of partitions of `topic` (from the cluster's metadata).
  Result<int> partitions(const std::string& topic, int timeout_ms);
  // Producer::prepare for this process's producer (topics already prepared are kept).
  Result<size_t> prepare(const std::vector<std::string>& prefixes, int timeout_ms);
  // Consumes `starts` (each partition from its offset; nullopt: from the beginning) into a new
  // member's inbox. `wake` runs on the pump thread (keep it short) when the inbox gets messages or
  // delivery reports, under the inbox's lock (it must not call back into the member). Errors: a
  // topic another member consumes; the cluster refusing.
  Result<std::unique_ptr<KafkaMember>> join(const std::vector<Consumer::Start>& starts,
                                            std::function<void()> wake);

  // Internals the members and librdkafka's callbacks use.
  Status produce(const std::string& topic, std::string_view key, std::string_view value,
                 const std::shared_ptr<KafkaMember::Inbox>& inbox, uint64_t token);
  void leave(const std::shared_ptr<KafkaMember::Inbox>& inbox);
  void resume(KafkaMember::Inbox& inbox);
  void delivered(const std::shared_ptr<KafkaMember::Inbox>& inbox, uint64_t token, bool ok);

 private:
  KafkaClients() = default;
  Status open(const KafkaConfig& config, const std::string& name);
  void pump();
  void route(KafkaMessage message);
  void wake_touched();
  Status set_paused(const std::vector<std::pair<std::string, int32_t>>& partitions, bool paused);

  rd_kafka_s* producer_ = nullptr;
  rd_kafka_s* consumer_ = nullptr;
  rd_kafka_queue_s* producer_queue_ = nullptr;  // its main queue (delivery reports)
  rd_kafka_queue_s* consumer_queue_ = nullptr;
  int event_fd_ = -1;  // written by librdkafka when either queue gets something, and by stop
  std::vector<rd_kafka_topic_s*> prepared_;
  std::mutex mutex_;  // guards what follows
  std::map<std::string, std::shared_ptr<KafkaMember::Inbox>, std::less<>> routes_;  // by topic
  std::set<std::pair<std::string, int32_t>> assigned_;        // ever assigned: re-joined by a seek
  std::vector<std::shared_ptr<KafkaMember::Inbox>> touched_;  // to wake after this round
  std::atomic<bool> stopping_{false};
  std::thread pump_thread_;
};

}  // namespace medclear::adapters
