#include "ledger/ledger.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "clearing/codec.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/recon_items.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

// A write refused for want of space: RocksDB's NoSpace (ENOSPC from the file system), its
// SpaceLimit (an SstFileManager's cap), or ENOSPC surfacing as a plain IOError.
bool is_no_space(const rocksdb::Status& status) {
  return status.IsNoSpace() || status.subcode() == rocksdb::Status::SubCode::kSpaceLimit ||
         (status.IsIOError() &&
          status.ToString().find("No space left on device") != std::string::npos);
}

Status from_rocksdb(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::ok();
  if (status.IsCorruption()) return Status::corruption(what + ": " + status.ToString());
  if (is_no_space(status))
    return Status::unavailable(kStorageFullPrefix + what + ": " + status.ToString());
  return Status::error(what + ": " + status.ToString());
}

std::string encode_meta(const std::string& region, HashAlgorithm algorithm) {
  ByteWriter out;
  out.raw("ML");
  out.u8(kLedgerFormatVersion);
  out.u8(static_cast<uint8_t>(algorithm));
  out.str(region);
  return std::move(out.bytes());
}

std::string encode_u64(uint64_t value) {
  ByteWriter out;
  out.u64(value);
  return std::move(out.bytes());
}

Result<uint64_t> decode_u64(std::string_view bytes) {
  ByteReader in(bytes);
  uint64_t value = 0;
  if (!in.u64(value) || in.remaining() != 0) return Status::corruption("corrupt counter");
  return value;
}

// RocksDB's info log, in the LOG file beside the database as RocksDB keeps it, but written with
// plain write(2) whose failures are ignored: RocksDB 7.8's own (EnvLogger) goes through a
// WritableFileWriter that, once one write failed on a full disk, stops the process at its next
// line (an assertion, Debian's build keeps them). A line lost on a full disk is only a line.
class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(const std::string& db_path) : Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {
    const std::string path = db_path + "/LOG";
    struct stat kept {};
    if (::stat(path.c_str(), &kept) == 0 && kept.st_size > kRotateBytes) {
      ::rename(path.c_str(), (path + ".old").c_str());  // one older file kept, as a bound
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  ~InfoLog() override {
    if (fd_ >= 0) ::close(fd_);
  }
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    char line[4096];
    const time_t now = ::time(nullptr);
    struct tm local {};
    ::localtime_r(&now, &local);
    size_t used = std::strftime(line, sizeof line, "%Y/%m/%d-%H:%M:%S ", &local);
    const int n = std::vsnprintf(line + used, sizeof line - used - 1, format, ap);
    if (n < 0) return;
    used = std::min(sizeof line - 2, used + static_cast<size_t>(n));
    if (line[used - 1] != '\n') line[used++] = '\n';
    [[maybe_unused]] const ssize_t written = ::write(fd_, line, used);  // one append per line
  }

 private:
  static constexpr off_t kRotateBytes = 16 << 20;
  int fd_ = -1;
};

}  // namespace

// The database's listener. RocksDB's own recovery from a full disk waits until the free space
// reaches its write buffer size (64 MiB here) and resumes in place (a flush, the same log writer
// when the memtable is empty); the ledger recovers by itself instead (Ledger::resume(), which the
// node calls each second: a reopen). A background flush or compaction that ran out of space
// stops RocksDB's background work: heard here, it closes the ledger's gate like a refused write.
class StorageWatch final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error == nullptr || !is_no_space(*error)) return;
    std::lock_guard lock(mutex_);
    if (!raised_.exchange(true)) why_ = error->ToString();
  }
  bool raised() const { return raised_.load(); }
  std::string why() const {
    std::lock_guard lock(mutex_);
    return why_;
  }

 private:
  std::atomic<bool> raised_{false};
  mutable std::mutex mutex_;
  std::string why_;
};

namespace {

// The options of every open of a ledger's database (a new listener each time).
rocksdb::Options database_options(const std::string& path, const LedgerOptions& options,
                                  const std::shared_ptr<StorageWatch>& watch) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.paranoid_checks = true;
  // Every stage looks up msgid and setl_id that are almost always absent: bloom filters in the
  // memtable and the tables answer those misses without searching.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db_options.memtable_whole_key_filtering = true;
  db_options.memtable_prefix_bloom_size_ratio = 0.1;
  db_options.write_buffer_size = 64 << 20;
  db_options.listeners.push_back(watch);
  std::error_code ignored;
  std::filesystem::create_directories(path, ignored);  // for the LOG before RocksDB creates it
  db_options.info_log = std::make_shared<InfoLog>(path);
  if (options.env != nullptr) db_options.env = options.env;
  return db_options;
}

}  // namespace

Result<cl::Date> entry_day(std::string_view entry_bytes) {
  if (entry_bytes.size() < kEntryDayOffset + kEntryDaySize) {
    return Status::corruption("corrupt entry: too short");
  }
  ByteReader in(entry_bytes.substr(kEntryDayOffset, kEntryDaySize));
  int32_t days = 0;
  if (!in.i32(days)) return Status::corruption("corrupt entry");
  return cl::Date::from_days(days);
}

std::string encode_i64(int64_t value) {
  ByteWriter out;
  out.i64(value);
  return std::move(out.bytes());
}

Result<int64_t> decode_i64(std::string_view bytes) {
  ByteReader in(bytes);
  int64_t value = 0;
  if (!in.i64(value) || in.remaining() != 0) return Status::corruption("corrupt amount");
  return value;
}

std::string encode_accumulators(const cl::Accumulators& a) {
  ByteWriter out;
  for (cl::Money m : a.values()) out.i64(m.fen());  // FORMAT.md key space A
  return std::move(out.bytes());
}

Result<cl::Accumulators> decode_accumulators(std::string_view bytes) {
  ByteReader in(bytes);
  cl::Accumulators a;
  for (cl::Money* m : a.fields()) {
    int64_t fen = 0;
    if (!in.i64(fen) || fen < -cl::Money::kMaxFen || fen > cl::Money::kMaxFen) {
      return Status::corruption("corrupt accumulators");
    }
    *m = cl::Money::from_fen(fen);
  }
  if (in.remaining() != 0) return Status::corruption("corrupt accumulators");
  return a;
}

Ledger::Ledger(const std::string& path, const LedgerOptions& options)
    : options_(options), path_(path) {}

Ledger::~Ledger() {
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
}

rocksdb::ReadOptions Ledger::read_options() const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  return read;
}

Result<std::unique_ptr<Ledger>> Ledger::snapshot() const {
  if (!pending_.empty()) return Status::error("a snapshot is taken with nothing staged");
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (reopening_) {
    return Status::unavailable(std::string(kStorageFullPrefix) +
                               "the ledger is being reopened after a full disk; ask again");
  }
  std::unique_ptr<Ledger> view(new Ledger(path_, options_));
  view->db_ = db_;
  view->snapshot_ = db_->GetSnapshot();
  view->region_ = region_;
  view->algorithm_ = algorithm_;
  view->last_seq_ = last_seq_;
  view->head_hash_ = head_hash_;
  view->last_sealed_day_ = last_sealed_day_;
  view->outbox_seq_ = outbox_seq_;
  view->first_unsealed_seq_ = first_unsealed_seq_;
  view->failed_ = true;  // commit and seal refuse: a view never writes
  return view;
}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& path,
                                             const LedgerOptions& options) {
  std::unique_ptr<Ledger> ledger(new Ledger(path, options));
  if (Status opened = ledger->open_db(false); !opened.is_ok()) return opened;
  const Status loaded = ledger->load();
  if (!loaded.is_ok()) return loaded;
  return ledger;
}

// Opens the database at path_ (read-only: only to go on reading after a reopen found no room).
Status Ledger::open_db(bool read_only) {
  watch_ = std::make_shared<StorageWatch>();
  const rocksdb::Options db_options = database_options(path_, options_, watch_);
  rocksdb::DB* db = nullptr;
  const rocksdb::Status opened = read_only ? rocksdb::DB::OpenForReadOnly(db_options, path_, &db)
                                           : rocksdb::DB::Open(db_options, path_, &db);
  if (!opened.ok()) return from_rocksdb(opened, "open " + path_);
  db_.reset(db);  // closed when the ledger and its last snapshot view are gone
  return Status::ok();
}

Status Ledger::load() {
  std::string meta;
  rocksdb::Status read = db_->Get(rocksdb::ReadOptions(), keys::prefix(keys::kMeta), &meta);
  if (read.IsNotFound()) {
    if (!cl::is_division_code(options_.region) || options_.region.substr(2) != "0000") {
      return Status::error("a new ledger needs its region as a province code PP0000");
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    region_ = options_.region;
    algorithm_ = options_.algorithm;
    return from_rocksdb(db_->Put(sync, keys::prefix(keys::kMeta), encode_meta(region_, algorithm_)),
                        "create");
  }
  if (!read.ok()) return from_rocksdb(read, "read meta");
  ByteReader in(meta);
  std::string_view magic;
  uint8_t version = 0, algorithm = 0;
  ByteReader peek(meta);
  const auto known = [](uint8_t v) {
    return v == kLedgerFormatVersion || v == kMigratedFormatVersion || v == kRotatedFormatVersion;
  };
  if (peek.raw(2, magic) && magic == "ML" && peek.u8(version) && !known(version)) {
    return Status::error("ledger format version " + std::to_string(version) +
                         " is not read by this build, which reads versions 2, " +
                         std::to_string(kLedgerFormatVersion) + " and 4" +
                         " (version 2 keeps the per-year deductible per inpatient/outpatient "
                         "branch; there is no migration from version 1, see ledger/FORMAT.md)");
  }
  if (!in.raw(2, magic) || magic != "ML" || !in.u8(version) || !known(version) ||
      !in.u8(algorithm) || !hash_algorithm_of_byte(algorithm) || !in.str(region_)) {
    return Status::corruption("not a medclear ledger (format " + std::to_string(version) + ")");
  }
  algorithm_ = *hash_algorithm_of_byte(algorithm);
  if (!options_.region.empty() && options_.region != region_) {
    return Status::error("ledger belongs to region " + region_ + ", not " + options_.region);
  }
  std::string head;
  read = db_->Get(rocksdb::ReadOptions(), keys::prefix(keys::kHead), &head);
  if (read.IsNotFound()) {  // no entry yet
    return version == kMigratedFormatVersion ? migrate_from_2() : Status::ok();
  }  // (nothing to index either: the first stage writes the W marker)
  if (!read.ok()) return from_rocksdb(read, "read head");
  ByteReader h(head);
  std::string_view hash;
  uint8_t sealed = 0;
  int32_t sealed_day = 0;
  if (!h.u64(last_seq_) || !h.raw(32, hash) || !h.u8(sealed) || !h.i32(sealed_day) ||
      !h.u64(outbox_seq_) || !h.u64(first_unsealed_seq_) || h.remaining() != 0) {
    return Status::corruption("corrupt ledger head");
  }
  if (sealed > 1 || (sealed == 0 && sealed_day != 0)) {
    return Status::corruption("corrupt ledger head");
  }
  std::copy(hash.begin(), hash.end(), head_hash_.begin());
  if (sealed != 0) last_sealed_day_ = cl::Date::from_days(sealed_day);
  remember_head();
  if (version == kMigratedFormatVersion) {
    if (Status migrated = migrate_from_2(); !migrated.is_ok()) return migrated;
  }
  return index_hospital_days();
}

// The W keys (a hospital's day) of the entries after the W marker — all of them in a ledger
// written before the index existed, or those a build without it appended since — in synced
// batches of 100,000 keys, each moving the marker: a crash leaves a marker that resumes here.
Status Ledger::index_hospital_days() {
  std::string kept;
  uint64_t indexed = 0;
  const rocksdb::Status got =
      db_->Get(rocksdb::ReadOptions(), keys::prefix(keys::kHospitalDay), &kept);
  if (got.ok()) {
    Result<uint64_t> marker = decode_u64(kept);
    if (!marker.is_ok()) return Status::corruption("corrupt hospital day marker (W)");
    indexed = *marker;
  } else if (!got.IsNotFound()) {
    return from_rocksdb(got, "read the hospital day marker");
  }
  if (indexed > last_seq_) return Status::corruption("the W marker names an entry past the head");
  if (indexed == last_seq_) return Status::ok();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  const std::string prefix = keys::prefix(keys::kJournal);
  for (it->Seek(keys::journal(indexed + 1)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    Result<DecodedEntry> decoded = decode_entry(it->value().ToStringView());
    if (!decoded.is_ok()) return decoded.status();
    if (auto key = hospital_day_key(decoded->entry)) {
      MC_CHECK(batch.Put(*key, "").ok(), "batch put");
    }
    if (batch.Count() >= 100000) {
      MC_CHECK(batch.Put(keys::prefix(keys::kHospitalDay), encode_u64(decoded->entry.seq)).ok(),
               "batch put");
      if (Status s = from_rocksdb(db_->Write(write, &batch), "index"); !s.is_ok()) return s;
      batch.Clear();
    }
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "index: journal scan");
  MC_CHECK(batch.Put(keys::prefix(keys::kHospitalDay), encode_u64(last_seq_)).ok(), "batch put");
  return from_rocksdb(db_->Write(write, &batch), "index");
}

// Version 2 had neither X nor F keys: writes every entry's X key, in synced batches, then the
// last seal's frontier and the version-3 meta. A crash before the meta leaves a version-2 ledger
// that migrates again (the same keys); a "version-2" ledger holding an F key is not one.
Status Ledger::migrate_from_2() {
  std::string kept;
  if (db_->Get(rocksdb::ReadOptions(), keys::prefix(keys::kFrontier), &kept).ok()) {
    return Status::corruption("a version-2 ledger holds a version-3 key (F)");
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix = keys::prefix(keys::kJournal);
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Result<DecodedEntry> decoded = decode_entry(it->value().ToStringView());
    if (!decoded.is_ok()) return decoded.status();
    if (auto item = recon_item_key(decoded->entry)) {
      MC_CHECK(batch.Put(item->first, item->second).ok(), "batch put");
    }
    if (batch.Count() >= 100000) {
      if (Status s = from_rocksdb(db_->Write(write, &batch), "migrate"); !s.is_ok()) return s;
      batch.Clear();
    }
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "migrate: journal scan");
  if (last_sealed_day_) {
    Result<std::vector<Seal>> all = seals();
    if (!all.is_ok()) return all.status();
    if (all->empty()) return Status::corruption("the head names a seal that is missing");
    Result<MerkleFrontier> frontier = frontier_through(all->back().ledger_size);
    if (!frontier.is_ok()) return frontier.status();
    if (frontier->root() != all->back().ledger_root) {
      return Status::corruption("the last seal's ledger root does not match the journal");
    }
    MC_CHECK(batch.Put(keys::prefix(keys::kFrontier), frontier->encode()).ok(), "put");
  }
  MC_CHECK(batch.Put(keys::prefix(keys::kMeta), encode_meta(region_, algorithm_)).ok(), "put");
  return from_rocksdb(db_->Write(write, &batch), "migrate");
}

Result<std::optional<std::string>> Ledger::read(const std::string& key) const {
  const auto staged = pending_.find(key);
  if (staged != pending_.end()) return staged->second;  // nullopt: staged for removal
  std::string value;
  const rocksdb::Status status = db_->Get(read_options(), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return from_rocksdb(status, "ledger read");
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<uint64_t>> Ledger::read_seq(const std::string& key) const {
  Result<std::optional<std::string>> value = read(key);
  if (!value.is_ok()) return value.status();
  if (!value->has_value()) return std::optional<uint64_t>();
  Result<uint64_t> seq = decode_u64(**value);
  if (!seq.is_ok())
    return Status::corruption("index value in key space " + key.substr(0, 1) + ": " +
                              seq.status().message());
  return std::optional<uint64_t>(*seq);
}

Result<std::optional<int64_t>> Ledger::read_i64(const std::string& key) const {
  Result<std::optional<std::string>> value = read(key);
  if (!value.is_ok()) return value.status();
  if (!value->has_value()) return std::optional<int64_t>();
  Result<int64_t> number = decode_i64(**value);
  if (!number.is_ok())
    return Status::corruption("value in key space " + key.substr(0, 1) + ": " +
                              number.status().message());
  return std::optional<int64_t>(*number);
}

// Staged values are kept per key and written once at commit: a batch of a thousand settlements
// updates a balance or the head a thousand times but writes it once.
void Ledger::put(const std::string& key, std::string value) { pending_[key] = std::move(value); }

void Ledger::put_head() {
  ByteWriter out;
  out.u64(last_seq_);
  out.raw(std::string_view(reinterpret_cast<const char*>(head_hash_.data()), 32));
  out.u8(last_sealed_day_ ? 1 : 0);
  out.i32(last_sealed_day_ ? last_sealed_day_->days() : 0);
  out.u64(outbox_seq_);
  out.u64(first_unsealed_seq_);
  put(keys::prefix(keys::kHead), std::move(out.bytes()));
}

Result<std::optional<uint64_t>> Ledger::find_setl_id(std::string_view setl_id) const {
  return read_seq(keys::text(keys::kBySetlId, setl_id));
}

Result<std::optional<uint64_t>> Ledger::find_msgid(std::string_view msgid) const {
  return read_seq(keys::text(keys::kByMsgid, msgid));
}

std::optional<uint64_t> Ledger::seq_by_setl_id(std::string_view setl_id) const {
  Result<std::optional<uint64_t>> seq = find_setl_id(setl_id);
  MC_CHECK(seq.is_ok(), seq.status().message().c_str());
  return *seq;
}

std::optional<uint64_t> Ledger::seq_by_msgid(std::string_view msgid) const {
  Result<std::optional<uint64_t>> seq = find_msgid(msgid);
  MC_CHECK(seq.is_ok(), seq.status().message().c_str());
  return *seq;
}

Result<std::optional<uint64_t>> Ledger::compensation_of(std::string_view setl_id) const {
  return read_seq(keys::text(keys::kCompensation, setl_id));
}

Result<std::string> Ledger::entry_bytes(uint64_t seq) const {
  Result<std::optional<std::string>> value = read(keys::journal(seq));
  if (!value.is_ok()) return value.status();
  if (!value->has_value()) return Status::not_found("no entry " + std::to_string(seq));
  return std::move(**value);
}

Result<DecodedEntry> Ledger::entry(uint64_t seq) const {
  Result<std::string> bytes = entry_bytes(seq);
  if (!bytes.is_ok()) return bytes.status();
  return decode_entry(*bytes);
}

Result<cl::Accumulators> Ledger::accumulators(std::string_view psn_no, std::string_view insutype,
                                              int year) const {
  Result<std::optional<std::string>> value = read(keys::accumulator(psn_no, insutype, year));
  if (!value.is_ok()) return value.status();
  return value->has_value() ? decode_accumulators(**value) : cl::Accumulators{};
}

Result<cl::Money> Ledger::account_used(std::string_view psn_no) const {
  Result<std::optional<int64_t>> fen = read_i64(keys::text(keys::kAccount, psn_no));
  if (!fen.is_ok()) return fen.status();
  return cl::Money::from_fen(fen->value_or(0));
}

Result<cl::Money> Ledger::find_balance(std::string_view account) const {
  Result<std::optional<int64_t>> fen = read_i64(keys::text(keys::kBalance, account));
  if (!fen.is_ok()) return fen.status();
  return cl::Money::from_fen(fen->value_or(0));
}

cl::Money Ledger::balance(std::string_view account) const {
  Result<cl::Money> amount = find_balance(account);
  MC_CHECK(amount.is_ok(), amount.status().message().c_str());
  return *amount;
}

Result<std::map<std::string, cl::Money>> Ledger::balances() const {
  std::map<std::string, cl::Money> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string prefix = keys::prefix(keys::kBalance);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Result<int64_t> fen = decode_i64(it->value().ToStringView());
    if (!fen.is_ok()) return Status::corruption("balance: " + fen.status().message());
    out[it->key().ToString().substr(1)] = cl::Money::from_fen(*fen);
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "balances scan");
  return out;
}

Result<uint64_t> Ledger::region_count(std::string_view insuplc_admdvs) const {
  Result<std::optional<uint64_t>> count = read_seq(keys::text(keys::kRegionCount, insuplc_admdvs));
  if (!count.is_ok()) return count.status();
  return count->value_or(0);
}

Result<std::optional<int64_t>> Ledger::offset(std::string_view topic, int32_t partition) const {
  return read_i64(keys::offset(topic, partition));
}

Result<uint64_t> Ledger::outbox_cursor() const {
  Result<std::optional<uint64_t>> cursor = read_seq(keys::prefix(keys::kOutboxCursor));
  if (!cursor.is_ok()) return cursor.status();
  return cursor->value_or(0);
}

Result<std::vector<std::pair<uint64_t, std::string>>> Ledger::outbox_after(uint64_t seq,
                                                                           size_t max) const {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (uint64_t next = seq + 1; next <= outbox_seq_ && out.size() < max; ++next) {
    Result<std::optional<std::string>> message = read(keys::outbox(next));
    if (!message.is_ok()) return message.status();
    if (message->has_value()) out.emplace_back(next, std::move(**message));
  }
  return out;
}

// What is already kept under the record's msgid or setl_id: kAppended when nothing is (so the
// record may be staged), kAlreadyPresent for the very same record, an error for other content.
Result<Ledger::Staged> Ledger::find_existing(const cl::SettlementRecord& record, Side side) const {
  Result<std::optional<uint64_t>> by_msgid = find_msgid(record.msgid);
  if (!by_msgid.is_ok()) return by_msgid.status();
  if (const std::optional<uint64_t> existing = *by_msgid) {
    Result<DecodedEntry> stored = entry(*existing);
    if (!stored.is_ok()) return stored.status();
    const cl::SettlementRecord& r = stored->entry.record;
    if (r.setl_id == record.setl_id && r.fingerprint == record.fingerprint &&
        r.kind == record.kind && stored->entry.side == side) {
      return Staged::kAlreadyPresent;
    }
    return Status::conflict("msgid " + record.msgid + " already holds entry " +
                            std::to_string(*existing) + " with different content");
  }
  Result<std::optional<uint64_t>> by_setl_id = find_setl_id(record.setl_id);
  if (!by_setl_id.is_ok()) return by_setl_id.status();
  if (const std::optional<uint64_t> existing = *by_setl_id) {
    return Status::conflict("setl_id " + record.setl_id + " already holds entry " +
                            std::to_string(*existing));
  }
  return Staged::kAppended;
}

// Stages what an entry changes besides the journal: balances, and on the insured side the
// accumulators, the personal account and the region's record count. Every value is read before
// anything is staged, so a failed read leaves nothing of the entry behind.
Status Ledger::stage_derived(const cl::SettlementRecord& record, const std::vector<Leg>& legs,
                             Side side) {
  std::map<std::string, cl::Money> moved;  // by account: one leg's account may repeat
  for (const Leg& leg : legs) {
    moved[leg.account] += leg.direction == Direction::kDebit ? leg.amount : -leg.amount;
  }
  std::vector<std::pair<std::string, std::string>> writes;
  for (const auto& [account, amount] : moved) {
    Result<cl::Money> before = find_balance(account);
    if (!before.is_ok()) return before.status();
    writes.emplace_back(keys::text(keys::kBalance, account), encode_i64((*before + amount).fen()));
  }
  if (side == Side::kInsured) {
    Result<cl::Accumulators> year = accumulators(record.psn_no, record.insutype, record.year);
    Result<cl::Money> used = account_used(record.psn_no);
    Result<uint64_t> count = region_count(record.insuplc_admdvs);
    for (const Status* status : {&year.status(), &used.status(), &count.status()}) {
      if (!status->is_ok()) return *status;
    }
    writes.emplace_back(keys::accumulator(record.psn_no, record.insutype, record.year),
                        encode_accumulators(*year + record.delta.year));
    if (!record.delta.account_used.is_zero()) {
      writes.emplace_back(keys::text(keys::kAccount, record.psn_no),
                          encode_i64((*used + record.delta.account_used).fen()));
    }
    writes.emplace_back(keys::text(keys::kRegionCount, record.insuplc_admdvs),
                        encode_u64(*count + 1));
  }
  for (auto& [key, value] : writes) put(key, std::move(value));
  return Status::ok();
}

Result<Ledger::Staged> Ledger::stage(const cl::SettlementRecord& record, Side side) {
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (record.setl_id.find('\0') != std::string::npos ||
      record.compensates.find('\0') != std::string::npos) {
    return Status::invalid("a settlement id holds a NUL byte");  // X keys end an id with one
  }
  if (record.fixmedins_code.find('\0') != std::string::npos) {
    return Status::invalid("a fixmedins_code holds a NUL byte");  // so do W keys a code
  }
  Result<Staged> existing = find_existing(record, side);
  if (!existing.is_ok() || *existing == Staged::kAlreadyPresent) return existing;
  Entry e;
  e.seq = last_seq_ + 1;
  e.day = record.setl_time.date;
  if (last_sealed_day_ && e.day <= *last_sealed_day_) {  // late: into the first open day
    e.day = cl::Date::from_days(last_sealed_day_->days() + 1);
  }
  e.side = side;
  e.prev_hash = head_hash_;
  e.record = record;
  e.legs = legs_for(record, side);
  MC_CHECK(imbalance(e.legs).is_zero(), "unbalanced entry");
  if (Status derived = stage_derived(record, e.legs, side); !derived.is_ok()) return derived;
  batch_imbalance_ += imbalance(e.legs);
  Digest hash{};
  put(keys::journal(e.seq), encode_entry(e, algorithm_, &hash));
  const std::string seq = encode_u64(e.seq);
  put(keys::text(keys::kBySetlId, record.setl_id), seq);
  put(keys::text(keys::kByMsgid, record.msgid), seq);
  if (!record.compensates.empty()) put(keys::text(keys::kCompensation, record.compensates), seq);
  if (auto item = recon_item_key(e)) put(item->first, std::move(item->second));
  if (auto key = hospital_day_key(e)) put(*key, std::string());
  put(keys::prefix(keys::kHospitalDay), seq);  // the W index is complete through this entry
  last_seq_ = e.seq;
  head_hash_ = hash;
  put_head();
  return Staged::kAppended;
}

void Ledger::stage_offset(std::string_view topic, int32_t partition, int64_t next_offset) {
  put(keys::offset(topic, partition), encode_i64(next_offset));
}

uint64_t Ledger::stage_outbox(std::string_view message) {
  put(keys::outbox(++outbox_seq_), std::string(message));
  put_head();
  return outbox_seq_;
}

void Ledger::stage_intake(std::string_view msgid, std::string_view message) {
  put(keys::text(keys::kIntake, msgid), std::string(message));
}

void Ledger::stage_intake_done(std::string_view msgid) {
  pending_[keys::text(keys::kIntake, msgid)] = std::nullopt;
}

Result<std::vector<std::pair<std::string, std::string>>> Ledger::intakes() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string prefix = keys::prefix(keys::kIntake);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "intake scan");
  return out;
}

Status Ledger::stage_document(std::string_view name, std::string_view content) {
  if (name.empty()) return Status::error("a document needs a name");
  const std::string key = keys::text(keys::kDocument, name);
  Result<std::optional<std::string>> kept = read(key);
  if (!kept.is_ok()) return kept.status();
  if (const std::optional<std::string>& stored = *kept) {
    if (*stored == content) return Status::ok();
    return Status::error("document " + std::string(name) + " already holds other content");
  }
  put(key, std::string(content));
  return Status::ok();
}

Result<std::optional<std::string>> Ledger::find_document(std::string_view name) const {
  return read(keys::text(keys::kDocument, name));
}

std::optional<std::string> Ledger::document(std::string_view name) const {
  Result<std::optional<std::string>> content = find_document(name);
  MC_CHECK(content.is_ok(), content.status().message().c_str());
  return *content;
}

Result<std::vector<std::pair<std::string, std::string>>> Ledger::documents(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string start = keys::text(keys::kDocument, prefix);
  for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
    out.emplace_back(it->key().ToString().substr(1), it->value().ToString());
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "document scan");
  return out;
}

void Ledger::stage_outbox_cursor(uint64_t relayed_through) {
  put(keys::prefix(keys::kOutboxCursor), encode_u64(relayed_through));
}

Status Ledger::commit() {
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (pending_.empty()) return Status::ok();
  // Σ debits = Σ credits over the whole batch, checked before it is written.
  MC_CHECK(batch_imbalance_.is_zero(), "unbalanced batch");
  if (Status gate = storage_gate(); !gate.is_ok()) {
    discard_staged();
    return gate;
  }
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : pending_) {
    MC_CHECK(value ? batch.Put(key, *value).ok() : batch.Delete(key).ok(), "batch put");
  }
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  const Status written = from_rocksdb(db_->Write(write, &batch), "commit");
  if (is_storage_full(written)) {
    // RocksDB applies a batch whose log write failed to nothing in its memtable; its log writer
    // is then unusable (RocksDB 7.8 stops the process if it is written again), so no write
    // reaches RocksDB until resume() reopened it. The batch is dropped, the head goes back to
    // the last commit. (A log record written whole before the failure — a failed sync — is
    // found by the reopening, which reads the head from disk.)
    storage_full_ = true;
    discard_staged();
    return written;
  }
  if (!written.is_ok()) {
    failed_ = true;  // the in-memory head may be ahead of the disk: only a reopen is safe
    return written;
  }
  pending_.clear();
  remember_head();
  return Status::ok();
}

bool Ledger::storage_full() const { return storage_full_ || (watch_ && watch_->raised()); }

// Closed from the first write RocksDB refused for want of space, or RocksDB's report of a
// background flush or compaction that found none, until resume() reopened the database.
Status Ledger::storage_gate() {
  if (!storage_full_ && watch_->raised()) storage_full_ = true;
  if (!storage_full_) return Status::ok();
  const std::string why = watch_->raised() ? ": " + watch_->why() : "";
  return Status::unavailable(std::string(kStorageFullPrefix) +
                             "writes refused until the ledger is reopened with space free" + why);
}

Status Ledger::resume() {
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (!storage_full()) return Status::ok();
  storage_full_ = true;
  if (!pending_.empty()) return Status::error("resume with writes staged");
  // Reopening replays the log into a memtable and flushes it to a table file, then starts a
  // new log: it is tried only once the disk has room for them.
  uint64_t memtables = 0, free_bytes = 0;
  if (!db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &memtables)) memtables = 64 << 20;
  const uint64_t needed = 2 * memtables + (4 << 20);
  if (db_->GetEnv()->GetFreeSpace(path_, &free_bytes).ok() && free_bytes < needed) {
    return Status::unavailable(std::string(kStorageFullPrefix) +
                               "resume: " + std::to_string(free_bytes) + " bytes free, " +
                               std::to_string(needed) + " needed");
  }
  if (const long views = db_.use_count() - 1; views > 0) {
    reopening_ = true;  // no new view until it is done
    return Status::unavailable(std::string(kStorageFullPrefix) + "resume: waiting for " +
                               std::to_string(views) + " snapshot view(s) to end");
  }
  return reopen();
}

// Closes the database — RocksDB drops its log writer that saw the failure without writing it
// again — opens it again and reads the head from disk, as open() does. If the open finds no room
// after all, the database is opened read-only so that reads go on, and the gate stays closed.
Status Ledger::reopen() {
  db_->Close().PermitUncheckedError();  // "not flushed as writer has previous error": expected
  db_.reset();
  reopening_ = false;
  Status opened = open_db(false);
  if (!opened.is_ok()) {
    if (Status readable = open_db(true); !readable.is_ok()) {
      failed_ = true;  // no database: the writer's thread must stop using this ledger
      return Status::error(opened.message() + "; read-only: " + readable.message());
    }
    storage_full_ = true;
    if (!is_storage_full(opened)) failed_ = true;
    return opened;
  }
  last_seq_ = 0;
  head_hash_ = Digest{};
  last_sealed_day_.reset();
  outbox_seq_ = 0;
  first_unsealed_seq_ = 1;
  if (Status loaded = load(); !loaded.is_ok()) {
    failed_ = true;
    return loaded;
  }
  remember_head();
  storage_full_ = false;
  return Status::ok();
}

void Ledger::remember_head() {
  committed_ = {last_seq_, head_hash_, last_sealed_day_, outbox_seq_, first_unsealed_seq_};
}

void Ledger::discard_staged() {
  pending_.clear();
  batch_imbalance_ = cl::Money{};
  last_seq_ = committed_.last_seq;
  head_hash_ = committed_.head_hash;
  last_sealed_day_ = committed_.last_sealed_day;
  outbox_seq_ = committed_.outbox_seq;
  first_unsealed_seq_ = committed_.first_unsealed_seq;
}

Result<std::vector<uint64_t>> Ledger::entries_of_days(std::optional<cl::Date> after,
                                                      cl::Date through, uint64_t from_seq) const {
  std::vector<uint64_t> seqs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string prefix = keys::prefix(keys::kJournal);
  for (it->Seek(keys::journal(from_seq)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    const Result<cl::Date> day = entry_day(it->value().ToStringView());
    if (!day.is_ok()) return day.status();
    if ((!after || *after < *day) && *day <= through) {
      seqs.push_back(get_big_endian(it->key().ToStringView().substr(1), 8));
    }
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "journal scan");
  return seqs;
}

Result<std::vector<Digest>> Ledger::leaves(const std::vector<uint64_t>& seqs) const {
  std::vector<Digest> out;
  out.reserve(seqs.size());
  for (uint64_t seq : seqs) {
    Result<std::string> bytes = entry_bytes(seq);
    if (!bytes.is_ok()) return bytes.status();
    out.push_back(merkle_leaf(algorithm_, *bytes));
  }
  return out;
}

Result<std::vector<Digest>> Ledger::prefix_leaves(uint64_t size) const {
  std::vector<Digest> out;
  out.reserve(size);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  uint64_t expected = 1;
  for (it->Seek(keys::journal(1)); it->Valid() && expected <= size; it->Next(), ++expected) {
    if (it->key() != keys::journal(expected)) {
      return Status::error("journal gap at entry " + std::to_string(expected));
    }
    out.push_back(merkle_leaf(algorithm_, it->value().ToStringView()));
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "journal scan");
  if (out.size() != size) return Status::error("journal shorter than " + std::to_string(size));
  return out;
}

Result<MerkleFrontier> Ledger::frontier_through(uint64_t size) const {
  Result<std::optional<std::string>> kept = read(keys::prefix(keys::kFrontier));
  if (!kept.is_ok()) return kept.status();
  MerkleFrontier frontier(algorithm_);  // none kept (no seal yet, or a migrated ledger): from 1
  if (kept->has_value()) {
    Result<MerkleFrontier> decoded = MerkleFrontier::decode(algorithm_, **kept);
    if (!decoded.is_ok()) return decoded.status();
    if (decoded->size() > size) return Status::corruption("Merkle frontier beyond the journal");
    frontier = std::move(*decoded);
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  uint64_t expected = frontier.size() + 1;
  for (it->Seek(keys::journal(expected)); it->Valid() && expected <= size; it->Next(), ++expected) {
    if (it->key() != keys::journal(expected)) {
      return Status::error("journal gap at entry " + std::to_string(expected));
    }
    frontier.append(merkle_leaf(algorithm_, it->value().ToStringView()));
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "journal scan");
  if (frontier.size() != size) return Status::error("journal shorter than " + std::to_string(size));
  return frontier;
}

Result<std::vector<Seal>> Ledger::seals() const {
  std::vector<Seal> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options()));
  const std::string prefix = keys::prefix(keys::kSeal);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Result<Seal> seal = decode_seal(it->value().ToStringView());
    if (!seal.is_ok()) return seal.status();
    out.push_back(std::move(*seal));
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "seal scan");
  return out;
}

Result<Seal> Ledger::seal_through(cl::Date day, const SigningKey& key) {
  if (failed_) return Status::error("ledger failed earlier; reopen it");
  if (!pending_.empty()) return Status::error("commit staged entries before sealing");
  if (last_sealed_day_ && day <= *last_sealed_day_) {
    return Status::error(day.to_string() + " is already sealed (through " +
                         last_sealed_day_->to_string() + ")");
  }
  Result<std::vector<uint64_t>> seqs = entries_of_days(last_sealed_day_, day, first_unsealed_seq_);
  if (!seqs.is_ok()) return seqs.status();
  Result<std::vector<Digest>> day_leaves = leaves(*seqs);
  if (!day_leaves.is_ok()) return day_leaves.status();
  Result<MerkleFrontier> frontier = frontier_through(last_seq_);
  if (!frontier.is_ok()) return frontier.status();
  Seal seal;
  seal.day = day;
  seal.algorithm = algorithm_;
  seal.day_count = seqs->size();
  seal.day_root = merkle_root(algorithm_, *day_leaves);
  seal.ledger_size = last_seq_;
  seal.ledger_root = frontier->root();
  if (last_sealed_day_) {
    Result<std::optional<std::string>> previous =
        read(keys::day(keys::kSeal, last_sealed_day_->days()));
    if (!previous.is_ok()) return previous.status();
    if (!previous->has_value()) return Status::corruption("the previous seal is missing");
    Result<Seal> decoded = decode_seal(**previous);
    if (!decoded.is_ok()) return decoded.status();
    seal.prev_seal_hash = decoded->hash();
  }
  // After a rotation (key G) only the new key seals: a node still holding the retired one stops
  // here rather than write a seal that no longer verifies.
  Result<SealKeyChain> chain = key_chain();
  if (!chain.is_ok()) return chain.status();
  if (chain->current() && *chain->current() != key.public_key_raw()) {
    return Status::error("the seal key " + key_fingerprint(key.public_key_raw()) +
                         " is not the ledger's (" + key_fingerprint(*chain->current()) +
                         "; was it rotated? see ledger rotate-key)");
  }
  const Status signed_ok = sign_seal(seal, key);
  if (!signed_ok.is_ok()) return signed_ok;
  put(keys::day(keys::kSeal, day.days()), encode_seal(seal));
  put(keys::prefix(keys::kFrontier), frontier->encode());
  last_sealed_day_ = day;
  // Entries staged before this seal may belong to later days: the next seal scans from the
  // first of them.
  Result<std::vector<uint64_t>> later =
      entries_of_days(day, cl::Date::from_days(INT32_MAX), first_unsealed_seq_);
  if (!later.is_ok()) return later.status();
  first_unsealed_seq_ = later->empty() ? last_seq_ + 1 : later->front();
  put_head();
  const Status committed = commit();
  if (!committed.is_ok()) return committed;
  return seal;
}

}  // namespace medclear::ledger
