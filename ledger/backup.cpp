#include "ledger/backup.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "clearing/codec.h"
#include "ledger/keys.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"

namespace medclear::ledger {

namespace fs = std::filesystem;

namespace {

Status from_rocksdb(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::ok();
  return Status::error(what + ": " + status.ToString());
}

uint64_t tree_bytes(const fs::path& root) {
  uint64_t total = 0;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error)) total += it->file_size(error);
  }
  return total;
}

// A scratch directory beside `near` (same file system, so a rename can move it into place).
fs::path scratch_path(const fs::path& near, const std::string& what) {
  return near.parent_path() /
         ("." + near.filename().string() + "." + what + "-" + std::to_string(::getpid()));
}

// The database as a RocksDB secondary: no lock is taken, so the node may keep writing; it reads
// the writer's MANIFEST and write-ahead logs up to now (TryCatchUpWithPrimary).
Result<std::unique_ptr<rocksdb::DB>> open_secondary(const std::string& db_path,
                                                    const fs::path& scratch) {
  rocksdb::Options options;
  options.max_open_files = -1;  // keeps every table open: the writer may delete one meanwhile
  options.paranoid_checks = true;
  rocksdb::DB* db = nullptr;
  Status opened = from_rocksdb(rocksdb::DB::OpenAsSecondary(options, db_path, scratch, &db),
                               "open " + db_path + " as a secondary");
  if (!opened.is_ok()) return opened;
  std::unique_ptr<rocksdb::DB> owned(db);
  Status caught = from_rocksdb(owned->TryCatchUpWithPrimary(), "catch up with the writer");
  if (!caught.is_ok()) return caught;
  return owned;
}

// The journal seq in the head key (0 for an empty ledger).
Result<uint64_t> head_seq(rocksdb::DB& db) {
  std::string head;
  const rocksdb::Status read = db.Get(rocksdb::ReadOptions(), keys::prefix(keys::kHead), &head);
  if (read.IsNotFound()) return uint64_t{0};
  if (!read.ok()) return from_rocksdb(read, "read the head");
  clearing::ByteReader in(head);
  uint64_t seq = 0;
  if (!in.u64(seq)) return Status::corruption("head value too short");
  return seq;
}

// Opens the database restored at `db_path` as a ledger and verifies it like `ledger verify`.
Result<VerifyReport> verify_restored(const std::string& db_path) {
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(db_path, {});
  if (!ledger.is_ok()) return ledger.status();
  VerifyReport report = verify_ledger(**ledger, nullptr);
  if (!report.ok) return Status::corruption("the backup does not verify: " + report.problem);
  return report;
}

// Restores backup `id` into `scratch`/db and verifies it; `scratch` is left for the caller.
Result<VerifyReport> restore_and_verify(rocksdb::BackupEngineReadOnlyBase& engine, uint32_t id,
                                        const fs::path& scratch) {
  const Status checked =
      from_rocksdb(engine.VerifyBackup(id, true), "backup " + std::to_string(id) + " checksums");
  if (!checked.is_ok()) return checked;
  const std::string db_path = (scratch / "db").string();
  std::error_code error;
  fs::create_directories(scratch, error);  // RocksDB creates the last level only
  const Status restored = from_rocksdb(engine.RestoreDBFromBackup(id, db_path, db_path),
                                       "restore backup " + std::to_string(id));
  if (!restored.is_ok()) return restored;
  return verify_restored(db_path);
}

// Copies the regular files of `from` (not its subdirectories), keeping their permissions.
Result<std::vector<std::string>> copy_files(const fs::path& from, const fs::path& to) {
  std::vector<std::string> copied;
  std::error_code error;
  fs::create_directories(to, error);
  for (const auto& entry : fs::directory_iterator(from, error)) {
    if (!entry.is_regular_file()) continue;
    const fs::path target = to / entry.path().filename();
    fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, error);
    if (!error) fs::permissions(target, entry.status().permissions(), error);
    if (error) return Status::error("copy " + entry.path().string() + ": " + error.message());
    copied.push_back(entry.path().filename().string());
  }
  if (error) return Status::error(from.string() + ": " + error.message());
  return copied;
}

Result<std::unique_ptr<rocksdb::BackupEngine>> open_engine(const std::string& to) {
  rocksdb::BackupEngine* engine = nullptr;
  const Status opened =
      from_rocksdb(rocksdb::BackupEngine::Open(rocksdb::Env::Default(),
                                               rocksdb::BackupEngineOptions(to), &engine),
                   "open the backup directory " + to);
  if (!opened.is_ok()) return opened;
  return std::unique_ptr<rocksdb::BackupEngine>(engine);
}

// Backs up the secondary `db` as backup `*id`, then checks it holds at least the head the
// secondary saw (the live log is copied a moment later, so it may hold more: whole batches only).
Result<VerifyReport> backup_and_verify(rocksdb::BackupEngine& engine, rocksdb::DB& db,
                                       const fs::path& scratch, uint32_t* id) {
  Result<uint64_t> seen = head_seq(db);
  if (!seen.is_ok()) return seen.status();
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = false;  // a secondary cannot flush: its logs are copied
  const Status created =
      from_rocksdb(engine.CreateNewBackup(options, &db, id), "create the backup");
  if (!created.is_ok()) return created;
  Result<VerifyReport> report = restore_and_verify(engine, *id, scratch / "verify");
  if (report.is_ok() && report->entries < *seen) {
    return Status::corruption("the backup holds only " + std::to_string(report->entries) +
                              " entries, the ledger had " + std::to_string(*seen));
  }
  return report;
}

}  // namespace

Result<BackupReport> backup_directory(const std::string& dir, const std::string& to) {
  std::error_code error;
  if (!fs::exists(fs::path(dir) / "db", error)) return Status::error("no ledger at " + dir);
  fs::create_directories(to, error);
  if (error) return Status::error("cannot create " + to + ": " + error.message());
  const uint64_t before = tree_bytes(to);
  const fs::path scratch = scratch_path(fs::absolute(to), "backing-up");
  fs::remove_all(scratch, error);
  fs::create_directories(scratch / "secondary", error);
  Result<std::unique_ptr<rocksdb::BackupEngine>> engine = open_engine(to);
  if (!engine.is_ok()) return engine.status();
  Result<std::unique_ptr<rocksdb::DB>> db = open_secondary(dir + "/db", scratch / "secondary");
  if (!db.is_ok()) {
    fs::remove_all(scratch, error);
    return db.status();
  }
  BackupReport report;
  Result<VerifyReport> verified = backup_and_verify(**engine, **db, scratch, &report.id);
  Result<std::vector<std::string>> files = Status::error("not copied");
  if (verified.is_ok()) {
    files = copy_files(dir, fs::path(to) / "files" / std::to_string(report.id));
  }
  db->reset();
  fs::remove_all(scratch, error);
  if (!verified.is_ok() || !files.is_ok()) {
    if (report.id != 0) (*engine)->DeleteBackup(report.id);
    fs::remove_all(fs::path(to) / "files" / std::to_string(report.id), error);
    return verified.is_ok() ? files.status() : verified.status();
  }
  rocksdb::BackupInfo info;
  (*engine)->GetBackupInfo(report.id, &info);
  report.entries = verified->entries;
  report.seals = verified->seals;
  report.bytes = info.size;
  report.new_bytes = tree_bytes(to) - std::min(before, tree_bytes(to));
  report.files = std::move(*files);
  return report;
}

Result<std::vector<BackupListing>> list_backups(const std::string& from) {
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  const Status opened =
      from_rocksdb(rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(),
                                                       rocksdb::BackupEngineOptions(from), &engine),
                   "open the backup directory " + from);
  if (!opened.is_ok()) return opened;
  std::unique_ptr<rocksdb::BackupEngineReadOnly> owned(engine);
  std::vector<rocksdb::BackupInfo> infos;
  owned->GetBackupInfo(&infos);
  std::vector<BackupListing> out;
  for (const rocksdb::BackupInfo& info : infos) {
    out.push_back({info.backup_id, info.timestamp, info.size, 0});
  }
  return out;
}

namespace {

// Refuses a target that holds anything (unless forced) or whose database is open elsewhere.
Status check_restore_target(const fs::path& dir, bool force) {
  std::error_code error;
  if (!fs::exists(dir, error)) return Status::ok();
  if (fs::exists(dir / "db" / "LOCK", error)) {
    rocksdb::FileLock* lock = nullptr;
    rocksdb::Env* env = rocksdb::Env::Default();
    if (!env->LockFile((dir / "db" / "LOCK").string(), &lock).ok()) {
      return Status::error(dir.string() + " is open in another process: stop its node first");
    }
    env->UnlockFile(lock);
  }
  if (!fs::is_empty(dir, error) && !force) {
    return Status::error(dir.string() +
                         " is not empty: restore into an empty or missing "
                         "directory, or give --force (the old one is moved aside)");
  }
  return Status::ok();
}

// Puts the restored `scratch` where `dir` was, moving a non-empty `dir` aside.
Result<std::string> move_into_place(const fs::path& scratch, const fs::path& dir) {
  std::error_code error;
  std::string aside;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    aside = dir.string() + ".before-restore-" +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
    fs::rename(dir, aside, error);
  } else {
    fs::remove(dir, error);
  }
  if (!error) fs::rename(scratch, dir, error);
  if (error)
    return Status::error("move the restored ledger to " + dir.string() + ": " + error.message());
  return aside;
}

}  // namespace

Result<RestoreReport> restore_directory(const std::string& from, const std::string& dir,
                                        std::optional<uint32_t> id, bool force) {
  const fs::path target = fs::absolute(dir);
  if (Status ok = check_restore_target(target, force); !ok.is_ok()) return ok;
  Result<std::vector<BackupListing>> listed = list_backups(from);
  if (!listed.is_ok()) return listed.status();
  if (listed->empty()) return Status::error("no backup in " + from);
  RestoreReport report;
  report.id = id.value_or(listed->back().id);
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(), rocksdb::BackupEngineOptions(from),
                                      &raw);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  if (engine == nullptr) return Status::error("open the backup directory " + from);
  std::error_code error;
  const fs::path scratch = scratch_path(target, "restoring");
  fs::remove_all(scratch, error);
  fs::create_directories(scratch, error);
  Result<VerifyReport> verified = restore_and_verify(*engine, report.id, scratch);
  Result<std::vector<std::string>> files =
      verified.is_ok() ? copy_files(fs::path(from) / "files" / std::to_string(report.id), scratch)
                       : Result<std::vector<std::string>>(verified.status());
  Result<std::string> aside =
      files.is_ok() ? move_into_place(scratch, target) : Result<std::string>(files.status());
  if (!aside.is_ok()) {
    fs::remove_all(scratch, error);
    return aside.status();
  }
  report.entries = verified->entries;
  report.seals = verified->seals;
  report.moved_aside = *aside;
  return report;
}

}  // namespace medclear::ledger
