// Verification of a whole ledger, for auditors: walks the journal and recomputes everything else
// from it — the hash chain, Σ debits = Σ credits and the settlement identities of every entry, that
// each entry's legs are the ones its amounts imply, every index, every balance, accumulator and
// counter, and every seal's roots, chain and Ed25519 signature. Stops at the first fault and names
// it (entry, index key, or seal).
#pragma once

#include <optional>
#include <string>

#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "ledger/rotation.h"

namespace medclear::ledger {

struct VerifyReport {
  bool ok = false;
  std::string problem;  // the first broken entry, index or seal, when !ok
  uint64_t entries = 0;
  uint64_t seals = 0;
  uint64_t index_keys = 0;
  std::vector<KeyPeriod> keys;  // the seal keys in the order they signed (rotation.h)
};

// `trusted_key`: the region's public key from outside the ledger; it must be one of the keys that
// signed (each seal's key is the first seal's or one a rotation record endorsed). Without it, each
// seal is checked against the key it names, which proves integrity but not authorship.
VerifyReport verify_ledger(const Ledger& ledger, const SigningKey* trusted_key);

}  // namespace medclear::ledger
