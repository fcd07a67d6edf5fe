#include "gateway/node.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <set>
#include <map>
#include <mutex>
#include <thread>

#include "adapters/wire.h"
#include "ledger/directory.h"
#include "ledger/state.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using Clock = std::chrono::steady_clock;

std::string claims_topic(std::string_view region) { return "claims." + std::string(region); }
std::string settlements_topic(std::string_view region) {
  return "settlements." + std::string(region);
}
std::string dead_letters_topic(std::string_view region) {
  return "dead-letters." + std::string(region);
}

namespace {

// An outbox message names where it goes: topic NUL key NUL message.
std::string outbox_payload(const std::string& topic, const std::string& key,
                           const std::string& message) {
  return topic + '\0' + key + '\0' + message;
}

struct OutboxMessage {
  std::string topic;
  std::string key;
  std::string_view message;
};

std::optional<OutboxMessage> split_outbox(std::string_view payload) {
  const size_t first = payload.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = payload.find('\0', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return OutboxMessage{std::string(payload.substr(0, first)),
                       std::string(payload.substr(first + 1, second - first - 1)),
                       payload.substr(second + 1)};
}

std::string psn_no_of(const cl::Request& request) {
  if (const auto* c = std::get_if<cl::SettlementInput>(&request.input)) return c->psn_no;
  if (const auto* c = std::get_if<cl::CancelInput>(&request.input)) return c->psn_no;
  return std::get<cl::ReversalInput>(request.input).psn_no;
}

}  // namespace

// The claim as it leaves the treating region: the identity fields of the national interface
// (ID number, name, the certificate number of the visit) are dropped, so neither Kafka nor the
// intake ever holds them at rest. The insured region identifies its person by psn_no, the
// fingerprint (computed from the whole request at parsing) still binds a retry to its content.
namespace {
cl::Request without_identity(cl::Request request) {
  if (auto* claim = std::get_if<cl::SettlementInput>(&request.input)) {
    claim->certno.clear();
    claim->psn_name.clear();
    claim->mdtrt_cert_no.clear();
  }
  return request;
}
}  // namespace

struct RegionNode::Impl {
  NodeOptions options;
  const cl::ReferenceData& reference;
  cl::Engine engine;
  lg::LedgerDirectory ledger;
  std::unique_ptr<lg::LedgerState> state;
  std::unique_ptr<adapters::Producer> producer;
  std::unique_ptr<adapters::Consumer> consumer;
  std::shared_ptr<spdlog::logger> log;
  NodeCounters counters;
  uint64_t relay_cursor = 0;  // every outbox message up to here was acknowledged by the broker
  uint64_t relay_next = 1;    // the next outbox message to publish
  std::set<uint64_t> acknowledged;  // acknowledged beyond a gap

  struct Pending {
    std::vector<AnswerCallback> waiters;
    std::string topic;
    std::string key;
    std::string message;
    Clock::time_point sent_at;
  };
  std::mutex mutex;  // guards pending, fresh and failure
  std::vector<std::string> fresh;  // submitted, not yet in the intake
  // Worker only: claims in the intake to send now, and those sent, oldest first, for resending.
  std::vector<std::string> to_send;
  std::deque<std::pair<Clock::time_point, std::string>> sent;
  std::condition_variable room;  // signalled when pending shrinks
  std::map<std::string, Pending> pending;
  std::vector<std::function<void(const lg::Ledger*)>> readers;
  std::vector<std::pair<std::function<Status(lg::Ledger&)>, std::function<void(Status)>>> writers;
  std::optional<std::string> failure;
  std::atomic<bool> stopping{false};
  bool stopped = false;  // the worker has ended (guarded by mutex)
  std::thread worker;

  Impl(const NodeOptions& o, const cl::ReferenceData& r) : options(o), reference(r), engine(r) {}

  Status open() {
    log = spdlog::get("node");
    if (!log) log = spdlog::default_logger();
    lg::LedgerOptions ledger_options;
    ledger_options.region = options.region;
    Result<lg::LedgerDirectory> opened = lg::open_directory(options.ledger_dir, ledger_options, true);
    if (!opened.is_ok()) return opened.status();
    ledger = std::move(*opened);
    state = std::make_unique<lg::LedgerState>(*ledger.ledger);
    relay_cursor = ledger.ledger->outbox_cursor();
    relay_next = relay_cursor + 1;
    for (auto& [msgid, payload] : ledger.ledger->intakes()) {  // sent before a restart
      const std::optional<OutboxMessage> out = split_outbox(payload);
      if (!out) return Status::error("corrupt intake of msgid " + msgid);
      Pending& p = pending[msgid];
      p.topic = out->topic;
      p.key = out->key;
      p.message = std::string(out->message);
      to_send.push_back(msgid);
    }
    Result<std::unique_ptr<adapters::Producer>> p = adapters::Producer::create(options.kafka);
    if (!p.is_ok()) return p.status();
    producer = std::move(*p);
    // Every region's claims and settlements topics known before the first claim goes out.
    if (Result<size_t> prepared = producer->prepare({"claims.", "settlements."}, 10'000);
        !prepared.is_ok()) {
      log->warn("kafka_prepare region={} reason=\"{}\"", options.region, prepared.status().message());
    }
    Result<std::unique_ptr<adapters::Consumer>> c =
        adapters::Consumer::create(options.kafka, "medclear-node-" + options.region);
    if (!c.is_ok()) return c.status();
    consumer = std::move(*c);
    std::vector<adapters::Consumer::Start> starts;
    for (const std::string& topic :
         {claims_topic(options.region), settlements_topic(options.region)}) {
      Result<int> partitions = consumer->partitions(topic, 10'000);
      if (!partitions.is_ok()) return partitions.status();
      for (int partition = 0; partition < *partitions; ++partition) {
        starts.push_back({topic, partition, ledger.ledger->offset(topic, partition)});
      }
    }
    return consumer->assign(starts);
  }

  void dead_letter(const adapters::KafkaMessage& message, const std::string& reason) {
    ++counters.dead_letters;
    log->warn("dead_letter region={} topic={} partition={} offset={} reason=\"{}\"", options.region,
              message.topic, message.partition, message.offset, reason);
    producer->produce(dead_letters_topic(options.region), message.key, reason + '\n' + message.value)
        .ignore();  // best effort: the reason is logged as well
    ledger.ledger->stage_offset(message.topic, message.partition, message.offset + 1);
  }

  // Insured side: decide one claim and stage its entry, its settlement message and its offset.
  Status clear(const adapters::KafkaMessage& message) {
    Result<adapters::ClaimMessage> claim = adapters::decode_claim(message.value);
    if (!claim.is_ok()) {
      dead_letter(message, claim.status().message());
      return Status::ok();
    }
    const cl::Envelope& envelope = claim->request.envelope;
    if (lg::region_of(envelope.insuplc_admdvs) != options.region) {
      dead_letter(message, "claim for insured region " + envelope.insuplc_admdvs +
                               " on the topic of " + options.region);
      return Status::ok();
    }
    const cl::Decision decision = engine.decide(claim->request, *state);
    if (decision.append) {
      if (Status applied = state->apply(decision.result); !applied.is_ok()) return applied;
    }
    adapters::SettlementMessage answer{envelope.msgid, decision.rejection, std::nullopt,
                                       decision.replayed};
    if (decision.accepted()) answer.record = decision.result;
    ledger.ledger->stage_outbox(outbox_payload(
        settlements_topic(lg::region_of(envelope.mdtrtarea_admvs)), envelope.msgid,
        adapters::encode_settlement(answer)));
    ledger.ledger->stage_offset(message.topic, message.partition, message.offset + 1);
    ++counters.claims_decided;
    return Status::ok();
  }

  // Treating side: write a returned settlement; its waiter is answered after the commit.
  Status record(const adapters::KafkaMessage& message,
                std::vector<std::pair<std::string, NodeAnswer>>& answers) {
    Result<adapters::SettlementMessage> settlement = adapters::decode_settlement(message.value);
    if (!settlement.is_ok()) {
      dead_letter(message, settlement.status().message());
      return Status::ok();
    }
    if (settlement->record && !settlement->record->setl_id.empty()) {
      Result<lg::Ledger::Staged> staged =
          ledger.ledger->stage(*settlement->record, lg::Side::kTreating);
      if (!staged.is_ok()) {
        dead_letter(message, "conflicting settlement: " + staged.status().message());
        return Status::ok();
      }
      if (*staged == lg::Ledger::Staged::kAppended) ++counters.settlements_recorded;
    }
    ledger.ledger->stage_offset(message.topic, message.partition, message.offset + 1);
    ledger.ledger->stage_intake_done(settlement->msgid);
    answers.emplace_back(settlement->msgid,
                         NodeAnswer{settlement->rejection, settlement->record, false});
    return Status::ok();
  }

  // Stages every new claim in the intake; they are sent once the step's batch is durable.
  std::vector<std::string> stage_intakes() {
    std::vector<std::string> staged;
    std::lock_guard lock(mutex);
    for (std::string& msgid : fresh) {
      // A retried msgid may be answered by a late duplicate settlement before it is staged.
      const auto it = pending.find(msgid);
      if (it == pending.end()) continue;
      ledger.ledger->stage_intake(msgid,
                                  outbox_payload(it->second.topic, it->second.key, it->second.message));
      staged.push_back(std::move(msgid));
    }
    fresh.clear();
    return staged;
  }

  // Sends the claims now in the intake, and again those unanswered for resend_after_ms.
  void send_claims() {
    const auto now = Clock::now();
    const auto overdue = now - std::chrono::milliseconds(options.resend_after_ms);
    std::lock_guard lock(mutex);
    for (const std::string& msgid : to_send) {
      auto it = pending.find(msgid);
      if (it == pending.end()) continue;
      producer->produce(it->second.topic, it->second.key, it->second.message).ignore();
      ++counters.claims_sent;  // a failed produce is retried by the resend below
      sent.emplace_back(now, msgid);
    }
    to_send.clear();
    while (!sent.empty() && sent.front().first < overdue) {
      const std::string msgid = std::move(sent.front().second);
      sent.pop_front();
      auto it = pending.find(msgid);
      if (it == pending.end()) continue;  // answered
      producer->produce(it->second.topic, it->second.key, it->second.message).ignore();
      ++counters.claims_resent;
      sent.emplace_back(now, msgid);
    }
  }

  // Publishes the outbox from relay_next on, each message tokened with its outbox seq.
  Status relay_produce() {
    const uint64_t in_flight_max = 4 * options.batch_claims_max;
    if (relay_next - 1 - relay_cursor >= in_flight_max) return Status::ok();
    for (const auto& [seq, payload] :
         ledger.ledger->outbox_after(relay_next - 1, options.batch_claims_max)) {
      const std::optional<OutboxMessage> out = split_outbox(payload);
      MC_CHECK(out.has_value(), "corrupt outbox message");
      if (Status produced = producer->produce(out->topic, out->key, out->message, seq);
          !produced.is_ok()) {
        return produced;
      }
      relay_next = seq + 1;
    }
    return Status::ok();
  }

  // Moves the relay cursor over every outbox message the broker acknowledged without a gap; on a
  // failed delivery, sends everything after the cursor again (the consumers de-duplicate).
  void relay_acknowledge() {
    bool failed = false;
    for (const adapters::Producer::Delivery& delivery : producer->deliveries()) {
      if (delivery.ok) {
        acknowledged.insert(delivery.token);
      } else {
        failed = true;
      }
    }
    const uint64_t before = relay_cursor;
    while (!acknowledged.empty() && *acknowledged.begin() <= relay_cursor + 1) {
      relay_cursor = std::max(relay_cursor, *acknowledged.begin());
      acknowledged.erase(acknowledged.begin());
    }
    if (relay_cursor != before) {
      counters.settlements_relayed += relay_cursor - before;
      ledger.ledger->stage_outbox_cursor(relay_cursor);  // durable with the next batch
    }
    if (failed) {
      log->warn("relay_resend region={} from={}", options.region, relay_cursor + 1);
      relay_next = relay_cursor + 1;
      acknowledged.clear();
    }
  }

  // One step: everything it stages goes into ONE synced batch — new intakes, decided claims with
  // their outgoing settlements and offsets, written settlements, and relay progress. Then it
  // answers, sends new claims and the outbox; acknowledgements are collected on later steps.
  Status step() {
    const std::vector<std::string> intakes = stage_intakes();
    std::vector<std::pair<std::string, NodeAnswer>> answers;
    for (const adapters::KafkaMessage& message :
         consumer->poll(options.batch_claims_max, options.poll_timeout_ms)) {
      const Status handled = message.topic == claims_topic(options.region)
                                 ? clear(message)
                                 : record(message, answers);
      if (!handled.is_ok()) return handled;
    }
    relay_acknowledge();
    ++counters.steps;
    const auto commit_start = Clock::now();
    if (Status committed = ledger.ledger->commit(); !committed.is_ok()) return committed;
    counters.step_micros_commit += std::chrono::duration_cast<std::chrono::microseconds>(
        Clock::now() - commit_start).count();
    to_send.insert(to_send.end(), intakes.begin(), intakes.end());
    answer(answers);
    if (Status written = run_writers(); !written.is_ok()) return written;
    run_readers(ledger.ledger.get());
    send_claims();
    return relay_produce();
  }

  // Each writer stages and its batch is committed on its own; a failed commit stops the node.
  Status run_writers() {
    std::vector<std::pair<std::function<Status(lg::Ledger&)>, std::function<void(Status)>>> now;
    {
      std::lock_guard lock(mutex);
      now.swap(writers);
    }
    for (auto& [write, done] : now) {
      Status staged = write(*ledger.ledger);
      if (staged.is_ok()) {
        if (Status committed = ledger.ledger->commit(); !committed.is_ok()) {
          done(committed);
          return committed;
        }
      }
      done(staged);
    }
    return Status::ok();
  }

  void run_readers(const lg::Ledger* ledger_or_null) {
    std::vector<std::function<void(const lg::Ledger*)>> now;
    {
      std::lock_guard lock(mutex);
      now.swap(readers);
    }
    for (auto& reader : now) reader(ledger_or_null);
  }

  void answer(std::vector<std::pair<std::string, NodeAnswer>>& answers) {
    std::lock_guard lock(mutex);
    for (auto& [msgid, answer] : answers) {
      auto it = pending.find(msgid);
      if (it == pending.end()) continue;  // a duplicate, or sent before a restart
      for (auto& waiter : it->second.waiters) waiter(answer);
      pending.erase(it);
    }
    room.notify_all();
  }

  void run() {
    while (!stopping) {
      const Status status = step();
      if (!status.is_ok()) {
        log->error("node_stopped region={} reason=\"{}\"", options.region, status.message());
        std::lock_guard lock(mutex);
        failure = status.message();
        break;
      }
    }
    {
      std::lock_guard lock(mutex);
      for (auto& [msgid, p] : pending) {
        for (auto& waiter : p.waiters) waiter(NodeAnswer{{}, std::nullopt, true});
      }
      pending.clear();
      stopped = true;
      room.notify_all();
    }
    std::vector<std::pair<std::function<Status(lg::Ledger&)>, std::function<void(Status)>>> unwritten;
    {
      std::lock_guard lock(mutex);
      unwritten.swap(writers);
    }
    for (auto& [write, done] : unwritten) done(Status::error("node stopped"));
    run_readers(nullptr);
  }
};

RegionNode::RegionNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<RegionNode>> RegionNode::start(const NodeOptions& options,
                                                      const cl::ReferenceData& reference) {
  auto impl = std::make_unique<Impl>(options, reference);
  if (Status opened = impl->open(); !opened.is_ok()) return opened;
  std::unique_ptr<RegionNode> node(new RegionNode(std::move(impl)));
  Impl* raw = node->impl_.get();
  raw->worker = std::thread([raw] { raw->run(); });
  return node;
}

RegionNode::~RegionNode() { stop(); }

void RegionNode::stop() {
  impl_->stopping = true;
  if (impl_->worker.joinable()) impl_->worker.join();
}

std::future<NodeAnswer> RegionNode::submit(const cl::Request& request) {
  auto promise = std::make_shared<std::promise<NodeAnswer>>();
  std::future<NodeAnswer> future = promise->get_future();
  submit(request, [promise](NodeAnswer answer) { promise->set_value(std::move(answer)); },
         std::chrono::milliseconds(impl_->options.submit_wait_ms));
  return future;
}

void RegionNode::submit(const cl::Request& request, AnswerCallback done,
                        std::chrono::milliseconds wait_for_room) {
  const cl::Envelope& envelope = request.envelope;
  if (envelope.insuplc_admdvs.empty() ||
      !cl::is_cross_province(envelope.insuplc_admdvs, envelope.mdtrtarea_admvs)) {
    done({{cl::Reject::kNotCrossProvince,
           "insured division " + envelope.insuplc_admdvs + " is not in another province than " +
               envelope.mdtrtarea_admvs},
          std::nullopt, false});
    return;
  }
  std::unique_lock lock(impl_->mutex);
  const bool room = impl_->room.wait_for(lock, wait_for_room, [&] {
    return impl_->pending.size() < impl_->options.pending_claims_max ||
           impl_->pending.contains(envelope.msgid) || impl_->failure || impl_->stopping;
  });
  if (!room || impl_->failure || impl_->stopping) {  // overloaded or stopped: ask again later
    lock.unlock();
    done({{}, std::nullopt, true});
    return;
  }
  Impl::Pending& pending = impl_->pending[envelope.msgid];
  if (pending.waiters.empty() && pending.message.empty()) {  // the first submission of this msgid
    pending.topic = claims_topic(lg::region_of(envelope.insuplc_admdvs));
    pending.key = psn_no_of(request);
    pending.message = adapters::encode_claim({without_identity(request)});
    impl_->fresh.push_back(envelope.msgid);
  }
  pending.waiters.push_back(std::move(done));
}

void RegionNode::read(std::function<void(const lg::Ledger*)> reader) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopped) {
      impl_->readers.push_back(std::move(reader));
      return;
    }
  }
  reader(nullptr);
}

void RegionNode::write(std::function<Status(lg::Ledger&)> writer, std::function<void(Status)> done) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopped) {
      impl_->writers.emplace_back(std::move(writer), std::move(done));
      return;
    }
  }
  done(Status::error("node stopped"));
}

size_t RegionNode::claims_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pending.size();
}

std::optional<std::string> RegionNode::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

const NodeCounters& RegionNode::counters() const { return impl_->counters; }
const std::string& RegionNode::region() const { return impl_->options.region; }

}  // namespace medclear::gateway
