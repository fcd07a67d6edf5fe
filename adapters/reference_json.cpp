#include "adapters/reference_json.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

// Loading stops at the first fault. Inside this file that is done by throwing LoadError, which
// never leaves it: every public function catches it and returns the message as data.
struct LoadError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw LoadError{path + ": " + what};
}

// Reads an object's keys; done() refuses the keys nobody read.
class Fields {
 public:
  Fields(const Json& json, std::string path) : json_(json), path_(std::move(path)) {
    if (!json.is_object()) fail(path_, "must be an object");
  }
  // Refuses the keys nobody read. Call once every field was read.
  void done() const {
    for (const auto& [key, value] : json_.members) {
      if (!read_.contains(key)) fail(at(key), "unknown key");
    }
  }
  std::string at(std::string_view key) const { return path_ + "." + std::string(key); }
  const Json* optional(std::string_view key) {
    read_.insert(std::string(key));
    const Json* value = json_.find(key);
    return value == nullptr || value->is_null() ? nullptr : value;
  }
  const Json& required(std::string_view key) {
    const Json* value = optional(key);
    if (value == nullptr) fail(at(key), "is missing");
    return *value;
  }
  std::string string(std::string_view key) {
    const Json& value = required(key);
    if (!value.is_string()) fail(at(key), "must be a string");
    return value.text;
  }
  std::string division(std::string_view key) {
    std::string value = string(key);
    if (!cl::is_division_code(value)) fail(at(key), "must be a 6-digit division code");
    return value;
  }
  cl::Date date(std::string_view key) {
    const auto value = cl::parse_date(string(key));
    if (!value) fail(at(key), "must be a date yyyy-MM-dd");
    return *value;
  }
  bool boolean(std::string_view key, bool fallback) {
    const Json* value = optional(key);
    if (value == nullptr) return fallback;
    if (value->kind != Json::Kind::kBool) fail(at(key), "must be true or false");
    return value->boolean;
  }
  const std::string& path() const { return path_; }

 private:
  const Json& json_;
  std::string path_;
  std::set<std::string> read_;
};

std::string decimal_text(const Json& value, const std::string& path) {
  if (!value.is_string() && !value.is_number()) fail(path, "must be a decimal string or number");
  return value.text;
}

cl::Money money(const Json& value, const std::string& path) {
  cl::DecimalError error{};
  const auto parsed = cl::parse_money(decimal_text(value, path), &error);
  if (!parsed) fail(path, "invalid amount (" + std::string(cl::describe(error)) + ")");
  return *parsed;
}

cl::Ratio ratio(const Json& value, const std::string& path) {
  cl::DecimalError error{};
  const auto parsed = cl::parse_ratio(decimal_text(value, path), &error);
  if (!parsed) fail(path, "invalid ratio in [0, 1] (" + std::string(cl::describe(error)) + ")");
  return *parsed;
}

const Json& array(const Json& value, const std::string& path) {
  if (!value.is_array()) fail(path, "must be an array");
  return value;
}

// { "1": x, "2": y, "3": z } by hospital level.
template <typename T, typename Read>
void by_level(const Json& json, const std::string& path, T (&out)[3], Read read) {
  Fields f(json, path);
  for (int level = 1; level <= 3; ++level) {
    const std::string key = std::to_string(level);
    out[level - 1] = read(f.required(key), f.at(key));
  }
  f.done();
}

cl::CareTerms care_terms(const Json& json, const std::string& path) {
  Fields f(json, path);
  cl::CareTerms terms;
  Fields deductible(f.required("deductible"), f.at("deductible"));
  const std::string basis = deductible.string("basis");
  if (basis == "per_admission") {
    terms.deductible_basis = cl::DeductibleBasis::kPerAdmission;
  } else if (basis == "per_year") {
    terms.deductible_basis = cl::DeductibleBasis::kPerYear;
  } else {
    fail(deductible.at("basis"), "must be per_admission or per_year");
  }
  by_level(deductible.required("by_level"), deductible.at("by_level"), terms.deductible_by_level,
           money);
  deductible.done();
  by_level(f.required("ratio"), f.at("ratio"), terms.ratio_by_level, ratio);
  f.done();
  return terms;
}

cl::LayerTerms layer_terms(const Json& json, const std::string& path) {
  Fields f(json, path);
  cl::LayerTerms layer;
  layer.threshold = money(f.required("threshold"), f.at("threshold"));
  layer.annual_limit = money(f.required("annual_limit"), f.at("annual_limit"));
  const Json& bands = array(f.required("bands"), f.at("bands"));
  if (bands.items.empty()) fail(f.at("bands"), "needs at least one band");
  cl::Money lower = layer.threshold;
  for (size_t i = 0; i < bands.items.size(); ++i) {
    Fields band(bands.items[i], f.at("bands") + "[" + std::to_string(i) + "]");
    cl::LayerBand parsed;
    parsed.ratio = ratio(band.required("ratio"), band.at("ratio"));
    const bool last = i + 1 == bands.items.size();
    if (const Json* upto = band.optional("upto")) {
      if (last) fail(band.at("upto"), "the last band has no upper bound");
      parsed.upto = money(*upto, band.at("upto"));
      if (*parsed.upto <= lower) fail(band.at("upto"), "bands must increase from the threshold");
      lower = *parsed.upto;
    } else if (!last) {
      fail(band.at("upto"), "is missing (only the last band is open)");
    }
    band.done();
    layer.bands.push_back(parsed);
  }
  f.done();
  return layer;
}

cl::AssistanceTerms assistance_terms(const Json& json, const std::string& path,
                                     const cl::CodeTables& codes) {
  Fields f(json, path);
  cl::AssistanceTerms terms;
  const Json& types = array(f.required("psn_types"), f.at("psn_types"));
  for (size_t i = 0; i < types.items.size(); ++i) {
    const std::string at = f.at("psn_types") + "[" + std::to_string(i) + "]";
    if (!types.items[i].is_string() || !codes.knows_psn_type(types.items[i].text)) {
      fail(at, "must be a known psn_type");
    }
    terms.psn_types.push_back(types.items[i].text);
  }
  terms.ratio = ratio(f.required("ratio"), f.at("ratio"));
  terms.annual_limit = money(f.required("annual_limit"), f.at("annual_limit"));
  f.done();
  return terms;
}

cl::Policy policy(const Json& json, const cl::CodeTables& codes, const std::string& path) {
  Fields f(json, path);
  if (f.string("format") != "medclear.policy.v1")
    fail(f.at("format"), "must be medclear.policy.v1");
  cl::Policy p;
  p.admdvs = f.division("admdvs");
  p.insutype = f.string("insutype");
  if (!codes.knows_insutype(p.insutype)) fail(f.at("insutype"), "unknown insutype");
  if (!cl::insutype_has_policy(p.insutype)) {  // contracts/adjudicate.md: 320, 330, 392, 510, local
    fail(f.at("insutype"), "insutype " + p.insutype +
                               " has no policy of its own: policies exist for 310 and 390 only");
  }
  p.effective_from = f.date("effective_from");
  p.inpatient = care_terms(f.required("inpatient"), f.at("inpatient"));
  p.outpatient = care_terms(f.required("outpatient"), f.at("outpatient"));
  if (const Json* uplift = f.optional("retiree_uplift")) {
    p.retiree_uplift = ratio(*uplift, f.at("retiree_uplift"));
  }
  p.pool_annual_limit = money(f.required("pool_annual_limit"), f.at("pool_annual_limit"));
  Fields cuts(f.required("filing_cut"), f.at("filing_cut"));
  for (cl::FilingKind kind : {cl::FilingKind::kLongTerm, cl::FilingKind::kReferral,
                              cl::FilingKind::kEmergency, cl::FilingKind::kTemporary}) {
    const std::string key(cl::to_string(kind));
    p.filing_cut[static_cast<int>(kind)] = ratio(cuts.required(key), cuts.at(key));
  }
  cuts.done();
  if (const Json* unfiled = f.optional("unfiled")) {
    if (unfiled->is_string()) {
      if (unfiled->text != "refuse") fail(f.at("unfiled"), "must be \"refuse\" or an object");
    } else {
      Fields terms(*unfiled, f.at("unfiled"));
      p.unfiled = cl::UnfiledTerms{ratio(terms.required("ratio"), terms.at("ratio")),
                                   money(terms.required("deductible"), terms.at("deductible"))};
      terms.done();
    }
  }
  if (const Json* layer = f.optional("layer")) p.layer = layer_terms(*layer, f.at("layer"));
  if (const Json* assistance = f.optional("assistance")) {
    p.assistance = assistance_terms(*assistance, f.at("assistance"), codes);
  }
  p.personal_account = f.boolean("personal_account", false);
  f.done();
  return p;
}

cl::Catalogue catalogue(const Json& json, const std::string& path) {
  Fields f(json, path);
  if (f.string("format") != "medclear.catalogue.v1") {
    fail(f.at("format"), "must be medclear.catalogue.v1");
  }
  cl::Catalogue c;
  c.admdvs = f.division("admdvs");
  c.effective_from = f.date("effective_from");
  const Json& items = array(f.required("items"), f.at("items"));
  c.items.reserve(items.items.size());
  for (size_t i = 0; i < items.items.size(); ++i) {
    Fields item(items.items[i], f.at("items") + "[" + std::to_string(i) + "]");
    const std::string code = item.string("code");
    if (code.empty()) fail(item.at("code"), "is empty");
    cl::CatalogueItem parsed;
    const auto item_class = cl::parse_item_class(item.string("class"));
    if (!item_class) fail(item.at("class"), "must be 01, 02 or 03");
    parsed.item_class = *item_class;
    if (const Json* prop = item.optional("selfpay_prop")) {
      parsed.selfpay_prop = ratio(*prop, item.at("selfpay_prop"));
    }
    if (const Json* cap = item.optional("price_cap")) {
      const cl::Money cap_fen = money(*cap, item.at("price_cap"));
      parsed.price_cap = cl::Price{cap_fen.fen() * 10'000};
    }
    parsed.limited_use = item.boolean("limited_use", false);
    item.done();
    if (!c.items.emplace(code, parsed).second) fail(item.at("code"), "duplicate code " + code);
  }
  f.done();
  return c;
}

cl::Facility facility(const Json& json, const std::string& path) {
  Fields f(json, path);
  cl::Facility fac;
  fac.fixmedins_code = f.string("fixmedins_code");
  if (fac.fixmedins_code.size() != 12) fail(f.at("fixmedins_code"), "must be 12 characters");
  fac.admdvs = f.division("admdvs");
  const Json& level = f.required("level");
  if (!level.is_number() || (level.text != "1" && level.text != "2" && level.text != "3")) {
    fail(f.at("level"), "must be 1, 2 or 3");
  }
  fac.level = level.text[0] - '0';
  fac.cross_province = f.boolean("cross_province", false);
  f.done();
  return fac;
}

cl::Person person(const Json& json, const cl::CodeTables& codes, const std::string& path) {
  Fields f(json, path);
  cl::Person p;
  p.psn_no = f.string("psn_no");
  if (p.psn_no.empty() || p.psn_no.size() > 30) fail(f.at("psn_no"), "must be 1 to 30 characters");
  p.insuplc_admdvs = f.division("insuplc_admdvs");
  p.insutype = f.string("insutype");
  if (!codes.knows_insutype(p.insutype)) fail(f.at("insutype"), "unknown insutype");
  p.psn_type = f.string("psn_type");
  if (!codes.knows_psn_type(p.psn_type)) fail(f.at("psn_type"), "unknown psn_type");
  if (const Json* balance = f.optional("account_balance")) {
    p.account_balance = money(*balance, f.at("account_balance"));
  }
  if (const Json* filings = f.optional("filings")) {
    array(*filings, f.at("filings"));
    for (size_t i = 0; i < filings->items.size(); ++i) {
      Fields filing(filings->items[i], f.at("filings") + "[" + std::to_string(i) + "]");
      cl::Filing parsed;
      const auto kind = cl::parse_filing_kind(filing.string("kind"));
      if (!kind) fail(filing.at("kind"), "must be long_term, referral, emergency or temporary");
      parsed.kind = *kind;
      parsed.area = filing.division("area");
      parsed.from = filing.date("from");
      parsed.to = filing.date("to");
      if (parsed.to < parsed.from) fail(filing.at("to"), "is before from");
      filing.done();
      p.filings.push_back(parsed);
    }
  }
  f.done();
  return p;
}

void local_codes(const Json& json, cl::CodeTables& codes) {
  Fields f(json, "local_codes");
  auto add_all = [&](std::string_view key, auto add) {
    if (const Json* list = f.optional(key)) {
      array(*list, f.at(key));
      for (const Json& code : list->items) {
        if (!code.is_string() || code.text.empty()) fail(f.at(key), "codes must be strings");
        add(code.text);
      }
    }
  };
  add_all("med_type", [&](const std::string& c) { codes.add_local_med_type(c); });
  add_all("insutype", [&](const std::string& c) { codes.add_local_insutype(c); });
  add_all("psn_type", [&](const std::string& c) { codes.add_local_psn_type(c); });
  f.done();
}

template <typename Each>
void each_item(Fields& f, std::string_view key, Each each) {
  const Json* list = f.optional(key);
  if (list == nullptr) return;
  array(*list, std::string(key));
  for (size_t i = 0; i < list->items.size(); ++i) {
    each(list->items[i], std::string(key) + "[" + std::to_string(i) + "]");
  }
}

Scenario scenario(const Json& json) {
  Scenario s;
  cl::ReferenceData& ref = s.reference;
  Fields f(json, "scenario");
  if (const Json* codes = f.optional("local_codes")) local_codes(*codes, ref.codes);
  each_item(f, "policies",
            [&](const Json& j, const std::string& p) { ref.add_policy(policy(j, ref.codes, p)); });
  each_item(f, "catalogues",
            [&](const Json& j, const std::string& p) { ref.add_catalogue(catalogue(j, p)); });
  each_item(f, "facilities", [&](const Json& j, const std::string& p) {
    if (!ref.add_facility(facility(j, p))) fail(p, "duplicate fixmedins_code");
  });
  each_item(f, "persons", [&](const Json& j, const std::string& p) {
    if (!ref.add_person(person(j, ref.codes, p))) fail(p, "duplicate psn_no");
  });
  each_item(f, "requests", [&](const Json& j, const std::string&) { s.requests.push_back(j); });
  f.done();
  return s;
}

}  // namespace

Result<Scenario> load_scenario(std::string_view document) {
  Result<Json> json = parse_json(document);
  if (!json.is_ok()) {
    return Status::invalid("scenario is not valid JSON: " + json.status().message());
  }
  try {
    return scenario(*json);
  } catch (const LoadError& error) {
    return Status::invalid(error.message);
  }
}

Result<cl::Policy> load_policy(const Json& json, const cl::CodeTables& codes, std::string path) {
  try {
    return policy(json, codes, path);
  } catch (const LoadError& error) {
    return Status::invalid(error.message);
  }
}

Result<cl::Catalogue> load_catalogue(const Json& json, std::string path) {
  try {
    return catalogue(json, path);
  } catch (const LoadError& error) {
    return Status::invalid(error.message);
  }
}

}  // namespace medclear::adapters

namespace medclear::adapters {

namespace {

// Writing: the loader's shapes above, field by field in the contract's order.

void write_by_level(JsonWriter& w, std::string_view key, const cl::Money (&by)[3]) {
  w.key(key).begin_object();
  for (int level = 1; level <= 3; ++level) {
    w.key(std::to_string(level)).string(by[level - 1].to_string());
  }
  w.end_object();
}

void write_by_level(JsonWriter& w, std::string_view key, const cl::Ratio (&by)[3]) {
  w.key(key).begin_object();
  for (int level = 1; level <= 3; ++level) {
    w.key(std::to_string(level)).string(by[level - 1].to_string());
  }
  w.end_object();
}

void write_care(JsonWriter& w, std::string_view key, const cl::CareTerms& terms) {
  w.key(key).begin_object().key("deductible").begin_object();
  w.key("basis").string(terms.deductible_basis == cl::DeductibleBasis::kPerYear ? "per_year"
                                                                                : "per_admission");
  write_by_level(w, "by_level", terms.deductible_by_level);
  w.end_object();
  write_by_level(w, "ratio", terms.ratio_by_level);
  w.end_object();
}

void write_layer(JsonWriter& w, const std::optional<cl::LayerTerms>& layer) {
  w.key("layer");
  if (!layer) {
    w.null();
    return;
  }
  w.begin_object().key("threshold").string(layer->threshold.to_string());
  w.key("bands").begin_array();
  for (const cl::LayerBand& band : layer->bands) {
    w.begin_object();
    if (band.upto) w.key("upto").string(band.upto->to_string());
    w.key("ratio").string(band.ratio.to_string()).end_object();
  }
  w.end_array().key("annual_limit").string(layer->annual_limit.to_string()).end_object();
}

void write_assistance(JsonWriter& w, const std::optional<cl::AssistanceTerms>& assistance) {
  w.key("assistance");
  if (!assistance) {
    w.null();
    return;
  }
  w.begin_object().key("psn_types").begin_array();
  for (const std::string& type : assistance->psn_types) w.string(type);
  w.end_array().key("ratio").string(assistance->ratio.to_string());
  w.key("annual_limit").string(assistance->annual_limit.to_string()).end_object();
}

std::string policy_text(const cl::Policy& p) {
  JsonWriter w;
  w.begin_object().key("format").string("medclear.policy.v1").key("admdvs").string(p.admdvs);
  w.key("insutype").string(p.insutype).key("effective_from").string(p.effective_from.to_string());
  write_care(w, "inpatient", p.inpatient);
  write_care(w, "outpatient", p.outpatient);
  w.key("retiree_uplift").string(p.retiree_uplift.to_string());
  w.key("pool_annual_limit").string(p.pool_annual_limit.to_string());
  w.key("filing_cut").begin_object();
  for (cl::FilingKind kind : {cl::FilingKind::kLongTerm, cl::FilingKind::kReferral,
                              cl::FilingKind::kEmergency, cl::FilingKind::kTemporary}) {
    w.key(cl::to_string(kind)).string(p.cut(kind).to_string());
  }
  w.end_object().key("unfiled");
  if (p.unfiled) {
    w.begin_object().key("ratio").string(p.unfiled->ratio.to_string());
    w.key("deductible").string(p.unfiled->deductible.to_string()).end_object();
  } else {
    w.string("refuse");
  }
  write_layer(w, p.layer);
  write_assistance(w, p.assistance);
  w.key("personal_account").boolean(p.personal_account).end_object();
  return w.take();
}

// "01", "02", "03": the inverse of cl::parse_item_class.
std::string item_class_code(cl::ItemClass item_class) {
  return "0" + std::to_string(static_cast<int>(item_class));
}

Result<std::string> catalogue_text(const cl::Catalogue& c) {
  std::vector<std::pair<std::string, const cl::CatalogueItem*>> items;
  for (const auto& [code, item] : c.items) items.emplace_back(code, &item);
  std::sort(items.begin(), items.end());
  JsonWriter w;
  w.begin_object().key("format").string("medclear.catalogue.v1").key("admdvs").string(c.admdvs);
  w.key("effective_from").string(c.effective_from.to_string()).key("items").begin_array();
  for (const auto& [code, item] : items) {
    w.begin_object().key("code").string(code);
    w.key("class").string(item_class_code(item->item_class));
    w.key("selfpay_prop").string(item->selfpay_prop.to_string());
    if (item->price_cap) {
      if (item->price_cap->micro_yuan % 10'000 != 0) {
        return Status::invalid("catalogue " + c.admdvs + " item " + code +
                               ": price_cap is not a whole fen");
      }
      w.key("price_cap")
          .string(cl::Money::from_fen(item->price_cap->micro_yuan / 10'000).to_string());
    }
    w.key("limited_use").boolean(item->limited_use).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string facility_text(const cl::Facility& f) {
  JsonWriter w;
  w.begin_object().key("fixmedins_code").string(f.fixmedins_code).key("admdvs").string(f.admdvs);
  w.key("level").integer(f.level).key("cross_province").boolean(f.cross_province).end_object();
  return w.take();
}

std::string person_text(const cl::Person& p) {
  JsonWriter w;
  w.begin_object().key("psn_no").string(p.psn_no).key("insuplc_admdvs").string(p.insuplc_admdvs);
  w.key("insutype").string(p.insutype).key("psn_type").string(p.psn_type);
  w.key("account_balance").string(p.account_balance.to_string()).key("filings").begin_array();
  for (const cl::Filing& filing : p.filings) {
    w.begin_object().key("kind").string(cl::to_string(filing.kind)).key("area").string(filing.area);
    w.key("from").string(filing.from.to_string()).key("to").string(filing.to.to_string());
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

// The codes of `known` that the national tables lack: the local extensions.
std::string local_list(const std::set<std::string, std::less<>>& known,
                       const std::set<std::string, std::less<>>& national) {
  JsonWriter w;
  w.begin_array();
  for (const std::string& code : known) {
    if (!national.contains(code)) w.string(code);
  }
  w.end_array();
  return w.take();
}

std::string local_codes_text(const cl::CodeTables& codes) {
  const cl::CodeTables national;
  const std::string med = local_list(codes.med_types(), national.med_types());
  const std::string ins = local_list(codes.insutypes(), national.insutypes());
  const std::string psn = local_list(codes.psn_types(), national.psn_types());
  if (med == "[]" && ins == "[]" && psn == "[]") return "";
  return "\"local_codes\": {\"med_type\": " + med + ", \"insutype\": " + ins +
         ", \"psn_type\": " + psn + "},\n";
}

// "\"key\": [\n  item,\n  item\n]" with one item per line.
std::string listed(std::string_view key, const std::vector<std::string>& items) {
  std::string out = "\"" + std::string(key) + "\": [";
  for (size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "\n  " : ",\n  ") + items[i];
  return out + (items.empty() ? "]" : "\n]");
}

template <typename T>
std::vector<const T*> sorted_by_key(const std::unordered_map<std::string, T>& map) {
  std::vector<std::pair<std::string, const T*>> keyed;
  for (const auto& [key, value] : map) keyed.emplace_back(key, &value);
  std::sort(keyed.begin(), keyed.end());
  std::vector<const T*> out;
  for (const auto& entry : keyed) out.push_back(entry.second);
  return out;
}

}  // namespace

Result<std::string> write_reference(const cl::ReferenceData& reference) {
  std::vector<std::string> policies, catalogues, facilities, persons;
  for (const auto& [key, versions] : reference.policies()) {
    for (const cl::Policy& policy : versions) policies.push_back(policy_text(policy));
  }
  for (const auto& [admdvs, versions] : reference.catalogues()) {
    for (const cl::Catalogue& catalogue : versions) {
      Result<std::string> text = catalogue_text(catalogue);
      if (!text.is_ok()) return text.status();
      catalogues.push_back(std::move(*text));
    }
  }
  for (const cl::Facility* f : sorted_by_key(reference.facilities())) {
    facilities.push_back(facility_text(*f));
  }
  for (const cl::Person* p : sorted_by_key(reference.persons())) persons.push_back(person_text(*p));
  return "{\n" + local_codes_text(reference.codes) + listed("policies", policies) + ",\n" +
         listed("catalogues", catalogues) + ",\n" + listed("facilities", facilities) + ",\n" +
         listed("persons", persons) + "\n}\n";
}

Result<std::string> write_reference_file(const cl::ReferenceData& reference,
                                         const std::string& path) {
  Result<std::string> text = write_reference(reference);
  if (!text.is_ok()) return text.status();
  std::ofstream file(path, std::ios::trunc);
  file << *text;
  file.close();
  if (!file) return Status::error("cannot write " + path);
  return text;
}

}  // namespace medclear::adapters
