#include "adapters/json.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <functional>
#include <limits>

namespace medclear::adapters {

Json::Json() = default;
Json::Json(const Json&) = default;
Json::Json(Json&&) noexcept = default;
Json& Json::operator=(const Json&) = default;
Json& Json::operator=(Json&&) noexcept = default;
Json::~Json() = default;

namespace bj = boost::json;

namespace {

using Members = std::vector<std::pair<std::string, Json>>;

// A key that appears twice among an object's members, or nullptr. Pairwise for small objects (no
// allocation), sorted beyond.
const std::string_view* find_duplicate_key(const std::vector<std::string_view>& keys) {
  if (keys.size() <= 24) {
    // Length and three bytes first: keys that differ there are not compared byte by byte.
    uint64_t tags[24];
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string_view k = keys[i];
      tags[i] = k.empty() ? 0
                          : k.size() | uint64_t{static_cast<unsigned char>(k.front())} << 32 |
                                uint64_t{static_cast<unsigned char>(k.back())} << 40 |
                                uint64_t{static_cast<unsigned char>(k[k.size() / 2])} << 48;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      for (size_t j = i + 1; j < keys.size(); ++j) {
        if (tags[i] == tags[j] && keys[i] == keys[j]) return &keys[i];
      }
    }
    return nullptr;
  }
  std::vector<const std::string_view*> sorted;
  sorted.reserve(keys.size());
  for (const auto& key : keys) sorted.push_back(&key);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
  const auto dup =
      std::adjacent_find(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a == *b; });
  return dup == sorted.end() ? nullptr : *dup;
}

// What the owning tree (Json) of a document costs, which the budget counts whichever model is
// built: one Json per value, an object's room for 12 members and an array's for 8 reserved when
// it opens, regrowth (doubling) charged when it closes.
constexpr size_t kObjectRoom = 12;
constexpr size_t kArrayRoom = 8;
constexpr size_t kObjectOpenBytes = sizeof(Json) + kObjectRoom * sizeof(Members::value_type);
constexpr size_t kArrayOpenBytes = sizeof(Json) + kArrayRoom * sizeof(Json);

// The tree's regrowth beyond the reserved room of a container of `count` elements.
size_t growth_bytes(bool object, size_t count) {
  size_t capacity = object ? kObjectRoom : kArrayRoom;
  if (count <= capacity) return 0;
  while (capacity < count) capacity *= 2;
  return capacity * (object ? sizeof(Members::value_type) : sizeof(Json));
}

}  // namespace

// Records basic_parser events as flat nodes; a string or number split into parts, or unescaped by
// the parser, is copied into the document's own storage, and otherwise viewed in place.
class JsonDocBuilder {
 public:
  static constexpr std::size_t max_object_size = 1'000'000;
  static constexpr std::size_t max_array_size = 10'000'000;
  static constexpr std::size_t max_key_size = 4096;
  static constexpr std::size_t max_string_size = 16 * 1024 * 1024;

  JsonDocBuilder(std::string_view document, size_t depth_max, size_t nodes_max,
                 size_t memory_bytes_max)
      : document_(document),
        depth_max_(depth_max),
        nodes_left_(nodes_max),
        memory_left_(memory_bytes_max) {
    doc.nodes_.reserve(std::min<size_t>(nodes_max, document.size() / 16 + 16));
  }

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_array_begin(bj::error_code& ec) { return open(Json::Kind::kArray, ec); }
  bool on_array_end(std::size_t, bj::error_code& ec) { return close(ec); }
  bool on_object_begin(bj::error_code& ec) { return open(Json::Kind::kObject, ec); }
  bool on_object_end(std::size_t, bj::error_code& ec) {
    if (!unique_keys(ec)) return false;
    return close(ec);
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code& ec) {
    return add(Json::Kind::kString, take_part(s), false, ec);
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    key_ = take_part(s);
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, bj::string_view s, bj::error_code& ec) { return number(s, ec); }
  bool on_uint64(std::uint64_t, bj::string_view s, bj::error_code& ec) { return number(s, ec); }
  bool on_double(double, bj::string_view s, bj::error_code& ec) { return number(s, ec); }
  bool on_bool(bool b, bj::error_code& ec) { return add(Json::Kind::kBool, {}, b, ec); }
  bool on_null(bj::error_code& ec) { return add(Json::Kind::kNull, {}, false, ec); }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

  JsonDoc doc;
  std::string duplicate_key_;
  bool too_deep_ = false;
  bool over_budget_ = false;

 private:
  // The whole text of a string, key or number whose last part is `last`.
  std::string_view take_part(bj::string_view last) {
    const std::less<const char*> before;
    const char* end = document_.data() + document_.size();
    if (part_.empty() && !before(last.data(), document_.data()) &&
        !before(end, last.data() + last.size())) {
      return {last.data(), last.size()};  // in the document as it is
    }
    part_.append(last.data(), last.size());
    auto copy = std::make_unique<char[]>(part_.size());
    std::copy(part_.begin(), part_.end(), copy.get());
    const std::string_view text(copy.get(), part_.size());
    doc.unescaped_.push_back(std::move(copy));
    part_.clear();
    return text;
  }
  bool number(bj::string_view s, bj::error_code& ec) {
    return add(Json::Kind::kNumber, take_part(s), false, ec);
  }
  // Takes `bytes` (and one node) from the document's budget; false once it is spent.
  bool charge(size_t bytes, bj::error_code& ec) {
    if (nodes_left_ == 0 || bytes > memory_left_) {
      over_budget_ = true;
      ec = bj::error::exception;  // any error stops the parser; over_budget_ says which
      return false;
    }
    --nodes_left_;
    memory_left_ -= bytes;
    return true;
  }
  // A new node in the open container (or the document's root), under the pending key.
  void push(Json::Kind kind, std::string_view text, bool boolean) {
    if (!open_.empty()) ++doc.nodes_[open_.back()].size;
    JsonNode& node = doc.nodes_.emplace_back();
    node.kind = kind;
    node.boolean = boolean;
    node.text = text;
    node.key = key_;
    key_ = {};
  }
  bool open(Json::Kind kind, bj::error_code& ec) {
    if (open_.size() >= depth_max_) {
      too_deep_ = true;
      ec = bj::error::too_deep;
      return false;
    }
    if (!charge(kind == Json::Kind::kObject ? kObjectOpenBytes : kArrayOpenBytes, ec)) {
      return false;
    }
    const auto index = static_cast<uint32_t>(doc.nodes_.size());
    push(kind, {}, false);
    open_.push_back(index);
    return true;
  }
  bool close(bj::error_code& ec) {
    JsonNode& node = doc.nodes_[open_.back()];
    node.span = static_cast<uint32_t>(doc.nodes_.size() - open_.back());
    open_.pop_back();
    const size_t growth = growth_bytes(node.is_object(), node.size);
    return growth == 0 || charge(growth + node.key.size(), ec);
  }
  bool add(Json::Kind kind, std::string_view text, bool boolean, bj::error_code& ec) {
    if (!charge(sizeof(Json) + text.size() + key_.size(), ec)) return false;
    push(kind, text, boolean);
    return true;
  }
  bool unique_keys(bj::error_code& ec) {
    const JsonNode& object = doc.nodes_[open_.back()];
    const JsonNode::Items members(&object + 1, doc.nodes_.data() + doc.nodes_.size(), object.size);
    keys_.clear();
    for (const JsonNode& member : members) keys_.push_back(member.key);
    if (const std::string_view* dup = find_duplicate_key(keys_)) {
      duplicate_key_ = std::string(*dup);
      ec = bj::error::syntax;
      return false;
    }
    return true;
  }

  std::string_view document_;
  size_t depth_max_;
  size_t nodes_left_;
  size_t memory_left_;
  std::vector<uint32_t> open_;  // the open containers' nodes
  std::vector<std::string_view> keys_;
  std::string_view key_;  // the pending member's key
  std::string part_;
};

const JsonNode* JsonNode::find(std::string_view name) const {
  for (const JsonNode& member : items()) {
    if (member.key == name) return &member;
  }
  return nullptr;
}

const Json* Json::find(std::string_view key) const {
  for (const auto& member : members) {
    if (member.first == key) {
      return &member.second;
    }
  }
  return nullptr;
}

std::string_view to_string(Json::Kind kind) {
  switch (kind) {
    case Json::Kind::kNull:
      return "null";
    case Json::Kind::kBool:
      return "boolean";
    case Json::Kind::kNumber:
      return "number";
    case Json::Kind::kString:
      return "string";
    case Json::Kind::kArray:
      return "array";
    case Json::Kind::kObject:
      return "object";
  }
  return "?";
}

Result<JsonDoc> parse_json_doc(std::string_view document, const JsonLimits& limits) {
  if (document.size() > limits.document_bytes_max) {
    return Status::invalid("document larger than " + std::to_string(limits.document_bytes_max) +
                           " bytes");
  }
  bj::parse_options options;
  options.max_depth = limits.depth_max + 1;
  // A node's span is 32 bits: a document of 8 GiB or more is refused by its budget.
  const size_t nodes_max = std::min<size_t>(
      document.size() / std::max<size_t>(limits.nodes_per_document_byte_max_divisor, 1) + 64,
      std::numeric_limits<uint32_t>::max() / 2);
  const size_t memory_max = document.size() * limits.memory_per_document_byte_max + (64 << 10);
  bj::basic_parser<JsonDocBuilder> parser(options, document, limits.depth_max, nodes_max,
                                          memory_max);
  bj::error_code ec;
  const size_t consumed = parser.write_some(false, document.data(), document.size(), ec);
  if (!ec && consumed < document.size()) {
    ec = bj::error::extra_data;
  }
  JsonDocBuilder& built = parser.handler();
  if (ec) {
    if (!built.duplicate_key_.empty()) {
      return Status::invalid("duplicate key \"" + built.duplicate_key_ + "\"");
    }
    if (built.over_budget_) {
      return Status::invalid("more values than a document of " + std::to_string(document.size()) +
                             " bytes may hold (the JSON model's budget)");
    }
    if (built.too_deep_) {
      return Status::invalid("nested deeper than " + std::to_string(limits.depth_max) + " levels");
    }
    return Status::invalid("invalid JSON at byte " + std::to_string(consumed) + ": " +
                           ec.message());
  }
  if (built.doc.node_count() == 0) return Status::invalid("an empty document");
  return std::move(built.doc);
}

Json to_json(const JsonNode& node) {
  Json json;
  json.kind = node.kind;
  json.boolean = node.boolean;
  json.text = std::string(node.text);
  if (node.is_array()) {
    json.items.reserve(node.size);
    for (const JsonNode& item : node.items()) json.items.push_back(to_json(item));
  } else if (node.is_object()) {
    json.members.reserve(node.size);
    for (const JsonNode& member : node.items()) {
      json.members.emplace_back(std::string(member.key), to_json(member));
    }
  }
  return json;
}

Result<Json> parse_json(std::string_view document, const JsonLimits& limits) {
  const Result<JsonDoc> doc = parse_json_doc(document, limits);
  if (!doc.is_ok()) return doc.status();
  return to_json(doc->root());
}

void append_json_string(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) {
      out_.push_back(',');
    }
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view value) {
  separate();
  append_json_string(out_, value);
  return *this;
}
JsonWriter& JsonWriter::number_text(std::string_view digits) {
  separate();
  out_.append(digits);
  return *this;
}
JsonWriter& JsonWriter::integer(int64_t value) { return number_text(std::to_string(value)); }
JsonWriter& JsonWriter::boolean(bool value) { return number_text(value ? "true" : "false"); }
JsonWriter& JsonWriter::null() { return number_text("null"); }

JsonWriter& JsonWriter::value(const Json& json) {
  switch (json.kind) {
    case Json::Kind::kNull:
      return null();
    case Json::Kind::kBool:
      return boolean(json.boolean);
    case Json::Kind::kNumber:
      return number_text(json.text);
    case Json::Kind::kString:
      return string(json.text);
    case Json::Kind::kArray:
      begin_array();
      for (const Json& item : json.items) value(item);
      return end_array();
    case Json::Kind::kObject:
      begin_object();
      for (const auto& [name, member] : json.members) key(name).value(member);
      return end_object();
  }
  return *this;
}

JsonWriter& JsonWriter::value(const JsonNode& node) {
  switch (node.kind) {
    case Json::Kind::kNull:
      return null();
    case Json::Kind::kBool:
      return boolean(node.boolean);
    case Json::Kind::kNumber:
      return number_text(node.text);
    case Json::Kind::kString:
      return string(node.text);
    case Json::Kind::kArray:
      begin_array();
      for (const JsonNode& item : node.items()) value(item);
      return end_array();
    case Json::Kind::kObject:
      begin_object();
      for (const JsonNode& member : node.items()) key(member.key).value(member);
      return end_object();
  }
  return *this;
}

}  // namespace medclear::adapters
