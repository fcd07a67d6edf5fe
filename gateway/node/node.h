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
// One worker thread owns the ledger (single writer) and sleeps until there is work: a submitted
// claim, a consumed message or delivery report (adapters/kafka_clients.h), a read or write, or a
// timer (a resend, a deadline). submit() is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kafka.h"
#include "adapters/kafka_clients.h"
#include "clearing/engine.h"
#include "clearing/reference.h"
#include "clearing/status.h"

namespace medclear::ledger {
class Ledger;
}
namespace rocksdb {
class Env;
}

namespace medclear::gateway {

struct NodeOptions {
  std::string region;      // PP0000
  std::string ledger_dir;  // this region's ledger directory
  adapters::KafkaConfig kafka;
  // The process's Kafka clients, shared with the other nodes it runs (RegionSet); nullptr: the
  // node starts its own from `kafka`.
  std::shared_ptr<adapters::KafkaClients> kafka_clients;
  size_t batch_claims_max = 1000;  // claims (or settlements) per ledger batch
  int resend_after_ms = 3000;      // re-send a claim not answered by then
  // Claims sent and not yet answered, at most: bounds the lag of every claims topic, so the
  // embedded broker (5 MiB per partition, oldest data dropped) never loses an unconsumed claim.
  size_t pending_claims_max = 20000;
  int submit_wait_ms = 10000;  // how long submit() waits for room before answering "pending"
  // A claim not answered by then leaves the intake (its timeline says "expired"): a region that
  // never answers cannot fill the intake. What its insured region booked meanwhile comes back
  // to the treating ledger through the nightly reconciliation (ARCHITECTURE.md).
  int pending_deadline_ms = 300'000;
  // The regions with a node in this deployment: a claim insured elsewhere is refused at once
  // (region_not_served). Empty: every region is served.
  std::vector<std::string> served_regions;
  rocksdb::Env* ledger_env = nullptr;  // tests inject disk faults here (ledger::LedgerOptions::env)
};

struct NodeAnswer {
  clearing::Rejection rejection;
  std::optional<clearing::SettlementRecord> record;  // when settled (or pre-settled)
  bool pending = false;  // no room, or the node stopped before the answer came: ask again later
  bool expired = false;  // not answered within pending_deadline_ms: no longer kept
  // The region's ledger disk is full: the claim was not taken (nothing kept, nothing sent); ask
  // again later. The node writes again by itself once space is freed.
  bool storage_full = false;
};
using AnswerCallback = std::function<void(NodeAnswer)>;

struct NodeCounters {
  std::atomic<uint64_t> claims_sent{0};
  std::atomic<uint64_t> claims_resent{0};
  std::atomic<uint64_t> claims_decided{0};
  std::atomic<uint64_t> settlements_relayed{0};
  std::atomic<uint64_t> settlements_recorded{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> dead_letters_refused{0};     // produces the producer refused (tried again)
  std::atomic<uint64_t> claims_expired{0};           // left the intake unanswered at their deadline
  std::atomic<uint64_t> settlements_unsolicited{0};  // for no claim of the intake: dead-lettered
  std::atomic<uint64_t> steps{0};                    // worker iterations (one ledger batch each)
  std::atomic<uint64_t> step_micros_commit{0};       // time spent in ledger commits
  // Written by the nightly reconciliation (gateway/recon/nightly.h), one run per day and peer.
  std::atomic<uint64_t> recon_pairs_kept{0};            // statements reconciled and kept
  std::atomic<uint64_t> recon_pairs_failed{0};          // pairs that could not be reconciled
  std::atomic<uint64_t> recon_differences_last{0};      // differences at the last run, all peers
  std::atomic<int64_t> recon_last_run_unix_seconds{0};  // when the last run ended; 0: none yet
  // Written by the daily seal (gateway/node/daily_seal.h).
  std::atomic<uint64_t> seals_written{0};
  std::atomic<uint64_t> seals_failed{0};
};

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
  // Waits up to submit_wait_ms for room among the in-flight claims. Before anything is kept the
  // request passes the stateless checks every path shares (clearing/admission.h: the msgid is its
  // hospital's, the claim adds up, the person, the regions — served by this deployment — and the
  // facility); a msgid is its hospital's, so pending claims are keyed by (hospital, msgid).
  std::future<NodeAnswer> submit(const clearing::Request& request);
  // The same without blocking beyond `wait_for_room`; `done` runs exactly once, on the caller's
  // thread when answered at once, else on the worker thread (keep it short: hand the answer on).
  // `accepted`, when given, runs on the caller's thread once the request passed the checks and
  // is taken (before it is durable), so a caller can tell "refused at once" from "sent".
  void submit(const clearing::Request& request, AnswerCallback done,
              std::chrono::milliseconds wait_for_room, std::function<void()> accepted = {});

  // Runs `reader` on the worker thread between two steps, so it sees a committed, consistent
  // ledger; it must not write. Runs with nullptr when the node has stopped.
  void read(std::function<void(const ledger::Ledger*)> reader);
  // Runs `reader` on this node's reader thread over a snapshot of the ledger taken between two
  // steps (ledger::Ledger::snapshot): long reads — audit scans, reconciliation items, balances,
  // proofs — see committed state and never stall the claims. Runs with nullptr when the node has
  // stopped or the snapshot could not be taken.
  void read_snapshot(std::function<void(const ledger::Ledger*)> reader);
  // Runs `writer` on the worker thread between two steps; what it stages is committed in a batch
  // of its own (documents such as reconciliation statements — never journal entries of claims,
  // which only the Kafka path writes). `done` gets the outcome, on the worker thread.
  void write(std::function<Status(ledger::Ledger&)> writer, std::function<void(Status)> done);
  // Claims sent to an insured region and not yet answered.
  size_t claims_in_flight() const;
  // Runs `done(true)` once `msgid` is durable in the intake (committed, so a restart sends it
  // again) — at once when it is already — and `done(false)` when it is not in flight (answered,
  // expired, never taken) or the node stops first. On the caller's thread or the worker.
  void when_kept(const std::string& msgid, std::function<void(bool)> done);

  // Stops the worker after the current step; what was committed stays, the rest is re-read.
  void stop();
  // The first operational failure (ledger, Kafka) that stopped the worker, if any.
  std::optional<std::string> failure() const;
  // The ledger's disk is full (its last batch was refused, nothing of it written): the node takes
  // no new claim and decides nothing until a batch is written again, which it tries each second
  // with what it had taken. Not a failure: it resumes by itself once space is freed.
  bool storage_full() const;
  // Messages of its consumed partitions (its claims and settlements topics) not yet handled: each
  // partition's high watermark as the consumer last heard it minus the next offset to consume as
  // the ledger keeps it, summed; nullopt until the consumer heard of any partition. Thread-safe.
  std::optional<uint64_t> kafka_lag() const;
  const NodeCounters& counters() const;
  NodeCounters& counters();  // for what counts beside the node (the nightly reconciliation)
  const std::string& region() const;
  const std::string& ledger_dir() const;

  struct Impl;

 private:
  explicit RegionNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medclear::gateway
