// The nightly reconciliation inside a region node: at a configured UTC time each day, for the
// previous business day and each peer region, the node — as the insured side — reconciles its
// payables to that region claim by claim against the peer node's receivables over the
// node-to-node HTTPS endpoint (gateway/recon/recon_peer.h), signs the statement with its seal key,
// has the peer check and countersign it (the peer keeps it and appends the adjustment entries,
// given this side's bookings of the differing claims), and keeps the doubly signed statement in
// its ledger (document "statement/recon/<day>/<insured>-<treating>", served by
// GET /v1/reconciliations). run_day() does the same on demand.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clearing/time.h"
#include "gateway/node/node.h"
#include "gateway/recon/peers.h"
#include "gateway/recon/recon_peer.h"
#include "ledger/crypto.h"

namespace medclear::gateway {

struct NightlyOptions {
  std::string region;        // this node's (the insured side)
  std::string at = "02:00";  // HH:MM UTC
  // Treating region → its node's address, certificate identity and seal key
  // (gateway/recon/peers.h): the peer must present OU=node, CN=<its region>, and its
  // countersignature must verify with the pinned key, or the statement stays signed by this region
  // alone and the outcome says why.
  PeerPins peers;
  std::string seal_key_file;     // this region's Ed25519 private key (the ledger's)
  std::string ca_file;           // this node's TLS files (its gateway's): the CA it trusts,
  std::string certificate_file;  // its node certificate and key
  std::string key_file;
  int timeout_ms = 30'000;
};

struct NightlyOutcome {
  std::string pair;            // "<day>/<insured>-<treating>"
  bool ok = false;             // reconciled, countersigned and kept
  bool countersigned = false;  // the peer checked and signed it (and appended the adjustments)
  bool balanced = false;
  size_t differences = 0;
  std::string error;
};

class NightlyReconciler {
 public:
  NightlyReconciler(NightlyOptions options, RegionNode* node);
  ~NightlyReconciler();  // stops the schedule
  // Starts the daily schedule on its own thread.
  void start();
  // Reconciles `day` with every peer now; returns one outcome per peer.
  std::vector<NightlyOutcome> run_day(clearing::Date day);
  // Reconciles `day` with every peer on the schedule's thread as soon as it is free (`medclear
  // node` on SIGUSR1); logged and counted like a night's run. Needs start().
  void run_soon(clearing::Date day);

 private:
  void loop();
  void log_outcomes(const std::vector<NightlyOutcome>& outcomes);
  void count_run(const std::vector<NightlyOutcome>& outcomes);
  NightlyOutcome reconcile_with(clearing::Date day, const std::string& treating, const PeerPin& pin,
                                const ledger::SigningKey& key);
  NightlyOptions options_;
  RegionNode* node_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<clearing::Date> requested_;  // by run_soon, oldest first
};

}  // namespace medclear::gateway
