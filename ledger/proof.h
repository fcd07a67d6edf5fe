// Proofs another party checks without the ledger: that an entry is in a signed daily seal
// (inclusion), and that a later seal's ledger extends an earlier one's (consistency, RFC 6962).
#pragma once

#include <string>
#include <vector>

#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "ledger/seal.h"

namespace medclear::ledger {

struct InclusionProof {
  std::string entry_bytes;  // the journal entry as stored
  uint64_t leaf_index = 0;  // its place among the seal's entries
  std::vector<Digest> path;
  Seal seal;
};

struct ConsistencyProof {
  Seal old_seal;
  Seal new_seal;
  std::vector<Digest> path;
};

// The inclusion proof of journal entry `seq` in the seal that covers its business day. Errors:
// kNotFound (no entry `seq`), kConflict (its business day is not sealed yet), the ledger's own.
Result<InclusionProof> prove_inclusion(const Ledger& ledger, uint64_t seq);

// Checks the seal's signature (with `trusted_key`, or the key the seal names when null), the
// entry's own hash, and the audit path to the seal's day root. Returns the decoded entry.
Result<DecodedEntry> verify_inclusion_proof(const InclusionProof& proof,
                                            const SigningKey* trusted_key);
// Checks both seals' signatures and that the old journal is a prefix of the new one.
Status verify_consistency_proof(const ConsistencyProof& proof, const SigningKey* trusted_key);

}  // namespace medclear::ledger
