// Province dialects (adapters/DIALECT.md): a declarative file per province that turns its local
// variant of the national request envelope into the national one — renamed fields, local code
// values mapped to national ones, defaults for fields the variant leaves out — before the envelope
// is parsed and validated (parse_nhsa_request), so a variant needs configuration, not code.
// Loading is strict: every refusal names the file and the key path
// ("codes[\"input.data.insutype\"]"). Applying never guesses: a request that holds both a field's
// local and national name is refused.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/json.h"
#include "clearing/status.h"

namespace medclear::adapters {

class Dialect {
 public:
  // A dialect file's text; `source` (its path) prefixes every refusal.
  static Result<Dialect> parse(std::string_view text, std::string_view source);
  static Result<Dialect> load(const std::string& path);

  const std::string& province() const { return province_; }  // the division it is for
  const std::string& source() const { return source_; }

  // The national form of a request envelope in this dialect (JSON text in, JSON text out; number
  // texts kept). kInvalid when the body is not a JSON object within `limits`, or is ambiguous.
  Result<std::string> to_national(std::string_view body, const JsonLimits& limits) const;
  // The same on a parsed envelope (an object), in place.
  Status apply(Json& envelope) const;

  // A step of a field path: a member's name; `each` when it is an array whose every element
  // (an object) the rest of the path goes into ("feedetail[]").
  struct Step {
    std::string name;
    bool each = false;
  };
  using Path = std::vector<Step>;  // to the object holding the field
  struct Rename {
    Path parent;
    std::string local;  // the province's name
    std::string national;
  };
  struct CodeMap {
    Path parent;
    std::string field;
    std::map<std::string, std::string, std::less<>> national_of;  // local code → national
  };
  struct Default {
    Path parent;
    std::string field;
    std::string value;
  };

 private:
  std::string province_;
  std::string source_;
  std::vector<Rename> renames_;
  std::vector<CodeMap> codes_;
  std::vector<Default> defaults_;
};

// The dialects of one gateway: per hospital (its fixmedins_code, the client certificate's CN) and
// per treating region (PP0000); a hospital's own dialect comes first.
class Dialects {
 public:
  // `key`: a region (PP0000) or a hospital's 12-character fixmedins_code.
  void add(const std::string& key, std::shared_ptr<const Dialect> dialect);
  // nullptr: the hospital speaks the national interface.
  const Dialect* of(std::string_view hospital, std::string_view region) const;
  bool empty() const { return by_key_.empty(); }
  // key → file, for writing node configurations.
  std::map<std::string, std::string> files() const;

 private:
  std::map<std::string, std::shared_ptr<const Dialect>, std::less<>> by_key_;
};

// The "dialects" object of a node configuration, {"440000": "ops/dialects/440000.json",
// "H44010600001": "…"}: each key is_dialect_key, each file loaded; a refusal names the key
// ("dialects.440000: FILE: codes[\"input.data.insutype\"]: …").
Result<std::shared_ptr<const Dialects>> load_dialects(const Json& files);

// Whether `key` can name dialect users: a region code PP0000 or a 12-character fixmedins_code.
bool is_dialect_key(std::string_view key);

}  // namespace medclear::adapters
