// One journal entry: a settlement, cancel or reversal as it touches this region's ledger, with its
// double-entry legs, posted as one unit. The insured region's entry debits its funds and credits
// "payable to the treating region"; the treating region's entry debits "receivable from the
// insured region" and credits "payable to the hospital" (DOMAIN.md §5). Compensations keep the
// legs' sides and negate the amounts (red-ink reversal), so every balance returns exactly.
// Binary layout: FORMAT.md.
#pragma once

#include <string>
#include <vector>

#include "clearing/codec.h"
#include "clearing/codes.h"
#include "clearing/settlement.h"
#include "clearing/status.h"
#include "ledger/crypto.h"

namespace medclear::ledger {

using clearing::ByteReader;
using clearing::ByteWriter;
using clearing::get_big_endian;
using clearing::put_big_endian;

// Version of the meta value and of every entry (ledger/FORMAT.md). 2: the accumulator delta and
// the A values keep the per-year deductible per branch (inpatient, outpatient), not one shared.
// A version-1 ledger is refused on open; there is no migration (none was ever deployed).
inline constexpr uint8_t kEntryFormatVersion = 2;
// Version of the ledger (the meta value): 3 adds the key spaces X (reconciliation items in order)
// and F (the Merkle frontier of the last seal); entries keep version 2, their layout unchanged.
// A version-2 ledger is migrated when opened (Ledger::open writes its X keys, then the meta).
inline constexpr uint8_t kLedgerFormatVersion = 3;

// Where the fixed header's fields lie in an encoded entry (FORMAT.md "Entry"): magic (2),
// version (1), hash algorithm (1), seq (8), business day (4), side (1), previous hash (32).
inline constexpr size_t kEntryAlgorithmOffset = 3;
inline constexpr size_t kEntryDayOffset = 12;
inline constexpr size_t kEntryDaySize = 4;

enum class Side : uint8_t { kInsured = 1, kTreating = 2 };
enum class Direction : uint8_t { kDebit = 1, kCredit = 2 };

struct Leg {
  Direction direction = Direction::kDebit;
  std::string account;  // "fund:390100", "payable:310000", "receivable:610000", "hospital:H…"
  clearing::Money amount;
  bool operator==(const Leg&) const = default;
};

struct Entry {
  uint64_t seq = 0;    // 1, 2, 3, … without gaps
  clearing::Date day;  // the business day whose seal covers this entry
  Side side = Side::kInsured;
  Digest prev_hash{};  // hash of entry seq − 1 (zeros for the first)
  clearing::SettlementRecord record;
  std::vector<Leg> legs;
};

// The region (province, "PP0000") a division belongs to: the clearing core's one definition.
using clearing::region_of;

// The legs of a record on one side. Σ debits = Σ credits by the settlement identities.
std::vector<Leg> legs_for(const clearing::SettlementRecord& record, Side side);
// Σ debits − Σ credits of the legs (zero for a balanced entry).
clearing::Money imbalance(const std::vector<Leg>& legs);

// Encodes an entry and appends its hash; returns the bytes and the hash.
std::string encode_entry(const Entry& entry, HashAlgorithm algorithm, Digest* hash);

struct DecodedEntry {
  Entry entry;
  Digest hash{};
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
};
// Decodes and checks the stored hash against the bytes. Any corruption is an error, never a crash.
Result<DecodedEntry> decode_entry(std::string_view bytes);

}  // namespace medclear::ledger
