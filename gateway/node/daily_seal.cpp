#include "gateway/node/daily_seal.h"

#include <chrono>
#include <future>

#include "adapters/log.h"
#include "ledger/ledger.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

constexpr int64_t kDay = 86'400;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t floor_days(int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / kDay : -((-unix_seconds + kDay - 1) / kDay);
}

}  // namespace

cl::Date utc_yesterday(int64_t unix_seconds) {
  return cl::Date::from_days(static_cast<int32_t>(floor_days(unix_seconds) - 1));
}

int64_t next_daily_time(int64_t unix_seconds, int32_t at) {
  const int64_t today = floor_days(unix_seconds) * kDay + at;
  return today > unix_seconds ? today : today + kDay;
}

DailySealer::DailySealer(DailySealOptions options, RegionNode* node)
    : options_(std::move(options)), node_(node) {}

DailySealer::~DailySealer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status DailySealer::start() {
  if (!cl::parse_time_of_day(options_.at)) return Status::invalid("seal.at must be HH:MM");
  Result<lg::SigningKey> key = lg::SigningKey::load_private_pem(options_.seal_key_file);
  if (!key.is_ok()) return key.status();
  key_ = std::move(*key);
  thread_ = std::thread([this] { loop(); });
  return Status::ok();
}

Result<bool> DailySealer::seal_through(cl::Date day) {
  if (!key_) return Status::error("the daily seal was not started");
  auto sealed = std::make_shared<bool>(false);
  std::promise<Status> written;
  node_->write(
      [this, day, sealed](lg::Ledger& ledger) -> Status {
        if (ledger.last_sealed_day() && *ledger.last_sealed_day() >= day) return Status::ok();
        Result<lg::Seal> seal = ledger.seal_through(day, *key_);
        if (!seal.is_ok()) return seal.status();
        *sealed = true;
        node_->counters().seals_written += 1;
        return Status::ok();
      },
      [&written](Status status) { written.set_value(std::move(status)); });
  const Status status = written.get_future().get();
  if (!status.is_ok()) return status;
  return *sealed;
}

// Seals at once when today's time has passed (a node started late, or one that was down), then
// at each day's time; a failed seal is tried again ten minutes later. Until stopped.
void DailySealer::loop() {
  const int32_t at = *cl::parse_time_of_day(options_.at);
  const int64_t started = unix_now();
  const int64_t today_at = floor_days(started) * kDay + at;
  int64_t next = started >= today_at ? started : today_at;  // past today's time: catch up now
  while (true) {
    {
      std::unique_lock lock(mutex_);
      const int64_t wait = std::max<int64_t>(0, next - unix_now());
      if (wake_.wait_for(lock, std::chrono::seconds(wait), [this] { return stopping_; })) return;
    }
    const int64_t now = unix_now();
    if (now < next) continue;  // woken early
    const cl::Date day = utc_yesterday(now);
    Result<bool> sealed = seal_through(day);
    if (!sealed.is_ok()) {
      adapters::logger("seal")->error("seal region={} through={} error=\"{}\"", node_->region(),
                                      day.to_string(), sealed.status().message());
      node_->counters().seals_failed += 1;
      next = now + 600;  // try again in ten minutes
      continue;
    }
    if (*sealed) {
      adapters::logger("seal")->info("seal region={} through={}", node_->region(), day.to_string());
    }
    next = next_daily_time(now, at);
  }
}

}  // namespace medclear::gateway
