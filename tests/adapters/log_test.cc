// Named loggers (STYLE.md: one per component): adapters::logger registers the component's logger,
// so spdlog::get finds it, and it writes where and at the level the default logger does.
#include "adapters/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "adapters/json.h"

namespace medclear::adapters {
namespace {

TEST(Log, AComponentLoggerIsRegisteredAndSharesTheDefaultSinksAndLevel) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", sink));
  spdlog::set_level(spdlog::level::warn);
  spdlog::drop("log-test-component");

  const std::shared_ptr<spdlog::logger> made = logger("log-test-component");
  EXPECT_EQ(spdlog::get("log-test-component"), made);
  EXPECT_EQ(logger("log-test-component"), made);  // the same one, not a second
  made->info("event_below_level");
  made->warn("event_at_level key=1");
  made->flush();
  EXPECT_EQ(out.str().find("event_below_level"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("event_at_level key=1"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("log-test-component"), std::string::npos) << out.str();

  spdlog::drop("log-test-component");
  spdlog::set_default_logger(previous);
  spdlog::set_level(spdlog::level::info);
}

// MEDCLEAR_LOG_FORMAT=json: one JSON object per line with time, level, logger and message, the
// message escaped (quotes, backslashes, control characters, bytes that are not UTF-8) so that a
// log shipper can parse every line.
TEST(Log, JsonFormatWritesOneParsableObjectPerLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  const std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", sink));
  spdlog::drop("log-json-component");
  ASSERT_FALSE(set_log_format("yaml"));
  ASSERT_TRUE(set_log_format("json"));

  const std::shared_ptr<spdlog::logger> made = logger("log-json-component");
  made->warn("claim_refused reason=\"bad\" path=C:\\x\nsecond\tline \x01 bad-utf8=\xff 中文");
  made->info("plain");
  made->flush();

  std::istringstream lines(out.str());
  std::string first, second, third;
  ASSERT_TRUE(std::getline(lines, first)) << out.str();
  ASSERT_TRUE(std::getline(lines, second)) << out.str();
  EXPECT_FALSE(std::getline(lines, third)) << "one line per message: " << out.str();
  Result<Json> parsed = parse_json(first);
  ASSERT_TRUE(parsed.is_ok()) << first;
  ASSERT_TRUE(parsed->is_object());
  ASSERT_EQ(parsed->members.size(), 4u) << first;
  const Json* time = parsed->find("time");
  ASSERT_NE(time, nullptr);
  ASSERT_TRUE(time->is_string());
  // 2026-11-30T03:39:37.123Z
  EXPECT_EQ(time->text.size(), 24u) << time->text;
  EXPECT_EQ(time->text[10], 'T');
  EXPECT_EQ(time->text.back(), 'Z');
  EXPECT_EQ(parsed->find("level")->text, "warning");
  EXPECT_EQ(parsed->find("logger")->text, "log-json-component");
  EXPECT_EQ(
      parsed->find("message")->text,
      "claim_refused reason=\"bad\" path=C:\\x\nsecond\tline \x01 bad-utf8=\xEF\xBF\xBD 中文");
  Result<Json> plain = parse_json(second);
  ASSERT_TRUE(plain.is_ok()) << second;
  EXPECT_EQ(plain->find("level")->text, "info");
  EXPECT_EQ(plain->find("message")->text, "plain");

  ASSERT_TRUE(set_log_format("text"));
  spdlog::drop("log-json-component");
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace medclear::adapters
