// One named spdlog logger per component (shared STYLE.md, "Logging"): "node", "gateway",
// "recon", "kafka", … Messages are `event_name key=value …`; per batch at info, per claim at debug.
// A component's logger is made on first use with the default logger's sinks and level, so what
// a command sets on the default logger (level, sinks, pattern) applies to every component.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace medclear::adapters {

// The logger of `component`, registered in spdlog's registry under that name.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace medclear::adapters
