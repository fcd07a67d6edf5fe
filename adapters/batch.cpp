// Batch claims files and results files (adapters/BATCH.md).
#include "adapters/batch.h"

#include <array>
#include <map>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "clearing/admission.h"
#include "clearing/money.h"
#include "clearing/time.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

// The columns of a claims line, in order (BATCH.md).
enum Column : size_t {
  kInfno,
  kMsgid,
  kMdtrtareaAdmvs,
  kInsuplcAdmdvs,
  kFixmedinsCode,
  kFixmedinsName,
  kInfTime,
  kPsnNo,
  kMdtrtCertType,
  kMdtrtCertNo,
  kMedType,
  kMedfeeSumamt,
  kPsnSetlway,
  kMdtrtId,
  kChrgBchno,
  kInsutype,
  kAcctUsedFlag,
  kMidSetlFlag,
  kPsnCertType,
  kCertno,
  kPsnType,
  kPsnName,
  kFeedetail,
  kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumns = {
    "infno",          "msgid",          "mdtrtarea_admvs", "insuplc_admdvs",  "fixmedins_code",
    "fixmedins_name", "inf_time",       "psn_no",          "mdtrt_cert_type", "mdtrt_cert_no",
    "med_type",       "medfee_sumamt",  "psn_setlway",     "mdtrt_id",        "chrg_bchno",
    "insutype",       "acct_used_flag", "mid_setl_flag",   "psn_cert_type",   "certno",
    "psn_type",       "psn_name",       "feedetail"};

constexpr std::array<std::string_view, kBatchFeeFields> kFeeFields = {
    "feedetl_sn",          "fee_ocur_time", "med_list_codg", "medins_list_codg",
    "det_item_fee_sumamt", "cnt",           "pric",          "hosp_appr_flag"};

constexpr std::array<std::string_view, 11> kResultColumns = {
    "line",     "msgid",         "outcome",         "setl_id",
    "err_code", "medfee_sumamt", "fund_pay_sumamt", "psn_part_amt",
    "acct_pay", "psn_cash_pay",  "err_msg"};

template <size_t N>
std::string joined(const std::array<std::string_view, N>& names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) text.push_back('\t');
    text.append(name);
  }
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// `name "value": what`, the value cut short.
Status bad(std::string_view name, std::string_view value, std::string_view what) {
  return Status::invalid(std::string(name) + " \"" + std::string(value.substr(0, 40)) +
                         "\": " + std::string(what));
}

// The readers of one typed value: clearing's parsers, the column named in the refusal.
template <typename T, typename Parse>
Status read_decimal(std::string_view name, std::string_view text, Parse parse, T& into) {
  cl::DecimalError error{};
  const std::optional<T> value = parse(text, &error);
  if (!value) return bad(name, text, cl::describe(error));
  into = *value;
  return Status::ok();
}

Status read_time(std::string_view name, std::string_view text, cl::DateTime& into) {
  const std::optional<cl::DateTime> value = cl::parse_date_time(text);
  if (!value) return bad(name, text, "not yyyy-MM-dd HH:mm:ss");
  into = *value;
  return Status::ok();
}

Status read_flag(std::string_view name, std::string_view text, std::string_view allowed) {
  if (text.size() != 1 || allowed.find(text[0]) == std::string_view::npos) {
    return bad(name, text, "must be one of " + std::string(allowed));
  }
  return Status::ok();
}

Result<cl::FeeLine> read_fee_line(std::string_view text, size_t index) {
  const std::vector<std::string_view> fields = split(text, '|');
  const std::string where = "feedetail[" + std::to_string(index) + "]";
  if (fields.size() != kBatchFeeFields) {
    return Status::invalid(where + " has " + std::to_string(fields.size()) + " fields, not " +
                           std::to_string(kBatchFeeFields) + " (" + joined(kFeeFields) + ")");
  }
  const auto name = [&](size_t field) { return where + "." + std::string(kFeeFields[field]); };
  cl::FeeLine fee;
  fee.feedetl_sn = fields[0];
  fee.med_list_codg = fields[2];
  fee.medins_list_codg = fields[3];
  Status read = read_time(name(1), fields[1], fee.fee_ocur_time);
  if (read.is_ok()) read = read_decimal(name(4), fields[4], cl::parse_money, fee.amount);
  if (read.is_ok()) read = read_decimal(name(5), fields[5], cl::parse_quantity, fee.cnt);
  if (read.is_ok()) read = read_decimal(name(6), fields[6], cl::parse_price, fee.pric);
  if (read.is_ok() && !fields[7].empty()) read = read_flag(name(7), fields[7], "012");
  if (!read.is_ok()) return read;
  if (!fields[7].empty()) fee.hosp_appr_flag = static_cast<cl::Approval>(fields[7][0] - '0');
  return fee;
}

Status read_fee_lines(std::string_view text, cl::SettlementInput& claim) {
  if (text.empty()) return Status::invalid("feedetail is empty: a claim has at least one fee line");
  const std::vector<std::string_view> lines = split(text, ';');
  if (lines.size() > cl::kClaimLinesMax) {
    return Status::invalid("feedetail has more than " + std::to_string(cl::kClaimLinesMax) +
                           " fee lines");
  }
  claim.lines.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    Result<cl::FeeLine> fee = read_fee_line(lines[i], i);
    if (!fee.is_ok()) return fee.status();
    claim.lines.push_back(std::move(*fee));
  }
  return Status::ok();
}

Status read_envelope(const std::vector<std::string_view>& column, cl::Envelope& e) {
  const std::optional<cl::Transaction> infno = cl::parse_transaction(column[kInfno]);
  if (!infno || !cl::carries_claim(*infno)) {
    return bad("infno", column[kInfno],
               "a batch line is a settlement or pre-settlement: 2206, 2207, 2303 or 2304");
  }
  e.infno = *infno;
  e.msgid = column[kMsgid];
  e.mdtrtarea_admvs = column[kMdtrtareaAdmvs];
  e.insuplc_admdvs = column[kInsuplcAdmdvs];
  e.fixmedins_code = column[kFixmedinsCode];
  e.fixmedins_name = column[kFixmedinsName];
  // The msgid is what a resumed run recognises a claim by: its form is checked before sending.
  if (const auto refused = cl::check_msgid_form(e.msgid, e.fixmedins_code)) {
    return bad("msgid", e.msgid, refused->message);
  }
  return read_time("inf_time", column[kInfTime], e.inf_time);
}

Status read_claim(const std::vector<std::string_view>& column, cl::SettlementInput& c) {
  c.psn_no = column[kPsnNo];
  c.mdtrt_cert_type = column[kMdtrtCertType];
  c.mdtrt_cert_no = column[kMdtrtCertNo];
  c.med_type = column[kMedType];
  c.psn_setlway = column[kPsnSetlway];
  c.mdtrt_id = column[kMdtrtId];
  c.chrg_bchno = column[kChrgBchno];
  c.insutype = column[kInsutype];
  c.acct_used_flag = column[kAcctUsedFlag] == "1";
  c.mid_setl_flag = column[kMidSetlFlag];
  c.psn_cert_type = column[kPsnCertType];
  c.certno = column[kCertno];
  c.psn_type = column[kPsnType];
  c.psn_name = column[kPsnName];
  Status read =
      read_decimal("medfee_sumamt", column[kMedfeeSumamt], cl::parse_money, c.medfee_sumamt);
  if (read.is_ok()) read = read_flag("acct_used_flag", column[kAcctUsedFlag], "01");
  if (read.is_ok() && !c.mid_setl_flag.empty()) {
    read = read_flag("mid_setl_flag", c.mid_setl_flag, "01");
  }
  if (read.is_ok()) read = read_fee_lines(column[kFeedetail], c);
  return read;
}

}  // namespace

std::string_view batch_claims_header() {
  static const std::string header = joined(kColumns);
  return header;
}

Result<cl::Request> parse_batch_line(std::string_view line) {
  const std::vector<std::string_view> column = split(line, '\t');
  if (column.size() != kColumnCount) {
    return Status::invalid(std::to_string(column.size()) + " columns, the header has " +
                           std::to_string(kColumnCount));
  }
  for (size_t i = 0; i < column.size(); ++i) {
    for (const char c : column[i]) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Status::invalid(std::string(kColumns[i]) + " holds a control character");
      }
    }
  }
  cl::Request request;
  cl::SettlementInput claim;
  Status read = read_envelope(column, request.envelope);
  if (read.is_ok()) read = read_claim(column, claim);
  if (!read.is_ok()) return read;
  request.input = std::move(claim);
  return request;
}

namespace {

// The claim of one line, with its envelope; the envelope must be JSON (UTF-8 text).
Result<BatchClaim> claim_of(std::string_view line, size_t number) {
  Result<cl::Request> request = parse_batch_line(line);
  if (!request.is_ok()) return request.status();
  BatchClaim claim;
  claim.line = number;
  claim.envelope = build_nhsa_request(*request);
  if (const Result<JsonDoc> json = parse_json_doc(claim.envelope); !json.is_ok()) {
    return Status::invalid("a text column is not UTF-8: " + json.status().message());
  }
  claim.request = std::move(*request);
  return claim;
}

}  // namespace

BatchFile parse_batch_file(std::string_view text, size_t faults_max) {
  BatchFile file;
  const auto fault = [&](size_t line, std::string message) {
    if (file.faults.size() < faults_max) file.faults.push_back({line, std::move(message)});
  };
  if (text.size() > kBatchFileBytesMax) {
    fault(0,
          "the file is larger than " + std::to_string(kBatchFileBytesMax >> 20) + " MiB: split it");
    return file;
  }
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::vector<std::string_view> lines = split(text, '\n');
  for (std::string_view& line : lines) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  }
  if (lines.front() != batch_claims_header()) {
    fault(1, "the first line must be the header: " + std::string(batch_claims_header()));
    return file;
  }
  if (lines.size() == 1) fault(1, "no claim follows the header");
  std::map<std::string, size_t, std::less<>> msgids;
  for (size_t i = 1; i < lines.size() && file.faults.size() < faults_max; ++i) {
    const size_t number = i + 1;
    if (lines[i].empty()) {
      fault(number, "an empty line");
      continue;
    }
    Result<BatchClaim> claim = claim_of(lines[i], number);
    if (!claim.is_ok()) {
      fault(number, claim.status().message());
      continue;
    }
    const auto [at, fresh] = msgids.emplace(claim->request.envelope.msgid, number);
    if (!fresh) {
      fault(number, "msgid " + at->first + " is already on line " + std::to_string(at->second));
      continue;
    }
    file.claims.push_back(std::move(*claim));
  }
  return file;
}

// ---- results ---------------------------------------------------------------------------------

std::string_view batch_results_header() {
  static const std::string header = joined(kResultColumns);
  return header;
}

std::string format_batch_result(const BatchResult& r) {
  std::string message = r.err_msg;
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  std::string line = std::to_string(r.line);
  for (std::string_view field :
       {std::string_view(r.msgid), std::string_view(r.settled ? "settled" : "refused"),
        std::string_view(r.setl_id), std::string_view(r.err_code),
        std::string_view(r.medfee_sumamt), std::string_view(r.fund_pay_sumamt),
        std::string_view(r.psn_part_amt), std::string_view(r.acct_pay),
        std::string_view(r.psn_cash_pay), std::string_view(message)}) {
    line.push_back('\t');
    line.append(field);
  }
  line.push_back('\n');
  return line;
}

namespace {

Result<BatchResult> read_result(std::string_view text) {
  const std::vector<std::string_view> f = split(text, '\t');
  if (f.size() != kResultColumns.size()) {
    return Status::invalid(std::to_string(f.size()) + " columns, not " +
                           std::to_string(kResultColumns.size()));
  }
  BatchResult r;
  for (const char c : f[0]) {
    if (c < '0' || c > '9' || f[0].size() > 12) return Status::invalid("line is not a number");
    r.line = r.line * 10 + static_cast<size_t>(c - '0');
  }
  if (f[0].empty() || f[1].empty()) return Status::invalid("line and msgid are required");
  if (f[2] != "settled" && f[2] != "refused") {
    return Status::invalid("outcome must be settled or refused");
  }
  r.msgid = f[1];
  r.settled = f[2] == "settled";
  r.setl_id = f[3];
  r.err_code = f[4];
  r.medfee_sumamt = f[5];
  r.fund_pay_sumamt = f[6];
  r.psn_part_amt = f[7];
  r.acct_pay = f[8];
  r.psn_cash_pay = f[9];
  r.err_msg = f[10];
  return r;
}

}  // namespace

Result<BatchResults> read_batch_results(std::string_view text) {
  BatchResults read;
  const size_t last_break = text.rfind('\n');
  if (last_break == std::string_view::npos) return read;  // nothing, or a torn header
  read.complete_bytes = last_break + 1;
  const std::vector<std::string_view> lines = split(text.substr(0, last_break), '\n');
  if (lines.front() != batch_results_header()) {
    return Status::invalid("line 1 is not the results header: " +
                           std::string(batch_results_header()));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    Result<BatchResult> result = read_result(lines[i]);
    if (!result.is_ok()) {
      return Status::invalid("line " + std::to_string(i + 1) + ": " + result.status().message());
    }
    read.results.push_back(std::move(*result));
  }
  return read;
}

}  // namespace medclear::adapters
