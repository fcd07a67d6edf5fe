// End-to-end benchmark (issues 4 and 15): three region nodes in one process on the embedded
// broker; claims in every direction from submit() until the settlement is durable in the treating
// region's ledger (both ledgers synced). Prints claims per second and latency percentiles, at
// saturation and at offered loads.
//   saturation: CLAIMS claims submitted as fast as the in-flight bound lets them;
//   --fractions 0.25,0.5,0.8: then, on the same nodes, claims offered at each fraction of the
//   saturation rate for --seconds S each (open loop: claim k is due at start + k/R and its latency
//   runs from then, so a submitter that falls behind counts);
//   --rate R: only a run offered at R claims/s.
// Claims are built before each timed run. Each run ends with a "RESULT ..." line.
// Usage: bench_node [CLAIMS] [PENDING_MAX] [--fractions F,..] [--seconds S] [--rate R]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "adapters/topics.h"
#include "gateway/node/node.h"
#include "tests/bench/bench_common.h"
#include "tests/support/nation.h"

namespace cl = medclear::clearing;
namespace gw = medclear::gateway;
namespace mb = medclear::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Claim {
  gw::RegionNode* node = nullptr;
  cl::Request request;
};

struct Nodes {
  std::unique_ptr<medclear::adapters::EmbeddedBroker> broker;
  std::map<std::string, std::unique_ptr<gw::RegionNode>> by_region;
  uint64_t serial = 0;  // of the next claim: msgids stay unique across runs
  std::mt19937_64 random{42};
};

bool start_nodes(Nodes& nodes, const cl::ReferenceData& reference, const std::string& root,
                 size_t pending_max) {
  auto broker = medclear::adapters::EmbeddedBroker::start(3);
  if (!broker.is_ok()) return false;
  nodes.broker = std::move(*broker);
  for (const std::string& region : mb::bench_regions()) {
    for (const std::string& topic :
         {medclear::adapters::claims_topic(region), medclear::adapters::settlements_topic(region),
          medclear::adapters::dead_letters_topic(region)}) {
      if (!nodes.broker->create_topic(topic, 16).is_ok()) return false;
    }
  }
  for (const std::string& region : mb::bench_regions()) {
    gw::NodeOptions options;
    options.region = region;
    options.ledger_dir = root + "/" + region;
    options.kafka.bootstrap_servers = nodes.broker->bootstrap_servers();
    options.pending_claims_max = pending_max;
    options.submit_wait_ms = 60'000;
    auto node = gw::RegionNode::start(options, reference);
    if (!node.is_ok()) return false;
    nodes.by_region[region] = std::move(*node);
  }
  return true;
}

std::vector<Claim> make_claims(Nodes& nodes, size_t n) {
  const std::vector<std::string>& regions = mb::bench_regions();
  std::vector<Claim> claims(n);
  for (Claim& claim : claims) {
    const std::string& treating = regions[nodes.random() % regions.size()];
    std::string insured = regions[nodes.random() % regions.size()];
    while (insured == treating) insured = regions[nodes.random() % regions.size()];
    claim.node = nodes.by_region.at(treating).get();
    claim.request = medclear::testing::make_claim(nodes.random, treating, insured, mb::kPersons,
                                                  nodes.serial++);
  }
  return claims;
}

struct Run {
  double offered = 0;  // 0: saturation
  size_t claims = 0, settled = 0, late = 0;
  double seconds = 0, cpu = 0;
  mb::Latency latency;
};

// Submits every claim (at `rate` a second, or as fast as room allows when 0) and waits for all.
Run run(const std::vector<Claim>& claims, double rate) {
  const size_t n = claims.size();
  std::vector<double> latency_ms(n);
  std::vector<Clock::time_point> due(n);
  std::atomic<size_t> answered{0}, settled{0};
  const double cpu0 = mb::self_cpu_seconds();
  const auto start = Clock::now();
  Run r;
  for (size_t i = 0; i < n; ++i) {
    due[i] = Clock::now();
    if (rate > 0) {
      due[i] = start +
               std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate));
      const auto now = Clock::now();
      if (due[i] > now) std::this_thread::sleep_until(due[i]);
      r.late += now - due[i] > std::chrono::milliseconds(1);
    }
    gw::AnswerCallback done = [&, i](gw::NodeAnswer answer) {
      latency_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - due[i]).count();
      settled += !answer.pending && answer.rejection.reason == cl::Reject::kOk;
      ++answered;
    };
    claims[i].node->submit(claims[i].request, std::move(done), std::chrono::seconds(60));
  }
  while (answered.load() < n) std::this_thread::sleep_for(std::chrono::microseconds(200));
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu = mb::self_cpu_seconds() - cpu0;
  r.offered = rate;
  r.claims = n;
  r.settled = settled.load();
  r.latency = mb::Latency::of(latency_ms);
  return r;
}

void report(const Run& r, size_t pending_max) {
  std::printf(
      "RESULT bench=node mode=%s offered=%.0f claims=%zu settled=%zu seconds=%.2f per_s=%.0f "
      "p50=%.1f p90=%.1f p99=%.1f max=%.1f cpu_s=%.2f cpu_pct=%.0f late=%zu pending_max=%zu\n",
      r.offered > 0 ? "open" : "saturation", r.offered, r.claims, r.settled, r.seconds,
      static_cast<double>(r.claims) / r.seconds, r.latency.p50, r.latency.p90, r.latency.p99,
      r.latency.max, r.cpu, 100.0 * r.cpu / r.seconds, r.late, pending_max);
  std::fflush(stdout);
}

void print_counters(const Nodes& nodes) {
  for (const auto& [region, node] : nodes.by_region) {
    const gw::NodeCounters& c = node->counters();
    std::printf("region %s: %llu steps (ledger batches), %.2f ms commit per step\n", region.c_str(),
                static_cast<unsigned long long>(c.steps.load()),
                static_cast<double>(c.step_micros_commit) / 1000.0 /
                    static_cast<double>(std::max<uint64_t>(1, c.steps)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const mb::Args args(argc, argv);
  const size_t claims = args.words.size() > 0 ? std::stoul(args.words[0]) : 60'000;
  const size_t pending_max = args.words.size() > 1 ? std::stoul(args.words[1]) : 20'000;
  const double seconds = args.number("seconds", 5);
  const cl::ReferenceData reference =
      medclear::testing::make_nation(mb::bench_regions(), mb::kPersons);
  const std::string root = std::filesystem::temp_directory_path().string() + "/medclear-bench-node";
  std::filesystem::remove_all(root);
  Nodes nodes;
  if (!start_nodes(nodes, reference, root, pending_max)) return 1;
  std::vector<Run> runs;
  if (const double rate = args.number("rate", 0); rate > 0) {
    runs.push_back(run(make_claims(nodes, static_cast<size_t>(rate * seconds)), rate));
    report(runs.back(), pending_max);
  } else {
    runs.push_back(run(make_claims(nodes, claims), 0));
    report(runs.back(), pending_max);
    const double saturation = static_cast<double>(runs[0].claims) / runs[0].seconds;
    for (double fraction : mb::numbers(args.text("fractions", ""))) {
      const double offered = fraction * saturation;
      runs.push_back(run(make_claims(nodes, static_cast<size_t>(offered * seconds)), offered));
      report(runs.back(), pending_max);
    }
  }
  print_counters(nodes);
  nodes.by_region.clear();
  std::filesystem::remove_all(root);
  bool all = true;
  for (const Run& r : runs) all = all && r.settled == r.claims;
  return all ? 0 : 1;
}
