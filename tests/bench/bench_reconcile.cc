// Reconciliation benchmark (issue 6): one region pair, N settlements per side (default 10,000,000)
// of which K differ (default 1,000, every kind); prints the time to index each side, the time of
// the protocol, the bytes exchanged against a full transfer, and checks every difference is found.
// Usage: bench_reconcile [N] [K]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "clearing/reconcile.h"
#include "ledger/crypto.h"

namespace cl = medclear::clearing;
using Clock = std::chrono::steady_clock;

namespace {

// One day of a region pair: n settlements, k of them made to differ (each of the four kinds).
struct Day {
  std::vector<cl::ReconItem> insured;
  std::vector<cl::ReconItem> treating;
  size_t expected = 0;
};

Day make_day(size_t n, size_t k) {
  std::mt19937_64 random(42);
  std::set<size_t> chosen;
  while (chosen.size() < k) chosen.insert(random() % n);
  Day day;
  std::vector<cl::ReconItem>& insured = day.insured;
  std::vector<cl::ReconItem>& treating = day.treating;
  insured.reserve(n);
  treating.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    char id[48];
    std::snprintf(id, sizeof id, "610100202603%02zu%010zu", i % 28 + 1, i);
    cl::ReconItem item{id, cl::Money::from_fen(static_cast<int64_t>(random() % 10'000'000) + 1),
                       random() % 50 == 0};
    if (!chosen.contains(i)) {
      insured.push_back(item);
      treating.push_back(std::move(item));
      continue;
    }
    ++day.expected;
    switch (random() % 4) {
      case 0:
        insured.push_back(std::move(item));
        break;
      case 1:
        treating.push_back(std::move(item));
        break;
      case 2: {
        cl::ReconItem changed = item;
        changed.amount = changed.amount + cl::Money::from_fen(1);
        insured.push_back(std::move(item));
        treating.push_back(std::move(changed));
        break;
      }
      default: {
        cl::ReconItem changed = item;
        changed.cancelled = !changed.cancelled;
        insured.push_back(std::move(item));
        treating.push_back(std::move(changed));
      }
    }
  }
  return day;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const size_t k = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000;
  Day day = make_day(n, k);
  std::vector<cl::ReconItem>& insured = day.insured;
  std::vector<cl::ReconItem>& treating = day.treating;
  const size_t expected = day.expected;
  const cl::ReconHash hash_a =
      medclear::ledger::digest_function(medclear::ledger::HashAlgorithm::kSha256);
  const cl::ReconHash hash_b =
      medclear::ledger::digest_function(medclear::ledger::HashAlgorithm::kSha256);
  // Each region indexes its own day (on its own machine): here the two sides in two threads.
  const auto t0 = Clock::now();
  const int depth = cl::recon_depth(std::max(insured.size(), treating.size()));
  std::optional<cl::ReconSide> a;
  std::optional<cl::ReconSide> b;
  double a_s = 0, b_s = 0;
  std::thread other([&] {
    const auto start = Clock::now();
    b.emplace(std::move(treating), hash_b);
    b->totals(depth);
    b_s = std::chrono::duration<double>(Clock::now() - start).count();
  });
  {
    const auto start = Clock::now();
    a.emplace(std::move(insured), hash_a);
    a->totals(depth);  // builds the tree
    a_s = std::chrono::duration<double>(Clock::now() - start).count();
  }
  other.join();
  const auto t1 = Clock::now();
  const cl::ReconResult result = cl::reconcile(*a, *b);
  const auto t2 = Clock::now();
  const double index_s = std::chrono::duration<double>(t1 - t0).count();
  const double protocol_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("entries=%zu differences=%zu found=%zu depth=%d rounds=%d\n", n, expected,
              result.differences.size(), depth, result.rounds);
  std::printf(
      "index insured side: %.2f s, treating side: %.2f s (in parallel: %.2f s)   "
      "protocol: %.3f s   total: %.2f s\n",
      a_s, b_s, index_s, protocol_s, index_s + protocol_s);
  std::printf("bytes exchanged=%llu full transfer=%llu ratio=%.4f%%\n",
              static_cast<unsigned long long>(result.bytes_exchanged),
              static_cast<unsigned long long>(result.bytes_full_transfer),
              100.0 * static_cast<double>(result.bytes_exchanged) /
                  static_cast<double>(result.bytes_full_transfer));
  return result.differences.size() == expected ? 0 : 1;
}
