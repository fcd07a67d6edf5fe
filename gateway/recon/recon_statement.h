// The nightly reconciliation's statements: one region pair on one business day, reconciled claim
// by claim with the hash-tree protocol of clearing/reconcile.h over what each ledger booked
// (ledger/recon_items.h), signed by both regions' seal keys, kept in both ledgers (document
// "statement/recon/<day>/<insured>-<treating>"), and its differences resolved by adjustment
// entries on the treating side that reference it (ledger/adjust.h).
//
// Signed statement (JSON): {"statement": {medclear.reconciliation.v1 …}, "statement_sha256": hex,
// "signatures": [{"region", "public_key" (hex, Ed25519 raw), "signature" (hex over the exact
// statement text)} × 2], "adjustments": n}
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clearing/reconcile.h"
#include "clearing/settlement.h"
#include "clearing/time.h"
#include "ledger/directory.h"

namespace medclear::adapters {
class Json;
}  // namespace medclear::adapters

namespace medclear::gateway {

struct PairStatement {
  std::string insured;
  std::string treating;
  clearing::Date day;
  clearing::ReconResult result;
  size_t insured_claims = 0;
  size_t treating_claims = 0;
  std::string id() const;  // <day>/<insured>-<treating>
};

// Every pair with business on `day` among the ledgers (or only `only`), in pair order.
Result<std::vector<PairStatement>> reconcile_day(
    const std::map<std::string, ledger::Ledger*>& ledgers, clearing::Date day,
    const std::optional<std::pair<std::string, std::string>>& only = std::nullopt);

std::string recon_statement_json(const PairStatement& statement);

// Signs the statement with both regions' keys, keeps it in both ledgers and, when it differs,
// stages the adjustments in the treating ledger (business day `adjustment_day`); commits both.
// Returns the signed statement. Recording the same statement again changes nothing.
Result<std::string> record_statement(ledger::LedgerDirectory& insured,
                                     ledger::LedgerDirectory& treating,
                                     const PairStatement& statement, clearing::Date adjustment_day,
                                     size_t* adjustments = nullptr);

// One region's signature over a statement's exact text: region, public key (hex of the raw
// Ed25519 key), signature (hex).
using StatementSignature = std::array<std::string, 3>;

// The signed document of a statement's exact text with its signatures, and how many adjustment
// entries resolved it.
std::string signed_statement_json(const std::string& statement,
                                  const std::vector<StatementSignature>& signatures,
                                  size_t adjustments);

// Signs a statement's exact text as `region`: the one way every side signs.
Result<StatementSignature> sign_statement(std::string_view statement, const ledger::SigningKey& key,
                                          const std::string& region);

// Checks one signature object {"region", "public_key", "signature"} over a statement's exact
// text: it is `region`'s (kInvalid otherwise), names `public_key_raw` (kForbidden otherwise) and
// verifies with it (kInvalid otherwise). The one way every side verifies; returns the signature.
Result<StatementSignature> verify_signature(std::string_view statement,
                                            const adapters::Json& signature,
                                            const std::string& region,
                                            const std::string& public_key_raw);

// The signed statements a ledger keeps for `day` (all days when empty), in id order.
Result<std::vector<std::string>> recorded_statements(const ledger::Ledger& ledger,
                                                     std::string_view day);

// Checks a signed statement's signatures against the given public keys (raw, by region) with
// verify_signature; both regions of the pair must have signed.
Status verify_statement(std::string_view signed_json,
                        const std::map<std::string, std::string>& public_keys);

// What a treating node countersigns over the network (POST /v1/recon, op countersign) is bounded;
// anything beyond is answered 400 before any of it is used, so no length or amount can reach an
// MC_CHECK of the codec or of Money (a 64 KiB setl_id, an amount near the decimal(16,2) limit).
struct CountersignBounds {
  static constexpr size_t differences_max = 100'000;
  static constexpr size_t record_hex_chars_max = 64 * 1024;  // one record, codec bytes in hex
  static constexpr size_t record_text_bytes_max = 256;       // each text field of a record
  static constexpr size_t record_details_max = 32;           // fund details of a record
  static constexpr int64_t record_amount_fen_max = 10'000'000'000'000;  // |amount|: 10^11 yuan
};

// The 24-digit setl_id of clearing::make_setl_id: division, yyyyMMdd, 10-digit sequence.
bool is_setl_id(std::string_view text);

// Whether a decoded record of the insured side may be booked as an adjustment: a settlement whose
// texts, details and amounts are in CountersignBounds (so no sum over it can leave Money's range)
// and whose identities hold; kInvalid saying why not.
Status check_record_bounds(const clearing::SettlementRecord& record);

}  // namespace medclear::gateway
