// Named loggers (STYLE.md: one per component): adapters::logger registers the component's logger,
// so spdlog::get finds it, and it writes where and at the level the default logger does.
#include "adapters/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

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

}  // namespace
}  // namespace medclear::adapters
