#include "gateway/http/timeline.h"

#include <ctime>

namespace medclear::gateway {

std::string Timeline::now_utc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

void Timeline::received(const ClaimTimeline& claim) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = claims_.try_emplace(claim.msgid, claim);
  if (inserted) {
    it->second.steps.clear();
    order_.push_back(claim.msgid);
    while (claims_.size() > claims_max_ && !order_.empty()) {
      auto oldest = claims_.find(order_.front());
      if (oldest != claims_.end()) {
        msgid_of_setl_id_.erase(oldest->second.setl_id);
        claims_.erase(oldest);
      }
      order_.pop_front();
    }
  }
  append(it->second, "received", inserted ? "" : "retry");
}

void Timeline::append(ClaimTimeline& claim, std::string step, std::string detail) {
  for (TimelineStep& seen : claim.steps) {
    if (seen.step == step && seen.detail == detail) {
      ++seen.count;
      seen.last_at = now_utc();
      return;
    }
  }
  if (claim.steps.size() < kStepsMax) {
    claim.steps.push_back({std::move(step), now_utc(), std::move(detail), 1, {}});
  }
}

void Timeline::add(const std::string& msgid, std::string step, std::string detail) {
  std::lock_guard lock(mutex_);
  auto it = claims_.find(msgid);
  if (it == claims_.end()) return;
  append(it->second, std::move(step), std::move(detail));
}

void Timeline::settled(const std::string& msgid, const std::string& setl_id) {
  std::lock_guard lock(mutex_);
  auto it = claims_.find(msgid);
  if (it == claims_.end() || setl_id.empty()) return;
  it->second.setl_id = setl_id;
  msgid_of_setl_id_[setl_id] = msgid;
}

void Timeline::add_by_setl_id(const std::string& setl_id, std::string step, std::string detail) {
  std::string msgid;
  {
    std::lock_guard lock(mutex_);
    auto it = msgid_of_setl_id_.find(setl_id);
    if (it == msgid_of_setl_id_.end()) return;
    msgid = it->second;
  }
  add(msgid, std::move(step), std::move(detail));
}

std::optional<ClaimTimeline> Timeline::find(const std::string& msgid) const {
  std::lock_guard lock(mutex_);
  auto it = claims_.find(msgid);
  if (it == claims_.end()) return std::nullopt;
  return it->second;
}

}  // namespace medclear::gateway
