// librdkafka plumbing shared by adapters/kafka.cpp and adapters/kafka_clients.cpp (not a public
// interface): configuration with this project's defaults, topic metadata, producing.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kafka.h"
#include "clearing/status.h"

namespace medclear::adapters {

// `defaults`, then bootstrap.servers and the configured properties over them.
Result<rd_kafka_conf_t*> make_conf(const KafkaConfig& config,
                                   const std::map<std::string, std::string>& defaults);
// An idempotent producer acknowledged by every replica; a consumer whose offsets live in the
// ledger (never committed to Kafka).
const std::map<std::string, std::string>& producer_defaults();
std::map<std::string, std::string> consumer_defaults(const std::string& group);

// The number of partitions of `topic`, from the cluster's metadata.
Result<int> topic_partitions(rd_kafka_t* handle, const std::string& topic, int timeout_ms);
// Producer::prepare on any client: the topics named by `prefixes` are kept in `held`.
Result<size_t> prepare_topics(rd_kafka_t* handle, const std::vector<std::string>& prefixes,
                              int timeout_ms, std::vector<rd_kafka_topic_t*>& held);
// A consumed message (without error), copied out of librdkafka's buffer.
KafkaMessage copy_message(const rd_kafka_message_t& message);
// Queues a copy of the message with `opaque` for its delivery report. When librdkafka's queue
// is full it waits for room: serving delivery reports itself when `serve_when_full` (the thread
// that owns the producer), else leaving that to the thread that does.
Status produce_message(rd_kafka_t* handle, const std::string& topic, std::string_view key,
                       std::string_view value, void* opaque, bool serve_when_full);

}  // namespace medclear::adapters
