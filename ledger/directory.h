// A ledger directory on disk: the RocksDB database in `db/` and the region's seal key pair
// (`seal-key.pem`, mode 0600, and `seal-key.pub.pem`). Development ledgers create their key on
// first use; production passes the key file from configuration.
//
//   DIR/db/               RocksDB: journal, indexes, balances, offsets, outbox, seals
//   DIR/seal-key.pem      Ed25519 private key (PEM, PKCS#8)
//   DIR/seal-key.pub.pem  Ed25519 public key (PEM, SubjectPublicKeyInfo) — give this to auditors
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ledger/ledger.h"

namespace medclear::ledger {

struct LedgerDirectory {
  std::string path;
  std::unique_ptr<Ledger> ledger;
  std::string private_key_path() const { return path + "/seal-key.pem"; }
  std::string public_key_path() const { return path + "/seal-key.pub.pem"; }
  // The seal key, created with its public half when the directory has none yet.
  Result<SigningKey> seal_key() const;
};

// Opens (creating when `create` is set) the ledger directory at `path`.
Result<LedgerDirectory> open_directory(const std::string& path, const LedgerOptions& options,
                                       bool create);

// Every region's ledger under `root` (ROOT/<region>/db), by region; an error when one cannot be
// opened or there is none.
struct LedgerSet {
  std::map<std::string, LedgerDirectory> directories;
  std::map<std::string, Ledger*> ledgers;  // the same, for the functions that take ledgers
};
Result<LedgerSet> open_ledger_set(const std::string& root);

}  // namespace medclear::ledger
