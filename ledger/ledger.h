// A region's ledger: the append-only double-entry journal on RocksDB, with its indexes (setl_id,
// msgid, compensations, business day), balances, accumulators, consumed Kafka offsets and an
// outbox. Every change of one group commit goes into ONE RocksDB write batch, so a crash leaves
// all of a batch or none of it; a staged entry counts as written only after commit() returned ok.
//
// Single writer: one thread stages and commits. Reads see staged (not yet durable) writes, so
// the next decision can build on the previous one inside a batch. If a commit fails, the ledger
// refuses all further work: what was staged may or may not be on disk, and only reopening (which
// reads what is durable) tells. A full disk is the exception (StatusCode::kUnavailable): the
// batch is dropped, and from the first write RocksDB refused for want of space (or a background
// flush or compaction that ran out of it) the ledger refuses every commit itself, without
// calling RocksDB's writer again, until resume() finds space and reopens the database (a fresh
// log writer; the head read from disk as open() reads it). There is no update and no delete of
// an entry.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "clearing/settlement.h"
#include "clearing/status.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/rotation.h"
#include "ledger/seal.h"

namespace rocksdb {
class DB;
class Env;
class Snapshot;
struct ReadOptions;
}  // namespace rocksdb

namespace medclear::ledger {

class StorageWatch;  // ledger.cpp: hears RocksDB's background errors

// A write refused because the ledger's disk is full: kUnavailable (asking again later may
// succeed), its message starting with kStorageFullPrefix. Nothing of it is kept staged (a write
// RocksDB refused half-way may still be found on disk by the reopening: the head is then read
// from there).
inline constexpr char kStorageFullPrefix[] = "storage full: ";
inline bool is_storage_full(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().starts_with(kStorageFullPrefix);
}

struct LedgerOptions {
  std::string region;  // "PP0000": required to create a ledger, checked when reopening one
  HashAlgorithm algorithm = HashAlgorithm::kSha256;  // fixed when the ledger is created
  bool sync = true;             // fsync each commit (off only for benchmarks of the unsynced path)
  rocksdb::Env* env = nullptr;  // tests inject faults here
};

class Ledger {
 public:
  static Result<std::unique_ptr<Ledger>> open(const std::string& path,
                                              const LedgerOptions& options);
  ~Ledger();

  // A read-only view of what is durable now (a RocksDB snapshot), for long reads — audit scans,
  // reconciliation items, balances, proofs — on another thread while this ledger goes on
  // writing. Take it on the writer's thread with nothing staged. It keeps the database open
  // while it lives (so destroy it before the directory is opened again); it refuses writes.
  Result<std::unique_ptr<Ledger>> snapshot() const;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  enum class Staged { kAppended, kAlreadyPresent };
  // Stages one settlement, cancel or reversal as seen from `side`. Appending what is already
  // there (same msgid, setl_id, fingerprint, kind and side) returns kAlreadyPresent and changes
  // nothing; the same msgid or setl_id with other content is an error.
  Result<Staged> stage(const clearing::SettlementRecord& record, Side side);
  void stage_offset(std::string_view topic, int32_t partition, int64_t next_offset);
  uint64_t stage_outbox(std::string_view message);  // returns the outbox sequence
  void stage_outbox_cursor(uint64_t relayed_through);
  // The treating side's intake: each claim it sent, kept until its settlement comes back
  // (the end-to-end acknowledgement), then removed. Operational, not part of the journal.
  void stage_intake(std::string_view msgid, std::string_view message);
  void stage_intake_done(std::string_view msgid);
  Result<std::vector<std::pair<std::string, std::string>>> intakes() const;  // durable only
  // Documents kept beside the journal under a name, written once and never changed: the
  // clearing records of monthly clearings ("clearing/YYYY-MM") and the statements they and the
  // nightly reconciliation produce. Staging a name that already holds other content is an error;
  // the same content again changes nothing.
  Status stage_document(std::string_view name, std::string_view content);
  Result<std::optional<std::string>> find_document(std::string_view name) const;
  // find_document for callers that cannot report a failure yet: a failed read stops the process.
  std::optional<std::string> document(std::string_view name) const;
  Result<std::vector<std::pair<std::string, std::string>>> documents(
      std::string_view prefix) const;  // durable only
  // Writes everything staged in one synced batch. kUnavailable — the only failure of a write
  // with that code, its message starting with kStorageFullPrefix — the disk is full: nothing
  // was written (or see is_storage_full) and everything staged is dropped (as by
  // discard_staged()); from then on every commit (seals and key rotations commit too) is refused
  // the same way without reaching RocksDB, until resume() succeeds. Any other failure leaves the
  // ledger failed.
  Status commit();
  // After a full disk: once the ledger's filesystem has room for what reopening writes (the
  // memtables flushed, a new log), closes the database and opens it again — RocksDB's writers
  // that saw the failure are dropped unflushed — and reads the head from disk. ok at once when
  // the disk was not full; kUnavailable while it still is, or while snapshot views taken earlier
  // are alive (they hold the database open; snapshot() refuses new ones meanwhile); another
  // failure leaves the ledger failed. Call it on the writer's thread, nothing staged.
  Status resume();
  bool storage_full() const;  // refusing writes: a commit found the disk full
  // Drops everything staged since the last commit, as if it had never been staged (a writer
  // whose input turned out wrong halfway: nothing of it may ride along with the next batch).
  void discard_staged();
  bool has_staged() const { return !pending_.empty(); }

  // Reads, staged writes included. A read of the disk that fails is a Status; a stored value
  // that does not decode is Status::corruption — never an abort.
  const std::string& region() const { return region_; }
  HashAlgorithm algorithm() const { return algorithm_; }
  uint64_t last_seq() const { return last_seq_; }
  const Digest& head_hash() const { return head_hash_; }
  std::optional<clearing::Date> last_sealed_day() const { return last_sealed_day_; }
  uint64_t first_unsealed_seq() const { return first_unsealed_seq_; }
  uint64_t outbox_seq() const { return outbox_seq_; }  // the last outbox message staged
  // The journal seq of a setl_id or msgid, nullopt when there is none.
  Result<std::optional<uint64_t>> find_setl_id(std::string_view setl_id) const;
  Result<std::optional<uint64_t>> find_msgid(std::string_view msgid) const;
  // The same for callers that cannot report a failure yet (tools, tests): a failed read or a
  // corrupt index stops the process. New code uses find_setl_id / find_msgid.
  std::optional<uint64_t> seq_by_setl_id(std::string_view setl_id) const;
  std::optional<uint64_t> seq_by_msgid(std::string_view msgid) const;
  // The seq of the entry that last compensated `setl_id`, nullopt when none did.
  Result<std::optional<uint64_t>> compensation_of(std::string_view setl_id) const;
  Result<std::string> entry_bytes(uint64_t seq) const;
  Result<DecodedEntry> entry(uint64_t seq) const;
  Result<clearing::Accumulators> accumulators(std::string_view psn_no, std::string_view insutype,
                                              int year) const;
  Result<clearing::Money> account_used(std::string_view psn_no) const;
  Result<clearing::Money> find_balance(std::string_view account) const;
  // find_balance for callers that cannot report a failure yet: a failure stops the process.
  clearing::Money balance(std::string_view account) const;
  Result<std::map<std::string, clearing::Money>> balances() const;  // durable state only
  Result<uint64_t> region_count(std::string_view insuplc_admdvs) const;
  Result<std::optional<int64_t>> offset(std::string_view topic, int32_t partition) const;
  Result<uint64_t> outbox_cursor() const;
  Result<std::vector<std::pair<uint64_t, std::string>>> outbox_after(uint64_t seq,
                                                                     size_t max) const;

  // Seals every unsealed business day up to and including `day`: one Merkle root over their
  // entries, chained to the previous seal and signed. Nothing may be staged.
  Result<Seal> seal_through(clearing::Date day, const SigningKey& key);
  Result<std::vector<Seal>> seals() const;
  // Seal key rotation (FORMAT.md): records that the seals after the last one are signed by
  // `next`, endorsed by `current` (the key the ledger's seals are signed with now) and signed by
  // `next`. The first rotation raises the meta's format version to 4. Nothing may be staged.
  Result<KeyRotation> rotate_seal_key(const SigningKey& current, const SigningKey& next);
  Result<std::vector<KeyRotation>> rotations() const;
  // The seals' signers walked with the rotations (a problem in them is corruption).
  Result<SealKeyChain> key_chain() const;
  // Journal seqs from `from_seq` on whose business day lies in (after, through], in order.
  Result<std::vector<uint64_t>> entries_of_days(std::optional<clearing::Date> after,
                                                clearing::Date through,
                                                uint64_t from_seq = 1) const;
  // Merkle leaf hashes of the given entries, and of the journal prefix 1..size.
  Result<std::vector<Digest>> leaves(const std::vector<uint64_t>& seqs) const;
  Result<std::vector<Digest>> prefix_leaves(uint64_t size) const;
  // The Merkle frontier of the journal prefix 1..size: the last seal's (key F) extended by the
  // entries written since, so a seal hashes its own entries, not the journal again.
  Result<MerkleFrontier> frontier_through(uint64_t size) const;

  rocksdb::DB* db() const { return db_.get(); }  // reads for verification; tests inject faults
  // Options for every read of this ledger's database: at its snapshot, for a snapshot view.
  rocksdb::ReadOptions read_options() const;

 private:
  Ledger(const std::string& path, const LedgerOptions& options);
  Status open_db(bool read_only);
  Status load();
  Status storage_gate();
  Status reopen();
  Status migrate_from_2();
  Status index_hospital_days();
  static constexpr uint8_t kMigratedFormatVersion = 2;  // opened and migrated to the current one
  // Version 3 plus key rotation records (G): written by the first rotate_seal_key, so that a
  // build that does not check rotations refuses the ledger rather than seal with a retired key.
  static constexpr uint8_t kRotatedFormatVersion = 4;
  // The value of `key`, staged writes first; nullopt when absent or staged for removal.
  Result<std::optional<std::string>> read(const std::string& key) const;
  Result<std::optional<uint64_t>> read_seq(const std::string& key) const;
  Result<std::optional<int64_t>> read_i64(const std::string& key) const;
  void put(const std::string& key, std::string value);
  Result<Staged> find_existing(const clearing::SettlementRecord& record, Side side) const;
  Status stage_derived(const clearing::SettlementRecord& record, const std::vector<Leg>& legs,
                       Side side);
  void put_head();

  LedgerOptions options_;
  std::string path_;
  std::shared_ptr<StorageWatch> watch_;          // the database's listener (a new one per open)
  std::shared_ptr<rocksdb::DB> db_;              // shared with the snapshot views taken of it
  const rocksdb::Snapshot* snapshot_ = nullptr;  // a snapshot view's point in time
  // What commit() will write; nullopt removes the key (only operational keys are ever removed).
  std::unordered_map<std::string, std::optional<std::string>> pending_;
  std::string region_;
  HashAlgorithm algorithm_ = HashAlgorithm::kSha256;
  uint64_t last_seq_ = 0;
  Digest head_hash_{};
  std::optional<clearing::Date> last_sealed_day_;
  uint64_t outbox_seq_ = 0;
  uint64_t first_unsealed_seq_ = 1;  // no entry before it belongs to an unsealed day
  // The in-memory head as of the last commit (or open): what discard_staged() goes back to.
  struct Head {
    uint64_t last_seq = 0;
    Digest head_hash{};
    std::optional<clearing::Date> last_sealed_day;
    uint64_t outbox_seq = 0;
    uint64_t first_unsealed_seq = 1;
  };
  Head committed_;
  void remember_head();
  clearing::Money batch_imbalance_;
  bool failed_ = false;
  // Writes are refused from the first that found the disk full until resume() reopened the
  // database; `reopening_`: resume waits for snapshot views to end, snapshot() refuses new ones.
  bool storage_full_ = false;
  bool reopening_ = false;
};

// The business day of an encoded entry, read without decoding the rest.
Result<clearing::Date> entry_day(std::string_view entry_bytes);

// Encoding of the small values (FORMAT.md).
std::string encode_accumulators(const clearing::Accumulators& accumulators);
Result<clearing::Accumulators> decode_accumulators(std::string_view bytes);
std::string encode_i64(int64_t value);
Result<int64_t> decode_i64(std::string_view bytes);

}  // namespace medclear::ledger
