// End-to-end benchmark (issue 4): three region nodes in one process on the embedded broker; claims
// in every direction from submit() until the settlement is durable in the treating region's
// ledger (both ledgers synced). Prints claims per second and latency percentiles.
// Usage: bench_node [CLAIMS] [PENDING_MAX]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "adapters/topics.h"
#include "gateway/node/node.h"
#include "tests/support/nation.h"

namespace cl = medclear::clearing;
namespace gw = medclear::gateway;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int claims = argc > 1 ? std::atoi(argv[1]) : 60'000;
  const size_t pending_max = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20'000;
  const std::vector<std::string> regions = {"110000", "310000", "440000"};
  const cl::ReferenceData reference = medclear::testing::make_nation(regions, 5'000);
  const std::string root = std::filesystem::temp_directory_path().string() + "/medclear-bench-node";
  std::filesystem::remove_all(root);
  auto broker = medclear::adapters::EmbeddedBroker::start(3);
  for (const std::string& region : regions) {
    for (const std::string& topic :
         {medclear::adapters::claims_topic(region), medclear::adapters::settlements_topic(region),
          medclear::adapters::dead_letters_topic(region)}) {
      if (!(*broker)->create_topic(topic, 16).is_ok()) return 1;
    }
  }
  std::map<std::string, std::unique_ptr<gw::RegionNode>> nodes;
  for (const std::string& region : regions) {
    gw::NodeOptions options;
    options.region = region;
    options.ledger_dir = root + "/" + region;
    options.kafka.bootstrap_servers = (*broker)->bootstrap_servers();
    options.pending_claims_max = pending_max;
    options.submit_wait_ms = 60'000;
    nodes[region] = std::move(*gw::RegionNode::start(options, reference));
  }
  std::mt19937_64 random(42);
  std::vector<std::future<gw::NodeAnswer>> futures(claims);
  std::vector<Clock::time_point> submitted(claims);
  std::vector<double> latency_ms(claims);
  const auto start = Clock::now();
  std::thread collector([&] {
    for (int i = 0; i < claims; ++i) {
      while (!futures[i].valid()) std::this_thread::yield();
      futures[i].wait();
      latency_ms[i] =
          std::chrono::duration<double, std::milli>(Clock::now() - submitted[i]).count();
    }
  });
  for (int i = 0; i < claims; ++i) {
    const std::string& treating = regions[random() % 3];
    std::string insured = regions[random() % 3];
    while (insured == treating) insured = regions[random() % 3];
    const cl::Request request = medclear::testing::make_claim(random, treating, insured, 5'000, i);
    submitted[i] = Clock::now();
    futures[i] = nodes.at(treating)->submit(request);
  }
  collector.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  size_t settled = 0;
  for (auto& future : futures) {
    const gw::NodeAnswer answer = future.get();
    settled += !answer.pending && answer.rejection.reason == cl::Reject::kOk;
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  auto percentile = [&](double p) { return latency_ms[static_cast<size_t>(p * (claims - 1))]; };
  std::printf("claims %d settled %zu in %.2f s: %.0f claims/s end to end (3 regions, 1 process)\n",
              claims, settled, seconds, claims / seconds);
  std::printf(
      "latency submit → durable on both sides: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
      "max %.1f ms (in-flight bound %zu)\n",
      percentile(0.5), percentile(0.9), percentile(0.99), latency_ms.back(), pending_max);
  for (const auto& [region, node] : nodes) {
    const gw::NodeCounters& c = node->counters();
    std::printf("region %s: %llu steps (ledger batches), %.2f ms commit per step\n", region.c_str(),
                static_cast<unsigned long long>(c.steps.load()),
                static_cast<double>(c.step_micros_commit) / 1000.0 /
                    static_cast<double>(std::max<uint64_t>(1, c.steps)));
  }
  nodes.clear();
  std::filesystem::remove_all(root);
  return settled == static_cast<size_t>(claims) ? 0 : 1;
}
