// A daily seal: the Merkle root (RFC 6962) over one business day's entries, the root over the whole
// journal at that moment (so two seals prove that the later ledger extends the earlier one), the
// hash of the previous seal, and the region's Ed25519 signature over all of it. Layout: FORMAT.md.
#pragma once

#include <string>

#include "clearing/time.h"
#include "ledger/crypto.h"

namespace medclear::ledger {

struct Seal {
  clearing::Date day;
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  uint64_t day_count = 0;    // entries of the day
  Digest day_root{};         // Merkle root over the day's entries, in journal order
  uint64_t ledger_size = 0;  // journal entries 1..ledger_size when sealed
  Digest ledger_root{};      // Merkle root over those entries
  Digest prev_seal_hash{};   // zeros for the first seal
  std::string public_key;    // 32 raw bytes: who signed
  std::string signature;     // 64 bytes over the signed body

  std::string signed_body() const;  // the bytes that are hashed and signed
  Digest hash() const;              // H(signed_body): what the next seal chains to
};

std::string encode_seal(const Seal& seal);
Result<Seal> decode_seal(std::string_view bytes);
// Signs the seal's body with `key` (fills public_key and signature).
Status sign_seal(Seal& seal, const SigningKey& key);

}  // namespace medclear::ledger
