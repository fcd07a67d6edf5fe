#include "clearing/codec.h"

#include "clearing/check.h"

namespace medclear::clearing {

void ByteWriter::str(std::string_view s) {
  MC_CHECK(s.size() <= 0xFFFF, "string too long for the ledger format");
  u16(static_cast<uint16_t>(s.size()));
  out_.append(s);
}

bool ByteReader::little(int width, uint64_t& v) {
  if (remaining() < static_cast<size_t>(width)) return false;
  v = 0;
  for (int i = 0; i < width; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[position_ + i])) << (8 * i);
  }
  position_ += width;
  return true;
}

bool ByteReader::u8(uint8_t& v) {
  uint64_t x = 0;
  if (!little(1, x)) return false;
  v = static_cast<uint8_t>(x);
  return true;
}
bool ByteReader::u16(uint16_t& v) {
  uint64_t x = 0;
  if (!little(2, x)) return false;
  v = static_cast<uint16_t>(x);
  return true;
}
bool ByteReader::u32(uint32_t& v) {
  uint64_t x = 0;
  if (!little(4, x)) return false;
  v = static_cast<uint32_t>(x);
  return true;
}
bool ByteReader::u64(uint64_t& v) { return little(8, v); }
bool ByteReader::i32(int32_t& v) {
  uint32_t x = 0;
  if (!u32(x)) return false;
  v = static_cast<int32_t>(x);
  return true;
}
bool ByteReader::i64(int64_t& v) {
  uint64_t x = 0;
  if (!u64(x)) return false;
  v = static_cast<int64_t>(x);
  return true;
}
bool ByteReader::raw(size_t length, std::string_view& out) {
  if (remaining() < length) return false;
  out = bytes_.substr(position_, length);
  position_ += length;
  return true;
}
bool ByteReader::str(std::string& out) {
  uint16_t length = 0;
  std::string_view view;
  if (!u16(length) || !raw(length, view)) return false;
  out.assign(view);
  return true;
}

void put_big_endian(std::string& out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t get_big_endian(std::string_view bytes, int width) {
  MC_CHECK(bytes.size() >= static_cast<size_t>(width), "short big-endian field");
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

}  // namespace medclear::clearing
