// The ledger's key spaces in one RocksDB database: a one-byte prefix per space, numbers in
// big-endian so byte order is numeric order. FORMAT.md lists them with their values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "clearing/codec.h"

namespace medclear::ledger::keys {

using clearing::get_big_endian;
using clearing::put_big_endian;

inline constexpr char kMeta = 'V';          // V → format, region, hash algorithm
inline constexpr char kHead = 'H';          // H → last seq, last hash, last sealed day
inline constexpr char kJournal = 'J';       // J seq(8) → entry
inline constexpr char kBySetlId = 'I';      // I setl_id → seq
inline constexpr char kByMsgid = 'M';       // M msgid → seq
inline constexpr char kCompensation = 'K';  // K setl_id → seq of the entry that last negated it
inline constexpr char kAccumulator = 'A';   // A psn_no 0 insutype 0 year(4) → 5 × i64
inline constexpr char kAccount = 'P';       // P psn_no → i64 personal account used
inline constexpr char kBalance = 'B';       // B account → i64 Σ debits − Σ credits
inline constexpr char kRegionCount = 'R';   // R admdvs → u64 records of that insured division
inline constexpr char kOffset = 'O';        // O topic 0 partition(4) → i64 next offset
inline constexpr char kOutbox = 'Q';        // Q seq(8) → message
inline constexpr char kOutboxCursor = 'U';  // U → u64 last relayed outbox seq
inline constexpr char kIntake = 'T';        // T msgid → claim sent, until its settlement is back
inline constexpr char kSeal = 'D';          // D day(4) → seal
inline constexpr char kDocument = 'S';      // S name → document (clearing records, statements)
// X day(4) insured(2) treating(2) spread(8) setl_id [0] → i64 amount, or empty after the NUL: a
// day's reconciliation items per region pair, in the order reconciliation reads them.
inline constexpr char kReconItem = 'X';
inline constexpr char kFrontier = 'F';     // F → the journal's Merkle frontier at the last seal
inline constexpr char kKeyRotation = 'G';  // G index(4) → seal key rotation record
// W day(4) fixmedins_code 0 seq(8) → empty: a hospital's entries of a business day on the treating
// side (3201/3202); the bare key W → u64 the last seq indexed (the index is complete through it).
inline constexpr char kHospitalDay = 'W';

inline std::string key_rotation(uint32_t index) {
  std::string key(1, kKeyRotation);
  put_big_endian(key, index, 4);
  return key;
}

inline std::string prefix(char space) { return std::string(1, space); }

inline std::string journal(uint64_t seq) {
  std::string key(1, kJournal);
  put_big_endian(key, seq, 8);
  return key;
}

inline std::string text(char space, std::string_view value) {
  std::string key(1, space);
  key.append(value);
  return key;
}

// Days since 1970 shifted by 2^31 so that the unsigned big-endian order is the date order.
inline std::string day(char space, int32_t days) {
  std::string key(1, space);
  put_big_endian(key, static_cast<uint32_t>(days) ^ 0x80000000u, 4);
  return key;
}

inline int32_t day_of(std::string_view key) {
  return static_cast<int32_t>(static_cast<uint32_t>(get_big_endian(key.substr(1), 4)) ^
                              0x80000000u);
}

// The prefix of a hospital's day in W: W day(4) fixmedins_code NUL.
inline std::string hospital_day(int32_t days, std::string_view fixmedins_code) {
  std::string key = day(kHospitalDay, days);
  key.append(fixmedins_code).push_back('\0');
  return key;
}

inline std::string hospital_entry(int32_t days, std::string_view fixmedins_code, uint64_t seq) {
  std::string key = hospital_day(days, fixmedins_code);
  put_big_endian(key, seq, 8);
  return key;
}

inline std::string accumulator(std::string_view psn_no, std::string_view insutype, int year) {
  std::string key(1, kAccumulator);
  key.append(psn_no).push_back('\0');
  key.append(insutype).push_back('\0');
  put_big_endian(key, static_cast<uint32_t>(year), 4);
  return key;
}

inline std::string offset(std::string_view topic, int32_t partition) {
  std::string key(1, kOffset);
  key.append(topic).push_back('\0');
  put_big_endian(key, static_cast<uint32_t>(partition), 4);
  return key;
}

inline std::string outbox(uint64_t seq) {
  std::string key(1, kOutbox);
  put_big_endian(key, seq, 8);
  return key;
}

}  // namespace medclear::ledger::keys
