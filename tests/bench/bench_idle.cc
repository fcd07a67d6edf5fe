// Idle cost (issue 15): N region nodes (31 by default) of one process on the embedded broker, no
// claims: the CPU the process spends per second of wall time while nothing happens, as a share of
// one core. Nodes sleep until there is work and share one pair of Kafka clients, so what remains
// is librdkafka's fetching from the broker (its fetch.wait.max.ms) and timers.
// Usage: bench_idle [REGIONS] [SECONDS] [partitions=N] [librdkafka.property=value ...]
// (partitions per topic: 2 as in the demo by default)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "gateway/app/region_set.h"
#include "tests/support/nation.h"

namespace gw = medclear::gateway;

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  static const std::vector<std::string> kProvinces = {
      "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
      "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
      "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
      "530000", "540000", "610000", "620000", "630000", "640000", "650000"};
  const size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : kProvinces.size();
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  if (count == 0 || count > kProvinces.size() || seconds <= 0) {
    std::fprintf(stderr, "usage: bench_idle [REGIONS 1..31] [SECONDS]\n");
    return 2;
  }
  const std::vector<std::string> regions(kProvinces.begin(),
                                         kProvinces.begin() + static_cast<long>(count));
  const auto reference = medclear::testing::make_nation(regions, 100);
  const std::string root = std::filesystem::temp_directory_path().string() + "/medclear-bench-idle";
  std::filesystem::remove_all(root);
  gw::RegionSetOptions options;
  options.regions = regions;
  options.ledgers_dir = root + "/ledgers";
  options.partitions = 2;           // as the demo's nation (simulator/run.cpp)
  for (int i = 3; i < argc; ++i) {  // librdkafka properties to try, e.g. fetch.wait.max.ms=100
    const std::string setting = argv[i];
    const size_t eq = setting.find('=');
    if (eq == std::string::npos) return 2;
    if (setting.substr(0, eq) == "partitions") {
      options.partitions = std::atoi(setting.c_str() + eq + 1);
      continue;
    }
    options.kafka.properties[setting.substr(0, eq)] = setting.substr(eq + 1);
  }
  auto set = gw::RegionSet::start(options, reference);
  if (!set.is_ok()) {
    std::fprintf(stderr, "%s\n", set.status().message().c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // start-up settles
  const double cpu_before = cpu_seconds();
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const double cpu = cpu_seconds() - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  std::printf("idle: %zu regions, %.1f s: %.3f CPU s = %.1f %% of one core\n", count, wall, cpu,
              100.0 * cpu / wall);
  (*set)->stop();
  return 0;
}
