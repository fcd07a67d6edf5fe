#include "adapters/kafka_clients.h"

#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <deque>

#include "adapters/kafka_conf.h"

namespace medclear::adapters {

namespace {

// A member's inbox holds at most this many messages before its partitions pause (librdkafka
// stops fetching them); they resume once the member has taken it down to the low mark.
constexpr size_t kInboxHigh = 20'000;
constexpr size_t kInboxLow = 5'000;

using Partitions = std::vector<std::pair<std::string, int32_t>>;

// The opaque of a tokened message: whose report it is.
struct DeliveryTag {
  std::shared_ptr<KafkaMember::Inbox> inbox;
  uint64_t token = 0;
};

// Runs on the thread that serves the producer's queue (the pump; at shutdown, the destructor).
void on_member_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* tag = static_cast<DeliveryTag*>(message->_private);
  if (tag == nullptr) return;
  static_cast<KafkaClients*>(opaque)->delivered(tag->inbox, tag->token,
                                                message->err == RD_KAFKA_RESP_ERR_NO_ERROR);
  delete tag;
}

struct PartitionList {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(8);
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  rd_kafka_topic_partition_t* add(const std::string& topic, int32_t partition) {
    return rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
  }
};

Status from_error(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return Status::ok();
  Status status = Status::error(what + ": " + rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  return status;
}

}  // namespace

struct KafkaMember::Inbox {
  std::mutex mutex;
  std::deque<KafkaMessage> messages;
  std::vector<Producer::Delivery> deliveries;
  std::function<void()> wake;  // empty once the member left
  Partitions partitions;       // set at join, then never changed
  bool paused = false;         // its partitions are paused (inbox full, or left)
  bool touched = false;        // queued to be woken after the pump's round
};

Result<std::shared_ptr<KafkaClients>> KafkaClients::start(const KafkaConfig& config,
                                                          const std::string& name) {
  std::shared_ptr<KafkaClients> clients(new KafkaClients());
  if (Status opened = clients->open(config, name); !opened.is_ok()) return opened;
  clients->pump_thread_ = std::thread([raw = clients.get()] { raw->pump(); });
  return clients;
}

Status KafkaClients::open(const KafkaConfig& config, const std::string& name) {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) return Status::error("kafka: eventfd failed");
  std::map<std::string, std::string> defaults = producer_defaults();
  defaults["client.id"] = name;
  Result<rd_kafka_conf_t*> producer_conf = make_conf(config, defaults);
  if (!producer_conf.is_ok()) return producer_conf.status();
  rd_kafka_conf_set_dr_msg_cb(*producer_conf, on_member_delivery);
  rd_kafka_conf_set_opaque(*producer_conf, this);
  char error[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, *producer_conf, error, sizeof error);
  if (producer_ == nullptr) return Status::error(std::string("kafka producer: ") + error);
  defaults = consumer_defaults(name);
  defaults["client.id"] = name;
  Result<rd_kafka_conf_t*> consumer_conf = make_conf(config, defaults);
  if (!consumer_conf.is_ok()) return consumer_conf.status();
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, *consumer_conf, error, sizeof error);
  if (consumer_ == nullptr) return Status::error(std::string("kafka consumer: ") + error);
  rd_kafka_poll_set_consumer(consumer_);
  // librdkafka writes to the eventfd when either queue turns non-empty: the pump sleeps on it.
  static constexpr uint64_t kOne = 1;
  producer_queue_ = rd_kafka_queue_get_main(producer_);
  consumer_queue_ = rd_kafka_queue_get_consumer(consumer_);
  rd_kafka_queue_io_event_enable(producer_queue_, event_fd_, &kOne, sizeof kOne);
  rd_kafka_queue_io_event_enable(consumer_queue_, event_fd_, &kOne, sizeof kOne);
  return Status::ok();
}

KafkaClients::~KafkaClients() {
  stopping_ = true;
  if (event_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(event_fd_, &one, sizeof one);
  }
  if (pump_thread_.joinable()) pump_thread_.join();
  if (consumer_queue_ != nullptr) rd_kafka_queue_destroy(consumer_queue_);
  if (consumer_ != nullptr) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
  if (producer_queue_ != nullptr) rd_kafka_queue_destroy(producer_queue_);
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    // What the cluster did not take in time is reported as purged, freeing its tags.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer_, 0);
    for (rd_kafka_topic_t* topic : prepared_) rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(producer_);
  }
  if (event_fd_ >= 0) ::close(event_fd_);
}

Watermarks KafkaClients::watermarks(const std::string& topic, int32_t partition) const {
  int64_t low = RD_KAFKA_OFFSET_INVALID, high = RD_KAFKA_OFFSET_INVALID;
  Watermarks out;
  if (rd_kafka_get_watermark_offsets(consumer_, topic.c_str(), partition, &low, &high) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  if (low >= 0) out.low = low;
  if (high >= 0) out.high = high;
  return out;
}

Result<int> KafkaClients::partitions(const std::string& topic, int timeout_ms) {
  return topic_partitions(consumer_, topic, timeout_ms);
}

Result<size_t> KafkaClients::prepare(const std::vector<std::string>& prefixes, int timeout_ms) {
  std::lock_guard lock(mutex_);
  if (!prepared_.empty()) return prepared_.size();
  return prepare_topics(producer_, prefixes, timeout_ms, prepared_);
}

Result<std::unique_ptr<KafkaMember>> KafkaClients::join(const std::vector<Consumer::Start>& starts,
                                                        std::function<void()> wake) {
  auto inbox = std::make_shared<KafkaMember::Inbox>();
  inbox->wake = std::move(wake);
  PartitionList fresh;
  PartitionList again;  // assigned before, to a member that left: sought to the new offsets
  Partitions resumed;   // the same, paused when that member left
  {
    std::lock_guard lock(mutex_);
    for (const Consumer::Start& start : starts) {
      if (const auto it = routes_.find(start.topic); it != routes_.end() && it->second != inbox) {
        for (const auto& [topic, partition] : inbox->partitions) routes_.erase(topic);
        return Status::conflict("kafka: topic " + start.topic + " is consumed by another member");
      }
      routes_[start.topic] = inbox;
      inbox->partitions.emplace_back(start.topic, start.partition);
      const bool first = assigned_.emplace(start.topic, start.partition).second;
      if (!first) resumed.emplace_back(start.topic, start.partition);
      (first ? fresh : again).add(start.topic, start.partition)->offset =
          start.offset ? *start.offset : RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  Status joined = Status::ok();
  if (fresh.list->cnt > 0) {
    joined = from_error(rd_kafka_incremental_assign(consumer_, fresh.list), "kafka assign");
  }
  if (joined.is_ok() && again.list->cnt > 0) {
    joined = from_error(rd_kafka_seek_partitions(consumer_, again.list, 10'000), "kafka seek");
    if (joined.is_ok()) joined = set_paused(resumed, false);
  }
  std::unique_ptr<KafkaMember> member(new KafkaMember(shared_from_this(), inbox));
  if (!joined.is_ok()) return joined;  // the member leaves as it goes
  return member;
}

Status KafkaClients::set_paused(const Partitions& partitions, bool paused) {
  PartitionList list;
  for (const auto& [topic, partition] : partitions) list.add(topic, partition);
  const rd_kafka_resp_err_t err = paused ? rd_kafka_pause_partitions(consumer_, list.list)
                                         : rd_kafka_resume_partitions(consumer_, list.list);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR
             ? Status::ok()
             : Status::error(std::string("kafka pause/resume: ") + rd_kafka_err2str(err));
}

void KafkaClients::leave(const std::shared_ptr<KafkaMember::Inbox>& inbox) {
  {
    std::lock_guard lock(mutex_);
    for (const auto& [topic, partition] : inbox->partitions) {
      if (const auto it = routes_.find(topic); it != routes_.end() && it->second == inbox) {
        routes_.erase(it);
      }
    }
  }
  std::lock_guard lock(inbox->mutex);
  inbox->wake = nullptr;
  inbox->messages.clear();
  if (!inbox->paused) set_paused(inbox->partitions, true).ignore();
  inbox->paused = true;
}

void KafkaClients::resume(KafkaMember::Inbox& inbox) {
  set_paused(inbox.partitions, false).ignore();
}

Status KafkaClients::produce(const std::string& topic, std::string_view key, std::string_view value,
                             const std::shared_ptr<KafkaMember::Inbox>& inbox, uint64_t token) {
  auto* tag = token == 0 ? nullptr : new DeliveryTag{inbox, token};
  Status produced = produce_message(producer_, topic, key, value, tag, false);
  if (!produced.is_ok()) delete tag;
  return produced;
}

void KafkaClients::delivered(const std::shared_ptr<KafkaMember::Inbox>& inbox, uint64_t token,
                             bool ok) {
  bool touch = false;
  {
    std::lock_guard lock(inbox->mutex);
    if (!inbox->wake) return;  // left
    inbox->deliveries.push_back({token, ok});
    touch = !std::exchange(inbox->touched, true);
  }
  if (touch) {
    std::lock_guard lock(mutex_);
    touched_.push_back(inbox);
  }
}

void KafkaClients::route(KafkaMessage message) {
  std::shared_ptr<KafkaMember::Inbox> inbox;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = routes_.find(message.topic); it != routes_.end()) inbox = it->second;
  }
  if (!inbox) return;  // its member left: it reads again from its ledger's offsets on re-joining
  bool touch = false;
  {
    std::lock_guard lock(inbox->mutex);
    if (!inbox->wake) return;
    inbox->messages.push_back(std::move(message));
    if (!inbox->paused && inbox->messages.size() >= kInboxHigh) {
      inbox->paused = set_paused(inbox->partitions, true).is_ok();
    }
    touch = !std::exchange(inbox->touched, true);
  }
  if (touch) {
    std::lock_guard lock(mutex_);
    touched_.push_back(inbox);
  }
}

void KafkaClients::wake_touched() {
  std::vector<std::shared_ptr<KafkaMember::Inbox>> now;
  {
    std::lock_guard lock(mutex_);
    now.swap(touched_);
  }
  for (const auto& inbox : now) {
    // Under the inbox's lock: a member that leaves waits for its wake to return.
    std::lock_guard lock(inbox->mutex);
    inbox->touched = false;
    if (inbox->wake) inbox->wake();
  }
}

// Sleeps until librdkafka signals the eventfd (or a second passes), then serves delivery reports
// and hands every consumed message to its member.
void KafkaClients::pump() {
  while (!stopping_) {
    pollfd fd{event_fd_, POLLIN, 0};
    ::poll(&fd, 1, 1000);
    uint64_t signals = 0;
    [[maybe_unused]] const ssize_t n = ::read(event_fd_, &signals, sizeof signals);
    rd_kafka_poll(producer_, 0);
    while (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, 0)) {
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) route(copy_message(*message));
      rd_kafka_message_destroy(message);
    }
    wake_touched();
  }
}

KafkaMember::KafkaMember(std::shared_ptr<KafkaClients> clients, std::shared_ptr<Inbox> inbox)
    : clients_(std::move(clients)), inbox_(std::move(inbox)) {}

KafkaMember::~KafkaMember() { clients_->leave(inbox_); }

Status KafkaMember::produce(const std::string& topic, std::string_view key, std::string_view value,
                            uint64_t token) {
  return clients_->produce(topic, key, value, inbox_, token);
}

std::vector<Producer::Delivery> KafkaMember::deliveries() {
  std::vector<Producer::Delivery> out;
  std::lock_guard lock(inbox_->mutex);
  out.swap(inbox_->deliveries);
  return out;
}

Watermarks KafkaMember::watermarks(const std::string& topic, int32_t partition) const {
  return clients_->watermarks(topic, partition);
}

std::vector<KafkaMessage> KafkaMember::take(size_t max) {
  std::vector<KafkaMessage> out;
  std::lock_guard lock(inbox_->mutex);
  const size_t n = std::min(max, inbox_->messages.size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(inbox_->messages.front()));
    inbox_->messages.pop_front();
  }
  if (inbox_->paused && inbox_->wake && inbox_->messages.size() < kInboxLow) {
    clients_->resume(*inbox_);
    inbox_->paused = false;
  }
  return out;
}

}  // namespace medclear::adapters
