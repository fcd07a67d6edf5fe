// The JSON model's builder as it was before the flat JsonDoc (commit 2e6916d, adapters/json.cpp),
// kept as the oracle of tests/adapters/json_test.cc: the new parse must accept, refuse (with the
// same message) and read every document exactly as this one did, budget included.
#pragma once

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <string>

#include "adapters/json.h"

namespace medclear::adapters::legacy {

namespace bj = boost::json;

using Members = std::vector<std::pair<std::string, Json>>;

// A key that appears twice, or nullptr. Pairwise for small objects (no allocation), sorted beyond.
inline const std::string* find_duplicate_key(const Members& members) {
  if (members.size() <= 24) {
    for (size_t i = 0; i < members.size(); ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) {
        if (members[i].first == members[j].first) return &members[i].first;
      }
    }
    return nullptr;
  }
  std::vector<const std::string*> keys;
  keys.reserve(members.size());
  for (const auto& member : members) keys.push_back(&member.first);
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
  const auto dup =
      std::adjacent_find(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a == *b; });
  return dup == keys.end() ? nullptr : *dup;
}

// Builds a Json tree from basic_parser events; number text is accumulated across parts.
class TreeBuilder {
 public:
  static constexpr std::size_t max_object_size = 1'000'000;
  static constexpr std::size_t max_array_size = 10'000'000;
  static constexpr std::size_t max_key_size = 4096;
  static constexpr std::size_t max_string_size = 16 * 1024 * 1024;

  TreeBuilder(size_t depth_max, size_t nodes_max, size_t memory_bytes_max)
      : depth_max_(depth_max), nodes_left_(nodes_max), memory_left_(memory_bytes_max) {}

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_array_begin(bj::error_code& ec) { return open(Json::Kind::kArray, ec); }
  bool on_array_end(std::size_t, bj::error_code& ec) { return close(ec); }
  bool on_object_begin(bj::error_code& ec) { return open(Json::Kind::kObject, ec); }
  bool on_object_end(std::size_t, bj::error_code& ec) {
    if (const std::string* dup = find_duplicate_key(stack_.back().members)) {
      duplicate_key_ = *dup;
      ec = bj::error::syntax;
      return false;
    }
    return close(ec);
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code& ec) {
    Json value;
    value.kind = Json::Kind::kString;
    value.text = take_part(s);
    return add(std::move(value), ec);
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
  bool on_bool(bool b, bj::error_code& ec) {
    Json value;
    value.kind = Json::Kind::kBool;
    value.boolean = b;
    return add(std::move(value), ec);
  }
  bool on_null(bj::error_code& ec) { return add(Json{}, ec); }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

  std::optional<Json> result;
  std::string duplicate_key_;
  bool too_deep_ = false;
  bool over_budget_ = false;

 private:
  std::string take_part(bj::string_view last) {
    part_.append(last.data(), last.size());
    std::string text = std::move(part_);
    part_.clear();
    return text;
  }
  bool number(bj::string_view s, bj::error_code& ec) {
    Json value;
    value.kind = Json::Kind::kNumber;
    value.text = take_part(s);
    return add(std::move(value), ec);
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
  bool open(Json::Kind kind, bj::error_code& ec) {
    if (stack_.size() >= depth_max_) {
      too_deep_ = true;
      ec = bj::error::too_deep;
      return false;
    }
    Json container;
    container.kind = kind;
    // Interface objects have about 8–20 members: one allocation instead of four regrowths. The
    // reserved room is charged to the budget like the members themselves.
    if (kind == Json::Kind::kObject) {
      if (!charge(sizeof(Json) + 12 * sizeof(Members::value_type), ec)) return false;
      container.members.reserve(12);
    } else {
      if (!charge(sizeof(Json) + 8 * sizeof(Json), ec)) return false;
      container.items.reserve(8);
    }
    stack_.push_back(std::move(container));
    keys_.push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool close(bj::error_code& ec) {
    Json done = std::move(stack_.back());
    stack_.pop_back();
    key_ = std::move(keys_.back());
    keys_.pop_back();
    return add(std::move(done), ec);
  }
  bool add(Json value, bj::error_code& ec) {
    // Growth beyond the reserved room, and every scalar, is charged here.
    const size_t growth = value.members.capacity() > 12 || value.items.capacity() > 8
                              ? value.members.capacity() * sizeof(Members::value_type) +
                                    value.items.capacity() * sizeof(Json)
                              : 0;
    const bool scalar = value.kind != Json::Kind::kObject && value.kind != Json::Kind::kArray;
    if ((scalar || growth != 0) &&
        !charge((scalar ? sizeof(Json) : 0) + growth + value.text.size() + key_.size(), ec)) {
      return false;
    }
    if (stack_.empty()) {
      result = std::move(value);
    } else if (stack_.back().kind == Json::Kind::kArray) {
      stack_.back().items.push_back(std::move(value));
    } else {
      stack_.back().members.emplace_back(std::move(key_), std::move(value));
      key_.clear();
    }
    return true;
  }

  size_t depth_max_;
  size_t nodes_left_;
  size_t memory_left_;
  std::vector<Json> stack_;
  std::vector<std::string> keys_;  // the key each open container will be stored under
  std::string key_;
  std::string part_;
};

inline Result<Json> parse_json(std::string_view document, const JsonLimits& limits = {}) {
  if (document.size() > limits.document_bytes_max) {
    return Status::invalid("document larger than " + std::to_string(limits.document_bytes_max) +
                           " bytes");
  }
  bj::parse_options options;
  options.max_depth = limits.depth_max + 1;
  const size_t nodes_max =
      document.size() / std::max<size_t>(limits.nodes_per_document_byte_max_divisor, 1) + 64;
  const size_t memory_max = document.size() * limits.memory_per_document_byte_max + (64 << 10);
  bj::basic_parser<TreeBuilder> parser(options, limits.depth_max, nodes_max, memory_max);
  bj::error_code ec;
  const size_t consumed = parser.write_some(false, document.data(), document.size(), ec);
  if (!ec && consumed < document.size()) {
    ec = bj::error::extra_data;
  }
  if (ec) {
    if (!parser.handler().duplicate_key_.empty()) {
      return Status::invalid("duplicate key \"" + parser.handler().duplicate_key_ + "\"");
    }
    if (parser.handler().over_budget_) {
      return Status::invalid("more values than a document of " + std::to_string(document.size()) +
                             " bytes may hold (the JSON model's budget)");
    }
    if (parser.handler().too_deep_) {
      return Status::invalid("nested deeper than " + std::to_string(limits.depth_max) + " levels");
    }
    return Status::invalid("invalid JSON at byte " + std::to_string(consumed) + ": " +
                           ec.message());
  }
  if (!parser.handler().result) return Status::invalid("an empty document");
  return std::move(*parser.handler().result);
}

}  // namespace medclear::adapters::legacy
