#include "adapters/nhsa.h"

#include <openssl/evp.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <type_traits>

#include "adapters/decimal_text.h"
#include "adapters/json.h"
#include "clearing/admission.h"
#include "clearing/check.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

// An array's elements, for either model of a document.
const std::vector<Json>& items_of(const Json& array) { return array.items; }
JsonNode::Items items_of(const JsonNode& array) { return array.items(); }

// The path of element `index` of the array at `path`, e.g. "input.feedetail[3]".
std::string element_path(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

// Reads fields of one JSON object (a Json or a JsonNode), adding every fault to the ladder with
// its field path: `path`, or element `index` of the array at `path` when an index is given.
template <typename Value>
class FieldReader {
 public:
  FieldReader(const Value* object, std::string_view path, cl::RejectionLadder& ladder,
              std::optional<size_t> index = std::nullopt)
      : object_(object), path_(path), index_(index), ladder_(ladder) {}

  std::string where(std::string_view key) const {
    if (path_.empty()) return std::string(key);
    return (index_ ? element_path(path_, *index_) : std::string(path_)) + "." + std::string(key);
  }

  // A string field ("" when absent; missing_field when required). The national interface defines
  // it as a string: a number, boolean, array or object in its place is malformed_message, so no
  // later check can read a value of another type than the one this reader checked. Every string
  // is bounded before anything keeps it.
  std::string text(std::string_view key, bool required, size_t length_max) {
    return read(key, required, length_max, false);
  }

  template <typename T, typename Parse>
  T decimal(std::string_view key, Parse parse) {
    // Hospital systems send both 12.5 and "12.50"; longer than any numeric(16,x) is refused.
    const std::string digits = read(key, true, kDecimalTextMax, true);
    if (digits.empty()) return T{};
    cl::DecimalError error{};
    const std::optional<T> value = parse(digits, &error);
    if (!value) {
      ladder_.add(cl::Reject::kInvalidAmount, where(key) + " \"" + digits.substr(0, 40) +
                                                  "\": " + std::string(cl::describe(error)));
      return T{};
    }
    return *value;
  }
  // An amount: exact, non-negative, at most kClaimAmountMaxFen.
  cl::Money money(std::string_view key) {
    const cl::Money amount = decimal<cl::Money>(key, cl::parse_money);
    if (amount.fen() > cl::kClaimAmountMaxFen) {
      ladder_.add(cl::Reject::kInvalidAmount,
                  where(key) + " exceeds the per-claim maximum " +
                      cl::Money::from_fen(cl::kClaimAmountMaxFen).to_string());
      return cl::Money{};
    }
    return amount;
  }

  cl::DateTime date_time(std::string_view key) {
    const std::string value = text(key, true, 19);
    if (value.empty()) return {};
    const auto parsed = cl::parse_date_time(value);
    if (!parsed) {
      ladder_.add(cl::Reject::kMalformedMessage,
                  where(key) + " \"" + value.substr(0, 40) + "\" is not yyyy-MM-dd HH:mm:ss");
      return {};
    }
    return *parsed;
  }

  std::string division(std::string_view key, bool required) {
    std::string value = text(key, required, 6);
    if (!value.empty() && !cl::is_division_code(value)) {
      ladder_.add(cl::Reject::kMalformedMessage, where(key) + " must be a 6-digit division code");
    }
    return value;
  }

  template <typename Known>
  std::string code(std::string_view key, bool required, Known known) {
    std::string value = text(key, required, kCodeMax);
    if (!value.empty() && !known(value)) {
      ladder_.add(cl::Reject::kUnknownCode,
                  where(key) + " \"" + value.substr(0, 20) + "\" is not a known code");
    }
    return value;
  }

  // A nested object; nullptr (and a fault) when absent or not an object.
  const Value* object(std::string_view key) {
    const Value* value = find(key);
    if (value == nullptr || value->is_null()) {
      ladder_.add(cl::Reject::kMissingField, where(key) + " is missing");
      return nullptr;
    }
    if (!value->is_object()) {
      ladder_.add(cl::Reject::kMalformedMessage, where(key) + " must be an object");
      return nullptr;
    }
    return value;
  }

 private:
  // "-" + 16 digits + "." + leading zeros: generous, and still bounded.
  static constexpr size_t kDecimalTextMax = 40;
  static constexpr size_t kCodeMax = 10;  // every code table's codes are shorter

  std::string read(std::string_view key, bool required, size_t length_max, bool number_allowed) {
    const Value* value = find(key);
    if (value == nullptr || value->is_null()) {
      if (required) ladder_.add(cl::Reject::kMissingField, where(key) + " is missing");
      return {};
    }
    if (!value->is_string() && !(number_allowed && value->is_number())) {
      ladder_.add(cl::Reject::kMalformedMessage,
                  where(key) +
                      (number_allowed ? " must be a number or a decimal string, not "
                                      : " must be a string, not ") +
                      std::string(to_string(value->kind)));
      return {};
    }
    if (value->text.size() > length_max) {
      ladder_.add(cl::Reject::kMalformedMessage,
                  where(key) + " is longer than " + std::to_string(length_max) + " characters");
      return {};
    }
    if (required && value->text.empty()) {
      ladder_.add(cl::Reject::kMissingField, where(key) + " is empty");
    }
    return std::string(value->text);
  }

  // The member `key`: a JsonNode object is searched from the member after the last one found, as
  // fields are mostly read in the order hospitals send them (keys are unique: the same answer).
  const Value* find(std::string_view key) {
    if (object_ == nullptr) return nullptr;
    if constexpr (std::is_same_v<Value, JsonNode>) {
      const JsonNode::Items members = object_->items();
      if (members.empty()) return nullptr;
      const JsonNode* const first = &*members.begin();
      const JsonNode* const end = object_ + object_->span;
      const JsonNode* const start = next_ != nullptr ? next_ : first;
      for (const JsonNode* at = start;;) {
        if (at->key == key) {
          next_ = at + at->span == end ? first : at + at->span;
          return at;
        }
        at = at + at->span == end ? first : at + at->span;
        if (at == start) return nullptr;
      }
    } else {
      return object_->find(key);
    }
  }

  const Value* object_;
  const Value* next_ = nullptr;  // where the next search starts (JsonNode only)
  std::string_view path_;
  std::optional<size_t> index_;
  cl::RejectionLadder& ladder_;
};

bool is_flag(std::string_view v) { return v == "0" || v == "1"; }

template <typename Value>
cl::FeeLine read_fee_line(const Value& line_json, size_t index, cl::RejectionLadder& ladder) {
  FieldReader<Value> line(&line_json, "input.feedetail", ladder, index);
  cl::FeeLine fee;
  fee.feedetl_sn = line.text("feedetl_sn", true, 30);
  fee.fee_ocur_time = line.date_time("fee_ocur_time");
  fee.med_list_codg = line.text("med_list_codg", true, 50);
  fee.medins_list_codg = line.text("medins_list_codg", false, 150);
  fee.amount = line.money("det_item_fee_sumamt");
  fee.cnt = line.template decimal<cl::Quantity>("cnt", cl::parse_quantity);
  fee.pric = line.template decimal<cl::Price>("pric", cl::parse_price);
  const std::string approval = line.code(
      "hosp_appr_flag", false, [](std::string_view v) { return v == "0" || v == "1" || v == "2"; });
  fee.hosp_appr_flag =
      approval.empty() ? cl::Approval::kNotNeeded : static_cast<cl::Approval>(approval[0] - '0');
  return fee;
}

template <typename Value>
void read_fee_lines(const Value& input, cl::SettlementInput& claim, cl::RejectionLadder& ladder) {
  const Value* lines = input.find("feedetail");
  if (lines == nullptr || lines->is_null()) {
    ladder.add(cl::Reject::kMissingField, "input.feedetail is missing");
    return;
  }
  if (!lines->is_array()) {
    ladder.add(cl::Reject::kMalformedMessage, "input.feedetail must be an array");
    return;
  }
  const auto& items = items_of(*lines);
  if (items.empty()) {
    ladder.add(cl::Reject::kMissingField, "input.feedetail has no fee line");
  } else if (items.size() > cl::kClaimLinesMax) {
    ladder.add(cl::Reject::kMalformedMessage,
               "input.feedetail has more than " + std::to_string(cl::kClaimLinesMax) + " lines");
  } else {
    claim.lines.reserve(items.size());
    size_t i = 0;
    for (const Value& line : items) {
      if (!line.is_object()) {
        ladder.add(cl::Reject::kMalformedMessage,
                   element_path("input.feedetail", i) + " must be an object");
      } else {
        claim.lines.push_back(read_fee_line(line, i, ladder));
      }
      ++i;
    }
  }
}

template <typename Value>
cl::SettlementInput read_settlement(const Value& input, bool cross_province, cl::Transaction infno,
                                    const cl::CodeTables& codes, cl::RejectionLadder& ladder) {
  FieldReader<Value> outer(&input, "input", ladder);
  const Value* data_json = outer.object("data");
  FieldReader<Value> data(data_json, "input.data", ladder);
  cl::SettlementInput claim;
  claim.psn_no = data.text("psn_no", true, 30);
  claim.mdtrt_cert_type = data.text("mdtrt_cert_type", true, 3);
  claim.mdtrt_cert_no = data.text("mdtrt_cert_no", true, 50);
  claim.med_type =
      data.code("med_type", true, [&](std::string_view v) { return codes.knows_med_type(v); });
  claim.medfee_sumamt = data.money("medfee_sumamt");
  claim.psn_setlway = data.text("psn_setlway", true, 6);
  claim.mdtrt_id = data.text("mdtrt_id", true, 30);
  claim.chrg_bchno = data.text("chrg_bchno", true, 30);
  claim.insutype =
      data.code("insutype", true, [&](std::string_view v) { return codes.knows_insutype(v); });
  claim.acct_used_flag = data.code("acct_used_flag", true, is_flag) == "1";
  if (infno == cl::Transaction::kInpatientSettle || infno == cl::Transaction::kInpatientPreSettle) {
    claim.mid_setl_flag = data.code("mid_setl_flag", false, is_flag);
  }
  claim.psn_cert_type = data.text("psn_cert_type", cross_province, 6);
  claim.certno = data.text("certno", cross_province, 50);
  claim.psn_type = data.code("psn_type", cross_province,
                             [&](std::string_view v) { return codes.knows_psn_type(v); });
  claim.psn_name = data.text("psn_name", cross_province, 50);

  read_fee_lines(input, claim, ladder);
  return claim;
}

// The digest that decides "same payload" for a msgid retry: every parsed field of the request
// except inf_time and the names, so a resend with a fresh timestamp is still the same request.
class Fingerprint {
 public:
  Fingerprint() { canonical_.reserve(2048); }
  Fingerprint& add(std::string_view field) {
    canonical_.append(field);
    canonical_.push_back('\x1f');
    return *this;
  }
  Fingerprint& add(int64_t number) {
    char digits[24];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, number);
    return add(std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  // The text of DateTime::to_string (yyyy-MM-dd HH:mm:ss) without its printf.
  Fingerprint& add(const cl::DateTime& time) {
    const int32_t seconds = time.seconds_of_day;
    const std::chrono::year_month_day ymd{
        std::chrono::sys_days{std::chrono::days{time.date.days()}}};
    const int year = static_cast<int>(ymd.year());
    if (seconds < 0 || seconds >= 100 * 3600 || year < 0 || year > 9999 || !ymd.ok()) {
      return add(time.to_string());
    }
    const auto month = static_cast<unsigned>(ymd.month());
    const auto day = static_cast<unsigned>(ymd.day());
    const auto two = [](char* at, int value) {
      at[0] = static_cast<char>('0' + value / 10);
      at[1] = static_cast<char>('0' + value % 10);
    };
    char text[] = "0000-00-00 00:00:00";
    two(text, year / 100);
    two(text + 2, year % 100);
    two(text + 5, static_cast<int>(month));
    two(text + 8, static_cast<int>(day));
    two(text + 11, seconds / 3600);
    two(text + 14, seconds / 60 % 60);
    two(text + 17, seconds % 60);
    return add(std::string_view(text, 19));
  }
  std::string digest() const {
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // Fetched once: OpenSSL 3 would otherwise look the algorithm up on every call.
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    MC_CHECK(sha256 != nullptr, "SHA-256 unavailable");
    MC_CHECK(EVP_Digest(canonical_.data(), canonical_.size(), hash, &length, sha256, nullptr) == 1,
             "SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(2 * length, '0');
    for (unsigned int i = 0; i < length; ++i) {
      hex[2 * i] = kHex[hash[i] >> 4];
      hex[2 * i + 1] = kHex[hash[i] & 0xF];
    }
    return hex;
  }

 private:
  std::string canonical_;
};

std::string fingerprint_of(const cl::Request& request) {
  Fingerprint f;
  const cl::Envelope& e = request.envelope;
  f.add(cl::to_string(e.infno)).add(e.msgid).add(e.mdtrtarea_admvs).add(e.insuplc_admdvs);
  f.add(e.fixmedins_code);
  if (const auto* c = std::get_if<cl::SettlementInput>(&request.input)) {
    f.add(c->psn_no).add(c->mdtrt_cert_type).add(c->mdtrt_cert_no).add(c->med_type);
    f.add(c->medfee_sumamt.fen()).add(c->psn_setlway).add(c->mdtrt_id).add(c->chrg_bchno);
    f.add(c->insutype).add(c->acct_used_flag).add(c->mid_setl_flag).add(c->psn_cert_type);
    f.add(c->certno).add(c->psn_type).add(c->psn_name);
    for (const cl::FeeLine& l : c->lines) {
      f.add(l.feedetl_sn).add(l.fee_ocur_time).add(l.med_list_codg);
      f.add(l.medins_list_codg).add(l.amount.fen()).add(l.cnt.ten_thousandths);
      f.add(l.pric.micro_yuan).add(static_cast<int64_t>(l.hosp_appr_flag));
    }
  } else if (const auto* x = std::get_if<cl::CancelInput>(&request.input)) {
    f.add(x->setl_id).add(x->mdtrt_id).add(x->psn_no);
  } else {
    const auto& r = std::get<cl::ReversalInput>(request.input);
    f.add(r.psn_no).add(r.omsgid).add(r.oinfno);
  }
  return f.digest();
}

// The envelope fields every transaction shares, with the msgid rule: a msgid is the sender's own,
// its first 12 characters the fixmedins_code (which the gateway holds to the client certificate).
template <typename Value>
void read_envelope_head(FieldReader<Value>& envelope, cl::Envelope& e,
                        cl::RejectionLadder& ladder) {
  e.msgid = envelope.text("msgid", false, 30);
  e.mdtrtarea_admvs = envelope.division("mdtrtarea_admvs", true);
  e.insuplc_admdvs = envelope.division("insuplc_admdvs", false);
  e.fixmedins_code = envelope.text("fixmedins_code", true, 12);
  if (!e.fixmedins_code.empty() && e.fixmedins_code.size() != 12) {
    ladder.add(cl::Reject::kMalformedMessage, "fixmedins_code must be 12 characters");
  }
  if (const std::optional<cl::Rejection> bad = cl::check_msgid_form(e.msgid, e.fixmedins_code)) {
    ladder.add(bad->reason, bad->message);
  }
  e.fixmedins_name = envelope.text("fixmedins_name", false, 200);
  e.inf_time = envelope.date_time("inf_time");
}

template <typename Value>
NhsaParse parse_envelope(const Value& envelope_json, const cl::CodeTables& codes) {
  NhsaParse parse;
  if (!envelope_json.is_object()) {
    parse.rejection = {cl::Reject::kMalformedMessage, "the envelope must be a JSON object"};
    return parse;
  }
  cl::RejectionLadder ladder;
  FieldReader<Value> envelope(&envelope_json, "", ladder);
  cl::Request request;
  cl::Envelope& e = request.envelope;
  const std::string infno = envelope.text("infno", false, 10);
  const auto transaction = cl::parse_transaction(infno);
  if (!transaction) {
    ladder.add(cl::Reject::kUnknownTransaction,
               infno.empty() ? "infno is missing or not a string"
                             : "infno " + infno.substr(0, 10) + " is not supported");
  }
  read_envelope_head(envelope, e, ladder);
  parse.msgid = e.msgid;
  parse.mdtrtarea_admvs = e.mdtrtarea_admvs;

  const Value* input = envelope.object("input");
  if (transaction && input != nullptr) {
    e.infno = *transaction;
    if (cl::carries_claim(*transaction)) {
      request.input =
          read_settlement(*input, !e.insuplc_admdvs.empty(), *transaction, codes, ladder);
    } else {
      FieldReader<Value> data(FieldReader<Value>(input, "input", ladder).object("data"),
                              "input.data", ladder);
      if (cl::is_cancel(*transaction)) {
        request.input =
            cl::CancelInput{data.text("setl_id", true, 30), data.text("mdtrt_id", true, 30),
                            data.text("psn_no", true, 30)};
      } else {
        request.input =
            cl::ReversalInput{data.text("psn_no", true, 30), data.text("omsgid", true, 30),
                              data.text("oinfno", true, 4)};
      }
    }
  }
  if (!ladder.empty()) {
    parse.rejection = ladder.best();
    return parse;
  }
  request.fingerprint = fingerprint_of(request);
  parse.request = std::move(request);
  return parse;
}

}  // namespace

NhsaParse parse_nhsa_request(std::string_view body, const cl::CodeTables& codes) {
  const Result<JsonDoc> json =
      parse_json_doc(body, JsonLimits{.depth_max = 8, .document_bytes_max = 16 << 20});
  if (!json.is_ok()) {
    NhsaParse parse;
    parse.rejection = {cl::Reject::kMalformedMessage,
                       "body is not JSON: " + json.status().message()};
    return parse;
  }
  return parse_envelope(json->root(), codes);
}

NhsaParse parse_nhsa_request(const Json& envelope, const cl::CodeTables& codes) {
  return parse_envelope(envelope, codes);
}

NhsaParse parse_nhsa_request(const JsonNode& envelope, const cl::CodeTables& codes) {
  return parse_envelope(envelope, codes);
}

ResponseStamp stamp_now(std::string_view receiver_admdvs, uint64_t serial) {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  char compact[32];
  std::strftime(compact, sizeof compact, "%Y%m%d%H%M%S", &local);
  char with_millis[40];
  std::snprintf(with_millis, sizeof with_millis, "%s%03d", compact, static_cast<int>(millis));
  ResponseStamp stamp;
  stamp.receiver_admdvs =
      cl::is_division_code(receiver_admdvs) ? std::string(receiver_admdvs) : "000000";
  stamp.time_compact = compact;
  stamp.time_millis = with_millis;
  stamp.serial = serial;
  return stamp;
}

namespace {

void write_envelope_head(JsonWriter& w, const ResponseStamp& stamp, bool success,
                         std::string_view err_msg, std::string_view err_code) {
  char serial[16];
  std::snprintf(serial, sizeof serial, "%010llu",
                static_cast<unsigned long long>(stamp.serial % 10'000'000'000ULL));
  w.begin_object();
  w.key("infcode").integer(success ? 0 : -1);
  w.key("inf_refmsgid").string(stamp.receiver_admdvs + stamp.time_compact + serial);
  w.key("refmsg_time").string(stamp.time_millis);
  w.key("respond_time").string(stamp.time_millis);
  w.key("err_msg").string(err_msg);
  w.key("err_code").string(err_code);
  w.key("warn_msg").string("");
  w.key("cainfo").string("");
  w.key("signtype").string("");
}

void money(JsonWriter& w, std::string_view name, cl::Money amount) {
  w.key(name).number_text(amount.to_string());
}

void write_setlinfo(JsonWriter& w, const cl::SettlementRecord& r) {
  const cl::SettlementAmounts& a = r.amounts;
  w.key("setlinfo").begin_object();
  w.key("mdtrt_id").string(r.mdtrt_id);
  w.key("setl_id").string(r.setl_id);
  w.key("psn_no").string(r.psn_no);
  w.key("insutype").string(r.insutype);
  w.key("psn_type").string(r.psn_type);
  w.key("setl_time").string(r.setl_time.to_string());
  w.key("med_type").string(r.med_type);
  money(w, "medfee_sumamt", a.medfee_sumamt);
  money(w, "fulamt_ownpay_amt", a.fulamt_ownpay_amt);
  money(w, "overlmt_selfpay", a.overlmt_selfpay);
  money(w, "preselfpay_amt", a.preselfpay_amt);
  money(w, "inscp_scp_amt", a.inscp_scp_amt);
  money(w, "act_pay_dedc", a.act_pay_dedc);
  money(w, "hifp_pay", a.hifp_pay);
  w.key("pool_prop_selfpay").number_text(a.pool_prop_selfpay.to_string());
  money(w, "cvlserv_pay", a.cvlserv_pay);
  money(w, "hifes_pay", a.hifes_pay);
  money(w, "hifmi_pay", a.hifmi_pay);
  money(w, "hifob_pay", a.hifob_pay);
  money(w, "maf_pay", a.maf_pay);
  money(w, "hosp_part_amt", a.hosp_part_amt);
  money(w, "oth_pay", a.oth_pay);
  money(w, "fund_pay_sumamt", a.fund_pay_sumamt);
  money(w, "psn_part_amt", a.psn_part_amt);
  money(w, "acct_pay", a.acct_pay);
  money(w, "psn_cash_pay", a.psn_cash_pay);
  money(w, "balc", a.balc);
  money(w, "acct_mulaid_pay", a.acct_mulaid_pay);
  w.key("medins_setl_id").string(r.msgid);
  w.key("clr_optins").string(r.insuplc_admdvs);
  w.key("clr_way").string("1");
  w.key("clr_type").string(cl::clearing_type(r.med_type));
  w.end_object();
}

void write_setldetail(JsonWriter& w, const cl::SettlementRecord& r) {
  w.key("setldetail").begin_array();
  for (const cl::FundPayment& d : r.amounts.details) {
    w.begin_object();
    w.key("fund_pay_type").string(cl::fund_code(d.fund));
    money(w, "inscp_scp_amt", d.inscp_scp_amt);
    money(w, "crt_payb_lmt_amt", d.crt_payb_lmt_amt);
    money(w, "fund_payamt", d.fund_payamt);
    w.key("fund_pay_type_name").string(cl::fund_name(d.fund));
    w.key("setl_proc_info")
        .string("base " + d.inscp_scp_amt.to_string() + ", annual limit left " +
                d.crt_payb_lmt_amt.to_string() + ", paid " + d.fund_payamt.to_string());
    w.end_object();
  }
  w.end_array();
}

void write_output(JsonWriter& w, const cl::SettlementRecord& record) {
  w.begin_object();
  write_setlinfo(w, record);
  write_setldetail(w, record);
  w.end_object();
}

}  // namespace

std::optional<NhsaAnswer> parse_nhsa_answer(std::string_view body) {
  const Result<Json> parsed = parse_json(body);
  if (!parsed.is_ok() || !parsed->is_object()) return std::nullopt;
  const Json& envelope = *parsed;
  const Json* infcode = envelope.find("infcode");
  const Json* err_code = envelope.find("err_code");
  const Json* err_msg = envelope.find("err_msg");
  if (infcode == nullptr || !infcode->is_number() || err_code == nullptr ||
      !err_code->is_string()) {
    return std::nullopt;
  }
  NhsaAnswer answer;
  answer.accepted = infcode->text == "0";
  answer.err_code = err_code->text;
  if (err_msg != nullptr && err_msg->is_string()) answer.err_msg = err_msg->text;
  if (!answer.accepted) return answer;
  const Json* output = envelope.find("output");
  const Json* info = output != nullptr ? output->find("setlinfo") : nullptr;
  if (info == nullptr || !info->is_object()) return std::nullopt;
  cl::SettlementRecord record;
  const auto text = [info](std::string_view name) -> std::string {
    const Json* field = info->find(name);
    return field != nullptr && field->is_string() ? field->text : std::string();
  };
  record.setl_id = text("setl_id");
  record.mdtrt_id = text("mdtrt_id");
  record.psn_no = text("psn_no");
  record.insutype = text("insutype");
  record.med_type = text("med_type");
  record.msgid = text("medins_setl_id");
  record.insuplc_admdvs = text("clr_optins");
  // Also setl_time, psn_type and the pool's ratio: what a ClaimResponse (adapters/fhir.h) says.
  record.psn_type = text("psn_type");
  if (const auto setl_time = cl::parse_date_time(text("setl_time"))) record.setl_time = *setl_time;
  if (const Json* ratio = info->find("pool_prop_selfpay"); ratio != nullptr && ratio->is_number()) {
    const std::optional<cl::Ratio> pool_ratio = cl::parse_ratio(ratio->text);
    if (!pool_ratio) return std::nullopt;
    record.amounts.pool_prop_selfpay = *pool_ratio;
  }
  cl::SettlementAmounts& a = record.amounts;
  const std::pair<const char*, cl::Money*> amounts[] = {{"medfee_sumamt", &a.medfee_sumamt},
                                                        {"fulamt_ownpay_amt", &a.fulamt_ownpay_amt},
                                                        {"overlmt_selfpay", &a.overlmt_selfpay},
                                                        {"preselfpay_amt", &a.preselfpay_amt},
                                                        {"inscp_scp_amt", &a.inscp_scp_amt},
                                                        {"act_pay_dedc", &a.act_pay_dedc},
                                                        {"hifp_pay", &a.hifp_pay},
                                                        {"cvlserv_pay", &a.cvlserv_pay},
                                                        {"hifes_pay", &a.hifes_pay},
                                                        {"hifmi_pay", &a.hifmi_pay},
                                                        {"hifob_pay", &a.hifob_pay},
                                                        {"maf_pay", &a.maf_pay},
                                                        {"hosp_part_amt", &a.hosp_part_amt},
                                                        {"oth_pay", &a.oth_pay},
                                                        {"fund_pay_sumamt", &a.fund_pay_sumamt},
                                                        {"psn_part_amt", &a.psn_part_amt},
                                                        {"acct_pay", &a.acct_pay},
                                                        {"psn_cash_pay", &a.psn_cash_pay},
                                                        {"balc", &a.balc},
                                                        {"acct_mulaid_pay", &a.acct_mulaid_pay}};
  for (const auto& [name, amount] : amounts) {
    const Json* field = info->find(name);
    if (field == nullptr || !field->is_number()) return std::nullopt;
    const std::optional<cl::Money> money = cl::parse_signed_money(field->text);
    if (!money) return std::nullopt;
    *amount = *money;
  }
  answer.record = std::move(record);
  return answer;
}

std::string build_nhsa_response(const ResponseStamp& stamp, std::string_view msgid,
                                const cl::Decision& decision) {
  if (!decision.accepted()) {
    return build_nhsa_rejection(stamp, msgid, decision.rejection);
  }
  JsonWriter w;
  write_envelope_head(w, stamp, true, "", "");
  w.key("msgid").string(msgid);
  w.key("output");
  write_output(w, decision.result);
  w.end_object();
  return w.take();
}

std::string build_nhsa_rejection(const ResponseStamp& stamp, std::string_view msgid,
                                 const cl::Rejection& rejection) {
  JsonWriter w;
  write_envelope_head(w, stamp, false, rejection.message, cl::name(rejection.reason));
  w.key("msgid").string(msgid);
  w.key("output").begin_object().end_object();
  w.end_object();
  return w.take();
}

std::string decimal_text(int64_t value, int scale) {
  const bool negative = value < 0;
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  uint64_t unit = 1;
  for (int i = 0; i < scale; ++i) unit *= 10;
  std::string fraction = std::to_string(magnitude % unit);
  fraction.insert(0, static_cast<size_t>(scale) - fraction.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / unit) + (scale ? "." + fraction : "");
}

std::string build_nhsa_request(const cl::Request& request) {
  const cl::Envelope& e = request.envelope;
  JsonWriter w;
  w.begin_object();
  w.key("infno").string(cl::to_string(e.infno));
  w.key("msgid").string(e.msgid);
  w.key("mdtrtarea_admvs").string(e.mdtrtarea_admvs);
  w.key("insuplc_admdvs").string(e.insuplc_admdvs);
  w.key("recer_sys_code").string("MDC");
  w.key("signtype").string("");
  w.key("cainfo").string("");
  w.key("infver").string("V1.0");
  w.key("opter_type").string("1");
  w.key("opter").string("001");
  w.key("opter_name").string("clerk");
  w.key("inf_time").string(e.inf_time.to_string());
  w.key("fixmedins_code").string(e.fixmedins_code);
  w.key("fixmedins_name").string(e.fixmedins_name);
  w.key("sign_no").string("");
  w.key("input").begin_object();
  w.key("data").begin_object();
  if (const auto* claim = std::get_if<cl::SettlementInput>(&request.input)) {
    w.key("psn_no").string(claim->psn_no);
    w.key("mdtrt_cert_type").string(claim->mdtrt_cert_type);
    w.key("mdtrt_cert_no").string(claim->mdtrt_cert_no);
    w.key("med_type").string(claim->med_type);
    w.key("medfee_sumamt").number_text(claim->medfee_sumamt.to_string());
    w.key("psn_setlway").string(claim->psn_setlway);
    w.key("mdtrt_id").string(claim->mdtrt_id);
    w.key("chrg_bchno").string(claim->chrg_bchno);
    w.key("insutype").string(claim->insutype);
    w.key("acct_used_flag").string(claim->acct_used_flag ? "1" : "0");
    if (!claim->psn_cert_type.empty()) w.key("psn_cert_type").string(claim->psn_cert_type);
    if (!claim->certno.empty()) w.key("certno").string(claim->certno);
    if (!claim->psn_type.empty()) w.key("psn_type").string(claim->psn_type);
    if (!claim->psn_name.empty()) w.key("psn_name").string(claim->psn_name);
    if (!claim->mid_setl_flag.empty()) w.key("mid_setl_flag").string(claim->mid_setl_flag);
    w.end_object();
    w.key("feedetail").begin_array();
    for (const cl::FeeLine& line : claim->lines) {
      w.begin_object();
      w.key("feedetl_sn").string(line.feedetl_sn);
      w.key("fee_ocur_time").string(line.fee_ocur_time.to_string());
      w.key("med_list_codg").string(line.med_list_codg);
      if (!line.medins_list_codg.empty()) w.key("medins_list_codg").string(line.medins_list_codg);
      w.key("det_item_fee_sumamt").number_text(line.amount.to_string());
      w.key("cnt").number_text(decimal_text(line.cnt.ten_thousandths, 4));
      w.key("pric").number_text(decimal_text(line.pric.micro_yuan, 6));
      w.key("hosp_appr_flag").string(std::to_string(static_cast<int>(line.hosp_appr_flag)));
      w.end_object();
    }
    w.end_array();
  } else if (const auto* cancel = std::get_if<cl::CancelInput>(&request.input)) {
    w.key("setl_id").string(cancel->setl_id);
    w.key("mdtrt_id").string(cancel->mdtrt_id);
    w.key("psn_no").string(cancel->psn_no);
    w.end_object();
  } else {
    const auto& reversal = std::get<cl::ReversalInput>(request.input);
    w.key("psn_no").string(reversal.psn_no);
    w.key("omsgid").string(reversal.omsgid);
    w.key("oinfno").string(reversal.oinfno);
    w.end_object();
  }
  w.end_object().end_object();
  return w.take();
}

// ---- 3201 ---------------------------------------------------------------------------------------

namespace {

constexpr int32_t kStatementDaysMax = 366;

bool is_clearing_type(std::string_view v) {
  return v == "11" || v == "21" || v == "41" || v == "99";
}

// A whole number (a count), as a number or as decimal text.
std::optional<int64_t> parse_count(std::string_view text, cl::DecimalError* error) {
  const cl::DecimalParse parsed = cl::parse_decimal(text, 0, true);
  if (parsed.error) {
    if (error != nullptr) *error = *parsed.error;
    return std::nullopt;
  }
  return parsed.scaled;
}

cl::Date read_date(FieldReader<JsonNode>& data, std::string_view key, cl::RejectionLadder& ladder) {
  const std::string text = data.text(key, true, 10);
  if (text.empty()) return {};
  const std::optional<cl::Date> date = cl::parse_date(text);
  if (!date) {
    ladder.add(cl::Reject::kMalformedMessage,
               data.where(key) + " \"" + text + "\" is not yyyy-MM-dd");
    return {};
  }
  return *date;
}

void read_totals_data(const JsonNode& input, const cl::CodeTables& codes, TotalsRequest& request,
                      cl::RejectionLadder& ladder) {
  FieldReader<JsonNode> data(FieldReader<JsonNode>(&input, "input", ladder).object("data"),
                             "input.data", ladder);
  request.insutype =
      data.code("insutype", true, [&](std::string_view v) { return codes.knows_insutype(v); });
  request.clr_type = data.code("clr_type", true, is_clearing_type);
  request.setl_optins = data.division("setl_optins", false);
  request.stmt_begndate = read_date(data, "stmt_begndate", ladder);
  request.stmt_enddate = read_date(data, "stmt_enddate", ladder);
  if (request.stmt_enddate < request.stmt_begndate) {
    ladder.add(cl::Reject::kMalformedMessage,
               "input.data.stmt_enddate is before input.data.stmt_begndate");
  } else if (request.stmt_enddate.days() - request.stmt_begndate.days() >= kStatementDaysMax) {
    ladder.add(cl::Reject::kMalformedMessage, "input.data: a statement covers at most " +
                                                  std::to_string(kStatementDaysMax) + " days");
  }
  TotalsFigures& figures = request.hospital;
  figures.medfee_sumamt = data.decimal<cl::Money>("medfee_sumamt", cl::parse_signed_money);
  figures.fund_pay_sumamt = data.decimal<cl::Money>("fund_pay_sumamt", cl::parse_signed_money);
  figures.acct_pay = data.decimal<cl::Money>("acct_pay", cl::parse_signed_money);
  figures.fixmedins_setl_cnt = data.decimal<int64_t>("fixmedins_setl_cnt", parse_count);
}

}  // namespace

bool is_totals_request(const JsonNode& envelope) {
  const JsonNode* infno = envelope.find("infno");
  return infno != nullptr && infno->is_string() && infno->text == "3201";
}

TotalsParse parse_totals_request(const JsonNode& envelope_json, const cl::CodeTables& codes) {
  TotalsParse parse;
  cl::RejectionLadder ladder;
  TotalsRequest request;
  if (!envelope_json.is_object() || !is_totals_request(envelope_json)) {
    parse.rejection = {cl::Reject::kMalformedMessage, "not a 3201 envelope"};
    return parse;
  }
  FieldReader<JsonNode> envelope(&envelope_json, "", ladder);
  read_envelope_head(envelope, request.envelope, ladder);
  parse.msgid = request.envelope.msgid;
  if (const JsonNode* input = envelope.object("input")) {
    read_totals_data(*input, codes, request, ladder);
  }
  if (!ladder.empty()) {
    parse.rejection = ladder.best();
    return parse;
  }
  parse.request = std::move(request);
  return parse;
}

std::string build_totals_response(const ResponseStamp& stamp, std::string_view msgid,
                                  const TotalsRequest& request, const TotalsFigures& agency) {
  const bool agreed = agency == request.hospital;
  JsonWriter w;
  write_envelope_head(w, stamp, true, "", "");
  w.key("msgid").string(msgid);
  w.key("output").begin_object().key("stmtinfo").begin_object();
  w.key("setl_optins").string(request.setl_optins);
  w.key("stmt_rslt").string(agreed ? "0" : "1");
  w.key("stmt_rslt_dscr")
      .string(agreed ? "agreed" : "differs: the figures here are the agency's ledger's");
  money(w, "medfee_sumamt", agency.medfee_sumamt);
  money(w, "fund_pay_sumamt", agency.fund_pay_sumamt);
  money(w, "acct_pay", agency.acct_pay);
  w.key("fixmedins_setl_cnt").integer(agency.fixmedins_setl_cnt);
  w.end_object().end_object();
  w.end_object();
  return w.take();
}

}  // namespace medclear::adapters
