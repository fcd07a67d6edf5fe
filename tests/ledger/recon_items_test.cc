// Format 3's key spaces: the X keys give each day's reconciliation items in order, the same as
// gathering the day's entries and sorting (random ledgers, seeded: MEDCLEAR_SEED replays); a seal
// extends the last seal's Merkle frontier (F) and reads only the entries since; a version-2
// ledger is migrated when opened and then verifies, reconciles and seals as before.
#include "ledger/recon_items.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <random>

#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/records.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

namespace lg = medclear::ledger;
using clearing::Date;
using clearing::SettlementRecord;

class ReconItems : public ::testing::Test {
 protected:
  void SetUp() override { root_ = fresh_directory("recon-items"); }
  void TearDown() override {
    dirs_.clear();
    std::filesystem::remove_all(root_);
  }
  lg::Ledger& ledger(const std::string& region) {
    if (!dirs_.contains(region)) {
      lg::LedgerOptions options;
      options.region = region;
      auto opened = lg::open_directory(root_ + "/" + region, options, true);
      EXPECT_TRUE(opened.is_ok()) << opened.status().message();
      dirs_.emplace(region, std::move(*opened));
    }
    return *dirs_.at(region).ledger;
  }
  void reopen(const std::string& region) {
    dirs_.erase(region);
    ledger(region);
  }

  // Days 1..days of settlements insured in 610000 or 440000, treated in 310000, some cancelled
  // the same day or later; the treating side stages each day's records in a shuffled order (a
  // cancel may come before its settlement).
  void write_random(std::mt19937_64& random, int days, int per_day) {
    std::vector<SettlementRecord> open;
    int serial = 0;
    for (int d = 1; d <= days; ++d) {
      const Date day = Date::from_days(20'500 + d);
      std::vector<SettlementRecord> records;
      for (int i = 0; i < per_day; ++i) {
        const std::string n = std::to_string(100000 + ++serial);
        if (!open.empty() && random() % 5 == 0) {
          const size_t which = random() % open.size();
          records.push_back(cancel_record(open[which], "C" + n, "MC" + n, day));
          open.erase(open.begin() + static_cast<long>(which));
          continue;
        }
        const int64_t fee = 1000 + static_cast<int64_t>(random() % 100000);
        SettlementRecord r = settlement_record("S" + n, "MS" + n, day, fee, fee / 2);
        if (random() % 3 == 0) r.insuplc_admdvs = "440100";
        records.push_back(r);
        open.push_back(r);
      }
      for (const SettlementRecord& r : records) {
        ASSERT_TRUE(ledger(lg::region_of(r.insuplc_admdvs)).stage(r, lg::Side::kInsured).is_ok());
      }
      std::shuffle(records.begin(), records.end(), random);
      for (const SettlementRecord& r : records) {
        ASSERT_TRUE(ledger("310000").stage(r, lg::Side::kTreating).is_ok());
      }
      for (auto& [region, directory] : dirs_) ASSERT_TRUE(directory.ledger->commit().is_ok());
    }
  }

  void expect_items_match(int days) {
    for (auto& [region, directory] : dirs_) {
      for (int d = 0; d <= days + 1; ++d) {
        const Date day = Date::from_days(20'500 + d);
        auto in_order = lg::recon_items(*directory.ledger, day);
        auto gathered = lg::recon_items_from_journal(*directory.ledger, day);
        ASSERT_TRUE(in_order.is_ok() && gathered.is_ok()) << in_order.status().message();
        ASSERT_EQ(in_order->size(), gathered->size()) << region << " " << day.to_string();
        for (const auto& [pair, items] : *gathered) {
          const auto& read = in_order->at(pair);
          ASSERT_EQ(read.size(), items.size()) << region << " " << day.to_string();
          for (size_t i = 0; i < items.size(); ++i) {
            EXPECT_EQ(read[i].setl_id, items[i].setl_id);
            EXPECT_EQ(read[i].amount, items[i].amount) << read[i].setl_id;
            EXPECT_EQ(read[i].cancelled, items[i].cancelled) << read[i].setl_id;
          }
        }
      }
    }
  }

  std::string root_;
  std::map<std::string, lg::LedgerDirectory> dirs_;
};

TEST_F(ReconItems, KeysInOrderMatchTheGatheredAndSortedItems) {
  std::mt19937_64 random(test_seed("ReconItems.KeysInOrderMatchTheGatheredAndSortedItems"));
  write_random(random, 4, 60);
  expect_items_match(4);
  for (auto& [region, directory] : dirs_) {
    const lg::VerifyReport report = lg::verify_ledger(*directory.ledger, nullptr);
    EXPECT_TRUE(report.ok) << region << ": " << report.problem;
  }
}

// After many sealed days, sealing the next one reads the frontier and that day's entries only:
// the earlier entries are removed from the raw database first, and the seal still succeeds with
// the root over the whole journal.
TEST_F(ReconItems, ASealAfterManyDaysReadsOnlyThatDay) {
  std::mt19937_64 random(test_seed("ReconItems.ASealAfterManyDaysReadsOnlyThatDay"));
  const int days = 12;
  write_random(random, days, 20);
  lg::LedgerDirectory& shanghai = dirs_.at("310000");
  lg::Ledger& l = *shanghai.ledger;
  auto key = shanghai.seal_key();
  ASSERT_TRUE(key.is_ok());
  for (int d = 1; d < days; ++d)
    ASSERT_TRUE(l.seal_through(Date::from_days(20'500 + d), *key).is_ok());
  ASSERT_TRUE(lg::verify_ledger(l, &*key).ok);
  auto all = l.prefix_leaves(l.last_seq());
  ASSERT_TRUE(all.is_ok());
  const uint64_t first_of_last_day = l.first_unsealed_seq();
  ASSERT_GT(first_of_last_day, 100u);
  for (uint64_t seq = 1; seq < first_of_last_day; ++seq) {
    ASSERT_TRUE(l.db()->Delete(rocksdb::WriteOptions(), lg::keys::journal(seq)).ok());
  }
  auto seal = l.seal_through(Date::from_days(20'500 + days), *key);
  ASSERT_TRUE(seal.is_ok()) << seal.status().message();
  EXPECT_EQ(seal->ledger_size, l.last_seq());
  EXPECT_EQ(seal->ledger_root, lg::merkle_root(l.algorithm(), *all));
  EXPECT_EQ(seal->day_count, l.last_seq() - first_of_last_day + 1);
}

// A version-2 ledger (no X keys, no F key, meta version 2), sealed: opening it writes its X keys
// and the last seal's frontier, and it verifies, reconciles and seals as a version-3 one.
TEST_F(ReconItems, AVersionTwoLedgerIsMigratedOnOpen) {
  std::mt19937_64 random(test_seed("ReconItems.AVersionTwoLedgerIsMigratedOnOpen"));
  write_random(random, 3, 40);
  auto key = dirs_.at("310000").seal_key();
  ASSERT_TRUE(ledger("310000").seal_through(Date::from_days(20'501), *key).is_ok());
  for (auto& [region, directory] : dirs_) {  // back to what version 2 wrote
    rocksdb::DB& db = *directory.ledger->db();
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("X"); it->Valid() && it->key().starts_with("X"); it->Next()) {
      ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), it->key()).ok());
    }
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), lg::keys::prefix(lg::keys::kFrontier)).ok());
    std::string meta;
    ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), lg::keys::prefix(lg::keys::kMeta), &meta).ok());
    meta[2] = 2;
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), lg::keys::prefix(lg::keys::kMeta), meta).ok());
  }
  for (const std::string region : {"310000", "610000", "440000"}) reopen(region);
  for (auto& [region, directory] : dirs_) {
    std::string meta;
    ASSERT_TRUE(directory.ledger->db()->Get(rocksdb::ReadOptions(), "V", &meta).ok());
    EXPECT_EQ(meta[2], 3) << region;
    const lg::VerifyReport report = lg::verify_ledger(*directory.ledger, nullptr);
    EXPECT_TRUE(report.ok) << region << ": " << report.problem;
  }
  expect_items_match(3);
  lg::Ledger& shanghai = ledger("310000");
  auto seal = shanghai.seal_through(Date::from_days(20'503), *key);
  ASSERT_TRUE(seal.is_ok()) << seal.status().message();
  EXPECT_EQ(seal->ledger_root,
            lg::merkle_root(shanghai.algorithm(), *shanghai.prefix_leaves(shanghai.last_seq())));
  EXPECT_TRUE(lg::verify_ledger(shanghai, &*key).ok);
}

TEST_F(ReconItems, ASettlementIdWithANulByteIsRefused) {
  SettlementRecord r =
      settlement_record(std::string("S1\0x", 4), "M1", Date::from_days(20'501), 1000, 500);
  EXPECT_EQ(ledger("610000").stage(r, lg::Side::kInsured).status().code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace medclear::testing
