#include "adapters/fhir.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <vector>

#include "adapters/decimal_text.h"
#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "clearing/item_split.h"
#include "clearing/split.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

constexpr std::string_view kClaimTypes = "http://terminology.hl7.org/CodeSystem/claim-type";
constexpr std::string_view kAdjudication = "http://terminology.hl7.org/CodeSystem/adjudication";
constexpr std::string_view kCurrency = "CNY";
// National times are Beijing time; a FHIR dateTime with a time carries its offset.
constexpr std::string_view kBeijing = "+08:00";

// The settlement fields of the national interface without a FHIR home: Claim.extension, and
// Claim.item.extension for the fee line's.
constexpr std::array<std::string_view, 11> kClaimExtensions = {
    "mdtrt_cert_type", "mdtrt_cert_no", "med_type",      "psn_setlway", "mdtrt_id", "chrg_bchno",
    "acct_used_flag",  "mid_setl_flag", "psn_cert_type", "certno",      "psn_type"};
constexpr std::array<std::string_view, 2> kItemExtensions = {"feedetl_sn", "hosp_appr_flag"};

std::string system_of(std::string_view field) {
  return std::string(kFhirNational) + std::string(field);
}

std::string extension_path(std::string_view field) {
  return "extension.where(url='" + system_of(field) + "').valueString";
}

template <size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- the mapping, national path → FHIR path (adapters/FHIR.md) --------------------------------

std::string line_home(std::string_view key) {
  if (key == "fee_ocur_time") return "servicedPeriod.start";
  if (key == "med_list_codg" || key == "medins_list_codg") {
    return "productOrService.coding.where(system='" + system_of(key) + "').code";
  }
  if (key == "det_item_fee_sumamt") return "net.value";
  if (key == "cnt") return "quantity.value";
  if (key == "pric") return "unitPrice.value";
  if (contains(kItemExtensions, key)) return extension_path(key);
  return {};
}

std::string data_home(std::string_view key) {
  if (key == "psn_no") return "Claim.patient.identifier.value";
  if (key == "psn_name") return "Claim.patient.display";
  if (key == "insutype") return "Claim.insurance[0].coverage.identifier.value";
  if (key == "medfee_sumamt") return "Claim.total.value";
  if (contains(kClaimExtensions, key)) return "Claim." + extension_path(key);
  return {};
}

std::string envelope_home(std::string_view key) {
  if (key == "infno") return "Claim.subType.coding.where(system='" + system_of("infno") + "').code";
  if (key == "msgid") return "Claim.identifier.where(system='" + system_of("msgid") + "').value";
  if (key == "mdtrtarea_admvs") return "Claim.facility.identifier.value";
  if (key == "insuplc_admdvs") return "Claim.insurer.identifier.value";
  if (key == "fixmedins_code") return "Claim.provider.identifier.value";
  if (key == "fixmedins_name") return "Claim.provider.display";
  if (key == "inf_time") return "Claim.created";
  if (key == "input" || key == "input.data") return "Claim";
  return {};
}

// The FHIR path of a national field path ("input.feedetail[2].cnt" →
// "Claim.item[2].quantity.value"), or empty when it has none.
std::string fhir_path_of(std::string_view national) {
  constexpr std::string_view kLines = "input.feedetail";
  constexpr std::string_view kData = "input.data.";
  if (national.starts_with(kLines)) {
    std::string_view rest = national.substr(kLines.size());
    if (rest.empty()) return "Claim.item";
    const size_t close = rest.find(']');
    if (rest[0] != '[' || close == std::string_view::npos) return {};
    const std::string item = "Claim.item" + std::string(rest.substr(0, close + 1));
    rest = rest.substr(close + 1);
    if (rest.empty()) return item;
    const std::string home = rest[0] == '.' ? line_home(rest.substr(1)) : std::string();
    return home.empty() ? std::string() : item + "." + home;
  }
  if (national.starts_with(kData)) return data_home(national.substr(kData.size()));
  return envelope_home(national);
}

// A national rejection's message begins with its field's national path: name the FHIR path
// instead, and keep it as the issue's expression.
void name_fhir_path(cl::Rejection& rejection) {
  const std::string national = rejection.message.substr(0, rejection.message.find(' '));
  const std::string fhir = fhir_path_of(national);
  if (!fhir.empty()) rejection.message.replace(0, national.size(), fhir);
}

// The FHIR path a rejection's message begins with, or empty.
std::string path_of(const std::string& message) {
  std::string first = message.substr(0, message.find(' '));
  return first.starts_with("Claim") || first == "resourceType" ? first : std::string();
}

// ---- reading a Claim ---------------------------------------------------------------------------

// Reads the FHIR structure of one Claim strictly — every element read must have FHIR's JSON type,
// identifiers and codings the national system — and lays the national fields it finds into a
// national request envelope. What a field's value must be (length, code, exact amount) is left to
// parse_nhsa_request, so its rules have one home.
class ClaimReader {
 public:
  explicit ClaimReader(cl::RejectionLadder& ladder) : ladder_(ladder) {
    envelope_.kind = Json::Kind::kObject;
    input_.kind = Json::Kind::kObject;
    data_.kind = Json::Kind::kObject;
    lines_.kind = Json::Kind::kArray;
  }

  void read(const JsonNode& claim);
  Json take_envelope();

 private:
  void fault(const std::string& path, const std::string& what) {
    ladder_.add(cl::Reject::kMalformedMessage, path + " " + what);
  }

  // The member `key` of `object` (nullptr when `object` is), nullptr when absent; a fault when it
  // is null or not of `kind`.
  const JsonNode* get(const JsonNode* object, std::string_view key, const std::string& path,
                      Json::Kind kind) {
    if (object == nullptr) return nullptr;
    const JsonNode* value = object->find(key);
    if (value == nullptr) return nullptr;
    if (value->kind != kind) {
      fault(path + "." + std::string(key), "must be a JSON " + std::string(to_string(kind)) +
                                               ", not " + std::string(to_string(value->kind)));
      return nullptr;
    }
    return value;
  }
  const JsonNode* text(const JsonNode* object, std::string_view key, const std::string& path) {
    return get(object, key, path, Json::Kind::kString);
  }

  static void put(Json& object, std::string_view key, const JsonNode* value) {
    if (value != nullptr) object.members.emplace_back(std::string(key), to_json(*value));
  }
  static void put_text(Json& object, std::string_view key, std::string value) {
    Json text;
    text.kind = Json::Kind::kString;
    text.text = std::move(value);
    object.members.emplace_back(std::string(key), std::move(text));
  }

  void check_members(const JsonNode& object, const std::string& path,
                     std::span<const std::string_view> known,
                     std::span<const std::pair<std::string_view, std::string_view>> refused);
  const JsonNode* national_identifier(const JsonNode* reference, const std::string& path,
                                      std::string_view field);
  const JsonNode* national_coding(const JsonNode* codeable, const std::string& path,
                                  std::string_view field);
  std::optional<std::string> beijing_time(const JsonNode* value, const std::string& path);
  const JsonNode* amount(const JsonNode* money, const std::string& path, bool is_money);
  void extensions(const JsonNode& object, const std::string& path,
                  std::span<const std::string_view> fields, Json& into);
  void read_envelope(const JsonNode& claim);
  void read_infno(const JsonNode& claim);
  void read_data(const JsonNode& claim);
  void read_items(const JsonNode& claim);
  void read_item(const JsonNode& item, size_t index);

  cl::RejectionLadder& ladder_;
  Json envelope_;
  Json input_;
  Json data_;
  Json lines_;
  bool has_lines_ = false;
};

// The elements of an R4 Claim and of its items. Those without a national meaning are allowed and
// ignored; a modifier extension must not be ignored (FHIR), so it is refused, as are elements
// that would change the meaning of what is read.
constexpr std::array<std::string_view, 36> kClaimElements = {"resourceType",
                                                             "id",
                                                             "meta",
                                                             "implicitRules",
                                                             "language",
                                                             "text",
                                                             "contained",
                                                             "extension",
                                                             "identifier",
                                                             "status",
                                                             "type",
                                                             "subType",
                                                             "use",
                                                             "patient",
                                                             "billablePeriod",
                                                             "created",
                                                             "enterer",
                                                             "insurer",
                                                             "provider",
                                                             "priority",
                                                             "fundsReserve",
                                                             "related",
                                                             "prescription",
                                                             "originalPrescription",
                                                             "payee",
                                                             "referral",
                                                             "facility",
                                                             "careTeam",
                                                             "supportingInfo",
                                                             "diagnosis",
                                                             "procedure",
                                                             "insurance",
                                                             "accident",
                                                             "item",
                                                             "total",
                                                             "modifierExtension"};
constexpr std::array<std::string_view, 26> kItemElements = {"id",
                                                            "extension",
                                                            "modifierExtension",
                                                            "sequence",
                                                            "careTeamSequence",
                                                            "diagnosisSequence",
                                                            "procedureSequence",
                                                            "informationSequence",
                                                            "revenue",
                                                            "category",
                                                            "productOrService",
                                                            "modifier",
                                                            "programCode",
                                                            "servicedDate",
                                                            "servicedPeriod",
                                                            "locationCodeableConcept",
                                                            "locationAddress",
                                                            "locationReference",
                                                            "quantity",
                                                            "unitPrice",
                                                            "factor",
                                                            "net",
                                                            "udi",
                                                            "bodySite",
                                                            "subSite",
                                                            "encounter"};
constexpr std::pair<std::string_view, std::string_view> kClaimRefused[] = {
    {"modifierExtension", "is not understood here (a modifier extension cannot be ignored)"}};
constexpr std::pair<std::string_view, std::string_view> kItemRefused[] = {
    {"modifierExtension", "is not understood here (a modifier extension cannot be ignored)"},
    {"detail", "is not supported: send each fee line as an item"},
    {"factor", "is not supported: net is the line's amount"},
    {"servicedDate", "has no time of day: send servicedPeriod.start"}};

void ClaimReader::check_members(
    const JsonNode& object, const std::string& path, std::span<const std::string_view> known,
    std::span<const std::pair<std::string_view, std::string_view>> refused) {
  for (const JsonNode& member : object.items()) {
    const std::string where = path + "." + std::string(member.key);
    const auto refusal = std::find_if(refused.begin(), refused.end(),
                                      [&](const auto& r) { return r.first == member.key; });
    if (refusal != refused.end()) {
      fault(where, std::string(refusal->second));
      continue;
    }
    // A primitive element's id and extensions travel as "_element".
    const std::string_view element =
        member.key.starts_with('_') ? member.key.substr(1) : member.key;
    if (std::find(known.begin(), known.end(), element) == known.end()) {
      fault(where, "is not an element of an R4 " +
                       std::string(path.find('[') == std::string::npos ? "Claim" : "Claim.item"));
    }
  }
}

// reference.identifier, whose system must be the national field's; its value.
const JsonNode* ClaimReader::national_identifier(const JsonNode* reference, const std::string& path,
                                                 std::string_view field) {
  const JsonNode* identifier = get(reference, "identifier", path, Json::Kind::kObject);
  const std::string where = path + ".identifier";
  const JsonNode* system = text(identifier, "system", where);
  if (system != nullptr && system->text != system_of(field)) {
    fault(where + ".system", "must be " + system_of(field));
    return nullptr;
  }
  return get(identifier, "value", where, Json::Kind::kString);
}

// The code of codeable.coding whose system is the national field's (nullptr when none is).
const JsonNode* ClaimReader::national_coding(const JsonNode* codeable, const std::string& path,
                                             std::string_view field) {
  const JsonNode* codings = get(codeable, "coding", path, Json::Kind::kArray);
  if (codings == nullptr) return nullptr;
  size_t index = 0;
  const JsonNode* found = nullptr;
  for (const JsonNode& coding : codings->items()) {
    const std::string where = path + ".coding[" + std::to_string(index++) + "]";
    if (!coding.is_object()) {
      fault(where, "must be a JSON object");
      continue;
    }
    const JsonNode* system = text(&coding, "system", where);
    if (system == nullptr || system->text != system_of(field)) continue;
    if (found != nullptr) fault(where, "repeats the system " + system_of(field));
    found = get(&coding, "code", where, Json::Kind::kString);
  }
  return found;
}

// A FHIR dateTime in Beijing time, yyyy-MM-ddTHH:mm:ss+08:00, as the national yyyy-MM-dd HH:mm:ss.
std::optional<std::string> ClaimReader::beijing_time(const JsonNode* value,
                                                     const std::string& path) {
  if (value == nullptr) return std::nullopt;
  const std::string_view t = value->text;
  if (t.size() != 25 || t[10] != 'T' || t.substr(19) != kBeijing) {
    fault(path, "must be a dateTime in Beijing time, yyyy-MM-ddTHH:mm:ss+08:00");
    return std::nullopt;
  }
  std::string national(t.substr(0, 19));
  national[10] = ' ';
  return national;
}

// money.value (a JSON number: its text is kept) and, for Money, its currency, which must be CNY.
const JsonNode* ClaimReader::amount(const JsonNode* money, const std::string& path, bool is_money) {
  if (money == nullptr) return nullptr;
  if (is_money) {
    const JsonNode* currency = text(money, "currency", path);
    if (currency != nullptr && currency->text != kCurrency) {
      fault(path + ".currency", "must be CNY");
    }
  }
  return get(money, "value", path, Json::Kind::kNumber);
}

// The national fields among the extensions of `object`: url = the field's system, valueString.
// Extensions of other URLs are ignorable (FHIR) and ignored; the national ones must be known.
void ClaimReader::extensions(const JsonNode& object, const std::string& path,
                             std::span<const std::string_view> fields, Json& into) {
  const JsonNode* list = get(&object, "extension", path, Json::Kind::kArray);
  if (list == nullptr) return;
  size_t index = 0;
  for (const JsonNode& extension : list->items()) {
    const std::string where = path + ".extension[" + std::to_string(index++) + "]";
    if (!extension.is_object()) {
      fault(where, "must be a JSON object");
      continue;
    }
    const JsonNode* url = text(&extension, "url", where);
    if (url == nullptr || !url->text.starts_with(kFhirNational)) continue;
    const std::string_view field = url->text.substr(kFhirNational.size());
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
      fault(where + ".url", "names no national field here");
    } else if (into.find(field) != nullptr) {
      fault(where + ".url", "repeats " + std::string(url->text));
    } else if (const JsonNode* value = text(&extension, "valueString", where)) {
      put(into, field, value);
    } else if (extension.find("valueString") == nullptr) {
      fault(where, "must carry valueString");
    }
  }
}

void ClaimReader::read(const JsonNode& claim) {
  const JsonNode* type = claim.find("resourceType");
  if (type == nullptr || !type->is_string() || type->text != "Claim") {
    fault("resourceType", "must be \"Claim\"");
    return;
  }
  check_members(claim, "Claim", kClaimElements, kClaimRefused);
  if (const JsonNode* status = text(&claim, "status", "Claim");
      status != nullptr && status->text != "active") {
    fault("Claim.status", "must be \"active\" (cancels go by the national interface)");
  }
  read_envelope(claim);
  read_infno(claim);
  read_data(claim);
  read_items(claim);
}

void ClaimReader::read_envelope(const JsonNode& claim) {
  if (const JsonNode* identifiers = get(&claim, "identifier", "Claim", Json::Kind::kArray)) {
    size_t index = 0;
    for (const JsonNode& identifier : identifiers->items()) {
      const std::string where = "Claim.identifier[" + std::to_string(index++) + "]";
      if (!identifier.is_object()) {
        fault(where, "must be a JSON object");
        continue;
      }
      const JsonNode* system = text(&identifier, "system", where);
      if (system == nullptr || system->text != system_of("msgid")) continue;
      if (envelope_.find("msgid") != nullptr) fault(where, "repeats the msgid");
      put(envelope_, "msgid", get(&identifier, "value", where, Json::Kind::kString));
    }
  }
  const JsonNode* provider = get(&claim, "provider", "Claim", Json::Kind::kObject);
  put(envelope_, "fixmedins_code",
      national_identifier(provider, "Claim.provider", "fixmedins_code"));
  put(envelope_, "fixmedins_name", text(provider, "display", "Claim.provider"));
  put(envelope_, "mdtrtarea_admvs",
      national_identifier(get(&claim, "facility", "Claim", Json::Kind::kObject), "Claim.facility",
                          "admdvs"));
  put(envelope_, "insuplc_admdvs",
      national_identifier(get(&claim, "insurer", "Claim", Json::Kind::kObject), "Claim.insurer",
                          "admdvs"));
  if (auto time = beijing_time(text(&claim, "created", "Claim"), "Claim.created")) {
    put_text(envelope_, "inf_time", std::move(*time));
  }
}

void ClaimReader::read_infno(const JsonNode& claim) {
  const JsonNode* code = national_coding(get(&claim, "subType", "Claim", Json::Kind::kObject),
                                         "Claim.subType", "infno");
  put(envelope_, "infno", code);
  const JsonNode* use = text(&claim, "use", "Claim");
  const auto infno = code != nullptr ? cl::parse_transaction(code->text) : std::nullopt;
  if (!infno) return;  // missing or unknown: the national reader says so
  if (!cl::carries_claim(*infno)) {
    fault("Claim.subType",
          "names " + std::string(code->text) +
              ": a FHIR Claim is a settlement or pre-settlement (2206, 2207, 2303, 2304); cancels "
              "and reversals go by the national interface");
    return;
  }
  const std::string_view expected = cl::is_pre_settlement(*infno) ? "predetermination" : "claim";
  if (use == nullptr || use->text != expected) {
    fault("Claim.use",
          "must be \"" + std::string(expected) + "\" for infno " + std::string(code->text));
  }
}

void ClaimReader::read_data(const JsonNode& claim) {
  const JsonNode* patient = get(&claim, "patient", "Claim", Json::Kind::kObject);
  put(data_, "psn_no", national_identifier(patient, "Claim.patient", "psn_no"));
  put(data_, "psn_name", text(patient, "display", "Claim.patient"));
  if (const JsonNode* insurance = get(&claim, "insurance", "Claim", Json::Kind::kArray)) {
    const JsonNode* first = insurance->size == 1 ? &*insurance->items().begin() : nullptr;
    if (first == nullptr || !first->is_object()) {
      fault("Claim.insurance", "must hold exactly one insurance (object): the insured scheme");
    } else {
      const JsonNode* coverage = get(first, "coverage", "Claim.insurance[0]", Json::Kind::kObject);
      put(data_, "insutype",
          national_identifier(coverage, "Claim.insurance[0].coverage", "insutype"));
    }
  }
  put(data_, "medfee_sumamt",
      amount(get(&claim, "total", "Claim", Json::Kind::kObject), "Claim.total", true));
  extensions(claim, "Claim", kClaimExtensions, data_);
}

void ClaimReader::read_items(const JsonNode& claim) {
  const JsonNode* items = get(&claim, "item", "Claim", Json::Kind::kArray);
  if (items == nullptr) return;
  has_lines_ = true;
  if (items->size > cl::kClaimLinesMax) {
    fault("Claim.item", "has more than " + std::to_string(cl::kClaimLinesMax) + " items");
    return;
  }
  size_t index = 0;
  for (const JsonNode& item : items->items()) {
    if (!item.is_object()) {
      fault("Claim.item[" + std::to_string(index) + "]", "must be a JSON object");
      lines_.items.emplace_back();  // the national reader names it too
    } else {
      read_item(item, index);
    }
    ++index;
  }
}

void ClaimReader::read_item(const JsonNode& item, size_t index) {
  const std::string path = "Claim.item[" + std::to_string(index) + "]";
  check_members(item, path, kItemElements, kItemRefused);
  const JsonNode* sequence = get(&item, "sequence", path, Json::Kind::kNumber);
  if (sequence == nullptr || sequence->text != std::to_string(index + 1)) {
    fault(path + ".sequence", "must be " + std::to_string(index + 1) + " (items in order)");
  }
  Json line;
  line.kind = Json::Kind::kObject;
  const JsonNode* product = get(&item, "productOrService", path, Json::Kind::kObject);
  put(line, "med_list_codg", national_coding(product, path + ".productOrService", "med_list_codg"));
  put(line, "medins_list_codg",
      national_coding(product, path + ".productOrService", "medins_list_codg"));
  const JsonNode* period = get(&item, "servicedPeriod", path, Json::Kind::kObject);
  if (auto time = beijing_time(text(period, "start", path + ".servicedPeriod"),
                               path + ".servicedPeriod.start")) {
    put_text(line, "fee_ocur_time", std::move(*time));
  }
  put(line, "det_item_fee_sumamt",
      amount(get(&item, "net", path, Json::Kind::kObject), path + ".net", true));
  put(line, "cnt",
      amount(get(&item, "quantity", path, Json::Kind::kObject), path + ".quantity", false));
  put(line, "pric",
      amount(get(&item, "unitPrice", path, Json::Kind::kObject), path + ".unitPrice", true));
  extensions(item, path, kItemExtensions, line);
  lines_.items.push_back(std::move(line));
}

Json ClaimReader::take_envelope() {
  input_.members.emplace_back("data", std::move(data_));
  if (has_lines_) input_.members.emplace_back("feedetail", std::move(lines_));
  envelope_.members.emplace_back("input", std::move(input_));
  return std::move(envelope_);
}

// What FhirClaimParse echoes of an invalid claim: a national field of the envelope, if a string.
std::string envelope_text(const Json& envelope, std::string_view key) {
  const Json* value = envelope.find(key);
  return value != nullptr && value->is_string() ? value->text : std::string();
}

}  // namespace

FhirClaimParse parse_fhir_claim(std::string_view body, const cl::CodeTables& codes) {
  FhirClaimParse parse;
  // Claim → item → productOrService → coding → element: a Claim read here nests no deeper
  // than 8; extensions and contained resources of other systems may nest a little more.
  const Result<JsonDoc> json =
      parse_json_doc(body, JsonLimits{.depth_max = 16, .document_bytes_max = 16 << 20});
  if (!json.is_ok()) {
    parse.rejection = {cl::Reject::kMalformedMessage,
                       "body is not JSON: " + json.status().message()};
    return parse;
  }
  if (!json->root().is_object()) {
    parse.rejection = {cl::Reject::kMalformedMessage, "the body must be a FHIR resource (object)"};
    return parse;
  }
  cl::RejectionLadder ladder;
  ClaimReader reader(ladder);
  reader.read(json->root());
  const Json envelope = reader.take_envelope();
  parse.msgid = envelope_text(envelope, "msgid");
  parse.fixmedins_code = envelope_text(envelope, "fixmedins_code");
  parse.mdtrtarea_admvs = envelope_text(envelope, "mdtrtarea_admvs");
  NhsaParse national = parse_nhsa_request(envelope, codes);
  if (!national.request) {
    name_fhir_path(national.rejection);
    ladder.add(national.rejection.reason, std::move(national.rejection.message));
  }
  if (!ladder.empty()) {
    parse.rejection = ladder.best();
    parse.path = path_of(parse.rejection.message);
    return parse;
  }
  JsonWriter writer;
  writer.value(envelope);
  parse.envelope = writer.take();
  parse.request = std::move(national.request);
  return parse;
}

// ---- writing -----------------------------------------------------------------------------------

namespace {

std::string fhir_time(const cl::DateTime& time) {
  std::string text = time.to_string();
  if (text.size() == 19) text[10] = 'T';
  return text + std::string(kBeijing);
}

void national_coding(JsonWriter& w, std::string_view field, std::string_view code) {
  w.begin_object().key("coding").begin_array().begin_object();
  w.key("system").string(system_of(field)).key("code").string(code);
  w.end_object().end_array().end_object();
}

// A Reference by a national identifier; `display` only when not empty (FHIR has no empty strings).
void national_reference(JsonWriter& w, std::string_view key, std::string_view field,
                        std::string_view value, std::string_view display = {}) {
  w.key(key).begin_object();
  w.key("identifier").begin_object();
  w.key("system").string(system_of(field)).key("value").string(value);
  w.end_object();
  if (!display.empty()) w.key("display").string(display);
  w.end_object();
}

void money(JsonWriter& w, cl::Money amount) {
  w.begin_object().key("value").number_text(amount.to_string());
  w.key("currency").string(kCurrency).end_object();
}

void string_extension(JsonWriter& w, std::string_view field, std::string_view value) {
  if (value.empty()) return;
  w.begin_object().key("url").string(system_of(field)).key("valueString").string(value);
  w.end_object();
}

void claim_type(JsonWriter& w) {
  w.key("type").begin_object().key("coding").begin_array().begin_object();
  w.key("system").string(kClaimTypes).key("code").string("institutional");
  w.end_object().end_array().end_object();
}

std::string_view use_of(const cl::Request& request) {
  return cl::is_pre_settlement(request.envelope.infno) ? "predetermination" : "claim";
}

void claim_extensions(JsonWriter& w, const cl::SettlementInput& c) {
  w.key("extension").begin_array();
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"mdtrt_cert_type", c.mdtrt_cert_type},
      {"mdtrt_cert_no", c.mdtrt_cert_no},
      {"med_type", c.med_type},
      {"psn_setlway", c.psn_setlway},
      {"mdtrt_id", c.mdtrt_id},
      {"chrg_bchno", c.chrg_bchno},
      {"acct_used_flag", c.acct_used_flag ? "1" : "0"},
      {"mid_setl_flag", c.mid_setl_flag},
      {"psn_cert_type", c.psn_cert_type},
      {"certno", c.certno},
      {"psn_type", c.psn_type}};
  for (const auto& [field, value] : fields) string_extension(w, field, value);
  w.end_array();
}

void claim_item(JsonWriter& w, const cl::FeeLine& line, size_t index) {
  w.begin_object();
  w.key("extension").begin_array();
  string_extension(w, "feedetl_sn", line.feedetl_sn);
  string_extension(w, "hosp_appr_flag", std::to_string(static_cast<int>(line.hosp_appr_flag)));
  w.end_array();
  w.key("sequence").integer(static_cast<int64_t>(index + 1));
  w.key("productOrService").begin_object().key("coding").begin_array();
  w.begin_object().key("system").string(system_of("med_list_codg"));
  w.key("code").string(line.med_list_codg).end_object();
  if (!line.medins_list_codg.empty()) {
    w.begin_object().key("system").string(system_of("medins_list_codg"));
    w.key("code").string(line.medins_list_codg).end_object();
  }
  w.end_array().end_object();
  w.key("servicedPeriod").begin_object().key("start").string(fhir_time(line.fee_ocur_time));
  w.end_object();
  w.key("quantity")
      .begin_object()
      .key("value")
      .number_text(decimal_text(line.cnt.ten_thousandths, 4));
  w.end_object();
  w.key("unitPrice").begin_object().key("value").number_text(decimal_text(line.pric.micro_yuan, 6));
  w.key("currency").string(kCurrency).end_object();
  w.key("net");
  money(w, line.amount);
  w.end_object();
}

// The parts a ClaimResponse shares with its Claim: type, subType, use, patient, insurer,
// requestor and request. The insurer of local business (no insured division) is the treating one.
void response_head(JsonWriter& w, const cl::Request& request, std::string_view created) {
  const cl::Envelope& e = request.envelope;
  const auto& claim = std::get<cl::SettlementInput>(request.input);
  w.key("status").string("active");
  claim_type(w);
  w.key("subType");
  national_coding(w, "infno", cl::to_string(e.infno));
  w.key("use").string(use_of(request));
  national_reference(w, "patient", "psn_no", claim.psn_no);
  w.key("created").string(created);
  national_reference(w, "insurer", "admdvs",
                     e.insuplc_admdvs.empty() ? e.mdtrtarea_admvs : e.insuplc_admdvs);
  national_reference(w, "requestor", "fixmedins_code", e.fixmedins_code, e.fixmedins_name);
  w.key("request").begin_object().key("identifier").begin_object();
  w.key("system").string(system_of("msgid")).key("value").string(e.msgid);
  w.end_object().end_object();
}

void adjudication(JsonWriter& w, std::string_view category, const cl::Money* amount,
                  std::string_view value = {}) {
  w.begin_object().key("category").begin_object().key("coding").begin_array().begin_object();
  w.key("system").string(kAdjudication).key("code").string(category);
  w.end_object().end_array().end_object();
  if (amount != nullptr) {
    w.key("amount");
    money(w, *amount);
  }
  if (!value.empty()) w.key("value").number_text(value);
  w.end_object();
}

// Every setlinfo amount, as extensions of valueMoney: the categories say only part of the split.
void amount_extensions(JsonWriter& w, const cl::SettlementRecord& record) {
  const cl::SettlementAmounts& a = record.amounts;
  const std::pair<std::string_view, cl::Money> amounts[] = {
      {"fulamt_ownpay_amt", a.fulamt_ownpay_amt},
      {"overlmt_selfpay", a.overlmt_selfpay},
      {"preselfpay_amt", a.preselfpay_amt},
      {"hifp_pay", a.hifp_pay},
      {"cvlserv_pay", a.cvlserv_pay},
      {"hifes_pay", a.hifes_pay},
      {"hifmi_pay", a.hifmi_pay},
      {"hifob_pay", a.hifob_pay},
      {"maf_pay", a.maf_pay},
      {"hosp_part_amt", a.hosp_part_amt},
      {"oth_pay", a.oth_pay},
      {"acct_pay", a.acct_pay},
      {"psn_cash_pay", a.psn_cash_pay},
      {"balc", a.balc},
      {"acct_mulaid_pay", a.acct_mulaid_pay}};
  w.key("extension").begin_array();
  for (const auto& [field, amount] : amounts) {
    w.begin_object().key("url").string(system_of(field)).key("valueMoney");
    money(w, amount);
    w.end_object();
  }
  w.end_array();
}

// The claim's split: submitted (medfee_sumamt), eligible (inscp_scp_amt), deductible
// (act_pay_dedc), eligpercent (the pool's ratio, pool_prop_selfpay, in percent), benefit
// (fund_pay_sumamt), copay (psn_part_amt). `percent` false: the totals, which are amounts only.
void split(JsonWriter& w, const cl::SettlementAmounts& a, bool percent) {
  adjudication(w, "submitted", &a.medfee_sumamt);
  adjudication(w, "eligible", &a.inscp_scp_amt);
  adjudication(w, "deductible", &a.act_pay_dedc);
  if (percent) {
    adjudication(w, "eligpercent", nullptr, decimal_text(a.pool_prop_selfpay.basis_points(), 2));
  }
  adjudication(w, "benefit", &a.fund_pay_sumamt);
  adjudication(w, "copay", &a.psn_part_amt);
}

void total(JsonWriter& w, const cl::SettlementAmounts& a) {
  const std::pair<std::string_view, cl::Money> totals[] = {{"submitted", a.medfee_sumamt},
                                                           {"eligible", a.inscp_scp_amt},
                                                           {"deductible", a.act_pay_dedc},
                                                           {"benefit", a.fund_pay_sumamt},
                                                           {"copay", a.psn_part_amt}};
  w.key("total").begin_array();
  for (const auto& [category, amount] : totals) {
    w.begin_object().key("category").begin_object().key("coding").begin_array().begin_object();
    w.key("system").string(kAdjudication).key("code").string(category);
    w.end_object().end_array().end_object();
    w.key("amount");
    money(w, amount);
    w.end_object();
  }
  w.end_array();
}

// The claim's split laid onto its lines (clearing/item_split.h): the in-scope part of each line
// by the treating catalogue, as the engine classified it (classify_lines), the deductible and the
// benefit pro rata to it. Nullopt when that does not add up to the record.
std::optional<std::vector<cl::ItemSplit>> item_splits(const cl::Request& request,
                                                      const cl::SettlementAmounts& amounts,
                                                      const cl::ReferenceData& reference) {
  const auto& claim = std::get<cl::SettlementInput>(request.input);
  const cl::Facility* facility = reference.facility(request.envelope.fixmedins_code);
  if (facility == nullptr) return std::nullopt;
  const std::vector<cl::LineSplit> classes =
      cl::classify_lines(claim.lines, reference, facility->admdvs);
  std::vector<cl::Money> submitted, eligible;
  for (size_t i = 0; i < claim.lines.size(); ++i) {
    submitted.push_back(claim.lines[i].amount);
    eligible.push_back(classes[i].inscp_scp_amt);
  }
  return cl::split_items(submitted, eligible, amounts);
}

// item[i].adjudication: submitted, eligible, deductible, eligpercent (the claim's effective
// ratio, on a line with an eligible part), benefit, copay; `submitted` alone without a split.
void items(JsonWriter& w, const cl::SettlementInput& claim, const cl::SettlementAmounts& amounts,
           const std::optional<std::vector<cl::ItemSplit>>& splits) {
  const std::optional<cl::Ratio> ratio =
      cl::effective_ratio(amounts.fund_pay_sumamt, amounts.inscp_scp_amt);
  w.key("item").begin_array();
  for (size_t i = 0; i < claim.lines.size(); ++i) {
    w.begin_object().key("itemSequence").integer(static_cast<int64_t>(i + 1));
    w.key("adjudication").begin_array();
    if (!splits) {
      adjudication(w, "submitted", &claim.lines[i].amount);
      w.end_array().end_object();
      continue;
    }
    const cl::ItemSplit& line = (*splits)[i];
    adjudication(w, "submitted", &line.submitted);
    adjudication(w, "eligible", &line.eligible);
    adjudication(w, "deductible", &line.deductible);
    if (ratio && !line.eligible.is_zero()) {
      adjudication(w, "eligpercent", nullptr, decimal_text(ratio->basis_points(), 2));
    }
    adjudication(w, "benefit", &line.benefit);
    adjudication(w, "copay", &line.copay);
    w.end_array().end_object();
  }
  w.end_array();
}

}  // namespace

std::string build_fhir_claim(const cl::Request& request) {
  const cl::Envelope& e = request.envelope;
  const auto& claim = std::get<cl::SettlementInput>(request.input);
  JsonWriter w;
  w.begin_object().key("resourceType").string("Claim");
  claim_extensions(w, claim);
  w.key("identifier").begin_array().begin_object();
  w.key("system").string(system_of("msgid")).key("value").string(e.msgid);
  w.end_object().end_array();
  w.key("status").string("active");
  claim_type(w);
  w.key("subType");
  national_coding(w, "infno", cl::to_string(e.infno));
  w.key("use").string(use_of(request));
  national_reference(w, "patient", "psn_no", claim.psn_no, claim.psn_name);
  w.key("created").string(fhir_time(e.inf_time));
  if (!e.insuplc_admdvs.empty()) national_reference(w, "insurer", "admdvs", e.insuplc_admdvs);
  national_reference(w, "provider", "fixmedins_code", e.fixmedins_code, e.fixmedins_name);
  w.key("priority").begin_object().key("coding").begin_array().begin_object();
  w.key("system").string("http://terminology.hl7.org/CodeSystem/processpriority");
  w.key("code").string("normal").end_object().end_array().end_object();
  national_reference(w, "facility", "admdvs", e.mdtrtarea_admvs);
  w.key("insurance").begin_array().begin_object();
  w.key("sequence").integer(1).key("focal").boolean(true);
  national_reference(w, "coverage", "insutype", claim.insutype);
  w.end_object().end_array();
  w.key("item").begin_array();
  for (size_t i = 0; i < claim.lines.size(); ++i) claim_item(w, claim.lines[i], i);
  w.end_array();
  w.key("total");
  money(w, claim.medfee_sumamt);
  w.end_object();
  return w.take();
}

std::string build_fhir_claim_response(const cl::Request& request,
                                      const cl::SettlementRecord& record,
                                      const cl::ReferenceData& reference) {
  const auto& claim = std::get<cl::SettlementInput>(request.input);
  JsonWriter w;
  w.begin_object().key("resourceType").string("ClaimResponse");
  amount_extensions(w, record);
  if (!record.setl_id.empty()) {
    w.key("identifier").begin_array().begin_object();
    w.key("system").string(system_of("setl_id")).key("value").string(record.setl_id);
    w.end_object().end_array();
  }
  response_head(w, request, fhir_time(record.setl_time));
  w.key("outcome").string("complete");
  w.key("disposition")
      .string(record.setl_id.empty() ? "pre-settled: nothing was booked"
                                     : "settled as " + record.setl_id);
  items(w, claim, record.amounts, item_splits(request, record.amounts, reference));
  w.key("adjudication").begin_array();
  split(w, record.amounts, true);
  w.end_array();
  total(w, record.amounts);
  w.end_object();
  return w.take();
}

std::string build_fhir_claim_queued(const cl::Request& request) {
  JsonWriter w;
  w.begin_object().key("resourceType").string("ClaimResponse");
  response_head(w, request, fhir_time(request.envelope.inf_time));
  w.key("outcome").string("queued");
  w.key("disposition")
      .string(
          "the insured region has not answered yet; the claim is kept and will be settled "
          "once: send the same Claim again for its answer");
  w.end_object();
  return w.take();
}

FhirIssue fhir_issue_of(const cl::Rejection& rejection, std::string_view path) {
  FhirIssue issue;
  issue.err_code = std::string(cl::name(rejection.reason));
  issue.message = rejection.message.empty() ? issue.err_code : rejection.message;
  issue.expression = std::string(path);
  switch (rejection.reason) {
    case cl::Reject::kMalformedMessage:
      issue.code = "structure";
      break;
    case cl::Reject::kMissingField:
      issue.code = "required";
      break;
    case cl::Reject::kUnknownTransaction:
    case cl::Reject::kUnknownCode:
      issue.code = "code-invalid";
      break;
    case cl::Reject::kInvalidMsgid:
    case cl::Reject::kInvalidAmount:
      issue.code = "value";
      break;
    case cl::Reject::kMsgidReusedWithDifferentPayload:
      issue.code = "conflict";
      break;
    case cl::Reject::kUnknownSettlement:
      issue.code = "not-found";
      break;
    case cl::Reject::kRegionNotServed:
      issue.code = "not-supported";
      break;
    default:
      issue.code = "business-rule";
  }
  return issue;
}

std::string build_fhir_operation_outcome(const FhirIssue& issue) {
  JsonWriter w;
  w.begin_object().key("resourceType").string("OperationOutcome");
  w.key("issue").begin_array().begin_object();
  w.key("severity").string("error");
  w.key("code").string(issue.code.empty() ? "processing" : issue.code);
  const std::string message = issue.message.empty() ? "error" : issue.message;
  if (!issue.err_code.empty()) {
    w.key("details").begin_object().key("coding").begin_array().begin_object();
    w.key("system").string(kFhirErrCodes).key("code").string(issue.err_code);
    w.end_object().end_array();
    w.key("text").string(message).end_object();
  }
  w.key("diagnostics").string(message);
  if (!issue.expression.empty()) {
    w.key("expression").begin_array().string(issue.expression).end_array();
  }
  w.end_object().end_array().end_object();
  return w.take();
}

}  // namespace medclear::adapters
