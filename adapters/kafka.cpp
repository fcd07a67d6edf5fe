#include "adapters/kafka.h"

#include <librdkafka/rdkafka.h>
// rdkafka.h before rdkafka_mock.h (PLATFORM.md)
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "adapters/kafka_conf.h"

namespace medclear::adapters {

namespace {

Status set_conf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    return Status::error("kafka config " + name + ": " + error);
  }
  return Status::ok();
}

}  // namespace

Result<rd_kafka_conf_t*> make_conf(const KafkaConfig& config,
                                   const std::map<std::string, std::string>& defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> all = defaults;
  if (!config.bootstrap_servers.empty()) all["bootstrap.servers"] = config.bootstrap_servers;
  for (const auto& [name, value] : config.properties) all[name] = value;
  for (const auto& [name, value] : all) {
    if (Status status = set_conf(conf, name, value); !status.is_ok()) {
      rd_kafka_conf_destroy(conf);
      return status;
    }
  }
  return conf;
}

const std::map<std::string, std::string>& producer_defaults() {
  static const std::map<std::string, std::string> defaults{
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "2"},
      {"topic.metadata.refresh.interval.ms", "1000"}};
  return defaults;
}

std::map<std::string, std::string> consumer_defaults(const std::string& group) {
  return {{"group.id", group},
          {"enable.auto.commit", "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", "earliest"},
          {"topic.metadata.refresh.interval.ms", "100"},
          {"fetch.wait.max.ms", "10"}};
}

namespace {

// Runs on the thread that polls the producer (its owner), so the reports need no lock.
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* reports = static_cast<Producer::Reports*>(opaque);
  const bool ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!ok) {
    ++reports->failed;
    reports->last_error = rd_kafka_err2str(message->err);
  }
  const auto token = reinterpret_cast<uintptr_t>(message->_private);
  if (token != 0) reports->tokened.push_back({token, ok});
}

}  // namespace

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(int brokers) {
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  // This client only hosts the mock cluster and never connects: silence its notice about that.
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  broker->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (broker->handle_ == nullptr) return Status::error(std::string("kafka: ") + error);
  broker->mock_ = rd_kafka_mock_cluster_new(broker->handle_, brokers);
  if (broker->mock_ == nullptr) return Status::error("kafka: cannot start the mock cluster");
  broker->bootstrap_ = rd_kafka_mock_cluster_bootstraps(broker->mock_);
  return broker;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (mock_ != nullptr) rd_kafka_mock_cluster_destroy(mock_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Status EmbeddedBroker::create_topic(const std::string& topic, int partitions) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions, 1);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR
             ? Status::ok()
             : Status::error("create topic " + topic + ": " + rd_kafka_err2str(err));
}

namespace {

rd_kafka_resp_err_t to_librdkafka(BrokerError error) {
  switch (error) {
    case BrokerError::kNotLeaderForPartition:
      return RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
    case BrokerError::kRequestTimedOut:
      return RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
    case BrokerError::kNotEnoughReplicas:
      return RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;
    case BrokerError::kUnknownTopicOrPartition:
      return RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  }
  return RD_KAFKA_RESP_ERR_UNKNOWN;
}

}  // namespace

Status EmbeddedBroker::set_broker_down(int32_t id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(mock_, id);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR
             ? Status::ok()
             : Status::error("broker " + std::to_string(id) + " down: " + rd_kafka_err2str(err));
}

Status EmbeddedBroker::set_broker_up(int32_t id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(mock_, id);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR
             ? Status::ok()
             : Status::error("broker " + std::to_string(id) + " up: " + rd_kafka_err2str(err));
}

void EmbeddedBroker::push_request_errors(KafkaRequest request,
                                         const std::vector<BrokerError>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  for (const BrokerError error : errors) codes.push_back(to_librdkafka(error));
  rd_kafka_mock_push_request_errors_array(mock_, static_cast<int16_t>(request), codes.size(),
                                          codes.data());
}

Result<std::unique_ptr<Producer>> Producer::create(const KafkaConfig& config) {
  std::unique_ptr<Producer> producer(new Producer());
  Result<rd_kafka_conf_t*> conf = make_conf(config, producer_defaults());
  if (!conf.is_ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, on_delivery);
  rd_kafka_conf_set_opaque(*conf, producer->reports_.get());
  char error[512];
  producer->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, error, sizeof error);
  if (producer->handle_ == nullptr) return Status::error(std::string("kafka producer: ") + error);
  return producer;
}

Producer::~Producer() {
  if (handle_ == nullptr) return;
  rd_kafka_flush(handle_, 5000);
  for (rd_kafka_topic_t* topic : prepared_) rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(handle_);
}

Result<size_t> Producer::prepare(const std::vector<std::string>& prefixes, int timeout_ms) {
  return prepare_topics(handle_, prefixes, timeout_ms, prepared_);
}

Result<size_t> prepare_topics(rd_kafka_t* handle, const std::vector<std::string>& prefixes,
                              int timeout_ms, std::vector<rd_kafka_topic_t*>& held) {
  const rd_kafka_metadata_t* all = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 1, nullptr, &all, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::error(std::string("metadata of the cluster: ") + rd_kafka_err2str(err));
  }
  const size_t before = held.size();
  for (int i = 0; i < all->topic_cnt; ++i) {
    const std::string_view name = all->topics[i].topic;
    if (!std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& prefix) { return name.starts_with(prefix); })) {
      continue;
    }
    held.push_back(rd_kafka_topic_new(handle, all->topics[i].topic, nullptr));
  }
  rd_kafka_metadata_destroy(all);
  // Metadata of the locally known topics (those just named) fills their leaders now.
  const rd_kafka_metadata_t* known = nullptr;
  err = rd_kafka_metadata(handle, 0, nullptr, &known, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::error(std::string("metadata of the topics: ") + rd_kafka_err2str(err));
  }
  rd_kafka_metadata_destroy(known);
  return held.size() - before;
}

Status Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                         uint64_t token) {
  return produce_message(handle_, topic, key, value,
                         reinterpret_cast<void*>(static_cast<uintptr_t>(token)), true);
}

Status produce_message(rd_kafka_t* handle, const std::string& topic, std::string_view key,
                       std::string_view value, void* opaque, bool serve_when_full) {
  for (int attempt = 0;; ++attempt) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        handle, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 1000) {
      return Status::error("produce to " + topic + ": " + rd_kafka_err2str(err));
    }
    // The local queue is full: deliveries make room.
    if (serve_when_full) {
      rd_kafka_poll(handle, 10);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

std::vector<Producer::Delivery> Producer::deliveries() {
  rd_kafka_poll(handle_, 0);
  std::vector<Delivery> out;
  out.swap(reports_->tokened);
  return out;
}

Status Producer::flush(int timeout_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(handle_, timeout_ms);
  rd_kafka_poll(handle_, 0);
  reports_->tokened.clear();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Status::error("flush: " + std::string(rd_kafka_err2str(err)));
  if (reports_->failed != 0) {
    reports_->failed = 0;
    return Status::error("delivery failed: " + reports_->last_error);
  }
  return Status::ok();
}

Result<std::unique_ptr<Consumer>> Consumer::create(const KafkaConfig& config,
                                                   const std::string& group) {
  std::unique_ptr<Consumer> consumer(new Consumer());
  Result<rd_kafka_conf_t*> conf = make_conf(config, consumer_defaults(group));
  if (!conf.is_ok()) return conf.status();
  char error[512];
  consumer->handle_ = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, error, sizeof error);
  if (consumer->handle_ == nullptr) return Status::error(std::string("kafka consumer: ") + error);
  rd_kafka_poll_set_consumer(consumer->handle_);
  return consumer;
}

Consumer::~Consumer() {
  if (handle_ == nullptr) return;
  rd_kafka_consumer_close(handle_);
  rd_kafka_destroy(handle_);
}

Result<int> Consumer::partitions(const std::string& topic, int timeout_ms) {
  return topic_partitions(handle_, topic, timeout_ms);
}

KafkaMessage copy_message(const rd_kafka_message_t& message) {
  KafkaMessage m;
  m.topic = rd_kafka_topic_name(message.rkt);
  m.partition = message.partition;
  m.offset = message.offset;
  if (message.key != nullptr) m.key.assign(static_cast<const char*>(message.key), message.key_len);
  if (message.payload != nullptr) {
    m.value.assign(static_cast<const char*>(message.payload), message.len);
  }
  return m;
}

Result<int> topic_partitions(rd_kafka_t* handle, const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* topic_handle = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle, 0, topic_handle, &metadata, timeout_ms);
  rd_kafka_topic_destroy(topic_handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::error("metadata of " + topic + ": " + rd_kafka_err2str(err));
  }
  int count = 0;
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    count = metadata->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  if (count == 0) return Status::error("topic " + topic + " does not exist");
  return count;
}

Status Consumer::assign(const std::vector<Start>& starts) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(starts.size()));
  for (const Start& start : starts) {
    rd_kafka_topic_partition_t* p =
        rd_kafka_topic_partition_list_add(list, start.topic.c_str(), start.partition);
    p->offset = start.offset ? *start.offset : RD_KAFKA_OFFSET_BEGINNING;
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(handle_, list);
  rd_kafka_topic_partition_list_destroy(list);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR
             ? Status::ok()
             : Status::error(std::string("assign: ") + rd_kafka_err2str(err));
}

std::vector<KafkaMessage> Consumer::poll(size_t max, int timeout_ms) {
  std::vector<KafkaMessage> out;
  int wait = timeout_ms;
  while (out.size() < max) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(handle_, wait);
    if (message == nullptr) break;
    wait = 0;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(copy_message(*message));
    rd_kafka_message_destroy(message);
  }
  return out;
}

}  // namespace medclear::adapters
