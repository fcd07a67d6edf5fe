// Reconciliation benchmark (issues 6, 15): one region pair, N settlements per side (default
// 10,000,000) of which K differ (default 1,000, every kind); prints the time to index each side,
// the time of the protocol, the bytes exchanged against a full transfer, and checks every
// difference is found. Usage: bench_reconcile [N] [K] [MODE [DIR]]; MODE is
//   ordered   (default) each side's items handed over in reconciliation order, as a ledger reads
//             them from its X keys (ledger/FORMAT.md); indexing takes them without sorting
//   unordered the items in id order, so indexing sorts them (the gather + sort of format 2)
//   ledger    each side's items written as the X keys of a real ledger under DIR (untimed; DIR
//             defaults to a fresh directory in /tmp, removed at the end), then read back with
//             ledger::recon_builders and indexed (timed)
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <time.h>
#include <unistd.h>

#include "clearing/reconcile.h"
#include "ledger/crypto.h"
#include "ledger/recon_items.h"

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using Clock = std::chrono::steady_clock;

namespace {

const cl::Date kDay = cl::Date::from_days(20'527);  // 2026-03-15

struct Day {
  std::vector<cl::ReconItem> insured;
  std::vector<cl::ReconItem> treating;
  size_t expected = 0;
};

Day generate(size_t n, size_t k) {
  std::mt19937_64 random(42);
  std::set<size_t> chosen;
  while (chosen.size() < k) chosen.insert(random() % n);
  Day day;
  day.insured.reserve(n);
  day.treating.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    char id[48];
    std::snprintf(id, sizeof id, "610100202603%02zu%010zu", i % 28 + 1, i);
    cl::ReconItem item{id, cl::Money::from_fen(static_cast<int64_t>(random() % 10'000'000) + 1),
                       random() % 50 == 0};
    if (!chosen.contains(i)) {
      day.insured.push_back(item);
      day.treating.push_back(std::move(item));
      continue;
    }
    ++day.expected;
    cl::ReconItem changed = item;
    switch (random() % 4) {
      case 0:
        day.insured.push_back(std::move(item));
        break;
      case 1:
        day.treating.push_back(std::move(item));
        break;
      case 2:
        changed.amount = changed.amount + cl::Money::from_fen(1);
        day.insured.push_back(std::move(item));
        day.treating.push_back(std::move(changed));
        break;
      default:
        changed.cancelled = !changed.cancelled;
        day.insured.push_back(std::move(item));
        day.treating.push_back(std::move(changed));
    }
  }
  return day;
}

// Writes one side's items as the X keys its ledger would hold (made by ledger::recon_item_key
// from an entry of each settlement, and of each cancel), unsynced: this is the setup.
std::unique_ptr<lg::Ledger> write_ledger(const std::string& dir, const std::string& region,
                                         const std::vector<cl::ReconItem>& items, bool insured) {
  lg::LedgerOptions options;
  options.region = region;
  std::filesystem::create_directories(dir);
  auto opened = lg::Ledger::open(dir, options);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    std::exit(2);
  }
  std::unique_ptr<lg::Ledger> ledger = std::move(*opened);
  rocksdb::WriteBatch batch;
  lg::Entry e;
  e.day = kDay;
  e.side = insured ? lg::Side::kInsured : lg::Side::kTreating;
  e.record.insuplc_admdvs = "610100";
  e.record.mdtrtarea_admvs = "310104";
  const std::string account = insured ? "payable:310000" : "receivable:610000";
  const lg::Direction booked = insured ? lg::Direction::kCredit : lg::Direction::kDebit;
  for (const cl::ReconItem& item : items) {
    e.record.kind = cl::RecordKind::kSettlement;
    e.record.setl_id = item.setl_id;
    e.legs = {{booked, account, item.amount}};
    auto key = lg::recon_item_key(e);
    batch.Put(key->first, key->second);
    if (item.cancelled) {
      e.record.kind = cl::RecordKind::kCancel;
      e.record.compensates = item.setl_id;
      key = lg::recon_item_key(e);
      batch.Put(key->first, key->second);
    }
    if (batch.Count() >= 100'000) {
      if (!ledger->db()->Write(rocksdb::WriteOptions(), &batch).ok()) std::exit(2);
      batch.Clear();
    }
  }
  if (!ledger->db()->Write(rocksdb::WriteOptions(), &batch).ok()) std::exit(2);
  if (!ledger->db()->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok())
    std::exit(2);
  return ledger;
}

// CPU time of the calling thread: other processes loading the machine stretch the wall time.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Reconciliation order without recomputing the spread at each comparison.
void sort_in_recon_order(std::vector<cl::ReconItem>& items) {
  std::vector<std::pair<uint64_t, size_t>> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = {cl::recon_spread(items[i].setl_id), i};
  std::sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first
                              : items[x.second].setl_id < items[y.second].setl_id;
  });
  std::vector<cl::ReconItem> sorted;
  sorted.reserve(items.size());
  for (const auto& [prefix, i] : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

// One side: its items (from memory, or read from its ledger), then the index and tree.
struct SideRun {
  std::vector<cl::ReconItem> items;
  lg::Ledger* ledger = nullptr;
  std::optional<cl::ReconSide> side;
  double read_s = 0, index_s = 0, cpu_s = 0;

  void run(const cl::ReconHash& hash, int depth) {
    const double cpu_start = thread_cpu_seconds();
    const auto start = Clock::now();
    std::optional<cl::ReconSide::Builder> read;
    if (ledger != nullptr) {
      auto builders = lg::recon_builders(*ledger, kDay);
      if (!builders.is_ok() || builders->size() != 1) std::exit(2);
      read = std::move(builders->begin()->second);
    }
    const auto read_end = Clock::now();
    if (read) {
      side.emplace(std::move(*read).build(hash));
    } else {
      side.emplace(items, hash);
    }
    side->totals(depth);  // builds the tree
    read_s = std::chrono::duration<double>(read_end - start).count();
    index_s = std::chrono::duration<double>(Clock::now() - read_end).count();
    cpu_s = thread_cpu_seconds() - cpu_start;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const size_t k = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000;
  const std::string mode = argc > 3 ? argv[3] : "ordered";
  if (mode != "ordered" && mode != "unordered" && mode != "ledger") {
    std::fprintf(stderr, "usage: bench_reconcile [N] [K] [ordered|unordered|ledger [DIR]]\n");
    return 2;
  }
  Day day = generate(n, k);
  SideRun a, b;
  a.items = std::move(day.insured);
  b.items = std::move(day.treating);
  if (mode != "unordered") {
    sort_in_recon_order(a.items);
    sort_in_recon_order(b.items);
  }
  const int depth = cl::recon_depth(std::max(a.items.size(), b.items.size()));
  std::unique_ptr<lg::Ledger> ledger_a, ledger_b;
  const std::string dir =
      argc > 4 ? std::string(argv[4]) : "/tmp/bench_reconcile-" + std::to_string(::getpid());
  if (mode == "ledger") {
    const auto start = Clock::now();
    std::thread other([&] { ledger_b = write_ledger(dir + "/310000", "310000", b.items, false); });
    ledger_a = write_ledger(dir + "/610000", "610000", a.items, true);
    other.join();
    a.items.clear();
    b.items.clear();
    a.ledger = ledger_a.get();
    b.ledger = ledger_b.get();
    std::printf("setup: X keys written and compacted in %.1f s (untimed)\n",
                std::chrono::duration<double>(Clock::now() - start).count());
  }
  const cl::ReconHash hash_a = lg::digest_function(lg::HashAlgorithm::kSha256);
  const cl::ReconHash hash_b = lg::digest_function(lg::HashAlgorithm::kSha256);
  // Each region indexes its own day (on its own machine): here the two sides in two threads.
  const auto t0 = Clock::now();
  std::thread other([&] { b.run(hash_b, depth); });
  a.run(hash_a, depth);
  other.join();
  const auto t1 = Clock::now();
  const cl::ReconResult result = cl::reconcile(*a.side, *b.side);
  const auto t2 = Clock::now();
  const double index_s = std::chrono::duration<double>(t1 - t0).count();
  const double protocol_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("mode=%s entries=%zu differences=%zu found=%zu depth=%d rounds=%d\n", mode.c_str(), n,
              day.expected, result.differences.size(), depth, result.rounds);
  std::printf(
      "read from ledger: insured %.2f s, treating %.2f s; index insured %.2f s, treating %.2f s "
      "(both sides in parallel: %.2f s)   protocol: %.3f s   total: %.2f s\n"
      "CPU time of the timed part: insured side %.2f s, treating side %.2f s\n",
      a.read_s, b.read_s, a.index_s, b.index_s, index_s, protocol_s, index_s + protocol_s, a.cpu_s,
      b.cpu_s);
  std::printf("bytes exchanged=%llu full transfer=%llu ratio=%.4f%%\n",
              static_cast<unsigned long long>(result.bytes_exchanged),
              static_cast<unsigned long long>(result.bytes_full_transfer),
              100.0 * static_cast<double>(result.bytes_exchanged) /
                  static_cast<double>(result.bytes_full_transfer));
  ledger_a.reset();
  ledger_b.reset();
  if (mode == "ledger" && argc <= 4) std::filesystem::remove_all(dir);
  return result.differences.size() == day.expected ? 0 : 1;
}
