// A RocksDB FileSystem wrapper for fault injection (after RocksDB's FaultInjectionTestFS and
// LevelDB's fault_injection_test): it can fail appends, syncs or reads of table files on demand
// (reads: a scan or a lookup over data no longer in the memtable), and it can "crash" —
// from then on nothing reaches the disk — after which drop_unsynced() cuts every file back to the
// size it had at its last sync, as a power loss would.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace medclear::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFs(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}
  static const char* kClassName() { return "MedclearFaultFs"; }
  const char* Name() const override { return kClassName(); }

  std::atomic<bool> fail_appends{false};
  std::atomic<bool> no_space{false};  // appends fail as on a full disk (ENOSPC: IOStatus::NoSpace)
  std::atomic<bool> fail_syncs{false};
  std::atomic<bool> crashed{false};
  std::atomic<bool> fail_reads{false};
  std::atomic<uint64_t> appends{0};  // appends asked of any file, failed ones included

  // Whether a writable file whose name ends with `suffix` was ever created through this file
  // system.
  bool created(const std::string& suffix) {
    std::lock_guard lock(mutex_);
    for (const std::string& name : created_) {
      if (name.ends_with(suffix)) return true;
    }
    return false;
  }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSRandomAccessFile> file;
    rocksdb::IOStatus status = target()->NewRandomAccessFile(name, options, &file, dbg);
    if (!status.ok()) return status;
    *result = std::make_unique<ReadFile>(std::move(file), this);
    return status;
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &file, dbg);
    if (!status.ok()) return status;
    {
      std::lock_guard lock(mutex_);
      files_[name] = {0, 0};
      created_.insert(name);
    }
    *result = std::make_unique<File>(std::move(file), this, name);
    return status;
  }

  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* free_bytes, rocksdb::IODebugContext* dbg) override {
    if (no_space) {
      *free_bytes = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, free_bytes, dbg);
  }

  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    if (crashed) return rocksdb::IOStatus::OK();
    {
      std::lock_guard lock(mutex_);
      files_.erase(name);
    }
    return target()->DeleteFile(name, options, dbg);
  }

  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    if (crashed) return rocksdb::IOStatus::OK();
    {
      std::lock_guard lock(mutex_);
      auto it = files_.find(from);
      if (it != files_.end()) {
        files_[to] = it->second;
        files_.erase(from);
      }
    }
    return target()->RenameFile(from, to, options, dbg);
  }

  // After the database is closed: every file written since its last sync loses the tail.
  void drop_unsynced() {
    std::lock_guard lock(mutex_);
    for (const auto& [name, sizes] : files_) {
      std::error_code error;
      if (std::filesystem::exists(name, error) && std::filesystem::file_size(name) > sizes.synced) {
        std::filesystem::resize_file(name, sizes.synced);
      }
    }
  }

 private:
  struct Sizes {
    uint64_t written = 0;
    uint64_t synced = 0;
  };

  class ReadFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
   public:
    ReadFile(std::unique_ptr<rocksdb::FSRandomAccessFile>&& file, FaultFs* fs)
        : FSRandomAccessFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) const override {
      if (fs_->fail_reads) return rocksdb::IOStatus::IOError("injected read failure");
      return target()->Read(offset, n, options, result, scratch, dbg);
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* requests, size_t count,
                                const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_reads) return rocksdb::IOStatus::IOError("injected read failure");
      return target()->MultiRead(requests, count, options, dbg);
    }

   private:
    FaultFs* fs_;
  };

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& file, FaultFs* fs, std::string name)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), name_(std::move(name)) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      ++fs_->appends;
      if (fs_->crashed) return rocksdb::IOStatus::OK();
      if (fs_->fail_appends) return rocksdb::IOStatus::IOError("injected append failure");
      if (fs_->no_space) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      rocksdb::IOStatus status = target()->Append(data, options, dbg);
      if (status.ok()) fs_->grow(name_, data.size());
      return status;
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo&,
                             rocksdb::IODebugContext* dbg) override {
      return Append(data, options, dbg);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_->crashed) return rocksdb::IOStatus::OK();
      return target()->Flush(options, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fs_->crashed) return rocksdb::IOStatus::OK();
      if (fs_->fail_syncs) return rocksdb::IOStatus::IOError("injected sync failure");
      rocksdb::IOStatus status = target()->Sync(options, dbg);
      if (status.ok()) fs_->synced(name_);
      return status;
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      return Sync(options, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                                rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::OK();  // a hint only: durability comes from Sync
    }

   private:
    FaultFs* fs_;
    std::string name_;
  };

  void grow(const std::string& name, uint64_t bytes) {
    std::lock_guard lock(mutex_);
    files_[name].written += bytes;
  }
  void synced(const std::string& name) {
    std::lock_guard lock(mutex_);
    files_[name].synced = files_[name].written;
  }

  std::mutex mutex_;
  std::map<std::string, Sizes> files_;
  std::set<std::string> created_;
};

}  // namespace medclear::testing
