// Binary encoding of a SettlementRecord, shared by the ledger's entries (ledger/FORMAT.md) and
// the wire messages between regions (adapters/WIRE.md). Fixed field order, little-endian, strings
// as u16 length + bytes. Decoding is bounds- and range-checked: corrupt bytes give an error,
// never a crash or an out-of-range Money.
#pragma once

#include <string>

#include "clearing/codec.h"
#include "clearing/settlement.h"
#include "clearing/status.h"

namespace medclear::clearing {

// The largest amount, in fen, that a decoded record may carry: far above any claim's
// (kClaimAmountMaxFen), and small enough that every sum a reader forms of one record — an
// identity's terms, up to 255 fund details, a leg's fund plus account part — stays within Money's
// range instead of stopping the process (found by fuzz_ledger_entry and fuzz_wire).
inline constexpr int64_t kRecordAmountMaxFen = Money::kMaxFen / 256;

void encode_record(ByteWriter& out, const SettlementRecord& record);
// An i64 of fen within Money's range; false on a short or out-of-range value.
bool decode_money(ByteReader& in, Money& out);
// kInvalid naming what is wrong (also an amount beyond ±kRecordAmountMaxFen); the caller says
// whether that is corruption (its own disk) or bad input (a peer's bytes).
Status decode_record(ByteReader& in, SettlementRecord& record);

}  // namespace medclear::clearing
