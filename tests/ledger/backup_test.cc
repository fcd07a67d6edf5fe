// Backups through RocksDB's BackupEngine while the ledger's writer has the database open (as the
// running node does), incremental, verified, and restores that refuse what they must.
#include "ledger/backup.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::ledger {
namespace {

namespace fs = std::filesystem;
namespace cl = medclear::clearing;

// Appends `count` more claims like `base` to the insured side of `ledger`, from serial `first`.
void append_claims(Ledger& ledger, const cl::SettlementRecord& base, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    ASSERT_TRUE(ledger.stage(testing::claim_like(base, i), Side::kInsured).is_ok());
  }
  ASSERT_TRUE(ledger.commit().is_ok());
}

TEST(LedgerBackup, BacksUpWhileTheWriterRunsIncrementallyAndRestoresVerified) {
  const std::string root = testing::fresh_directory("backup");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  auto dirs = testing::write_ledgers(root + "/ledgers", records);
  const std::string region = region_of(records.front().insuplc_admdvs);
  LedgerDirectory& live = dirs.at(region);
  ASSERT_TRUE(live.seal_key().is_ok());
  append_claims(*live.ledger, records.front(), 1, 2000);
  // Tables, as a node that ran a while has: they are what later backups share.
  ASSERT_TRUE(live.ledger->db()->Flush(rocksdb::FlushOptions()).ok());
  const std::string dir = root + "/ledgers/" + region;
  const std::string to = root + "/backups";

  // The writer keeps the database open (its lock held) while the backups are taken.
  Result<BackupReport> first = backup_directory(dir, to);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(first->entries, live.ledger->last_seq());
  EXPECT_GT(first->bytes, 0u);
  std::vector<std::string> files = first->files;
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"seal-key.pem", "seal-key.pub.pem"}));
  append_claims(*live.ledger, records.front(), 2001, 10);
  Result<BackupReport> second = backup_directory(dir, to);
  ASSERT_TRUE(second.is_ok()) << second.status().message();
  EXPECT_EQ(second->entries, live.ledger->last_seq());
  EXPECT_EQ(second->id, first->id + 1);
  // Incremental: the second backup adds less than it holds (the tables already backed up stay).
  EXPECT_LT(second->new_bytes, second->bytes);
  std::cout << "[ backup ] first " << first->bytes << " bytes, second adds " << second->new_bytes
            << " of " << second->bytes << std::endl;
  Result<std::vector<BackupListing>> listed = list_backups(to);
  ASSERT_TRUE(listed.is_ok());
  EXPECT_EQ(listed->size(), 2u);

  // Restore the first into a missing directory: it verifies and holds what it held.
  const std::string restored = root + "/restored";
  Result<RestoreReport> back = restore_directory(to, restored, first->id, false);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->entries, first->entries);
  EXPECT_TRUE(back->moved_aside.empty());
  EXPECT_TRUE(fs::exists(restored + "/seal-key.pem"));
  EXPECT_EQ(fs::status(restored + "/seal-key.pem").permissions() & fs::perms::group_read,
            fs::perms::none);
  {
    Result<LedgerDirectory> opened = open_directory(restored, {}, false);
    ASSERT_TRUE(opened.is_ok()) << opened.status().message();
    EXPECT_EQ(opened->ledger->last_seq(), first->entries);
    EXPECT_TRUE(verify_ledger(*opened->ledger, nullptr).ok);
    // The same seal key as the live directory's.
    EXPECT_EQ(opened->seal_key()->public_key_raw(), live.seal_key()->public_key_raw());
  }
  // A non-empty directory only with force, and then the old one is moved aside.
  Result<RestoreReport> refused = restore_directory(to, restored, std::nullopt, false);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("not empty"), std::string::npos);
  Result<RestoreReport> forced = restore_directory(to, restored, std::nullopt, true);
  ASSERT_TRUE(forced.is_ok()) << forced.status().message();
  EXPECT_EQ(forced->id, second->id);
  EXPECT_EQ(forced->entries, second->entries);
  EXPECT_TRUE(fs::exists(forced->moved_aside + "/db"));
  // Never over a ledger that is open (the running node's): its lock is held here.
  Result<RestoreReport> busy = restore_directory(to, dir, std::nullopt, true);
  ASSERT_FALSE(busy.is_ok());
  EXPECT_NE(busy.status().message().find("another process"), std::string::npos);
}

TEST(LedgerBackup, RestoreRefusesABackupThatDoesNotVerify) {
  const std::string root = testing::fresh_directory("backup-bad");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  const std::string region = region_of(records.front().insuplc_admdvs);
  { auto dirs = testing::write_ledgers(root + "/ledgers", records); }
  const std::string to = root + "/backups";
  Result<BackupReport> made = backup_directory(root + "/ledgers/" + region, to);
  ASSERT_TRUE(made.is_ok()) << made.status().message();
  // Flip one byte in the middle of every backed-up table and log: the checksums no longer match.
  int damaged = 0;
  for (const auto& file : fs::recursive_directory_iterator(to)) {
    if (!file.is_regular_file() ||
        (file.path().extension() != ".sst" && file.path().extension() != ".log")) {
      continue;
    }
    std::fstream f(file.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(file.file_size() / 2));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(file.file_size() / 2));
    f.put(static_cast<char>(c ^ 0x5a));
    ++damaged;
  }
  ASSERT_GT(damaged, 0);
  Result<RestoreReport> refused = restore_directory(to, root + "/restored", std::nullopt, false);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_FALSE(fs::exists(root + "/restored/db"));
}

}  // namespace
}  // namespace medclear::ledger
