#include "gateway/http/hospital_day.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "adapters/json.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

HospitalDayReply error_answer(int status, std::string_view message, size_t line = 0) {
  ad::JsonWriter w;
  w.begin_object().key("error").string(message);
  if (line != 0) w.key("line").integer(static_cast<int64_t>(line));
  w.end_object();
  return {status, w.take(), "application/json"};
}

HospitalDayReply unreadable(const Status& status) {
  return error_answer(503, "the ledger could not be read: " + status.message());
}

// The record a compensation negates (of any day), read by its setl_id.
Result<cl::SettlementRecord> record_of(const lg::Ledger& ledger, const std::string& setl_id) {
  Result<std::optional<uint64_t>> seq = ledger.find_setl_id(setl_id);
  if (!seq.is_ok()) return seq.status();
  if (!seq->has_value()) return Status::corruption("no entry for setl_id " + setl_id);
  Result<lg::DecodedEntry> decoded = ledger.entry(**seq);
  if (!decoded.is_ok()) return decoded.status();
  return std::move(decoded->entry.record);
}

// +1 for a settlement, −1 for a cancel or reversal of one, +1 for a reversal of a cancel (which
// brings its settlement back): the count nets out as the amounts do.
Result<int64_t> count_of(const lg::Ledger& ledger, const cl::SettlementRecord& record) {
  if (record.kind == cl::RecordKind::kSettlement) return int64_t{1};
  if (record.kind == cl::RecordKind::kCancel) return int64_t{-1};
  Result<cl::SettlementRecord> negated = record_of(ledger, record.compensates);
  if (!negated.is_ok()) return negated.status();
  return int64_t{negated->kind == cl::RecordKind::kSettlement ? -1 : 1};
}

bool counts_for(const cl::SettlementRecord& record, const ad::TotalsRequest& request) {
  return record.insutype == request.insutype &&
         cl::clearing_type(record.med_type) == request.clr_type &&
         (request.setl_optins.empty() ||
          cl::area_covers(request.setl_optins, record.insuplc_admdvs));
}

ad::HospitalReconLine line_of(const cl::SettlementRecord& record, bool cancelled) {
  return {record.setl_id,
          record.msgid,
          record.amounts.medfee_sumamt,
          record.amounts.fund_pay_sumamt,
          record.amounts.acct_pay,
          cancelled};
}

void write_side(ad::JsonWriter& w, std::string_view name, const ad::HospitalReconLine* line) {
  w.key(name);
  if (line == nullptr) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("msgid").string(line->msgid);
  w.key("medfee_sumamt").number_text(line->medfee_sumamt.to_string());
  w.key("fund_pay_sumamt").number_text(line->fund_pay_sumamt.to_string());
  w.key("acct_pay").number_text(line->acct_pay.to_string());
  w.key("cancelled").integer(line->cancelled ? 1 : 0);
  w.end_object();
}

struct Difference {
  std::string_view setl_id;
  std::string_view kind;
  const ad::HospitalReconLine* hospital = nullptr;
  const ad::HospitalReconLine* agency = nullptr;
};

// The kind of difference between two lines of the same setl_id; empty when they agree. Amounts
// (and the msgid) first, then the cancel flag, as the nightly reconciliation between regions.
std::string_view kind_of(const ad::HospitalReconLine& hospital,
                         const ad::HospitalReconLine& agency) {
  if (hospital.msgid != agency.msgid || hospital.medfee_sumamt != agency.medfee_sumamt ||
      hospital.fund_pay_sumamt != agency.fund_pay_sumamt || hospital.acct_pay != agency.acct_pay) {
    return "amount_differs";
  }
  if (hospital.cancelled != agency.cancelled) return "cancel_differs";
  return {};
}

std::optional<cl::Date> day_of(const std::map<std::string, std::string>& query) {
  const auto day = query.find("day");
  if (day == query.end()) return std::nullopt;
  return cl::parse_date(day->second);
}

}  // namespace

Result<ad::TotalsFigures> agency_totals(const lg::Ledger& ledger,
                                        const ad::TotalsRequest& request) {
  ad::TotalsFigures figures;
  cl::WideInt volume = 0;  // Σ |amounts| added: bounds every sum (bills up to kClaimAmountMaxFen)
  for (int32_t d = request.stmt_begndate.days(); d <= request.stmt_enddate.days(); ++d) {
    Result<std::vector<lg::Entry>> entries =
        lg::hospital_entries(ledger, cl::Date::from_days(d), request.envelope.fixmedins_code);
    if (!entries.is_ok()) return entries.status();
    for (const lg::Entry& entry : *entries) {
      const cl::SettlementRecord& record = entry.record;
      if (!counts_for(record, request)) continue;
      Result<int64_t> count = count_of(ledger, record);
      if (!count.is_ok()) return count.status();
      volume += record.amounts.medfee_sumamt.is_negative()
                    ? -static_cast<cl::WideInt>(record.amounts.medfee_sumamt.fen())
                    : static_cast<cl::WideInt>(record.amounts.medfee_sumamt.fen());
      if (volume > cl::Money::kMaxFen / 2) {
        return Status::invalid(
            "the hospital's bills in these days are too large to add up "
            "exactly; ask for fewer days");
      }
      figures.medfee_sumamt += record.amounts.medfee_sumamt;
      figures.fund_pay_sumamt += record.amounts.fund_pay_sumamt;
      figures.acct_pay += record.amounts.acct_pay;
      figures.fixmedins_setl_cnt += *count;
    }
  }
  return figures;
}

Result<std::vector<ad::HospitalReconLine>> agency_lines(const lg::Ledger& ledger, cl::Date day,
                                                        std::string_view fixmedins_code) {
  Result<std::vector<lg::Entry>> entries = lg::hospital_entries(ledger, day, fixmedins_code);
  if (!entries.is_ok()) return entries.status();
  std::vector<ad::HospitalReconLine> lines;
  std::unordered_map<std::string, size_t> at;  // setl_id → its line
  lines.reserve(entries->size());
  at.reserve(entries->size());
  for (const lg::Entry& entry : *entries) {  // the day's settlements first
    if (entry.record.kind != cl::RecordKind::kSettlement) continue;
    at.emplace(entry.record.setl_id, lines.size());
    lines.push_back(line_of(entry.record, false));
  }
  for (const lg::Entry& entry : *entries) {  // then what the day's cancels and reversals negate
    const std::string& negated = entry.record.compensates;
    if (entry.record.kind == cl::RecordKind::kSettlement) continue;
    if (auto it = at.find(negated); it != at.end()) {
      lines[it->second].cancelled = true;
      continue;
    }
    Result<cl::SettlementRecord> record = record_of(ledger, negated);
    if (!record.is_ok()) return record.status();
    at.emplace(negated, lines.size());
    lines.push_back(line_of(*record, true));
  }
  return lines;
}

std::string detail_answer(cl::Date day, std::string_view fixmedins_code,
                          const std::vector<ad::HospitalReconLine>& hospital,
                          const std::vector<ad::HospitalReconLine>& agency) {
  std::unordered_map<std::string_view, const ad::HospitalReconLine*> agency_by_id;
  agency_by_id.reserve(agency.size());
  for (const ad::HospitalReconLine& line : agency) agency_by_id.emplace(line.setl_id, &line);
  std::vector<Difference> differences;
  int64_t agreed = 0;
  for (const ad::HospitalReconLine& line : hospital) {
    const auto it = agency_by_id.find(line.setl_id);
    if (it == agency_by_id.end()) {
      differences.push_back({line.setl_id, "missing_at_agency", &line, nullptr});
      continue;
    }
    const std::string_view kind = kind_of(line, *it->second);
    if (kind.empty()) {
      ++agreed;
    } else {
      differences.push_back({line.setl_id, kind, &line, it->second});
    }
    agency_by_id.erase(it);
  }
  for (const auto& [id, line] : agency_by_id) {
    differences.push_back({id, "missing_at_hospital", nullptr, line});
  }
  std::sort(differences.begin(), differences.end(),
            [](const Difference& a, const Difference& b) { return a.setl_id < b.setl_id; });
  ad::JsonWriter w;
  w.begin_object();
  w.key("day").string(day.to_string());
  w.key("fixmedins_code").string(fixmedins_code);
  w.key("agreed").integer(agreed);
  w.key("differences").begin_array();
  for (const Difference& difference : differences) {
    w.begin_object().key("setl_id").string(difference.setl_id);
    w.key("kind").string(difference.kind);
    write_side(w, "hospital", difference.hospital);
    write_side(w, "agency", difference.agency);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

HospitalDayWork totals_work(const ad::JsonNode& envelope, const HospitalCaller& caller,
                            const std::string& region, const cl::CodeTables& codes,
                            uint64_t serial) {
  if (caller.role != "hospital") return error_answer(403, "3201 is for hospitals");
  ad::TotalsParse parse = ad::parse_totals_request(envelope, codes);
  const ad::ResponseStamp stamp = ad::stamp_now(region, serial);
  if (!parse.request) {
    return HospitalDayReply{200, ad::build_nhsa_rejection(stamp, parse.msgid, parse.rejection)};
  }
  if (parse.request->envelope.fixmedins_code != caller.organisation) {
    return error_answer(403, "fixmedins_code is not the institution of the client certificate");
  }
  return HospitalDayJob([request = std::move(*parse.request), stamp](const lg::Ledger& ledger) {
    Result<ad::TotalsFigures> figures = agency_totals(ledger, request);
    if (figures.status().code() == StatusCode::kInvalid) {
      return error_answer(422, figures.status().message());
    }
    if (!figures.is_ok()) return unreadable(figures.status());
    return HospitalDayReply{
        200, ad::build_totals_response(stamp, request.envelope.msgid, request, *figures)};
  });
}

HospitalDayWork detail_work(const std::string& body,
                            const std::map<std::string, std::string>& query,
                            const HospitalCaller& caller) {
  if (caller.role != "hospital") {
    return error_answer(403, "the detail reconciliation is for hospitals");
  }
  const std::optional<cl::Date> day = day_of(query);
  if (!day) return error_answer(400, "day=YYYY-MM-DD is required");
  // Parsing a big file is work too: it runs with the ledger read, off the gateway's IO thread.
  // The job keeps its own copy of the body: the request may be gone when it runs.
  return HospitalDayJob([body, day = *day, code = caller.organisation](const lg::Ledger& ledger) {
    const ad::HospitalReconParse parse = ad::parse_hospital_recon_tsv(body, code);
    if (!parse.ok()) return error_answer(400, parse.error, parse.error_line);
    Result<std::vector<ad::HospitalReconLine>> agency = agency_lines(ledger, day, code);
    if (!agency.is_ok()) return unreadable(agency.status());
    return HospitalDayReply{200, detail_answer(day, code, parse.lines, *agency)};
  });
}

}  // namespace medclear::gateway
