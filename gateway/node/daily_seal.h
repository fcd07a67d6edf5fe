// The daily seal inside a region node: at a configured UTC time each day, the node seals every
// business day of its ledger up to yesterday (UTC) that is not sealed yet — one Merkle root over
// their entries, chained to the previous seal and signed with the ledger's seal key
// (ledger/FORMAT.md) — on its worker between two steps, like any other write, so claims keep
// settling. A node started after the day's time catches up at once. Enabled by the node
// configuration's "seal": {"at": "HH:MM"}; `medclear ledger seal` does the same by hand on a
// stopped node's ledger. Entries that arrive for a day after its seal are covered by the next
// seal's whole-journal root (FORMAT.md), never rewritten.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "clearing/status.h"
#include "clearing/time.h"
#include "gateway/node/node.h"
#include "ledger/crypto.h"

namespace medclear::gateway {

struct DailySealOptions {
  std::string at = "03:00";   // HH:MM UTC: after the nightly reconciliation (02:00 by default)
  std::string seal_key_file;  // the ledger's Ed25519 private key (<ledger_dir>/seal-key.pem)
};

// The UTC day before the day of `unix_seconds` (Unix time): what a seal then covers up to.
clearing::Date utc_yesterday(int64_t unix_seconds);
// The first time after `unix_seconds` (Unix seconds) at which the daily time `at` (seconds after
// midnight, UTC) comes.
int64_t next_daily_time(int64_t unix_seconds, int32_t at);

class DailySealer {
 public:
  DailySealer(DailySealOptions options, RegionNode* node);
  ~DailySealer();  // stops the schedule
  DailySealer(const DailySealer&) = delete;
  DailySealer& operator=(const DailySealer&) = delete;

  // Loads the seal key and starts the schedule on its own thread: a seal now when today's time
  // has passed and yesterday is not sealed, then one a day.
  Status start();
  // Seals every unsealed business day through `day` on the node's worker and waits for it:
  // true when a seal was written, false when the ledger was sealed through `day` already.
  Result<bool> seal_through(clearing::Date day);

 private:
  void loop();
  DailySealOptions options_;
  RegionNode* node_;
  std::optional<ledger::SigningKey> key_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace medclear::gateway
