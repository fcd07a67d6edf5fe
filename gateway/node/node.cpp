#include "gateway/node/node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "adapters/topics.h"
#include "adapters/wire.h"
#include "clearing/admission.h"
#include "ledger/adjust.h"
#include "ledger/directory.h"
#include "ledger/outbox.h"
#include "ledger/state.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using Clock = std::chrono::steady_clock;

namespace {

// An intake record (ledger/FORMAT.md): the claim's deadline in Unix milliseconds, NUL, then the
// outbox form of the claim message. A record without the leading deadline (written before the
// deadline existed) gets one counted from when it is read again.
std::string intake_payload(int64_t deadline_ms, const std::string& outbox) {
  return std::to_string(deadline_ms) + '\0' + outbox;
}

struct IntakeRecord {
  std::optional<int64_t> deadline_ms;
  std::string_view outbox;
};

IntakeRecord split_intake(std::string_view payload) {
  const size_t nul = payload.find('\0');
  const std::string_view head = payload.substr(0, nul);
  if (nul == std::string_view::npos || head.empty() || head.size() > 18 ||
      head.find_first_not_of("0123456789") != std::string_view::npos) {
    return {std::nullopt, payload};
  }
  int64_t deadline = 0;
  for (char c : head) deadline = deadline * 10 + (c - '0');
  return {deadline, payload.substr(nul + 1)};
}

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Dead-letter messages carry delivery tokens of their own, apart from the outbox's sequence.
constexpr uint64_t kDeadLetterToken = uint64_t{1} << 63;
// How long a dead letter the producer refused waits before it is tried again.
constexpr std::chrono::milliseconds kDeadLetterRetryDelay{500};
// How often a node whose ledger disk is full tries its refused batch again.
constexpr std::chrono::milliseconds kStorageRetryDelay{1000};

// A msgid this ledger already booked with another fingerprint is answered as the engine would
// (msgid_reused_with_different_payload); otherwise `rejection` stands — also when the ledger
// cannot be read (nullptr: the node stopped; or a failed read): reuse then cannot be told.
cl::Rejection reuse_or(const lg::Ledger* ledger, cl::Rejection rejection, const std::string& msgid,
                       const std::string& fingerprint) {
  if (ledger == nullptr) return rejection;
  Result<std::optional<uint64_t>> seq = ledger->find_msgid(msgid);
  if (!seq.is_ok() || !seq->has_value()) return rejection;
  Result<lg::DecodedEntry> booked = ledger->entry(**seq);
  if (!booked.is_ok() || booked->entry.record.fingerprint == fingerprint) return rejection;
  return cl::Rejection{cl::Reject::kMsgidReusedWithDifferentPayload,
                       "msgid " + msgid + " was already used for a different request (infno " +
                           std::string(cl::to_string(booked->entry.record.infno)) + ")"};
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
  // Wakes the worker: set by every producer of work, cleared by the worker before a step
  // (declared before the Kafka member, whose pump calls wake() until the member is gone).
  std::mutex wake_mutex;
  std::condition_variable wake_signal;
  bool woken = false;
  std::shared_ptr<adapters::KafkaClients> clients;
  std::unique_ptr<adapters::KafkaMember> kafka;  // this node's share of the clients
  std::shared_ptr<spdlog::logger> log;
  NodeCounters counters;
  uint64_t relay_cursor = 0;       // every outbox message up to here was acknowledged by the broker
  uint64_t relay_cursor_kept = 0;  // the cursor as the ledger has it
  Clock::time_point relay_cursor_kept_at;  // when it was last staged
  uint64_t relay_next = 1;                 // the next outbox message to publish
  std::set<uint64_t> acknowledged;         // acknowledged beyond a gap

  struct Pending {
    std::vector<AnswerCallback> waiters;
    std::string topic;
    std::string key;
    std::string message;
    std::string fingerprint;  // of the request: a settlement must answer this very claim
    int64_t deadline_ms = 0;  // Unix ms: unanswered by then, it leaves the intake
    bool durable = false;     // committed in the intake
    std::vector<std::function<void(bool)>> until_durable;  // when_kept callers
  };
  // Dead letters sent and not yet acknowledged by the broker: the consumed offset of their
  // partition stays at the first of them, so a crash before the acknowledgement reads the message
  // again (every consumer de-duplicates) instead of losing it.
  struct DeadLetter {
    std::string topic;  // where the message was consumed
    int32_t partition = 0;
    int64_t offset = 0;
    std::string key;
    std::string value;  // reason NL message
  };
  using Partition = std::pair<std::string, int32_t>;
  std::map<uint64_t, DeadLetter> dead_letters_unacked;         // by token
  std::map<Partition, std::set<int64_t>> dead_letter_offsets;  // unacknowledged, per partition
  std::map<Partition, int64_t> consumed_through;  // next offset after the last message handled
  // The next offset to consume of each partition as the ledger keeps it (its O key; nullopt:
  // from the beginning), for the lag (guarded by offsets_mutex); the worker stages offsets into
  // staged_offsets and moves them here once their batch is committed.
  mutable std::mutex offsets_mutex;
  std::map<Partition, std::optional<int64_t>> committed_offsets;
  std::map<Partition, int64_t> staged_offsets;
  uint64_t dead_letter_serial = 0;
  // Dead letters the producer refused, by when to try again (soonest first), with their tokens.
  std::deque<std::pair<Clock::time_point, uint64_t>> dead_letters_refused;
  std::set<std::string, std::less<>> served;  // empty: every region
  std::mutex mutex;                           // guards pending, fresh and failure
  std::vector<std::string> fresh;             // submitted, not yet in the intake
  // Worker only: claims in the intake to send now, and those sent, oldest first, for resending.
  std::vector<std::string> to_send;
  std::deque<std::pair<Clock::time_point, std::string>> sent;
  std::deque<std::pair<int64_t, std::string>> deadlines;  // (Unix ms, msgid), soonest first (mutex)
  std::condition_variable room;                           // signalled when pending shrinks
  std::map<std::string, Pending> pending;
  std::vector<std::function<void(const lg::Ledger*)>> readers;
  std::vector<std::function<void(const lg::Ledger*)>> snapshot_readers;  // (mutex)
  // The reader thread and its queue of (snapshot view, reader), fed by the worker.
  std::mutex snapshot_mutex;
  std::condition_variable snapshot_ready;
  std::deque<std::pair<std::shared_ptr<const lg::Ledger>, std::function<void(const lg::Ledger*)>>>
      snapshot_queue;
  bool snapshot_stop = false;
  std::thread snapshot_thread;
  // Snapshot reads asked for and not yet begun, at most kSnapshotBacklogMax: a client that asks
  // faster than the reader thread reads gets 503s, not a queue that grows without bound.
  std::atomic<size_t> snapshot_backlog{0};
  std::vector<std::pair<std::function<Status(lg::Ledger&)>, std::function<void(Status)>>> writers;
  std::optional<std::string> failure;
  std::atomic<bool> stopping{false};
  std::atomic<bool> storage_full{false};  // the last batch found the ledger's disk full
  Clock::time_point storage_retry_at;     // when to try the refused batch again
  // What a step's batch held that the ledger refused for want of space (and dropped): staged
  // again by the next step, so nothing is lost — the messages taken from Kafka (decided again
  // against the ledger as it was, so the same decisions come out) and the claims that left the
  // intake at their deadline, with their waiters. (The claims for the intake go back to fresh.)
  struct StepWork {
    std::vector<adapters::KafkaMessage> messages;
    std::vector<std::string> expired;
    std::vector<AnswerCallback> expired_waiters;
  };
  StepWork carried;
  bool stopped = false;  // the worker has ended (guarded by mutex)
  std::thread worker;

  Impl(const NodeOptions& o, const cl::ReferenceData& r)
      : options(o),
        reference(r),
        engine(r),
        served(o.served_regions.begin(), o.served_regions.end()) {}

  // The claims in the intake (sent before a restart): pending again, sent again. An intake that
  // does not decode is corruption, which the node reports instead of starting.
  Status reload_intakes() {
    const int64_t reloaded_at = now_unix_ms();
    Result<std::vector<std::pair<std::string, std::string>>> intakes = ledger.ledger->intakes();
    if (!intakes.is_ok()) return intakes.status();
    for (auto& [msgid, payload] : *intakes) {
      const IntakeRecord intake = split_intake(payload);
      Result<lg::OutboxMessage> out = lg::decode_outbox(intake.outbox);
      if (!out.is_ok()) {
        return Status::corruption("intake of msgid " + msgid + ": " + out.status().message());
      }
      Result<adapters::ClaimMessage> claim = adapters::decode_claim(out->message);
      if (!claim.is_ok()) return Status::corruption("intake of msgid " + msgid + " holds no claim");
      Pending& p = pending[msgid];
      p.topic = out->topic;
      p.key = out->key;
      p.message = std::move(out->message);
      p.fingerprint = claim->request.fingerprint;
      p.deadline_ms = intake.deadline_ms.value_or(reloaded_at + options.pending_deadline_ms);
      p.durable = true;
      deadlines.emplace_back(p.deadline_ms, msgid);
      to_send.push_back(msgid);
    }
    std::sort(deadlines.begin(), deadlines.end());
    return Status::ok();
  }

  Status open() {
    log = spdlog::get("node");
    if (!log) log = spdlog::default_logger();
    lg::LedgerOptions ledger_options;
    ledger_options.region = options.region;
    ledger_options.env = options.ledger_env;
    Result<lg::LedgerDirectory> opened =
        lg::open_directory(options.ledger_dir, ledger_options, true);
    if (!opened.is_ok()) return opened.status();
    ledger = std::move(*opened);
    state = std::make_unique<lg::LedgerState>(*ledger.ledger);
    Result<uint64_t> cursor = ledger.ledger->outbox_cursor();
    if (!cursor.is_ok()) return cursor.status();
    relay_cursor = *cursor;
    relay_cursor_kept = relay_cursor;
    relay_next = relay_cursor + 1;
    if (Status reloaded = reload_intakes(); !reloaded.is_ok()) return reloaded;
    clients = options.kafka_clients;
    if (!clients) {
      Result<std::shared_ptr<adapters::KafkaClients>> started =
          adapters::KafkaClients::start(options.kafka, "medclear-node-" + options.region);
      if (!started.is_ok()) return started.status();
      clients = std::move(*started);
    }
    // Every region's claims and settlements topics known before the first claim goes out.
    if (Result<size_t> prepared = clients->prepare(
            {adapters::kClaimsTopicPrefix, adapters::kSettlementsTopicPrefix}, 10'000);
        !prepared.is_ok()) {
      log->warn("kafka_prepare region={} reason=\"{}\"", options.region,
                prepared.status().message());
    }
    std::vector<adapters::Consumer::Start> starts;
    for (const std::string& topic :
         {adapters::claims_topic(options.region), adapters::settlements_topic(options.region)}) {
      Result<int> partitions = clients->partitions(topic, 10'000);
      if (!partitions.is_ok()) return partitions.status();
      for (int partition = 0; partition < *partitions; ++partition) {
        Result<std::optional<int64_t>> offset = ledger.ledger->offset(topic, partition);
        if (!offset.is_ok()) return offset.status();
        starts.push_back({topic, partition, *offset});
        committed_offsets[{topic, partition}] = *offset;
      }
    }
    Result<std::unique_ptr<adapters::KafkaMember>> joined =
        clients->join(starts, [this] { wake(); });
    if (!joined.is_ok()) return joined.status();
    kafka = std::move(*joined);
    return Status::ok();
  }

  void wake() {
    {
      std::lock_guard lock(wake_mutex);
      woken = true;
    }
    wake_signal.notify_one();
  }

  // Sleeps until woken or until the next timer is due: the oldest sent claim's resend, the
  // soonest deadline, a refused dead letter's retry (a second at most).
  void wait_for_work() {
    auto until = Clock::now() + std::chrono::seconds(1);
    if (!sent.empty()) {
      until =
          std::min(until, sent.front().first + std::chrono::milliseconds(options.resend_after_ms));
    }
    if (!dead_letters_refused.empty()) until = std::min(until, dead_letters_refused.front().first);
    {
      std::lock_guard lock(mutex);
      if (!deadlines.empty()) {
        until = std::min(until, Clock::now() + std::chrono::milliseconds(deadlines.front().first -
                                                                         now_unix_ms()));
      }
    }
    std::unique_lock lock(wake_mutex);
    wake_signal.wait_until(lock, until, [&] { return woken || stopping.load(); });
    woken = false;
  }

  // The message is handled: its partition's consumed offset moves past it, unless a dead letter
  // of that partition still waits for the broker's acknowledgement.
  void consumed(const adapters::KafkaMessage& message) {
    const Partition partition{message.topic, message.partition};
    consumed_through[partition] = message.offset + 1;
    stage_consumed(partition);
  }

  void stage_consumed(const Partition& partition) {
    const auto waiting = dead_letter_offsets.find(partition);
    const int64_t next =
        waiting == dead_letter_offsets.end() || waiting->second.empty()
            ? consumed_through[partition]
            : *waiting->second.begin();  // read again from the first unacknowledged
    ledger.ledger->stage_offset(partition.first, partition.second, next);
    staged_offsets[partition] = next;
  }

  void dead_letter(const adapters::KafkaMessage& message, const std::string& reason) {
    ++counters.dead_letters;
    log->warn("dead_letter region={} topic={} partition={} offset={} reason=\"{}\"", options.region,
              message.topic, message.partition, message.offset, reason);
    const uint64_t token = kDeadLetterToken | ++dead_letter_serial;
    DeadLetter& letter = dead_letters_unacked[token];
    letter = {message.topic, message.partition, message.offset, message.key,
              reason + '\n' + message.value};
    dead_letter_offsets[{message.topic, message.partition}].insert(message.offset);
    send_dead_letter(token, letter);
    consumed(message);
  }

  // A dead letter the producer refused (queue full, too large) is kept and tried again on a later
  // step; until the broker acknowledges it, its partition's consumed offset stays at it, so it is
  // never lost — not even across a restart, which reads the message again.
  void send_dead_letter(uint64_t token, const DeadLetter& letter) {
    if (Status produced = kafka->produce(adapters::dead_letters_topic(options.region), letter.key,
                                         letter.value, token);
        !produced.is_ok()) {
      log->warn("dead_letter_produce region={} topic={} partition={} offset={} reason=\"{}\"",
                options.region, letter.topic, letter.partition, letter.offset, produced.message());
      ++counters.dead_letters_refused;
      dead_letters_refused.emplace_back(Clock::now() + kDeadLetterRetryDelay, token);
    }
  }

  // Tries again the dead letters the producer refused whose delay is over.
  void resend_refused_dead_letters() {
    const auto now = Clock::now();
    std::vector<uint64_t> due;
    while (!dead_letters_refused.empty() && dead_letters_refused.front().first <= now) {
      due.push_back(dead_letters_refused.front().second);
      dead_letters_refused.pop_front();
    }
    for (const uint64_t token : due) {
      if (const auto it = dead_letters_unacked.find(token); it != dead_letters_unacked.end()) {
        send_dead_letter(token, it->second);
      }
    }
  }

  // A dead letter's delivery report: acknowledged, its partition's offset may move past it;
  // failed, it is sent again.
  void dead_letter_delivered(uint64_t token, bool ok) {
    const auto it = dead_letters_unacked.find(token);
    if (it == dead_letters_unacked.end()) return;
    if (!ok) {
      send_dead_letter(token, it->second);
      return;
    }
    const Partition partition{it->second.topic, it->second.partition};
    dead_letter_offsets[partition].erase(it->second.offset);
    dead_letters_unacked.erase(it);
    stage_consumed(partition);
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
    // A decision made on a failed read of the ledger is not used: the node stops and reports it.
    if (!state->read_failure().is_ok()) return state->read_failure();
    if (decision.append) {
      if (Status applied = state->apply(decision.result); !applied.is_ok()) return applied;
    }
    adapters::SettlementMessage answer{envelope.msgid, decision.rejection, std::nullopt,
                                       decision.replayed};
    if (decision.accepted()) answer.record = decision.result;
    ledger.ledger->stage_outbox(
        lg::encode_outbox(adapters::settlements_topic(lg::region_of(envelope.mdtrtarea_admvs)),
                          envelope.msgid, adapters::encode_settlement(answer)));
    consumed(message);
    ++counters.claims_decided;
    return Status::ok();
  }

  // Treating side: write a returned settlement; its waiter is answered after the commit. Only a
  // settlement of a claim in this node's intake is booked, and only when it answers that very
  // request (same msgid, hospital, treating region and fingerprint); a repeat of one already
  // booked is skipped; anything else is dead-lettered with the reason.
  Status record(const adapters::KafkaMessage& message,
                std::vector<std::pair<std::string, NodeAnswer>>& answers) {
    Result<adapters::SettlementMessage> settlement = adapters::decode_settlement(message.value);
    if (!settlement.is_ok()) {
      dead_letter(message, settlement.status().message());
      return Status::ok();
    }
    std::optional<std::string> fingerprint;
    {
      std::lock_guard lock(mutex);
      if (auto it = pending.find(settlement->msgid); it != pending.end()) {
        fingerprint = it->second.fingerprint;
      }
    }
    if (!fingerprint && !settlement->record) {
      consumed(message);  // a repeated refusal of a claim already answered: nothing to book
      return Status::ok();
    }
    if (!fingerprint) {
      Result<std::optional<uint64_t>> booked = ledger.ledger->find_msgid(settlement->msgid);
      if (!booked.is_ok()) return booked.status();
      if (!booked->has_value()) {
        ++counters.settlements_unsolicited;
        dead_letter(message, "settlement of msgid " + settlement->msgid.substr(0, 40) +
                                 ", which is not in the intake of " + options.region +
                                 " (never sent, or expired)");
        return Status::ok();
      }
      consumed(message);  // a repeat of a settlement already booked
      return Status::ok();
    }
    if (const std::optional<cl::SettlementRecord>& r = settlement->record) {
      if (r->msgid != settlement->msgid || r->fingerprint != *fingerprint ||
          lg::region_of(r->mdtrtarea_admvs) != options.region ||
          r->msgid.substr(0, 12) != r->fixmedins_code) {
        ++counters.settlements_unsolicited;
        dead_letter(message, "settlement of msgid " + settlement->msgid.substr(0, 40) +
                                 " does not answer the claim in the intake");
        return Status::ok();
      }
    }
    Result<bool> adjusted = settlement->record
                                ? lg::booked_by_adjustment(*ledger.ledger, *settlement->record)
                                : Result<bool>(false);
    if (!adjusted.is_ok()) return adjusted.status();
    if (settlement->record && !settlement->record->setl_id.empty() && !*adjusted) {
      Result<lg::Ledger::Staged> staged =
          ledger.ledger->stage(*settlement->record, lg::Side::kTreating);
      if (!staged.is_ok()) {
        dead_letter(message, "conflicting settlement: " + staged.status().message());
        return Status::ok();
      }
      if (*staged == lg::Ledger::Staged::kAppended) ++counters.settlements_recorded;
    }
    consumed(message);
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
      ledger.ledger->stage_intake(
          msgid,
          intake_payload(it->second.deadline_ms,
                         lg::encode_outbox(it->second.topic, it->second.key, it->second.message)));
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
      kafka->produce(it->second.topic, it->second.key, it->second.message).ignore();
      ++counters.claims_sent;  // a failed produce is retried by the resend below
      sent.emplace_back(now, msgid);
    }
    to_send.clear();
    while (!sent.empty() && sent.front().first < overdue) {
      const std::string msgid = std::move(sent.front().second);
      sent.pop_front();
      auto it = pending.find(msgid);
      if (it == pending.end()) continue;  // answered
      kafka->produce(it->second.topic, it->second.key, it->second.message).ignore();
      ++counters.claims_resent;
      sent.emplace_back(now, msgid);
    }
  }

  // Publishes the outbox from relay_next on, each message tokened with its outbox seq.
  Status relay_produce() {
    const uint64_t in_flight_max = 4 * options.batch_claims_max;
    if (relay_next - 1 - relay_cursor >= in_flight_max) return Status::ok();
    Result<std::vector<std::pair<uint64_t, std::string>>> outbox =
        ledger.ledger->outbox_after(relay_next - 1, options.batch_claims_max);
    if (!outbox.is_ok()) return outbox.status();
    for (const auto& [seq, payload] : *outbox) {
      Result<lg::OutboxMessage> out = lg::decode_outbox(payload);
      if (!out.is_ok()) {  // the worker stops and reports it (RegionNode::failure)
        return Status::corruption("outbox message " + std::to_string(seq) + ": " +
                                  out.status().message());
      }
      if (Status produced = kafka->produce(out->topic, out->key, out->message, seq);
          !produced.is_ok()) {
        return produced;
      }
      relay_next = seq + 1;
    }
    if (outbox->size() == options.batch_claims_max) wake();  // more to relay: step again at once
    return Status::ok();
  }

  // Moves the relay cursor over every outbox message the broker acknowledged without a gap; on a
  // failed delivery, sends everything after the cursor again (the consumers de-duplicate).
  void relay_acknowledge() {
    bool failed = false;
    for (const adapters::Producer::Delivery& delivery : kafka->deliveries()) {
      if ((delivery.token & kDeadLetterToken) != 0) {
        dead_letter_delivered(delivery.token, delivery.ok);
      } else if (delivery.ok) {
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
    }
    if (failed) {
      log->warn("relay_resend region={} from={}", options.region, relay_cursor + 1);
      relay_next = relay_cursor + 1;
      acknowledged.clear();
    }
  }

  // The relay cursor rides with a batch that is written anyway, or alone once a second: a commit
  // (and its sync) only for the cursor would cost one per delivery report, and a cursor behind
  // only makes a restarted relay send again what the consumers de-duplicate.
  void stage_relay_cursor() {
    if (relay_cursor == relay_cursor_kept) return;
    const auto now = Clock::now();
    if (!ledger.ledger->has_staged() && now - relay_cursor_kept_at < std::chrono::seconds(1))
      return;
    ledger.ledger->stage_outbox_cursor(relay_cursor);
    relay_cursor_kept = relay_cursor;
    relay_cursor_kept_at = now;
  }

  // One step: everything it stages goes into ONE synced batch — new intakes, decided claims with
  // their outgoing settlements and offsets, written settlements, and relay progress. Then it
  // answers, sends new claims and the outbox; acknowledgements are collected on later steps.
  // While the ledger's disk is full, it only tries the refused batch again each second.
  Status step() {
    if (storage_full) {
      if (Clock::now() < storage_retry_at) return serve_while_full();
      storage_retry_at = Clock::now() + kStorageRetryDelay;
      if (Status resumed = ledger.ledger->resume(); !resumed.is_ok()) {
        return lg::is_storage_full(resumed) ? serve_while_full() : resumed;
      }
      // Reopened: the head was read from disk again; the engine's view starts afresh from it.
      state = std::make_unique<lg::LedgerState>(*ledger.ledger);
    }
    const std::vector<std::string> intakes = stage_intakes();
    StepWork work = std::exchange(carried, StepWork{});
    for (const std::string& msgid : work.expired) ledger.ledger->stage_intake_done(msgid);
    expire_overdue(work);
    const bool retried = !work.messages.empty();  // then the new messages wait for the next step
    if (!retried) work.messages = kafka->take(options.batch_claims_max);
    if (retried || work.messages.size() == options.batch_claims_max) wake();  // step again now
    const uint64_t decided = counters.claims_decided, recorded = counters.settlements_recorded;
    std::vector<std::pair<std::string, NodeAnswer>> answers;
    for (const adapters::KafkaMessage& message : work.messages) {
      const Status handled = message.topic == adapters::claims_topic(options.region)
                                 ? clear(message)
                                 : record(message, answers);
      if (!handled.is_ok()) return handled;
    }
    relay_acknowledge();
    resend_refused_dead_letters();
    const uint64_t cursor_kept = relay_cursor_kept;
    stage_relay_cursor();
    ++counters.steps;
    const auto commit_start = Clock::now();
    if (Status committed = ledger.ledger->commit(); !committed.is_ok()) {
      if (!lg::is_storage_full(committed)) return committed;
      counters.claims_decided = decided;  // not written: counted when they are
      counters.settlements_recorded = recorded;
      relay_cursor_kept = cursor_kept;
      keep_for_retry(std::move(work), intakes, committed);
      return serve_while_full();
    }
    storage_written();
    counters.step_micros_commit +=
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - commit_start).count();
    to_send.insert(to_send.end(), intakes.begin(), intakes.end());
    mark_durable(intakes);
    for (AnswerCallback& waiter : work.expired_waiters) {
      waiter(NodeAnswer{{}, std::nullopt, false, true});
    }
    answer(answers);
    if (Status written = run_writers(); !written.is_ok()) return written;
    run_readers(ledger.ledger.get());
    take_snapshots();
    send_claims();
    return relay_produce();
  }

  // The ledger refused the step's batch for want of space and dropped it: what the batch held is
  // kept for the next try (StepWork; the new intakes go back to fresh), the engine's view of the
  // ledger starts afresh (its cache may hold entries of the dropped batch), and the node takes
  // no claim until a batch is written again.
  void keep_for_retry(StepWork work, const std::vector<std::string>& intakes, const Status& why) {
    carried = std::move(work);
    {
      std::lock_guard lock(mutex);
      fresh.insert(fresh.begin(), intakes.begin(), intakes.end());
    }
    state = std::make_unique<lg::LedgerState>(*ledger.ledger);
    staged_offsets.clear();  // staged again with the carried messages
    note_storage_full(why);
  }

  void note_storage_full(const Status& why) {
    storage_retry_at = Clock::now() + kStorageRetryDelay;
    if (!storage_full.exchange(true)) {
      log->error("storage_full region={} reason=\"{}\"", options.region, why.message());
    }
  }

  // A step's batch is written: its offsets are the ledger's.
  void storage_written() {
    if (storage_full.exchange(false)) log->warn("storage_resumed region={}", options.region);
    std::lock_guard lock(offsets_mutex);
    for (const auto& [partition, next] : staged_offsets) committed_offsets[partition] = next;
    staged_offsets.clear();
  }

  // While the ledger's disk is full nothing is staged, but what needs no write goes on: readers
  // and snapshot readers see the committed ledger, the claims in the intake are sent again, the
  // outbox (durable) is relayed.
  Status serve_while_full() {
    run_readers(ledger.ledger.get());
    take_snapshots();
    send_claims();
    return relay_produce();
  }

  // Claims past their deadline leave the intake (staged with this step's batch); their waiters
  // are told once that is durable (work.expired_waiters). when_kept callers are told at once,
  // outside the lock.
  void expire_overdue(StepWork& work) {
    std::vector<AnswerCallback>& waiters = work.expired_waiters;
    std::vector<std::function<void(bool)>> told;
    const int64_t now = now_unix_ms();
    std::unique_lock lock(mutex);
    while (!deadlines.empty() && deadlines.front().first <= now) {
      auto [deadline, msgid] = std::move(deadlines.front());
      deadlines.pop_front();
      const auto it = pending.find(msgid);
      if (it == pending.end() || it->second.deadline_ms != deadline) continue;  // answered
      log->warn("claim_expired region={} msgid={} topic={}", options.region, msgid,
                it->second.topic);
      ++counters.claims_expired;
      for (AnswerCallback& waiter : it->second.waiters) waiters.push_back(std::move(waiter));
      for (auto& callback : it->second.until_durable) told.push_back(std::move(callback));
      ledger.ledger->stage_intake_done(msgid);
      work.expired.push_back(msgid);
      pending.erase(it);
    }
    if (!waiters.empty()) room.notify_all();
    lock.unlock();
    for (auto& callback : told) callback(false);
  }

  void mark_durable(const std::vector<std::string>& intakes) {
    if (intakes.empty()) return;
    std::vector<std::function<void(bool)>> told;
    {
      std::lock_guard lock(mutex);
      for (const std::string& msgid : intakes) {
        if (auto it = pending.find(msgid); it != pending.end()) {
          it->second.durable = true;
          for (auto& callback : it->second.until_durable) told.push_back(std::move(callback));
          it->second.until_durable.clear();
        }
      }
    }
    for (auto& callback : told) callback(true);  // outside the lock: they may call the node
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
          if (!lg::is_storage_full(committed)) return committed;
          note_storage_full(committed);  // the writer is told; it may write again later
          continue;
        }
      } else {
        ledger.ledger->discard_staged();  // a writer refused halfway changes nothing
      }
      done(staged);
    }
    return Status::ok();
  }

  // Queues `item` for the worker unless it has stopped: false then, and `item` is left to the
  // caller to answer.
  template <class T>
  bool enqueue(std::vector<T>& queue, T& item) {
    {
      std::lock_guard lock(mutex);
      if (stopped) return false;
      queue.push_back(std::move(item));
    }
    wake();
    return true;
  }

  // Hands this step's snapshot readers one view of the committed ledger, on the reader thread.
  void take_snapshots() {
    std::vector<std::function<void(const lg::Ledger*)>> now;
    {
      std::lock_guard lock(mutex);
      now.swap(snapshot_readers);
    }
    if (now.empty()) return;
    Result<std::unique_ptr<lg::Ledger>> view = ledger.ledger->snapshot();
    std::shared_ptr<const lg::Ledger> shared;
    if (view.is_ok()) shared = std::move(*view);
    std::lock_guard lock(snapshot_mutex);
    for (auto& reader : now) snapshot_queue.emplace_back(shared, std::move(reader));
    snapshot_ready.notify_one();
  }

  // The reader thread: runs each reader over its view, then lets the view go; after stop, drains.
  void run_snapshot_readers() {
    for (;;) {
      std::unique_lock lock(snapshot_mutex);
      snapshot_ready.wait(lock, [&] { return snapshot_stop || !snapshot_queue.empty(); });
      if (snapshot_queue.empty()) return;  // stopping, nothing left
      auto [view, reader] = std::move(snapshot_queue.front());
      snapshot_queue.pop_front();
      lock.unlock();
      reader(view.get());
    }
  }

  void run_readers(const lg::Ledger* ledger_or_null) {
    std::vector<std::function<void(const lg::Ledger*)>> now;
    {
      std::lock_guard lock(mutex);
      now.swap(readers);
    }
    for (auto& reader : now) reader(ledger_or_null);
  }

  // Answers the waiters of each claim, outside the node's mutex: a waiter may call back into
  // the node (submit again, when_kept, claims_in_flight) without deadlocking.
  void answer(std::vector<std::pair<std::string, NodeAnswer>>& answers) {
    std::vector<std::pair<Pending, const NodeAnswer*>> answered;
    {
      std::lock_guard lock(mutex);
      for (auto& [msgid, answer] : answers) {
        auto it = pending.find(msgid);
        if (it == pending.end()) continue;  // a duplicate, or sent before a restart
        answered.emplace_back(std::move(it->second), &answer);
        pending.erase(it);
      }
      room.notify_all();
    }
    for (auto& [claim, answer] : answered) {
      for (auto& waiter : claim.waiters) waiter(*answer);
      for (auto& told : claim.until_durable) told(false);
    }
  }

  void run() {
    while (!stopping) {
      wait_for_work();
      if (stopping) break;
      const Status status = step();
      if (!status.is_ok()) {
        log->error("node_stopped region={} reason=\"{}\"", options.region, status.message());
        std::lock_guard lock(mutex);
        failure = status.message();
        break;
      }
    }
    std::map<std::string, Pending> unanswered;
    {
      std::lock_guard lock(mutex);
      unanswered.swap(pending);
      stopped = true;
      room.notify_all();
    }
    for (auto& [msgid, p] : unanswered) {  // outside the lock: a waiter may call the node
      for (auto& waiter : p.waiters) waiter(NodeAnswer{{}, std::nullopt, true});
      for (auto& told : p.until_durable) told(false);
    }
    std::vector<std::pair<std::function<Status(lg::Ledger&)>, std::function<void(Status)>>>
        unwritten;
    {
      std::lock_guard lock(mutex);
      unwritten.swap(writers);
    }
    for (auto& [write, done] : unwritten) done(Status::error("node stopped"));
    run_readers(nullptr);
    std::vector<std::function<void(const lg::Ledger*)>> unread;
    {
      std::lock_guard lock(mutex);
      unread.swap(snapshot_readers);
    }
    for (auto& reader : unread) reader(nullptr);
    std::lock_guard lock(snapshot_mutex);
    snapshot_stop = true;
    snapshot_ready.notify_one();
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
  raw->snapshot_thread = std::thread([raw] { raw->run_snapshot_readers(); });
  return node;
}

RegionNode::~RegionNode() { stop(); }

void RegionNode::stop() {
  impl_->stopping = true;
  impl_->wake();
  if (impl_->worker.joinable()) impl_->worker.join();
  if (impl_->snapshot_thread.joinable()) impl_->snapshot_thread.join();  // views gone before close
}

std::future<NodeAnswer> RegionNode::submit(const cl::Request& request) {
  auto promise = std::make_shared<std::promise<NodeAnswer>>();
  std::future<NodeAnswer> future = promise->get_future();
  submit(
      request, [promise](NodeAnswer answer) { promise->set_value(std::move(answer)); },
      std::chrono::milliseconds(impl_->options.submit_wait_ms));
  return future;
}

void RegionNode::submit(const cl::Request& request, AnswerCallback done,
                        std::chrono::milliseconds wait_for_room, std::function<void()> accepted) {
  const cl::Envelope& envelope = request.envelope;
  // The checks every path shares, in the contract's order (clearing/admission.h): what fails
  // them is answered at once and nothing is kept or sent.
  std::optional<cl::Rejection> refused =
      cl::check_msgid_form(envelope.msgid, envelope.fixmedins_code);
  if (!refused && lg::region_of(envelope.mdtrtarea_admvs) != impl_->options.region) {
    refused = cl::Rejection{cl::Reject::kMalformedMessage,
                            "mdtrtarea_admvs " + envelope.mdtrtarea_admvs + " is not in region " +
                                impl_->options.region};
  }
  if (refused) {
    done({std::move(*refused), std::nullopt, false});
    return;
  }
  const auto& served = impl_->served;
  cl::Admission admission = cl::admit(
      request, impl_->reference,
      served.empty() ? cl::RegionServed{} : cl::RegionServed([&served](std::string_view region) {
        return served.contains(region);
      }));
  if (!admission.admitted()) {
    // msgid reuse outranks these faults (contracts/adjudicate.md): a msgid this region already
    // booked with other content is answered as the engine would, from the ledger, on the worker.
    read([done = std::move(done), rejection = std::move(*admission.rejection),
          msgid = envelope.msgid,
          fingerprint = request.fingerprint](const lg::Ledger* ledger) mutable {
      done({reuse_or(ledger, std::move(rejection), msgid, fingerprint), std::nullopt, false});
    });
    return;
  }
  if (impl_->storage_full) {  // nothing can be kept now: ask again later
    done({{}, std::nullopt, false, false, true});
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
  auto [it, first] = impl_->pending.try_emplace(envelope.msgid);
  Impl::Pending& pending = it->second;
  if (first) {  // the first submission of this msgid: kept, then sent
    pending.topic = adapters::claims_topic(lg::region_of(envelope.insuplc_admdvs));
    pending.key = psn_no_of(request);
    pending.message = adapters::encode_claim({without_identity(request)});
    pending.fingerprint = request.fingerprint;
    pending.deadline_ms = now_unix_ms() + impl_->options.pending_deadline_ms;
    impl_->deadlines.emplace_back(pending.deadline_ms, envelope.msgid);
    impl_->fresh.push_back(envelope.msgid);
    impl_->wake();
  } else if (pending.fingerprint != request.fingerprint) {
    // The same msgid with other content while the first is in flight: its answer decides
    // whether this one is a reuse, so this one waits for it (ask again later).
    lock.unlock();
    done({{}, std::nullopt, true});
    return;
  }
  pending.waiters.push_back(std::move(done));
  if (accepted) accepted();  // under the lock: before any answer to it can run
}

void RegionNode::read(std::function<void(const lg::Ledger*)> reader) {
  if (!impl_->enqueue(impl_->readers, reader)) reader(nullptr);
}

// More long reads waiting than this and the next one is answered at once with nullptr (the
// gateway's 503): each holds a request's body and a snapshot, and hostile clients can ask fast.
constexpr size_t kSnapshotBacklogMax = 64;

void RegionNode::read_snapshot(std::function<void(const lg::Ledger*)> reader) {
  Impl* impl = impl_.get();
  if (impl->snapshot_backlog.fetch_add(1) >= kSnapshotBacklogMax) {
    impl->snapshot_backlog.fetch_sub(1);
    reader(nullptr);
    return;
  }
  std::function<void(const lg::Ledger*)> counted =
      [impl, reader = std::move(reader)](const lg::Ledger* ledger) {
        impl->snapshot_backlog.fetch_sub(1);
        reader(ledger);
      };
  if (!impl->enqueue(impl->snapshot_readers, counted)) counted(nullptr);
}

void RegionNode::write(std::function<Status(lg::Ledger&)> writer,
                       std::function<void(Status)> done) {
  auto item = std::make_pair(std::move(writer), std::move(done));
  if (!impl_->enqueue(impl_->writers, item)) item.second(Status::error("node stopped"));
}

void RegionNode::when_kept(const std::string& msgid, std::function<void(bool)> done) {
  std::unique_lock lock(impl_->mutex);
  const auto it = impl_->pending.find(msgid);
  if (it == impl_->pending.end() || impl_->stopped || it->second.durable) {
    const bool kept = it != impl_->pending.end() && it->second.durable;
    lock.unlock();
    done(kept);
    return;
  }
  it->second.until_durable.push_back(std::move(done));
}

size_t RegionNode::claims_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pending.size();
}

std::optional<std::string> RegionNode::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

bool RegionNode::storage_full() const { return impl_->storage_full.load(); }

std::optional<uint64_t> RegionNode::kafka_lag() const {
  std::map<Impl::Partition, std::optional<int64_t>> next;
  {
    std::lock_guard lock(impl_->offsets_mutex);
    next = impl_->committed_offsets;
  }
  std::optional<uint64_t> lag;
  for (const auto& [partition, offset] : next) {
    const adapters::Watermarks marks = impl_->kafka->watermarks(partition.first, partition.second);
    if (!marks.high) continue;  // not fetched yet
    const int64_t from = offset.value_or(marks.low.value_or(0));
    lag = lag.value_or(0) + static_cast<uint64_t>(std::max<int64_t>(0, *marks.high - from));
  }
  return lag;
}

const NodeCounters& RegionNode::counters() const { return impl_->counters; }
NodeCounters& RegionNode::counters() { return impl_->counters; }

const std::string& RegionNode::region() const { return impl_->options.region; }

const std::string& RegionNode::ledger_dir() const { return impl_->options.ledger_dir; }

}  // namespace medclear::gateway
