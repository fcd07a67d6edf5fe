// What the benchmark programs share: percentiles, CPU time (this process's, or another's from
// /proc), "--name value" arguments and the one machine-readable line each run ends with
// ("RESULT key=value ...", which ops/bench.sh turns into its table).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace medclear::bench {

// The three regions of the HTTPS and node benchmarks, and their insured people each.
inline const std::vector<std::string>& bench_regions() {
  static const std::vector<std::string> regions = {"110000", "310000", "440000"};
  return regions;
}
constexpr int kPersons = 5000;

// p in [0, 1] of sorted values; 0 when there are none.
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const auto at = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(sorted.size() - 1, at)];
}

// User + system CPU seconds of this process so far.
inline double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// User + system CPU seconds of process `pid` (all its threads), from /proc; -1 when unreadable.
inline double process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1.0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 are utime and stime
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// "--name value" pairs and bare words (in order), e.g. `serve DIR --seconds 10`.
struct Args {
  std::map<std::string, std::string> named;
  std::vector<std::string> words;
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a.rfind("--", 0) == 0 && i + 1 < argc) {
        named[a.substr(2)] = argv[++i];
      } else {
        words.push_back(a);
      }
    }
  }
  std::string text(const std::string& name, const std::string& otherwise) const {
    auto it = named.find(name);
    return it == named.end() ? otherwise : it->second;
  }
  double number(const std::string& name, double otherwise) const {
    auto it = named.find(name);
    return it == named.end() ? otherwise : std::atof(it->second.c_str());
  }
};

// "0.25,0.5" → {0.25, 0.5}
inline std::vector<double> numbers(const std::string& list) {
  std::vector<double> out;
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::atof(item.c_str()));
  }
  return out;
}

// Latency summary of a run, in milliseconds.
struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  static Latency of(std::vector<double>& ms) {
    std::sort(ms.begin(), ms.end());
    return {percentile(ms, 0.50), percentile(ms, 0.90), percentile(ms, 0.99),
            ms.empty() ? 0.0 : ms.back()};
  }
};

}  // namespace medclear::bench
