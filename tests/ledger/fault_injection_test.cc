// The ledger under a failing or crashing disk (FaultFs): I/O errors surface as a Status, a failed
// batch is never acknowledged and stops the ledger, and a power loss that drops every unsynced
// write loses nothing that commit() had acknowledged. A full disk is not a failure: the ledger
// refuses writes itself until it reopened the database (issue 16).
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>

#include "ledger/verify.h"
#include "tests/ledger/fault_fs.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::testing {
namespace {

// A settlement record numbered n (distinct ids), from the worked example A.
clearing::SettlementRecord numbered(const clearing::SettlementRecord& base, int n) {
  clearing::SettlementRecord r = base;
  r.setl_id = "6101002026031500" + std::to_string(10'000'000 + n);
  r.msgid = "F" + std::to_string(n);
  r.fingerprint = r.msgid;
  return r;
}

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_directory("fault");
    fs_ = std::make_shared<FaultFs>(rocksdb::FileSystem::Default());
    env_ = rocksdb::NewCompositeEnv(fs_);
    base_ = scenario_records().front();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ledger::Ledger> open(bool sync = true) {
    ledger::LedgerOptions options;
    options.region = "610000";
    options.env = env_.get();
    options.sync = sync;
    auto ledger = ledger::Ledger::open(dir_ + "/db", options);
    EXPECT_TRUE(ledger.is_ok()) << ledger.status().message();
    return ledger.is_ok() ? std::move(*ledger) : nullptr;
  }

  // Stages `count` records from `first` and commits them as one batch.
  Status append(ledger::Ledger& l, int first, int count) {
    for (int n = first; n < first + count; ++n) {
      auto staged = l.stage(numbered(base_, n), ledger::Side::kInsured);
      if (!staged.is_ok()) return staged.status();
    }
    return l.commit();
  }

  void expect_verifies() {
    auto l = open();
    ASSERT_TRUE(l);
    const ledger::VerifyReport report = ledger::verify_ledger(*l, nullptr);
    EXPECT_TRUE(report.ok) << report.problem;
  }

  std::string dir_;
  std::shared_ptr<FaultFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  clearing::SettlementRecord base_;
};

TEST_F(FaultInjection, FailedAppendIsAStatusAndNothingOfTheBatchIsWritten) {
  {
    auto l = open();
    ASSERT_TRUE(append(*l, 0, 50).is_ok());
    fs_->fail_appends = true;
    const Status failed = append(*l, 50, 50);
    EXPECT_FALSE(failed.is_ok());
    fs_->fail_appends = false;
    // After a failed commit the ledger refuses work until it is reopened.
    EXPECT_FALSE(l->stage(numbered(base_, 200), ledger::Side::kInsured).is_ok());
    EXPECT_FALSE(l->commit().is_ok());
  }
  auto l = open();
  EXPECT_EQ(l->last_seq(), 50u);
  EXPECT_FALSE(l->seq_by_msgid("F50").has_value());
  l.reset();
  expect_verifies();
}

TEST_F(FaultInjection, FailedSyncIsNeverAcknowledged) {
  uint64_t acknowledged = 0;
  {
    auto l = open();
    ASSERT_TRUE(append(*l, 0, 30).is_ok());
    acknowledged = l->last_seq();
    fs_->fail_syncs = true;
    EXPECT_FALSE(append(*l, 30, 30).is_ok());
    fs_->fail_syncs = false;
  }
  auto l = open();
  // The unacknowledged batch may have reached the disk, whole; never a part of it.
  EXPECT_TRUE(l->last_seq() == acknowledged || l->last_seq() == acknowledged + 30) << l->last_seq();
  l.reset();
  expect_verifies();
}

TEST_F(FaultInjection, PowerLossKeepsEveryAcknowledgedBatch) {
  uint64_t acknowledged = 0;
  {
    auto l = open();
    for (int batch = 0; batch < 20; ++batch) ASSERT_TRUE(append(*l, batch * 25, 25).is_ok());
    acknowledged = l->last_seq();
    for (int n = 1000; n < 1010; ++n) {  // staged, never committed
      ASSERT_TRUE(l->stage(numbered(base_, n), ledger::Side::kInsured).is_ok());
    }
    fs_->crashed = true;  // the power goes: nothing more reaches the disk
  }
  fs_->drop_unsynced();
  fs_->crashed = false;
  auto l = open();
  EXPECT_EQ(l->last_seq(), acknowledged);
  l.reset();
  expect_verifies();
}

TEST_F(FaultInjection, UnsyncedModeLosesATailButStaysConsistent) {
  // sync = false is the benchmark-only mode: after a power loss the ledger is a verified prefix.
  uint64_t acknowledged = 0;
  {
    auto l = open(false);
    for (int batch = 0; batch < 20; ++batch) ASSERT_TRUE(append(*l, batch * 25, 25).is_ok());
    acknowledged = l->last_seq();
    fs_->crashed = true;
  }
  fs_->drop_unsynced();
  fs_->crashed = false;
  auto l = open();
  EXPECT_LE(l->last_seq(), acknowledged);
  EXPECT_EQ(l->last_seq() % 25, 0u) << "a batch was cut in half";
  std::cout << "[ info ] unsynced mode kept " << l->last_seq() << " of " << acknowledged
            << " acknowledged entries" << std::endl;
  l.reset();
  expect_verifies();
}

// A full disk (issue 16): from the first write RocksDB refuses for want of space, the ledger
// itself refuses every write path — no append reaches the disk, so the RocksDB log writer that
// saw the failure (RocksDB 7.8 stops the process when it is written again) is never used — until
// resume() reopens the database once there is room. Reads go on meanwhile.
TEST_F(FaultInjection, AfterAFullDiskEveryWritePathIsRefusedWithoutReachingRocksDb) {
  auto l = open();
  ASSERT_TRUE(append(*l, 0, 10).is_ok());
  Result<ledger::SigningKey> key = ledger::SigningKey::generate();
  Result<ledger::SigningKey> next = ledger::SigningKey::generate();
  ASSERT_TRUE(key.is_ok() && next.is_ok());
  fs_->no_space = true;
  EXPECT_TRUE(ledger::is_storage_full(append(*l, 10, 10)));
  fs_->no_space = false;  // room again, but not resumed yet: still refused, by the ledger
  const uint64_t appends = fs_->appends;
  const auto refused = [](const Status& status) { return ledger::is_storage_full(status); };
  EXPECT_TRUE(refused(append(*l, 10, 10)));  // a node's batch (adjustments are entries too)
  l->stage_offset("claims.610000", 0, 7);
  l->stage_intake("M1", "claim");
  EXPECT_TRUE(refused(l->commit()));
  l->stage_outbox("settlement");
  l->stage_outbox_cursor(1);
  EXPECT_TRUE(refused(l->commit()));
  ASSERT_TRUE(l->stage_document("statement/x", "signed").is_ok());
  EXPECT_TRUE(refused(l->commit()));
  EXPECT_TRUE(refused(l->seal_through(base_.setl_time.date, *key).status()));
  EXPECT_TRUE(refused(l->rotate_seal_key(*key, *next).status()));
  EXPECT_EQ(fs_->appends, appends) << "a write reached RocksDB while the ledger refused writes";
  EXPECT_TRUE(l->storage_full());
  EXPECT_FALSE(l->has_staged());
  EXPECT_EQ(l->last_seq(), 10u);
  EXPECT_FALSE(l->last_sealed_day().has_value());
  EXPECT_EQ(l->outbox_seq(), 0u);
  EXPECT_EQ(*l->find_msgid("F3"), 4u);
  EXPECT_FALSE(l->find_document("statement/x")->has_value());
  // RocksDB's info log is written beside the database, never through its (failing) file system.
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/db/LOG"));
  EXPECT_FALSE(fs_->created("/LOG"));
  const Status resumed = l->resume();
  ASSERT_TRUE(resumed.is_ok()) << resumed.message();
  EXPECT_FALSE(l->storage_full());
  EXPECT_EQ(l->last_seq(), 10u);
  ASSERT_TRUE(append(*l, 10, 10).is_ok());
  ASSERT_TRUE(l->stage_document("statement/x", "signed").is_ok());
  ASSERT_TRUE(l->commit().is_ok());
  ASSERT_TRUE(l->seal_through(base_.setl_time.date, *key).is_ok());
  l.reset();
  l = open();
  EXPECT_EQ(l->last_seq(), 20u);
  EXPECT_EQ(l->seals()->size(), 1u);
  l.reset();
  expect_verifies();
}

// The disk full again at once after the reopen, when the memtable is empty: RocksDB's own
// Resume() would keep the failed log writer then (it switches logs only to flush a memtable) and
// stop the process at the next write; the ledger reopens each time.
TEST_F(FaultInjection, AFullDiskAgainRightAfterTheReopenIsRefusedTheSameWay) {
  auto l = open();
  ASSERT_TRUE(append(*l, 0, 10).is_ok());
  for (int round = 0; round < 3; ++round) {
    fs_->no_space = true;
    EXPECT_TRUE(ledger::is_storage_full(append(*l, 10, 10))) << round;
    const Status still = l->resume();  // no room (the file system says 0 bytes free)
    EXPECT_TRUE(ledger::is_storage_full(still)) << still.message();
    fs_->no_space = false;
    const Status resumed = l->resume();
    ASSERT_TRUE(resumed.is_ok()) << round << ": " << resumed.message();
  }
  ASSERT_TRUE(append(*l, 10, 10).is_ok());
  EXPECT_EQ(l->last_seq(), 20u);
  l.reset();
  expect_verifies();
}

// A background flush that runs out of space stops RocksDB's background work: the ledger hears
// it (RocksDB's background error) and refuses writes as after a refused write, until reopened.
TEST_F(FaultInjection, AFlushThatFindsNoSpaceClosesTheLedgerToWritesLikeARefusedWrite) {
  auto l = open();
  ASSERT_TRUE(append(*l, 0, 10).is_ok());
  fs_->no_space = true;
  EXPECT_FALSE(l->db()->Flush(rocksdb::FlushOptions()).ok());
  fs_->no_space = false;
  EXPECT_TRUE(l->storage_full());
  const uint64_t appends = fs_->appends;
  const Status refused = append(*l, 10, 10);
  EXPECT_TRUE(ledger::is_storage_full(refused)) << refused.message();
  EXPECT_EQ(fs_->appends, appends);
  const Status resumed = l->resume();
  ASSERT_TRUE(resumed.is_ok()) << resumed.message();
  ASSERT_TRUE(append(*l, 10, 10).is_ok());
  l.reset();
  l = open();
  EXPECT_EQ(l->last_seq(), 20u);
  l.reset();
  expect_verifies();
}

// Snapshot views hold the database open: the reopen waits for them, and none is taken meanwhile.
TEST_F(FaultInjection, TheReopenWaitsForSnapshotViewsAndNoNewOneIsTakenMeanwhile) {
  auto l = open();
  ASSERT_TRUE(append(*l, 0, 10).is_ok());
  fs_->no_space = true;
  EXPECT_TRUE(ledger::is_storage_full(append(*l, 10, 10)));
  fs_->no_space = false;
  Result<std::unique_ptr<ledger::Ledger>> view = l->snapshot();  // taken while full: fine
  ASSERT_TRUE(view.is_ok());
  const Status waiting = l->resume();
  EXPECT_TRUE(ledger::is_storage_full(waiting)) << waiting.message();
  EXPECT_FALSE(l->snapshot().is_ok());
  EXPECT_EQ(*(*view)->find_msgid("F3"), 4u);
  view->reset();
  ASSERT_TRUE(l->resume().is_ok());
  EXPECT_TRUE(l->snapshot().is_ok());
  ASSERT_TRUE(append(*l, 10, 10).is_ok());
  EXPECT_EQ(l->last_seq(), 20u);
}

}  // namespace
}  // namespace medclear::testing
