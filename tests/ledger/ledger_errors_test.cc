// The ledger's one error convention (issue 14): a failed read of the disk and a stored value that
// does not decode reach the caller as a Status — never an abort, never a scan cut short, never
// taken for "not there" — and each name and form the ledger keeps has one home: account names
// (ledger/accounts.h), outbox messages (ledger/outbox.h), the rule of being in effect
// (clearing::in_effect).
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "clearing/engine.h"
#include "ledger/accounts.h"
#include "ledger/adjust.h"
#include "ledger/keys.h"
#include "ledger/outbox.h"
#include "ledger/state.h"
#include "ledger/verify.h"
#include "tests/ledger/fault_fs.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::testing {
namespace {

namespace lg = medclear::ledger;
namespace accounts = medclear::ledger::accounts;

TEST(LedgerAccounts, NamesAreBuiltAndParsedBackInOnePlace) {
  EXPECT_EQ(accounts::fund("310200"), "fund:310200");
  EXPECT_EQ(accounts::payable("310000"), "payable:310000");
  EXPECT_EQ(accounts::receivable("610000"), "receivable:610000");
  EXPECT_EQ(accounts::hospital("H31010400001"), "hospital:H31010400001");
  EXPECT_EQ(accounts::between_regions(true, "310000"), accounts::payable("310000"));
  EXPECT_EQ(accounts::between_regions(false, "610000"), accounts::receivable("610000"));
  const std::string receivable = accounts::receivable("610000");
  const auto parsed = accounts::parse(receivable);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->kind, accounts::Kind::kReceivable);
  EXPECT_EQ(parsed->code, "610000");
  EXPECT_EQ(accounts::counterpart_of(accounts::payable("310000")), "310000");
  EXPECT_EQ(accounts::counterpart_of(accounts::fund("310200")), std::nullopt);
  EXPECT_EQ(accounts::counterpart_of(accounts::hospital("H1")), std::nullopt);
  EXPECT_FALSE(accounts::parse("payable:").has_value());  // no code
  EXPECT_FALSE(accounts::parse("cash:1").has_value());    // no such kind
}

TEST(LedgerAccounts, EveryLegOfEveryEntryParsesBack) {
  for (const clearing::SettlementRecord& record : scenario_records()) {
    for (const lg::Side side : {lg::Side::kInsured, lg::Side::kTreating}) {
      for (const lg::Leg& leg : lg::legs_for(record, side)) {
        EXPECT_TRUE(accounts::parse(leg.account).has_value()) << leg.account;
      }
    }
  }
}

TEST(LedgerOutbox, RoundTripsAnyMessage) {
  const std::string message("settle\0ment", 11);  // a message may hold NUL bytes
  const Result<lg::OutboxMessage> decoded =
      lg::decode_outbox(lg::encode_outbox("settlements.310000", "H1", message));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, (lg::OutboxMessage{"settlements.310000", "H1", message}));
}

TEST(LedgerOutbox, APayloadWithoutItsSeparatorsIsCorruption) {
  for (const std::string_view bad :
       {std::string_view("no separator"), std::string_view("topic\0key", 9)}) {
    const Result<lg::OutboxMessage> refused = lg::decode_outbox(bad);
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  }
}

// The one rule of being in effect, over a lookup that can fail.
TEST(InEffect, IsTheParityOfTheCompensationChainAndReturnsLookupFailures) {
  const std::map<std::string, std::string> compensated_by = {{"S", "C"}, {"C", "R"}};
  const clearing::CompensatorOf chain =
      [&](std::string_view setl_id) -> Result<std::optional<std::string>> {
    const auto it = compensated_by.find(std::string(setl_id));
    if (it == compensated_by.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  };
  EXPECT_TRUE(*clearing::in_effect("S", chain));   // cancelled, the cancel reversed
  EXPECT_FALSE(*clearing::in_effect("C", chain));  // the cancel is reversed
  EXPECT_TRUE(*clearing::in_effect("R", chain));
  const clearing::CompensatorOf failing =
      [](std::string_view) -> Result<std::optional<std::string>> {
    return Status::error("injected read failure");
  };
  EXPECT_EQ(clearing::in_effect("S", failing).status().message(), "injected read failure");
  const clearing::CompensatorOf cycle =
      [](std::string_view setl_id) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(setl_id);  // compensated by itself
  };
  EXPECT_EQ(clearing::in_effect("S", cycle).status().code(), StatusCode::kCorruption);
}

class LedgerErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_directory("ledger-errors");
    records_ = scenario_records();
    fs_ = std::make_shared<FaultFs>(rocksdb::FileSystem::Default());
    env_ = rocksdb::NewCompositeEnv(fs_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<lg::Ledger> open() {
    lg::LedgerOptions options;
    options.region = "310000";
    options.env = env_.get();
    Result<std::unique_ptr<lg::Ledger>> opened = lg::Ledger::open(root_ + "/db", options);
    EXPECT_TRUE(opened.is_ok()) << opened.status().message();
    return opened.is_ok() ? std::move(*opened) : nullptr;
  }

  // The treating ledger (310000) of every scenario record, with an intake, a document and a
  // seal, flushed into table files and opened again: every read then goes to the disk.
  std::unique_ptr<lg::Ledger> written_and_reopened() {
    {
      std::unique_ptr<lg::Ledger> l = open();
      for (const clearing::SettlementRecord& record : records_) {
        EXPECT_TRUE(l->stage(record, lg::Side::kTreating).is_ok());
      }
      l->stage_intake("M1", "claim");
      EXPECT_TRUE(l->stage_document("statement/x", "content").is_ok());
      EXPECT_TRUE(l->commit().is_ok());
      Result<lg::SigningKey> key = lg::SigningKey::generate();
      EXPECT_TRUE(l->seal_through(records_.back().setl_time.date, *key).is_ok());
      // RocksDB reads the last 512 KiB of a table file when it opens it and serves later reads
      // from there: a megabyte that does not compress, under a key after every key space, keeps
      // the ledger's own data before that tail, so its reads reach the (failing) disk.
      std::mt19937_64 random(14);
      std::string padding(1 << 20, '\0');
      for (char& c : padding) c = static_cast<char>(random());
      EXPECT_TRUE(l->db()->Put(rocksdb::WriteOptions(), "~padding", padding).ok());
      // Opening reads the blocks of the head (H) and meta (V) into the cache: incompressible
      // values right beside them (under keys no scan reads) keep the other key spaces out of
      // those blocks, whatever their sizes (format 3 added X and F beside them).
      for (const char* beside : {"G~pad", "H~pad", "U~pad", "V~pad"}) {
        EXPECT_TRUE(l->db()->Put(rocksdb::WriteOptions(), beside, padding.substr(0, 16384)).ok());
      }
      EXPECT_TRUE(l->db()->Flush(rocksdb::FlushOptions()).ok());
    }
    return open();
  }

  // Writes `value` under `key` behind the ledger's back, as a damaged disk or a bad tool would.
  static void damage(lg::Ledger& l, const std::string& key, const std::string& value) {
    ASSERT_TRUE(l.db()->Put(rocksdb::WriteOptions(), key, value).ok());
  }

  static std::string seq_value(uint64_t seq) {
    clearing::ByteWriter out;
    out.u64(seq);
    return std::move(out.bytes());
  }

  std::string root_;
  std::vector<clearing::SettlementRecord> records_;
  std::shared_ptr<FaultFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

TEST_F(LedgerErrors, EveryScanReturnsAReadErrorInsteadOfATruncatedResult) {
  std::unique_ptr<lg::Ledger> l = written_and_reopened();
  ASSERT_TRUE(l);
  fs_->fail_reads = true;
  // Opening read the head (H) and meta (V): the blocks around them are cached and read no more,
  // so the balances (B) and seals (D) of this small ledger cannot be made to fail here; their
  // scans check the iterator's status as these do (ledger.cpp).
  EXPECT_FALSE(l->intakes().is_ok());
  EXPECT_FALSE(l->documents("").is_ok());
  EXPECT_FALSE(l->entries_of_days(std::nullopt, records_.back().setl_time.date).is_ok());
  EXPECT_FALSE(l->prefix_leaves(l->last_seq()).is_ok());
  fs_->fail_reads = false;
  EXPECT_FALSE(l->balances()->empty());
  EXPECT_EQ(l->intakes()->size(), 1u);
  EXPECT_EQ(l->documents("")->size(), 1u);
  EXPECT_EQ(l->seals()->size(), 1u);
}

TEST_F(LedgerErrors, APointReadThatFailsIsAStatusNotAnAbort) {
  std::unique_ptr<lg::Ledger> l = written_and_reopened();
  ASSERT_TRUE(l);
  fs_->fail_reads = true;
  EXPECT_FALSE(l->find_msgid(records_[0].msgid).is_ok());
  EXPECT_FALSE(l->stage(records_[0], lg::Side::kTreating).is_ok());
  lg::LedgerState state(*l);
  EXPECT_EQ(state.by_msgid(records_[0].msgid), nullptr);
  EXPECT_FALSE(state.read_failure().is_ok());
  EXPECT_FALSE(state.apply(records_[0]).is_ok());  // nothing decided on a failed read is staged
  fs_->fail_reads = false;
  EXPECT_EQ(*l->find_msgid(records_[0].msgid), 1u);
}

TEST_F(LedgerErrors, ACorruptIndexValueIsCorruption) {
  std::unique_ptr<lg::Ledger> l = written_and_reopened();
  ASSERT_TRUE(l);
  const clearing::SettlementRecord& first = records_[0];
  damage(*l, lg::keys::text(lg::keys::kByMsgid, first.msgid), "xx");
  damage(*l, lg::keys::text(lg::keys::kBySetlId, first.setl_id), "xx");
  damage(*l, lg::keys::text(lg::keys::kBalance, accounts::hospital(first.fixmedins_code)), "x");
  EXPECT_EQ(l->find_msgid(first.msgid).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(l->find_setl_id(first.setl_id).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(l->stage(first, lg::Side::kTreating).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(l->balances().status().code(), StatusCode::kCorruption);
  EXPECT_EQ(l->find_balance(accounts::hospital(first.fixmedins_code)).status().code(),
            StatusCode::kCorruption);
  damage(*l, lg::keys::offset("claims.310000", 0), "short");
  EXPECT_EQ(l->offset("claims.310000", 0).status().code(), StatusCode::kCorruption);
  damage(*l, lg::keys::prefix(lg::keys::kOutboxCursor), "short");
  EXPECT_EQ(l->outbox_cursor().status().code(), StatusCode::kCorruption);
  lg::LedgerState state(*l);
  EXPECT_EQ(state.by_setl_id(first.setl_id), nullptr);
  EXPECT_EQ(state.read_failure().code(), StatusCode::kCorruption);
}

// A full disk (issue 16) is not a failure: the batch is refused whole (kUnavailable, "storage
// full"), nothing of it is written or kept staged, the ledger goes on, and once there is space
// again the ledger reopens its database and the same batch is written — once.
TEST_F(LedgerErrors, AFullDiskRefusesTheWholeBatchAndTheLedgerWritesAgainOnceThereIsSpace) {
  std::unique_ptr<lg::Ledger> l = open();
  ASSERT_TRUE(l);
  ASSERT_TRUE(l->stage(records_[0], lg::Side::kTreating).is_ok());
  ASSERT_TRUE(l->commit().is_ok());
  const uint64_t head = l->last_seq();
  const lg::Digest head_hash = l->head_hash();
  fs_->no_space = true;
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second the ledger refuses itself
    ASSERT_TRUE(l->stage(records_[1], lg::Side::kTreating).is_ok());
    l->stage_intake("M2", "claim");
    const Status refused = l->commit();
    EXPECT_TRUE(lg::is_storage_full(refused)) << refused.message();
    EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
    EXPECT_TRUE(l->storage_full());
    EXPECT_FALSE(l->has_staged());
    EXPECT_EQ(l->last_seq(), head);
    EXPECT_EQ(l->head_hash(), head_hash);
    EXPECT_FALSE(l->find_msgid(records_[1].msgid)->has_value());
  }
  EXPECT_TRUE(lg::is_storage_full(l->resume()));
  EXPECT_TRUE(l->intakes()->empty());
  fs_->no_space = false;
  // The ledger reopens RocksDB itself (RocksDB's own recovery would wait for 64 MiB free).
  const Status resumed = l->resume();
  ASSERT_TRUE(resumed.is_ok()) << resumed.message();
  EXPECT_FALSE(l->storage_full());
  ASSERT_TRUE(l->stage(records_[1], lg::Side::kTreating).is_ok());
  l->stage_intake("M2", "claim");
  ASSERT_TRUE(l->commit().is_ok());
  EXPECT_EQ(l->last_seq(), head + 1);
  l.reset();
  l = open();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->last_seq(), head + 1);
  EXPECT_EQ(*l->find_msgid(records_[1].msgid), head + 1);
  EXPECT_EQ(l->intakes()->size(), 1u);
  const lg::VerifyReport report = lg::verify_ledger(*l, nullptr);
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_F(LedgerErrors, AnUnknownHashAlgorithmInTheMetaIsCorruption) {
  {
    std::unique_ptr<lg::Ledger> l = open();
    ASSERT_TRUE(l);
    clearing::ByteWriter meta;
    meta.raw("ML");
    meta.u8(lg::kEntryFormatVersion);
    meta.u8(3);  // neither SHA-256 (1) nor SM3 (2)
    meta.str("310000");
    damage(*l, lg::keys::prefix(lg::keys::kMeta), meta.bytes());
  }
  lg::LedgerOptions options;
  options.env = env_.get();
  const Result<std::unique_ptr<lg::Ledger>> refused = lg::Ledger::open(root_ + "/db", options);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
}

TEST_F(LedgerErrors, EntryDayIsReadAtTheFormatsOffset) {
  std::unique_ptr<lg::Ledger> l = written_and_reopened();
  ASSERT_TRUE(l);
  for (uint64_t seq = 1; seq <= l->last_seq(); ++seq) {
    const Result<std::string> bytes = l->entry_bytes(seq);
    ASSERT_TRUE(bytes.is_ok());
    EXPECT_EQ(*lg::entry_day(*bytes), l->entry(seq)->entry.day) << seq;
  }
  EXPECT_EQ(lg::entry_day(std::string(lg::kEntryDayOffset + 3, '\0')).status().code(),
            StatusCode::kCorruption);
}

// Scenario on the treating ledger: record 4 is cancelled by record 7, which record 8 reverses;
// record 0 is reversed by record 9.
TEST_F(LedgerErrors, BookingInEffectFollowsTheOneRuleAndReturnsReadErrors) {
  std::unique_ptr<lg::Ledger> l = written_and_reopened();
  ASSERT_TRUE(l);
  ASSERT_EQ(records_.size(), 10u);
  auto booked = [&](size_t i) { return lg::booking_in_effect(*l, records_[i].setl_id); };
  EXPECT_TRUE(booked(1)->has_value());
  EXPECT_FALSE(booked(0)->has_value());  // reversed
  EXPECT_TRUE(booked(4)->has_value());   // cancelled, then the cancel reversed
  EXPECT_FALSE(booked(7)->has_value());  // the reversed cancel
  EXPECT_FALSE(lg::booking_in_effect(*l, "no such settlement")->has_value());
  // A damaged compensation index is reported, not taken for "never compensated".
  damage(*l, lg::keys::text(lg::keys::kCompensation, records_[1].setl_id), "xx");
  EXPECT_EQ(booked(1).status().code(), StatusCode::kCorruption);
  // A chain that comes back to itself is reported, not cut off after some depth.
  damage(*l, lg::keys::text(lg::keys::kCompensation, records_[2].setl_id), seq_value(3));
  EXPECT_EQ(booked(2).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace medclear::testing
