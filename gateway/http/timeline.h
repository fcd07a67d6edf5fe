// "Where is my claim": every step of a claim from receipt to clearing, as the treating region's
// gateway sees it (received, validated or refused, sent to the insured region, settled or refused
// there, written to this region's ledger, answered, expired, cancelled). Kept in memory, bounded
// (the oldest claims are forgotten first, and one claim holds each distinct step once with a
// count, at most kStepsMax); what a restart forgot the ledger still proves (GET
// /v1/ledger/proof). Keyed by msgid, whose first 12 characters are the sending hospital's code
// (clearing/admission.h), so (hospital, msgid) and msgid are the same key. No personal data:
// codes, ids and amounts only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace medclear::gateway {

struct TimelineStep {
  std::string step;     // received, validated, refused, sent, settled, written, answered, pending,
                        // expired, cancelled, reversed
  std::string at;       // UTC, 2026-11-25T22:30:01.123Z: the first time
  std::string detail;   // err_code, setl_id, HTTP status…
  uint32_t count = 1;   // how often it happened (a retry repeats steps: counted, not appended)
  std::string last_at;  // the last time, when count > 1
};

struct ClaimTimeline {
  std::string msgid;
  std::string infno;
  std::string fixmedins_code;   // the hospital that sent it
  std::string treating_region;  // PP0000
  std::string insured_region;   // PP0000, empty when unknown
  std::string setl_id;          // once settled
  std::vector<TimelineStep> steps;
};

class Timeline {
 public:
  static constexpr size_t kStepsMax = 64;  // distinct steps of one claim; more are dropped

  explicit Timeline(size_t claims_max = 1'000'000) : claims_max_(claims_max) {}

  // Starts (or, for a retry, continues) the timeline of a claim with its "received" step.
  void received(const ClaimTimeline& claim);
  void add(const std::string& msgid, std::string step, std::string detail = {});
  // Links a settlement id to its claim, so a later cancel or reversal shows on it.
  void settled(const std::string& msgid, const std::string& setl_id);
  // Adds a step to the claim that settled `setl_id`, if known.
  void add_by_setl_id(const std::string& setl_id, std::string step, std::string detail);
  std::optional<ClaimTimeline> find(const std::string& msgid) const;

  static std::string now_utc();

 private:
  // Adds a step, or counts it again when the same step with the same detail is there already.
  static void append(ClaimTimeline& claim, std::string step, std::string detail);

  mutable std::mutex mutex_;
  size_t claims_max_;
  std::map<std::string, ClaimTimeline> claims_;
  std::map<std::string, std::string> msgid_of_setl_id_;
  std::deque<std::string> order_;  // msgids, oldest first
};

}  // namespace medclear::gateway
