// Ledger benchmark (issue 3): in one run, the physical limit — plain RocksDB synced write batches
// holding the same keys and bytes the ledger writes per settlement — and the ledger's own group
// commit (stage × N, one synced batch), for several batch sizes; prints settlements per second and
// the ratio. Then the verification speed, and the cost of sealing day N after N days.
// Usage: bench_ledger [SETTLEMENTS] [DIR]
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "clearing/codec.h"
#include "ledger/directory.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/recon_items.h"
#include "ledger/verify.h"
#include "tests/bench/bench_common.h"
#include "tests/support/ledger_fixture.h"

namespace lg = medclear::ledger;
namespace cl = medclear::clearing;

namespace {

using Clock = std::chrono::steady_clock;

cl::SettlementRecord numbered(const cl::SettlementRecord& base, uint64_t n) {
  cl::SettlementRecord r = base;
  char id[32];
  std::snprintf(id, sizeof id, "%010llu", static_cast<unsigned long long>(n));
  r.setl_id = std::string("61010020260315") + id;
  r.msgid = std::string("H31010400001202603151000") + std::string(id).substr(4);
  r.psn_no = "610000000000" + std::to_string(10'000'000 + n % 50'000);
  return r;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The keys and values the ledger writes for one insured-side settlement, without its logic:
// per settlement the entry, its two indexes and the person's accumulators; per batch, once, the
// balances, the region counter and the head (the ledger writes each staged key once per batch).
void plain_puts(rocksdb::WriteBatch& batch, std::map<std::string, std::string>& once_per_batch,
                const cl::SettlementRecord& r, uint64_t seq, const lg::Digest& prev) {
  lg::Entry e;
  e.seq = seq;
  e.day = r.setl_time.date;
  e.side = lg::Side::kInsured;
  e.prev_hash = prev;
  e.record = r;
  e.legs = lg::legs_for(r, e.side);
  lg::Digest hash{};
  const std::string eight(8, 'x');
  batch.Put(lg::keys::journal(seq), lg::encode_entry(e, lg::HashAlgorithm::kSha256, &hash));
  batch.Put(lg::keys::text(lg::keys::kBySetlId, r.setl_id), eight);
  batch.Put(lg::keys::text(lg::keys::kByMsgid, r.msgid), eight);
  batch.Put(lg::keys::accumulator(r.psn_no, r.insutype, r.year), std::string(40, 'x'));
  if (auto item = lg::recon_item_key(e)) batch.Put(item->first, item->second);
  for (const lg::Leg& leg : e.legs)
    once_per_batch[lg::keys::text(lg::keys::kBalance, leg.account)] = eight;
  once_per_batch[lg::keys::text(lg::keys::kRegionCount, r.insuplc_admdvs)] = eight;
  once_per_batch[lg::keys::prefix(lg::keys::kHead)] = std::string(61, 'x');
}

double plain_rate(const std::string& dir, const cl::SettlementRecord& base, uint64_t count,
                  uint64_t batch_size) {
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(options, dir, &db).ok()) return 0;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  lg::Digest prev{};
  const auto start = Clock::now();
  for (uint64_t done = 0; done < count;) {
    rocksdb::WriteBatch batch;
    std::map<std::string, std::string> once_per_batch;
    for (uint64_t i = 0; i < batch_size && done < count; ++i, ++done) {
      plain_puts(batch, once_per_batch, numbered(base, done + 1), done + 1, prev);
    }
    for (const auto& [key, value] : once_per_batch) batch.Put(key, value);
    if (!db->Write(sync, &batch).ok()) return 0;
  }
  const double rate = static_cast<double>(count) / seconds_since(start);
  delete db;
  return rate;
}

double ledger_rate(const std::string& dir, const cl::SettlementRecord& base, uint64_t count,
                   uint64_t batch_size) {
  std::filesystem::remove_all(dir);
  lg::LedgerOptions options;
  options.region = "610000";
  auto ledger = lg::Ledger::open(dir, options);
  if (!ledger.is_ok()) return 0;
  const auto start = Clock::now();
  for (uint64_t done = 0; done < count;) {
    for (uint64_t i = 0; i < batch_size && done < count; ++i, ++done) {
      if (!(*ledger)->stage(numbered(base, done + 1), lg::Side::kInsured).is_ok()) return 0;
    }
    if (!(*ledger)->commit().is_ok()) return 0;
  }
  return static_cast<double>(count) / seconds_since(start);
}

// Seals day after day of a ledger of `days` × `per_day` settlements: the time of each seal (which
// extends the last seal's Merkle frontier) against recomputing the root over the whole journal,
// which format 2 did on every seal.
void seal_costs(const std::string& dir, const cl::SettlementRecord& base, int days, int per_day) {
  std::filesystem::remove_all(dir);
  lg::LedgerOptions options;
  options.region = "610000";
  auto opened = lg::open_directory(dir, options, true);
  if (!opened.is_ok()) return;
  lg::Ledger& ledger = *opened->ledger;
  auto key = opened->seal_key();
  if (!key.is_ok()) return;
  std::printf(
      "seals: %d days of %d settlements, each day sealed after it was written\n%8s %10s "
      "%14s %26s\n",
      days, per_day, "day", "journal", "seal (ms)", "whole-journal root (ms)");
  uint64_t n = 0;
  for (int d = 0; d < days; ++d) {
    for (int i = 0; i < per_day; ++i) {
      cl::SettlementRecord r = numbered(base, ++n);
      r.setl_time.date = cl::Date::from_days(base.setl_time.date.days() + d);
      if (!ledger.stage(r, lg::Side::kInsured).is_ok()) return;
      if (n % 1000 == 0 && !ledger.commit().is_ok()) return;
    }
    if (!ledger.commit().is_ok()) return;
    const auto start = Clock::now();
    auto seal = ledger.seal_through(cl::Date::from_days(base.setl_time.date.days() + d), *key);
    const double seal_ms = 1000 * seconds_since(start);
    if (!seal.is_ok()) return;
    const auto root_start = Clock::now();
    auto all = ledger.prefix_leaves(seal->ledger_size);
    const bool same = all.is_ok() && lg::merkle_root(ledger.algorithm(), *all) == seal->ledger_root;
    const double root_ms = 1000 * seconds_since(root_start);
    if (d == 0 || d == days / 2 || d == days - 1) {
      std::printf("%8d %10llu %14.1f %26.1f%s\n", d + 1,
                  static_cast<unsigned long long>(seal->ledger_size), seal_ms, root_ms,
                  same ? "" : "  ROOTS DIFFER");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
  const std::string root =
      argc > 2 ? argv[2]
               : std::filesystem::temp_directory_path().string() + "/medclear-bench-ledger";
  std::filesystem::create_directories(root);
  const cl::SettlementRecord base = medclear::testing::scenario_records().front();
  std::printf("settlements per run: %llu, synced batches, one writer thread\n",
              static_cast<unsigned long long>(count));
  std::printf("%8s %18s %18s %8s\n", "batch", "plain RocksDB/s", "ledger/s", "ratio");
  // MEDCLEAR_BENCH_LEDGER_BATCHES="1000" runs only those batch sizes (ops/bench.sh --quick).
  std::vector<uint64_t> batches = {10, 100, 1000, 5000};
  if (const char* list = std::getenv("MEDCLEAR_BENCH_LEDGER_BATCHES"); list != nullptr) {
    batches.clear();
    for (double b : medclear::bench::numbers(list)) {
      if (b >= 1) batches.push_back(static_cast<uint64_t>(b));
    }
  }
  for (uint64_t batch : batches) {
    const double plain = plain_rate(root + "/plain", base, count, batch);
    const double ledger = ledger_rate(root + "/ledger", base, count, batch);
    std::printf("%8llu %18.0f %18.0f %8.2f\n", static_cast<unsigned long long>(batch), plain,
                ledger, plain > 0 ? ledger / plain : 0.0);
  }
  {
    lg::LedgerOptions options;
    auto ledger = lg::Ledger::open(root + "/ledger", options);
    if (!ledger.is_ok()) {
      std::printf("cannot reopen the ledger: %s\n", ledger.status().message().c_str());
      return 1;
    }
    const auto start = Clock::now();
    const lg::VerifyReport report = lg::verify_ledger(**ledger, nullptr);
    std::printf("verify: %s, %llu entries in %.2f s (%.0f entries/s)\n",
                report.ok ? "ok" : "FAILED", static_cast<unsigned long long>(report.entries),
                seconds_since(start), static_cast<double>(report.entries) / seconds_since(start));
  }
  seal_costs(root + "/seals", base, 20, 10'000);
  std::filesystem::remove_all(root);
  return 0;
}
