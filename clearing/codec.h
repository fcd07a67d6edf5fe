// Fixed-width little-endian encoding for ledger values and wire messages, and big-endian keys so
// that RocksDB's byte order is numeric order. The reader is bounds-checked: a short or corrupt
// value makes it fail, never read past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace medclear::clearing {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { little(v, 2); }
  void u32(uint32_t v) { little(v, 4); }
  void u64(uint64_t v) { little(v, 8); }
  void i32(int32_t v) { little(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) { little(static_cast<uint64_t>(v), 8); }
  void raw(std::string_view bytes) { out_.append(bytes); }
  // u16 length, then the bytes. Strings longer than 65535 bytes are a bug in the caller.
  void str(std::string_view s);
  std::string& bytes() { return out_; }

 private:
  void little(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool u8(uint8_t& v);
  bool u16(uint16_t& v);
  bool u32(uint32_t& v);
  bool u64(uint64_t& v);
  bool i32(int32_t& v);
  bool i64(int64_t& v);
  bool raw(size_t length, std::string_view& out);
  bool str(std::string& out);
  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }

 private:
  bool little(int width, uint64_t& v);
  std::string_view bytes_;
  size_t position_ = 0;
};

// Big-endian fixed-width integers for keys.
void put_big_endian(std::string& out, uint64_t value, int width);
uint64_t get_big_endian(std::string_view bytes, int width);

}  // namespace medclear::clearing
