#include "adapters/hospital_recon_tsv.h"

#include <array>
#include <unordered_map>

#include "clearing/admission.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

constexpr size_t kFields = 6;
constexpr size_t kSetlIdMax = 30;
constexpr std::array<std::string_view, kFields> kNames = {
    "setl_id", "msgid", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "cancelled"};

// A fault of one line; the parse stops at the first.
struct LineError {
  std::string message;
};

// Printable ASCII without spaces: what ids and amounts are made of (so also valid UTF-8).
bool printable(std::string_view text) {
  for (const char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::optional<LineError> read_amount(std::string_view name, std::string_view text, cl::Money& out) {
  cl::DecimalError error{};
  const std::optional<cl::Money> amount = cl::parse_signed_money(text, &error);
  if (!amount) {
    return LineError{std::string(name) + " \"" + std::string(text.substr(0, 40)) +
                     "\": " + std::string(cl::describe(error))};
  }
  if (amount->fen() > cl::kClaimAmountMaxFen || amount->fen() < -cl::kClaimAmountMaxFen) {
    return LineError{std::string(name) + " is beyond the per-claim maximum " +
                     cl::Money::from_fen(cl::kClaimAmountMaxFen).to_string()};
  }
  out = *amount;
  return std::nullopt;
}

// Splits a line (without its end) into exactly kFields fields.
std::optional<LineError> split(std::string_view line, std::array<std::string_view, kFields>& out) {
  size_t n = 0;
  while (true) {
    const size_t tab = line.find('\t');
    if (n == kFields) {
      return LineError{"more than " + std::to_string(kFields) + " tab-separated fields"};
    }
    out[n++] = line.substr(0, tab);
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  if (n != kFields) {
    return LineError{std::to_string(n) + " tab-separated fields, expected " +
                     std::to_string(kFields) + " (" + std::string(kHospitalReconHeader) + ")"};
  }
  return std::nullopt;
}

std::optional<LineError> read_line(std::string_view text, std::string_view fixmedins_code,
                                   HospitalReconLine& line) {
  std::array<std::string_view, kFields> fields;
  if (auto bad = split(text, fields)) return bad;
  for (size_t i = 0; i < kFields; ++i) {
    if (fields[i].empty()) return LineError{std::string(kNames[i]) + " is empty"};
    if (!printable(fields[i])) {
      return LineError{std::string(kNames[i]) + " holds a space or a character outside ASCII"};
    }
  }
  if (fields[0].size() > kSetlIdMax) {
    return LineError{"setl_id is longer than " + std::to_string(kSetlIdMax) + " characters"};
  }
  line.setl_id.assign(fields[0]);
  if (const std::optional<cl::Rejection> bad = cl::check_msgid_form(fields[1], fixmedins_code)) {
    return LineError{"msgid: " + bad->message};
  }
  line.msgid.assign(fields[1]);
  if (auto bad = read_amount(kNames[2], fields[2], line.medfee_sumamt)) return bad;
  if (auto bad = read_amount(kNames[3], fields[3], line.fund_pay_sumamt)) return bad;
  if (auto bad = read_amount(kNames[4], fields[4], line.acct_pay)) return bad;
  if (fields[5] != "0" && fields[5] != "1") return LineError{"cancelled must be 0 or 1"};
  line.cancelled = fields[5] == "1";
  return std::nullopt;
}

HospitalReconParse refuse(size_t line, const std::string& message) {
  HospitalReconParse parse;
  parse.error_line = line;
  parse.error = "line " + std::to_string(line) + ": " + message;
  return parse;
}

// The next line of `text` from `at` without its end ("\n", or "\r\n"); moves `at` past it.
std::string_view next_line(std::string_view text, size_t& at) {
  const size_t end = text.find('\n', at);
  std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
  at = end == std::string_view::npos ? text.size() : end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

HospitalReconParse parse_hospital_recon_tsv(std::string_view text,
                                            std::string_view fixmedins_code) {
  if (text.empty()) return refuse(1, "the file is empty; the header line is required");
  size_t at = 0;
  if (next_line(text, at) != kHospitalReconHeader) {
    return refuse(1, "the header must be exactly: " + std::string(kHospitalReconHeader) +
                         " (tab-separated, no byte order mark)");
  }
  HospitalReconParse parse;
  std::unordered_map<std::string_view, size_t> seen;  // setl_id → its line
  for (size_t number = 2; at < text.size(); ++number) {
    const std::string_view raw = next_line(text, at);
    if (raw.find('\r') != std::string_view::npos) {
      return refuse(number, "a carriage return inside the line");
    }
    if (number - 1 > kHospitalReconLinesMax) {
      return refuse(number, "more than " + std::to_string(kHospitalReconLinesMax) + " lines");
    }
    HospitalReconLine line;
    if (std::optional<LineError> bad = read_line(raw, fixmedins_code, line)) {
      return refuse(number, bad->message);
    }
    const auto [it, fresh] = seen.emplace(raw.substr(0, line.setl_id.size()), number);
    if (!fresh) {
      return refuse(number, "setl_id " + line.setl_id + " again (first on line " +
                                std::to_string(it->second) + ")");
    }
    parse.lines.push_back(std::move(line));
  }
  return parse;
}

std::string write_hospital_recon_tsv(const std::vector<HospitalReconLine>& lines) {
  std::string out(kHospitalReconHeader);
  out.push_back('\n');
  out.reserve(out.size() + lines.size() * 96);
  for (const HospitalReconLine& line : lines) {
    out.append(line.setl_id).push_back('\t');
    out.append(line.msgid).push_back('\t');
    out.append(line.medfee_sumamt.to_string()).push_back('\t');
    out.append(line.fund_pay_sumamt.to_string()).push_back('\t');
    out.append(line.acct_pay.to_string()).push_back('\t');
    out.push_back(line.cancelled ? '1' : '0');
    out.push_back('\n');
  }
  return out;
}

}  // namespace medclear::adapters
