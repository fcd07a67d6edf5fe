// JSON views of a ledger's seals and proofs, shared by `medclear ledger` and the HTTPS routes
// (GET /v1/ledger/seals, /v1/ledger/proof/{setl_id}). Format "medclear.proof.v1", read back by
// `medclear ledger verify-proof`.
#pragma once

#include <string>
#include <vector>

#include "adapters/json.h"
#include "clearing/status.h"
#include "ledger/ledger.h"

namespace medclear::gateway {

void write_hexes(adapters::JsonWriter& w, const std::vector<ledger::Digest>& digests);
void write_seal(adapters::JsonWriter& w, const ledger::Seal& seal);
// {"region":…,"seals":[…]}
Result<std::string> seals_json(const ledger::Ledger& ledger);
// The inclusion proof of a settlement in the seal of its business day. Errors: no such
// settlement, or its day is not sealed yet (the message says which).
Result<std::string> inclusion_proof_json(const ledger::Ledger& ledger, const std::string& setl_id);

}  // namespace medclear::gateway
