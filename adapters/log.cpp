#include "adapters/log.h"

#include <mutex>

namespace medclear::adapters {

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  static std::mutex mutex;
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
