#include "ledger/directory.h"

#include <filesystem>

namespace medclear::ledger {

Result<SigningKey> LedgerDirectory::seal_key() const {
  if (std::filesystem::exists(private_key_path())) {
    return SigningKey::load_private_pem(private_key_path());
  }
  Result<SigningKey> key = SigningKey::generate();
  if (!key.is_ok()) return key.status();
  if (Status saved = key->save_private_pem(private_key_path()); !saved.is_ok()) return saved;
  if (Status saved = key->save_public_pem(public_key_path()); !saved.is_ok()) return saved;
  return key;
}

Result<LedgerDirectory> open_directory(const std::string& path, const LedgerOptions& options,
                                       bool create) {
  std::error_code error;
  if (!std::filesystem::exists(path + "/db", error)) {
    if (!create) return Status::error("no ledger at " + path + " (expected " + path + "/db)");
    std::filesystem::create_directories(path, error);
    if (error) return Status::error("cannot create " + path + ": " + error.message());
  }
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(path + "/db", options);
  if (!ledger.is_ok()) return ledger.status();
  LedgerDirectory directory;
  directory.path = path;
  directory.ledger = std::move(*ledger);
  return directory;
}

Result<LedgerSet> open_ledger_set(const std::string& root) {
  LedgerSet set;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    if (!entry.is_directory() || !std::filesystem::exists(entry.path() / "db")) continue;
    Result<LedgerDirectory> directory = open_directory(entry.path().string(), {}, false);
    if (!directory.is_ok()) return directory.status();
    const std::string region = directory->ledger->region();
    set.ledgers[region] = directory->ledger.get();
    set.directories[region] = std::move(*directory);
  }
  if (error) return Status::error(root + ": " + error.message());
  if (set.ledgers.empty()) return Status::error("no ledgers in " + root);
  return set;
}

}  // namespace medclear::ledger
