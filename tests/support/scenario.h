// Test helpers: the worked-example scenario of tests/scenarios, edits of JSON envelopes, and a
// one-call pipeline (adapter → engine → state) that mirrors `medclear adjudicate`.
#pragma once

#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "tests/support/paths.h"

namespace medclear::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

inline std::string source_path(std::string_view relative) {
  return std::string(kSourceDir) + "/" + std::string(relative);
}

inline adapters::Scenario worked_examples() {
  Result<adapters::Scenario> load =
      adapters::load_scenario(read_file(source_path("tests/scenarios/worked_examples.json")));
  if (!load.is_ok()) {
    throw std::runtime_error("worked_examples.json: " + load.status().message());
  }
  return std::move(*load);
}

// The worked-example scenario after `edit` changed its JSON (policies, persons, …); throws when
// the edited scenario does not load.
inline adapters::Scenario worked_examples_edited(const std::function<void(adapters::Json&)>& edit) {
  Result<adapters::Json> parse =
      adapters::parse_json(read_file(source_path("tests/scenarios/worked_examples.json")));
  if (!parse.is_ok()) throw std::runtime_error("worked_examples.json: " + parse.status().message());
  edit(*parse);
  adapters::JsonWriter writer;
  writer.value(*parse);
  Result<adapters::Scenario> load = adapters::load_scenario(writer.take());
  if (!load.is_ok())
    throw std::runtime_error("edited worked_examples.json: " + load.status().message());
  return std::move(*load);
}

// The member `key` of an object, created (as null) when absent.
inline adapters::Json& member(adapters::Json& object, std::string_view key) {
  for (auto& [name, value] : object.members) {
    if (name == key) return value;
  }
  object.members.emplace_back(std::string(key), adapters::Json{});
  return object.members.back().second;
}

inline void remove_member(adapters::Json& object, std::string_view key) {
  std::erase_if(object.members, [&](const auto& m) { return m.first == key; });
}

inline void set_string(adapters::Json& object, std::string_view key, std::string value) {
  adapters::Json& target = member(object, key);
  target = adapters::Json{};
  target.kind = adapters::Json::Kind::kString;
  target.text = std::move(value);
}

inline void set_number(adapters::Json& object, std::string_view key, std::string digits) {
  adapters::Json& target = member(object, key);
  target = adapters::Json{};
  target.kind = adapters::Json::Kind::kNumber;
  target.text = std::move(digits);
}

inline adapters::Json& data_of(adapters::Json& envelope) {
  return member(member(envelope, "input"), "data");
}

inline adapters::Json& line_of(adapters::Json& envelope, size_t index) {
  return member(member(envelope, "input"), "feedetail").items.at(index);
}

inline std::string to_text(const adapters::Json& json) {
  adapters::JsonWriter writer;
  writer.value(json);
  return writer.take();
}

// A cancel (2305 or 2208, after the claim's infno) of `setl_id`, sent as `msgid`.
inline adapters::Json cancel_of(const adapters::Json& claim, const std::string& setl_id,
                                const std::string& msgid) {
  adapters::Json cancel = claim;
  const std::string infno = member(cancel, "infno").text == "2304" ? "2305" : "2208";
  set_string(cancel, "infno", infno);
  set_string(cancel, "msgid", msgid);
  adapters::Json& input = member(cancel, "input");
  remove_member(input, "feedetail");
  adapters::Json data;
  data.kind = adapters::Json::Kind::kObject;
  set_string(data, "setl_id", setl_id);
  set_string(data, "mdtrt_id", data_of(cancel).find("mdtrt_id")->text);
  set_string(data, "psn_no", data_of(cancel).find("psn_no")->text);
  member(input, "data") = data;
  return cancel;
}

// A 2601 reversal of the transaction `original`, sent as `msgid`.
inline adapters::Json reversal_of(const adapters::Json& original, const std::string& msgid) {
  adapters::Json reversal = original;
  set_string(reversal, "infno", "2601");
  set_string(reversal, "msgid", msgid);
  adapters::Json& input = member(reversal, "input");
  remove_member(input, "feedetail");
  adapters::Json data;
  data.kind = adapters::Json::Kind::kObject;
  set_string(data, "psn_no", data_of(reversal).find("psn_no")->text);
  set_string(data, "omsgid", original.find("msgid")->text);
  set_string(data, "oinfno", original.find("infno")->text);
  member(input, "data") = data;
  return reversal;
}

struct Outcome {
  clearing::Rejection rejection;
  clearing::SettlementRecord result;
  bool accepted() const { return rejection.reason == clearing::Reject::kOk; }
  std::string err_code() const { return std::string(clearing::name(rejection.reason)); }
};

// Parses the envelope text, decides, applies — exactly as `medclear adjudicate` does.
inline Outcome submit(const clearing::Engine& engine, clearing::MemoryState& state,
                      const std::string& body) {
  const adapters::NhsaParse parse = adapters::parse_nhsa_request(body, engine.reference().codes);
  if (!parse.request) {
    return {parse.rejection, {}};
  }
  clearing::Decision decision = engine.decide(*parse.request, state);
  if (decision.append) {
    state.apply(decision.result);
  }
  return {decision.rejection, std::move(decision.result)};
}

inline Outcome submit(const clearing::Engine& engine, clearing::MemoryState& state,
                      const adapters::Json& envelope) {
  return submit(engine, state, to_text(envelope));
}

}  // namespace medclear::testing
