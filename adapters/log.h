// One named spdlog logger per component (shared STYLE.md, "Logging"): "node", "gateway",
// "recon", "kafka", … Messages are `event_name key=value …`; per batch at info, per claim at debug.
// A component's logger is made on first use with the default logger's sinks and level, so what
// a command sets on the default logger (level, sinks, pattern) applies to every component.
//
// Log format: spdlog's text lines by default; with MEDCLEAR_LOG_FORMAT=json (read at the first
// logger() call) one JSON object per line for log shippers:
//   {"time":"2026-11-30T03:39:37.123Z","level":"info","logger":"node","message":"…"}
// time in UTC with milliseconds; the message is escaped (and any bytes that are not UTF-8 become
// U+FFFD) so every line parses.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace medclear::adapters {

// The logger of `component`, registered in spdlog's registry under that name.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

// Formats each message as one JSON object per line (see above).
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Sets the format of the default logger's sinks (shared by every component's logger): "json" or
// "text" (spdlog's default pattern). False, and nothing changed, for any other name.
bool set_log_format(std::string_view format);

}  // namespace medclear::adapters
