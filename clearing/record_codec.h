// Binary encoding of a SettlementRecord, shared by the ledger's entries (ledger/FORMAT.md) and
// the wire messages between regions (adapters/WIRE.md). Fixed field order, little-endian, strings
// as u16 length + bytes. Decoding is bounds- and range-checked: corrupt bytes give an error,
// never a crash or an out-of-range Money.
#pragma once

#include <string>

#include "clearing/codec.h"
#include "clearing/settlement.h"

namespace medclear::clearing {

void encode_record(ByteWriter& out, const SettlementRecord& record);
// An i64 of fen within Money's range; false on a short or out-of-range value.
bool decode_money(ByteReader& in, Money& out);
// Returns an empty string on success, else what is wrong.
std::string decode_record(ByteReader& in, SettlementRecord& record);

}  // namespace medclear::clearing
