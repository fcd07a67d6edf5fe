// Receipts a hospital keeps and anyone checks without the ledger (ledger/RECEIPT.md): one
// settlement's journal entry, its inclusion proof in the seal of its business day, the signed seal
// and the region's public key with its fingerprint. Written for GET /v1/claims/{msgid}/receipt and
// `medclear ledger receipt`; checked by `medclear ledger verify-proof` and adapters/receipt.html.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adapters/json.h"
#include "clearing/status.h"
#include "ledger/ledger.h"
#include "ledger/proof.h"

namespace medclear::gateway {

inline constexpr std::string_view kReceiptFormat = "medclear.receipt.v1";

// The receipt of the entry booked under `msgid`. Errors: kNotFound (no entry under msgid),
// kConflict (its business day is not sealed yet), the ledger's own.
Result<std::string> receipt_json(const ledger::Ledger& ledger, const std::string& msgid);
// The receipt of a proven entry, as `region` writes it (the verifier rebuilds it with this).
std::string receipt_json(const ledger::InclusionProof& proof, const ledger::DecodedEntry& entry,
                         std::string_view region);

struct VerifiedReceipt {
  ledger::DecodedEntry entry;
  ledger::Seal seal;
  std::string region;
  std::string fingerprint;                                   // of the key that signed the seal
  std::vector<std::pair<std::string, std::string>> amounts;  // field → yuan, in receipt order
};

// Checks a receipt: the seal's Ed25519 signature (by `pinned` when given, else by the key the
// receipt names, which must be the seal's, with its fingerprint), the entry's hash, its Merkle path
// to the seal's day root, and that every readable field is what the entry and the seal say. The
// error's message says what does not hold.
Result<VerifiedReceipt> verify_receipt(const adapters::Json& receipt,
                                       const ledger::SigningKey* pinned);

}  // namespace medclear::gateway
