// Backups of a ledger directory through RocksDB's BackupEngine (FORMAT.md, "Backups"): taken
// while the region's node runs (the backup opens the database as a RocksDB secondary, which needs
// no lock and catches up with the running writer), several kept in one backup directory and
// incremental (a table file already backed up is not copied again). Every backup is restored into
// a scratch directory and verified like the ledger (`verify_ledger`) before it counts; a restore
// verifies again and never overwrites a ledger without `force`.
//
//   B/meta/, B/shared_checksum/, B/private/   RocksDB's backup engine (the database)
//   B/files/<id>/                              the ledger directory's own files (seal keys)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "clearing/status.h"

namespace medclear::ledger {

struct BackupReport {
  uint32_t id = 0;
  uint64_t entries = 0;  // journal entries in the backup (its head)
  uint64_t seals = 0;
  uint64_t bytes = 0;              // the backup's size (its files, shared ones included)
  uint64_t new_bytes = 0;          // what this backup added to the backup directory
  std::vector<std::string> files;  // the directory's own files copied beside it (seal keys)
};

// Backs up the ledger directory `dir` (DIR/db and the regular files beside it) into `to`,
// creating it when missing. The node may be running on `dir`.
Result<BackupReport> backup_directory(const std::string& dir, const std::string& to);

struct BackupListing {
  uint32_t id = 0;
  int64_t timestamp = 0;  // Unix seconds
  uint64_t bytes = 0;
  uint64_t entries = 0;
};
Result<std::vector<BackupListing>> list_backups(const std::string& from);

struct RestoreReport {
  uint32_t id = 0;
  uint64_t entries = 0;
  uint64_t seals = 0;
  std::string moved_aside;  // where a replaced ledger directory went (with force), else empty
};

// Restores backup `id` (the latest when nullopt) of `from` into the ledger directory `dir`.
// Refuses a backup that does not verify, a non-empty `dir` unless `force` (then the old directory
// is moved aside, not deleted), and a `dir` whose database another process has open.
Result<RestoreReport> restore_directory(const std::string& from, const std::string& dir,
                                        std::optional<uint32_t> id, bool force);

}  // namespace medclear::ledger
