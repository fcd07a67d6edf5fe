// A JSON document model that keeps every number's text exactly as sent, so money is parsed from the
// digits and never passes through a binary floating-point value (DOMAIN.md §2). Parsing is
// Boost.JSON's basic_parser (the tokenizer and its limits); this file only records its events.
// Duplicate keys are refused. Two models of the same parse: JsonDoc, flat and viewing the
// document's text (the request path), and Json, an owning tree one can edit (files, tests).
// JsonWriter writes numbers as given text ("3043.64").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clearing/status.h"

namespace medclear::adapters {

class Json {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  // Declared here and defaulted in json.cpp: a member vector of pair<string, Json> needs Json
  // complete before its destructor is instantiated, which clang with libstdc++ enforces.
  Json();
  Json(const Json&);
  Json(Json&&) noexcept;
  Json& operator=(const Json&);
  Json& operator=(Json&&) noexcept;
  ~Json();

  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;         // a string's value, or a number's text exactly as it was sent
  std::vector<Json> items;  // array elements
  std::vector<std::pair<std::string, Json>> members;  // object members, in document order

  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_null() const { return kind == Kind::kNull; }
  // The member named `key` of an object, or nullptr.
  const Json* find(std::string_view key) const;
};

std::string_view to_string(Json::Kind kind);

// One value of a JsonDoc. A document's values are one array in document order: a container's
// elements follow it, each `span` nodes long, so a node can be walked without its document.
struct JsonNode {
  Json::Kind kind = Json::Kind::kNull;
  bool boolean = false;
  uint32_t span = 1;      // nodes in this value: itself and everything inside it
  uint32_t size = 0;      // an array's elements or an object's members
  std::string_view key;   // the member's name, when inside an object
  std::string_view text;  // a string's value, or a number's text exactly as it was sent

  bool is_object() const { return kind == Json::Kind::kObject; }
  bool is_array() const { return kind == Json::Kind::kArray; }
  bool is_string() const { return kind == Json::Kind::kString; }
  bool is_number() const { return kind == Json::Kind::kNumber; }
  bool is_null() const { return kind == Json::Kind::kNull; }
  // The member called `name` of an object, or nullptr.
  const JsonNode* find(std::string_view name) const;

  // A container's elements (an object's members: each has its key), for range-for.
  class Items {
   public:
    class iterator {
     public:
      explicit iterator(const JsonNode* at) : at_(at) {}
      const JsonNode& operator*() const { return *at_; }
      iterator& operator++() {
        at_ += at_->span;
        return *this;
      }
      bool operator!=(const iterator& other) const { return at_ != other.at_; }

     private:
      const JsonNode* at_;
    };
    Items(const JsonNode* first, const JsonNode* end, uint32_t count)
        : first_(first), end_(end), count_(count) {}
    iterator begin() const { return iterator(first_); }
    iterator end() const { return iterator(end_); }
    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }

   private:
    const JsonNode* first_;
    const JsonNode* end_;
    uint32_t count_;
  };
  Items items() const { return Items(this + 1, this + span, size); }
};

// A parsed document as flat nodes. Numbers and strings without escapes view the parsed text,
// which must outlive the JsonDoc; a string with escapes is unescaped into the JsonDoc's own
// storage. Moving a JsonDoc keeps every view valid.
class JsonDoc {
 public:
  const JsonNode& root() const { return nodes_.front(); }
  size_t node_count() const { return nodes_.size(); }

 private:
  friend class JsonDocBuilder;
  std::vector<JsonNode> nodes_;
  std::vector<std::unique_ptr<char[]>> unescaped_;  // the strings that had escapes
};

// What one document may cost. The model's memory is budgeted, not only the text: a small document
// of many empty containers must not build a large tree. Every value counts as one node; the bytes
// count each node, its text and key, and the room reserved for a container's elements. Both
// budgets scale with the document's size and are checked as the tree grows, so an input over
// budget is refused before it costs more than its budget.
struct JsonLimits {
  size_t depth_max = 32;
  size_t document_bytes_max = 64 * 1024 * 1024;
  size_t nodes_per_document_byte_max_divisor = 2;  // nodes ≤ document bytes / 2 + 64
  size_t memory_per_document_byte_max = 32;        // model bytes ≤ 32 × document bytes + 64 KiB
};

// Parses one complete JSON document (RFC 8259; no comments, no trailing commas); kInvalid saying
// what is wrong, with the byte offset, otherwise.
Result<Json> parse_json(std::string_view document, const JsonLimits& limits = {});
// The same parse (the same refusals and messages) without building a tree: the fast path.
// `document` must outlive the result.
Result<JsonDoc> parse_json_doc(std::string_view document, const JsonLimits& limits = {});
// The owning tree of a parsed value.
Json to_json(const JsonNode& node);

// A streaming writer with automatic commas. Numbers are written from the caller's text.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& number_text(std::string_view digits);  // must be a valid JSON number
  JsonWriter& integer(int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // Writes an already-built document value.
  JsonWriter& value(const Json& json);
  JsonWriter& value(const JsonNode& node);
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends `value` as a JSON string literal (quotes and escapes) to `out`.
void append_json_string(std::string& out, std::string_view value);

}  // namespace medclear::adapters
