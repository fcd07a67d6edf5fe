// Province dialects (adapters/DIALECT.md): the strict loader and the rewrite of an envelope.
#include "adapters/dialect.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "clearing/codes.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

constexpr std::string_view kFormat = "medclear.dialect.v1";
constexpr size_t kPathStepsMax = 8;  // an envelope nests no deeper (the gateway's depth limit)

bool is_name(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (const char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// `section["key"]`, the way refusals name a place in the file.
std::string at(std::string_view section, std::string_view key) {
  return std::string(section) + "[\"" + std::string(key) + "\"]";
}

// "input.feedetail[].medins_list_code" → parent steps {input, feedetail[]} and the field's name.
Result<std::pair<Dialect::Path, std::string>> parse_field_path(std::string_view text) {
  Dialect::Path path;
  for (size_t start = 0;;) {
    const size_t dot = text.find('.', start);
    std::string_view step = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    const bool last = dot == std::string_view::npos;
    const bool each = step.ends_with("[]");
    if (each) step.remove_suffix(2);
    if (!is_name(step) || (last && each) || path.size() >= kPathStepsMax) {
      return Status::invalid(
          "not a field path: names of letters, digits and _ joined by '.', \"[]\" after an "
          "array's name, the last one a field, at most " +
          std::to_string(kPathStepsMax) + " names");
    }
    if (last) return std::make_pair(std::move(path), std::string(step));
    path.push_back({std::string(step), each});
    start = dot + 1;
  }
}

bool same_path(const Dialect::Path& a, const Dialect::Path& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].each != b[i].each) return false;
  }
  return true;
}

Json* member(Json& object, std::string_view key) {
  for (auto& [name, value] : object.members) {
    if (name == key) return &value;
  }
  return nullptr;
}

using ObjectVisit = std::function<Status(Json& object, const std::string& where)>;

// Calls `visit` on every object `path` leads to from `node` (every element of a "[]" step);
// a step that is absent or of another kind leads nowhere: validation will say what is missing.
Status for_each_object(Json& node, const Dialect::Path& path, size_t step, const std::string& where,
                       const ObjectVisit& visit) {
  if (!node.is_object()) return Status::ok();
  if (step == path.size()) return visit(node, where);
  Json* next = member(node, path[step].name);
  if (next == nullptr) return Status::ok();
  const std::string here = where.empty() ? path[step].name : where + "." + path[step].name;
  if (!path[step].each) return for_each_object(*next, path, step + 1, here, visit);
  if (!next->is_array()) return Status::ok();
  for (size_t i = 0; i < next->items.size(); ++i) {
    const std::string element = here + "[" + std::to_string(i) + "]";
    if (Status done = for_each_object(next->items[i], path, step + 1, element, visit);
        !done.is_ok()) {
      return done;
    }
  }
  return Status::ok();
}

std::string field_at(const std::string& where, std::string_view field) {
  return where.empty() ? std::string(field) : where + "." + std::string(field);
}

}  // namespace

// ---- loading -----------------------------------------------------------------------------------

namespace {

struct Loader {
  std::vector<Dialect::Rename> renames;
  std::vector<Dialect::CodeMap> codes;
  std::vector<Dialect::Default> defaults;

  Status read_renames(const Json& section) {
    if (!section.is_object()) return Status::invalid("rename must be an object");
    for (const auto& [key, value] : section.members) {
      auto path = parse_field_path(key);
      if (!path.is_ok()) return Status::invalid(at("rename", key) + ": " + path.status().message());
      if (!value.is_string() || !is_name(value.text) || value.text == path->second) {
        return Status::invalid(at("rename", key) +
                               ": must be the national field's name (letters, digits and _), "
                               "another than the local one");
      }
      for (const Dialect::Rename& other : renames) {
        if (!same_path(other.parent, path->first)) continue;
        if (other.national == value.text || other.local == value.text ||
            other.national == path->second) {
          return Status::invalid(at("rename", key) +
                                 ": renames into or out of a field another "
                                 "rename of the same object names");
        }
      }
      renames.push_back({std::move(path->first), std::move(path->second), value.text});
    }
    return Status::ok();
  }

  Status read_codes(const Json& section) {
    if (!section.is_object()) return Status::invalid("codes must be an object");
    for (const auto& [key, table] : section.members) {
      auto path = parse_field_path(key);
      if (!path.is_ok()) return Status::invalid(at("codes", key) + ": " + path.status().message());
      if (!table.is_object() || table.members.empty()) {
        return Status::invalid(at("codes", key) + ": must be an object of local code → national");
      }
      Dialect::CodeMap map{std::move(path->first), std::move(path->second), {}};
      for (const auto& [local, national] : table.members) {
        if (local.empty() || !national.is_string() || national.text.empty()) {
          return Status::invalid(at(at("codes", key), local) +
                                 ": a local code maps to a national code (a non-empty string)");
        }
        map.national_of.emplace(local, national.text);
      }
      codes.push_back(std::move(map));
    }
    return Status::ok();
  }

  Status read_defaults(const Json& section) {
    if (!section.is_object()) return Status::invalid("defaults must be an object");
    for (const auto& [key, value] : section.members) {
      auto path = parse_field_path(key);
      if (!path.is_ok()) {
        return Status::invalid(at("defaults", key) + ": " + path.status().message());
      }
      if (!value.is_string()) return Status::invalid(at("defaults", key) + ": must be a string");
      defaults.push_back({std::move(path->first), std::move(path->second), value.text});
    }
    return Status::ok();
  }
};

}  // namespace

Result<Dialect> Dialect::parse(std::string_view text, std::string_view source) {
  const std::string prefix = std::string(source) + ": ";
  const Result<Json> json = parse_json(text);
  if (!json.is_ok()) return Status::invalid(prefix + "not JSON: " + json.status().message());
  if (!json->is_object()) return Status::invalid(prefix + "a dialect is a JSON object");
  Dialect dialect;
  dialect.source_ = source;
  Loader loader;
  bool format_seen = false;
  for (const auto& [key, value] : json->members) {
    Status read = Status::ok();
    if (key == "format") {
      format_seen = value.is_string() && value.text == kFormat;
      if (!format_seen) read = Status::invalid("format must be " + std::string(kFormat));
    } else if (key == "province") {
      if (!value.is_string() || !cl::is_division_code(value.text)) {
        read = Status::invalid("province must be a 6-digit division code");
      } else {
        dialect.province_ = value.text;
      }
    } else if (key == "name") {
      if (!value.is_string()) read = Status::invalid("name must be a string");
    } else if (key == "rename") {
      read = loader.read_renames(value);
    } else if (key == "codes") {
      read = loader.read_codes(value);
    } else if (key == "defaults") {
      read = loader.read_defaults(value);
    } else {
      read = Status::invalid("unknown key " + key);
    }
    if (!read.is_ok()) return Status::invalid(prefix + read.message());
  }
  if (!format_seen || dialect.province_.empty()) {
    return Status::invalid(prefix + "format and province are required");
  }
  dialect.renames_ = std::move(loader.renames);
  dialect.codes_ = std::move(loader.codes);
  dialect.defaults_ = std::move(loader.defaults);
  return dialect;
}

Result<Dialect> Dialect::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::not_found(path + ": cannot read the dialect file");
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

// ---- applying ----------------------------------------------------------------------------------

namespace {

// Renames the field wherever its object is; refused when both names hold a value.
Status apply_renaming(Json& envelope, const Dialect::Rename& renaming) {
  const auto visit = [&](Json& object, const std::string& where) -> Status {
    Json* national = member(object, renaming.national);
    for (auto& [name, value] : object.members) {
      if (name != renaming.local) continue;
      if (national != nullptr && !national->is_null()) {
        return Status::invalid(field_at(where, renaming.local) + " and " +
                               field_at(where, renaming.national) +
                               " are both present: the dialect names one field by both");
      }
      name = renaming.national;
      if (national != nullptr) {  // a null national field gives way to the local one
        std::erase_if(object.members, [&](const auto& m) { return &m.second == national; });
      }
      break;
    }
    return Status::ok();
  };
  return for_each_object(envelope, renaming.parent, 0, "", visit);
}

// A local code (string or number) becomes the national string; other values stay.
void apply_codes(Json& envelope, const Dialect::CodeMap& map) {
  const auto visit = [&](Json& object, const std::string&) {
    Json* value = member(object, map.field);
    if (value == nullptr || !(value->is_string() || value->is_number())) return Status::ok();
    if (const auto found = map.national_of.find(value->text); found != map.national_of.end()) {
      value->kind = Json::Kind::kString;
      value->text = found->second;
    }
    return Status::ok();
  };
  (void)for_each_object(envelope, map.parent, 0, "", visit);  // never refuses
}

// The default where the field is absent or null.
void apply_default(Json& envelope, const Dialect::Default& fallback) {
  const auto visit = [&](Json& object, const std::string&) {
    Json* value = member(object, fallback.field);
    if (value == nullptr) value = &object.members.emplace_back(fallback.field, Json()).second;
    if (value->is_null()) {
      value->kind = Json::Kind::kString;
      value->text = fallback.value;
    }
    return Status::ok();
  };
  (void)for_each_object(envelope, fallback.parent, 0, "", visit);  // never refuses
}

}  // namespace

Status Dialect::apply(Json& envelope) const {
  for (const Rename& renaming : renames_) {
    if (Status done = apply_renaming(envelope, renaming); !done.is_ok()) return done;
  }
  for (const CodeMap& map : codes_) apply_codes(envelope, map);
  for (const Default& fallback : defaults_) apply_default(envelope, fallback);
  return Status::ok();
}

Result<std::string> Dialect::to_national(std::string_view body, const JsonLimits& limits) const {
  Result<Json> json = parse_json(body, limits);
  if (!json.is_ok()) return Status::invalid("malformed JSON: " + json.status().message());
  if (!json->is_object()) {
    return Status::invalid("the body must be one request envelope (an object)");
  }
  if (Status applied = apply(*json); !applied.is_ok()) {
    return Status::invalid("dialect " + province_ + ": " + applied.message());
  }
  JsonWriter writer;
  writer.value(*json);
  return writer.take();
}

// ---- per gateway -------------------------------------------------------------------------------

bool is_dialect_key(std::string_view key) {
  if (key.size() == 12) return true;  // a fixmedins_code
  return cl::is_division_code(key) && cl::region_of(key) == key;
}

void Dialects::add(const std::string& key, std::shared_ptr<const Dialect> dialect) {
  by_key_[key] = std::move(dialect);
}

const Dialect* Dialects::of(std::string_view hospital, std::string_view region) const {
  if (auto found = by_key_.find(hospital); found != by_key_.end()) return found->second.get();
  if (auto found = by_key_.find(region); found != by_key_.end()) return found->second.get();
  return nullptr;
}

Result<std::shared_ptr<const Dialects>> load_dialects(const Json& files) {
  if (!files.is_object()) return Status::invalid("dialects must be an object of key → file");
  auto dialects = std::make_shared<Dialects>();
  for (const auto& [key, file] : files.members) {
    const std::string where = "dialects." + key + ": ";
    if (!is_dialect_key(key)) {
      return Status::invalid(where + "a region (PP0000) or a hospital's 12-character code");
    }
    if (!file.is_string() || file.text.empty()) return Status::invalid(where + "a file name");
    Result<Dialect> dialect = Dialect::load(file.text);
    if (!dialect.is_ok()) return Status::invalid(where + dialect.status().message());
    dialects->add(key, std::make_shared<const Dialect>(std::move(*dialect)));
  }
  return std::shared_ptr<const Dialects>(std::move(dialects));
}

std::map<std::string, std::string> Dialects::files() const {
  std::map<std::string, std::string> files;
  for (const auto& [key, dialect] : by_key_) files.emplace(key, dialect->source());
  return files;
}

}  // namespace medclear::adapters
