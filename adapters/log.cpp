#include "adapters/log.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include <spdlog/pattern_formatter.h>

#include "adapters/json.h"

namespace medclear::adapters {
namespace {

// Length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&text](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t length = utf8_sequence_length(text);
    out.append(length == 0 ? std::string_view("\xEF\xBF\xBD") : text.substr(0, length));
    text.remove_prefix(length == 0 ? 1 : length);
  }
  return out;
}

// 2026-11-30T03:39:37.123Z
std::string utc_time(spdlog::log_clock::time_point at) {
  const auto since_epoch = at.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char text[32];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis.count()));
  return text;
}

// MEDCLEAR_LOG_FORMAT, once, before the first component logger is made.
void apply_environment_log_format() {
  const char* format = std::getenv("MEDCLEAR_LOG_FORMAT");
  if (format == nullptr || *format == '\0') return;
  if (!set_log_format(format)) {
    spdlog::warn("log_format_unknown MEDCLEAR_LOG_FORMAT={} (json or text)", format);
  }
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
  JsonWriter w;
  w.begin_object();
  w.key("time").string(utc_time(msg.time));
  w.key("level").string(std::string_view(level.data(), level.size()));
  w.key("logger").string(
      valid_utf8(std::string_view(msg.logger_name.data(), msg.logger_name.size())));
  w.key("message").string(valid_utf8(std::string_view(msg.payload.data(), msg.payload.size())));
  w.end_object();
  const std::string& line = w.str();
  dest.append(line.data(), line.data() + line.size());
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

bool set_log_format(std::string_view format) {
  if (format == "json") {
    spdlog::default_logger()->set_formatter(std::make_unique<JsonLogFormatter>());
  } else if (format == "text") {
    spdlog::default_logger()->set_formatter(std::make_unique<spdlog::pattern_formatter>());
  } else {
    return false;
  }
  return true;
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  static std::mutex mutex;
  static std::once_flag environment;
  std::call_once(environment, apply_environment_log_format);
  std::lock_guard lock(mutex);
  if (std::shared_ptr<spdlog::logger> known = spdlog::get(component)) return known;
  const std::shared_ptr<spdlog::logger> base = spdlog::default_logger();
  auto made =
      std::make_shared<spdlog::logger>(component, base->sinks().begin(), base->sinks().end());
  made->set_level(base->level());
  made->flush_on(spdlog::level::warn);
  spdlog::register_logger(made);
  return made;
}

}  // namespace medclear::adapters
