// A region node: one process (or one object, when several regions share a process) that plays both
// roles of ARCHITECTURE.md "One picture".
//   treating region — submit() publishes a hospital's claim to claims.<insured region> (key psn_no)
//     and answers once the settlement is back and written to this region's ledger. Each claim is
//     kept in the ledger's intake before it is sent and until its settlement is written; one not
//     answered within resend_after_ms, or found in the intake after a restart, is sent again (the
//     insured side de-duplicates by msgid);
//   insured region — consumes claims.<own region> on manually assigned partitions, decides with the
//     engine against its ledger, and writes entries, consumed offsets and the outgoing settlement
//     (outbox) in ONE ledger batch; a relay publishes the outbox to settlements.<treating region>;
//   undecodable messages go to dead-letters.<own region> with the reason.
// One worker thread owns the ledger and the Kafka clients (single writer); submit() is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "adapters/kafka.h"
#include "clearing/engine.h"
#include "clearing/reference.h"
#include "clearing/status.h"

namespace medclear::ledger {
class Ledger;
}

namespace medclear::gateway {

struct NodeOptions {
  std::string region;      // PP0000
  std::string ledger_dir;  // this region's ledger directory
  adapters::KafkaConfig kafka;
  size_t batch_claims_max = 1000;   // claims (or settlements) per ledger batch
  int poll_timeout_ms = 2;
  int resend_after_ms = 3000;       // re-send a claim not answered by then
  // Claims sent and not yet answered, at most: bounds the lag of every claims topic, so the
  // embedded broker (5 MiB per partition, oldest data dropped) never loses an unconsumed claim.
  size_t pending_claims_max = 20000;
  int submit_wait_ms = 10000;  // how long submit() waits for room before answering "pending"
};

struct NodeAnswer {
  clearing::Rejection rejection;
  std::optional<clearing::SettlementRecord> record;  // when settled (or pre-settled)
  bool pending = false;  // no room, or the node stopped before the answer came: ask again later
};
using AnswerCallback = std::function<void(NodeAnswer)>;

struct NodeCounters {
  std::atomic<uint64_t> claims_sent{0};
  std::atomic<uint64_t> claims_resent{0};
  std::atomic<uint64_t> claims_decided{0};
  std::atomic<uint64_t> settlements_relayed{0};
  std::atomic<uint64_t> settlements_recorded{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> steps{0};             // worker iterations (one ledger batch each)
  std::atomic<uint64_t> step_micros_commit{0};  // time spent in ledger commits
};

std::string claims_topic(std::string_view region);
std::string settlements_topic(std::string_view region);
std::string dead_letters_topic(std::string_view region);

class RegionNode {
 public:
  // Opens the ledger, connects to Kafka and starts the worker. `reference` must outlive the node.
  static Result<std::unique_ptr<RegionNode>> start(const NodeOptions& options,
                                                   const clearing::ReferenceData& reference);
  ~RegionNode();
  RegionNode(const RegionNode&) = delete;
  RegionNode& operator=(const RegionNode&) = delete;

  // Treating side: sends a validated request of one of this region's hospitals to its insured
  // region. The future is fulfilled once the answer is durable in this region's ledger.
  // Waits up to submit_wait_ms for room among the in-flight claims.
  std::future<NodeAnswer> submit(const clearing::Request& request);
  // The same without blocking beyond `wait_for_room`; `done` runs exactly once, on the caller's
  // thread when answered at once, else on the worker thread (keep it short: hand the answer on).
  void submit(const clearing::Request& request, AnswerCallback done,
              std::chrono::milliseconds wait_for_room);

  // Runs `reader` on the worker thread between two steps, so it sees a committed, consistent
  // ledger; it must not write. Runs with nullptr when the node has stopped.
  void read(std::function<void(const ledger::Ledger*)> reader);
  // Runs `writer` on the worker thread between two steps; what it stages is committed in a batch
  // of its own (documents such as reconciliation statements — never journal entries of claims,
  // which only the Kafka path writes). `done` gets the outcome, on the worker thread.
  void write(std::function<Status(ledger::Ledger&)> writer, std::function<void(Status)> done);
  // Claims sent to an insured region and not yet answered.
  size_t claims_in_flight() const;

  // Stops the worker after the current step; what was committed stays, the rest is re-read.
  void stop();
  // The first operational failure (ledger, Kafka) that stopped the worker, if any.
  std::optional<std::string> failure() const;
  const NodeCounters& counters() const;
  const std::string& region() const;

  struct Impl;

 private:
  explicit RegionNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medclear::gateway
