#include "gateway/backoffice/audit_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include "adapters/json.h"
#include "adapters/reference_json.h"
#include "clearing/codes.h"
#include "clearing/provinces.h"
#include "clearing/settlement.h"
#include "gateway/backoffice/audit_report_html.h"
#include "gateway/backoffice/html.h"
#include "ledger/directory.h"
#include "ledger/documents.h"
#include "ledger/entry.h"
#include "ledger/period_totals.h"
#include "ledger/verify.h"

namespace medclear::gateway {

namespace fs = std::filesystem;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

using html::cell;
using html::escape;
using html::fill_page;
using html::magnitude;
using html::share;

void add(FundTotals& t, const cl::SettlementAmounts& a) {
  ++t.entries;
  t.medfee += a.medfee_sumamt;
  t.funds += a.fund_pay_sumamt;
  t.pool += a.hifp_pay;
  t.layer += a.hifmi_pay;
  t.assistance += a.maf_pay;
  t.account += a.acct_pay;
  t.cash += a.psn_cash_pay;
}

const std::vector<std::pair<const char*, cl::Money FundTotals::*>>& fund_fields() {
  static const std::vector<std::pair<const char*, cl::Money FundTotals::*>> kFields{
      {"medfee_sumamt", &FundTotals::medfee}, {"fund_pay_sumamt", &FundTotals::funds},
      {"hifp_pay", &FundTotals::pool},        {"hifmi_pay", &FundTotals::layer},
      {"maf_pay", &FundTotals::assistance},   {"acct_pay", &FundTotals::account},
      {"psn_cash_pay", &FundTotals::cash}};
  return kFields;
}

std::string text_of(const adapters::Json* json) {
  return json == nullptr ? std::string() : json->text;
}

cl::Money money_of(const adapters::Json* json) {
  if (json == nullptr) return cl::Money::zero();
  return cl::parse_signed_money(json->text).value_or(cl::Money::zero());
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Status read_statements(const lg::Ledger& ledger, cl::Date from, cl::Date to,
                       std::map<std::string, std::string>& recon,
                       std::map<std::string, std::string>& clearing) {
  Result<std::vector<std::pair<std::string, std::string>>> recon_docs =
      ledger.documents(std::string(lg::documents::kReconStatementPrefix));
  Result<std::vector<std::pair<std::string, std::string>>> clearing_docs =
      ledger.documents(std::string(lg::documents::kClearingStatementPrefix));
  if (!recon_docs.is_ok()) return recon_docs.status();
  if (!clearing_docs.is_ok()) return clearing_docs.status();
  for (auto& [name, text] : *recon_docs) {
    const std::string day = name.substr(lg::documents::kReconStatementPrefix.size(), 10);
    if (day >= from.to_string() && day <= to.to_string()) recon.emplace(name, text);
  }
  for (auto& [name, text] : *clearing_docs) {
    const std::string period = name.substr(lg::documents::kClearingStatementPrefix.size());
    const std::optional<cl::Date> last = lg::last_day_of_period(period);
    if (last && *last >= from && period + "-01" <= to.to_string()) {
      clearing.emplace(name + "/" + ledger.region(), text);
    }
  }
  return Status::ok();
}

// A region as a person reads it: code, Chinese name and pinyin (clearing/provinces.h).
std::string region_cell(const std::string& region) {
  return "<td class=\"region\">" + escape(cl::province_label(region)) + "</td>";
}

// The name alone, for the charts' labels (the code when it is not a province).
std::string region_name(const std::string& region) {
  const cl::Province* p = cl::find_province(region);
  return p == nullptr ? region : std::string(p->name_zh) + " " + p->name_en;
}

// Net positions: one bar per region, right receives, left pays.
std::string position_bars(const AuditReport& r, int row_height) {
  cl::Money largest = cl::Money::from_fen(1);
  for (const auto& [region, net] : r.positions) largest = std::max(largest, magnitude(net));
  std::ostringstream bars;
  int y = 4;
  for (const auto& [region, net] : r.positions) {
    const int width = std::max(1, share(net, largest, 250));
    const bool pays = net.is_negative();
    bars << "<text x=\"10\" y=\"" << y + 12 << "\" font-size=\"11\"><title>" << escape(region)
         << "</title>" << escape(region_name(region)) << "</text><rect x=\""
         << (pays ? 430 - width : 430) << "\" y=\"" << y << "\" width=\"" << width << "\" height=\""
         << row_height - 4 << "\" fill=\"" << (pays ? "#d1495b" : "#2e86ab") << "\"/><text x=\""
         << (pays ? 440 : 420) << "\" y=\"" << y + 12 << "\" font-size=\"10\" text-anchor=\""
         << (pays ? "start" : "end") << "\">" << net.to_string() << "</text>";
    y += row_height;
  }
  return bars.str();
}

// The daily trend: a bar per business day for the settlements booked, a line through the funds
// paid (both scaled to their own largest day), each day labelled below.
std::string trend_chart(const AuditReport& r) {
  if (r.days.empty()) return "<p>No entries in these days.</p>";
  uint64_t most = 1;
  cl::Money largest = cl::Money::from_fen(1);
  for (const auto& [day, t] : r.days) {
    most = std::max(most, t.settlements);
    largest = std::max(largest, magnitude(t.funds));
  }
  const int slot = std::max(8, 700 / static_cast<int>(r.days.size()));
  const int width = slot * static_cast<int>(r.days.size()) + 60;
  std::ostringstream svg;
  svg << "<svg id=\"trend\" width=\"" << width << "\" height=\"190\" role=\"img\" "
      << "aria-label=\"claims and funds per day\">";
  std::string line;
  int x = 40;
  for (const auto& [day, t] : r.days) {
    const int bar = static_cast<int>(t.settlements * 140 / most);
    const int y = 150 - share(t.funds, largest, 140);
    const std::string date = cl::Date::from_days(day).to_string();
    svg << "<rect x=\"" << x + 1 << "\" y=\"" << 150 - bar << "\" width=\"" << slot - 2
        << "\" height=\"" << bar << "\" fill=\"#9ecae1\"><title>" << date << ": " << t.settlements
        << " settlements, " << t.compensations << " cancels and reversals, funds "
        << t.funds.to_string() << " yuan, bills " << t.medfee.to_string()
        << " yuan</title></rect><text x=\"" << x + slot / 2 << "\" y=\"165\" font-size=\"9\" "
        << "text-anchor=\"middle\">" << date.substr(5) << "</text>";
    line += (line.empty() ? "" : " ") + std::to_string(x + slot / 2) + "," + std::to_string(y);
    x += slot;
  }
  svg << "<polyline points=\"" << line << "\" fill=\"none\" stroke=\"#d1495b\" "
      << "stroke-width=\"2\"/><text x=\"40\" y=\"185\" font-size=\"10\">bars: settlements "
      << "per day (most " << most << "); line: funds paid per day (most " << largest.to_string()
      << " yuan)</text></svg>";
  return svg.str();
}

std::string flow_columns(const AuditReport& r) {
  std::string columns;
  for (const std::string& t : r.regions) {
    columns +=
        "<th title=\"" + escape(cl::province_label(t)) + "\">" + escape(t.substr(0, 2)) + "</th>";
  }
  return columns;
}

// Flow matrix: what each insured region's funds paid for care in each treating region, shaded.
std::string flow_rows(const AuditReport& r) {
  cl::Money flow_max = cl::Money::from_fen(1);
  for (const auto& [pair, t] : r.pairs) {
    flow_max = std::max(flow_max, magnitude(t.funds + t.account));
  }
  std::ostringstream rows;
  for (const std::string& i : r.regions) {
    rows << "<tr><th class=\"region\">" << escape(cl::province_label(i)) << "</th>";
    for (const std::string& t : r.regions) {
      const auto it = r.pairs.find({i, t});
      if (it == r.pairs.end()) {
        rows << "<td></td>";
        continue;
      }
      const cl::Money owed = it->second.funds + it->second.account;  // the payable between them
      const int shade = 255 - share(owed, flow_max, 200);
      rows << "<td style=\"background:rgb(" << shade << "," << shade << ",255)\" title=\""
           << escape(i) << "→" << escape(t) << " " << owed.to_string() << "\">" << owed.fen() / 100
           << "</td>";
    }
    rows << "</tr>";
  }
  return rows.str();
}

std::string fund_columns() {
  std::string columns;
  for (const auto& [field, member] : fund_fields())
    columns += "<th>" + std::string(field) + "</th>";
  return columns;
}

std::string totals_rows(const AuditReport& r) {
  std::string rows;
  for (const auto& [pair, t] : r.pairs) {
    rows += "<tr>" + region_cell(pair.first) + region_cell(pair.second) +
            cell(std::to_string(t.entries));
    for (const auto& [field, member] : fund_fields()) rows += cell((t.*member).to_string());
    rows += "</tr>";
  }
  return rows;
}

std::string count_rows(const std::map<std::string, uint64_t>& counts) {
  std::string rows;
  for (const auto& [name, count] : counts) {
    rows += "<tr>" + cell(escape(name)) + cell(std::to_string(count)) + "</tr>";
  }
  return rows;
}

std::string clearing_rows(const AuditReport& r) {
  std::string rows;
  for (const ClearingLine& line : r.clearing) {
    std::string flags;
    for (const std::string& flag : line.flags) flags += (flags.empty() ? "" : " ") + flag;
    rows += "<tr>" + cell(escape(line.period)) + region_cell(line.region) +
            cell(line.net.to_string()) + cell(line.pay_in.to_string()) +
            cell(line.pay_out.to_string()) + (flags.empty() ? "<td>" : "<td class=\"bad\">") +
            escape(flags) + "</td></tr>";
  }
  return rows;
}

std::string anomaly_rows(const AuditReport& r) {
  std::string rows;
  for (const Anomaly& a : r.anomalies) {
    std::string claims;
    for (const std::string& c : a.claims) claims += (claims.empty() ? "" : "<br>") + escape(c);
    rows += "<tr>" + cell(escape(a.kind)) + (a.region.empty() ? cell("") : region_cell(a.region)) +
            cell(escape(a.subject)) + cell(escape(a.detail)) + cell(claims) + "<td class=\"why\">" +
            escape(anomaly_explanation(a.kind)) + "</td></tr>";
  }
  return rows;
}

std::string integrity_rows(const AuditReport& r) {
  std::string rows;
  for (const LedgerIntegrity& l : r.integrity) {
    rows += "<tr>" + region_cell(l.region) +
            (l.ok ? "<td class=\"ok\">ok" : "<td class=\"bad\">" + escape(l.problem)) + "</td>" +
            cell(std::to_string(l.entries)) + cell(std::to_string(l.seals)) +
            cell(escape(l.last_sealed_day)) + cell(escape(l.head_hash.substr(0, 16)) + "…") +
            "</tr>";
  }
  return rows;
}

void write_pairs(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("pairs").begin_array();
  for (const auto& [pair, t] : r.pairs) {
    w.begin_object().key("insured").string(pair.first).key("treating").string(pair.second);
    w.key("entries").integer(static_cast<int64_t>(t.entries));
    for (const auto& [field, member] : fund_fields()) w.key(field).string((t.*member).to_string());
    w.end_object();
  }
  w.end_array();
}

// "provinces": {"110000": {"name_zh": "北京市", "name_en": "Beijing"}, …} for the regions named.
void write_province_names(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("provinces").begin_object();
  for (const std::string& region : r.regions) {
    const cl::Province* p = cl::find_province(region);
    if (p == nullptr) continue;
    w.key(region).begin_object().key("name_zh").string(p->name_zh);
    w.key("name_en").string(p->name_en).end_object();
  }
  w.end_object();
}

void write_days(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("days").begin_array();
  for (const auto& [day, t] : r.days) {
    w.begin_object().key("day").string(cl::Date::from_days(day).to_string());
    w.key("settlements").integer(static_cast<int64_t>(t.settlements));
    w.key("cancels_and_reversals").integer(static_cast<int64_t>(t.compensations));
    w.key("medfee_sumamt").string(t.medfee.to_string());
    w.key("fund_pay_sumamt").string(t.funds.to_string()).end_object();
  }
  w.end_array();
}

void write_counts(adapters::JsonWriter& w, const std::map<std::string, uint64_t>& counts) {
  w.begin_object();
  for (const auto& [name, count] : counts) w.key(name).integer(static_cast<int64_t>(count));
  w.end_object();
}

void write_clearing(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("clearing").begin_array();
  for (const ClearingLine& line : r.clearing) {
    w.begin_object().key("period").string(line.period).key("region").string(line.region);
    w.key("net").string(line.net.to_string()).key("pay_in").string(line.pay_in.to_string());
    w.key("pay_out").string(line.pay_out.to_string()).key("flags").begin_array();
    for (const std::string& flag : line.flags) w.string(flag);
    w.end_array().end_object();
  }
  w.end_array();
}

void write_anomalies(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("filings_checked").boolean(r.filings_checked);
  w.key("paid_without_filing_under_unfiled_terms")
      .integer(static_cast<int64_t>(r.paid_unfiled_terms));
  w.key("paid_without_filing_as_emergency").integer(static_cast<int64_t>(r.paid_unfiled_emergency));
  w.key("anomalies").begin_array();
  for (const Anomaly& a : r.anomalies) {
    w.begin_object().key("kind").string(a.kind).key("region").string(a.region);
    w.key("subject").string(a.subject).key("detail").string(a.detail);
    w.key("explanation").string(anomaly_explanation(a.kind)).key("claims").begin_array();
    for (const std::string& c : a.claims) w.string(c);
    w.end_array().end_object();
  }
  w.end_array();
}

void write_integrity(adapters::JsonWriter& w, const AuditReport& r) {
  w.key("integrity").begin_object().key("intact").boolean(r.intact()).key("ledgers").begin_array();
  for (const LedgerIntegrity& l : r.integrity) {
    w.begin_object().key("region").string(l.region).key("ok").boolean(l.ok);
    w.key("problem").string(l.problem).key("entries").integer(static_cast<int64_t>(l.entries));
    w.key("seals").integer(static_cast<int64_t>(l.seals));
    w.key("last_sealed_day").string(l.last_sealed_day);
    w.key("head_hash").string(l.head_hash).end_object();
  }
  w.end_array().end_object();
}

const char* status_of(cl::RecordKind kind) {
  switch (kind) {
    case cl::RecordKind::kSettlement:
      return "settled";
    case cl::RecordKind::kCancel:
      return "cancelled";
    case cl::RecordKind::kReversal:
      return "reversed";
    case cl::RecordKind::kAdjustment:
      return "adjusted";
  }
  return "unknown";
}

// A settlement paid by the funds: was a filing valid for the treating division? Paid without one
// under the policy's unfiled terms or as an emergency is counted; otherwise it is flagged.
void check_filing(AuditScan& scan, const cl::SettlementRecord& r, const std::string& insured,
                  const cl::ReferenceData& reference) {
  if (r.amounts.fund_pay_sumamt <= cl::Money::zero()) return;
  const cl::Person* person = reference.person(r.psn_no);
  const cl::Policy* policy = reference.policy_for(r.insuplc_admdvs, r.insutype, r.setl_time.date);
  const bool filed = person != nullptr && policy != nullptr &&
                     cl::ReferenceData::filing_for(*person, *policy, r.mdtrtarea_admvs,
                                                   r.setl_time.date) != nullptr;
  if (filed) return;
  if (cl::is_emergency(r.med_type)) {
    ++scan.paid_unfiled_emergency;
  } else if (policy != nullptr && policy->unfiled) {
    ++scan.paid_unfiled_terms;
  } else {  // the policy refuses claims without a filing: it should not be paid
    scan.anomalies.push_back({"paid_without_valid_filing",
                              insured,
                              r.setl_id,
                              "psn_no " + r.psn_no + " med_type " + r.med_type + " paid " +
                                  r.amounts.fund_pay_sumamt.to_string() + " at " + r.fixmedins_code,
                              {r.setl_id}});
  }
}

// A settlement adds to its day; a cancel or a reversal (negative amounts) subtracts.
void count_day(DayTotals& day, const cl::SettlementRecord& r) {
  if (r.kind == cl::RecordKind::kSettlement) ++day.settlements;
  if (r.kind == cl::RecordKind::kCancel || r.kind == cl::RecordKind::kReversal) {
    ++day.compensations;
  }
  day.medfee += r.amounts.medfee_sumamt;
  day.funds += r.amounts.fund_pay_sumamt;
}

// One entry of the ledger into the scan: the insured side counts (it decided), the treating side
// only its adjustments.
void count_entry(AuditScan& scan, const lg::Entry& entry, const cl::ReferenceData* reference) {
  const cl::SettlementRecord& r = entry.record;
  if (entry.side == lg::Side::kTreating) {
    if (r.kind == cl::RecordKind::kAdjustment) ++scan.by_status["adjusted"];
    return;
  }
  const std::string insured = lg::region_of(r.insuplc_admdvs);
  const std::string treating = lg::region_of(r.mdtrtarea_admvs);
  add(scan.pairs[{insured, treating}], r.amounts);
  ++scan.by_status[status_of(r.kind)];
  count_day(scan.days[entry.day.days()], r);
  if (r.kind != cl::RecordKind::kSettlement) return;
  scan.bills[{insured, r.insutype, r.med_type}][r.psn_no].add(r.amounts.medfee_sumamt, r.setl_id);
  scan.same_bill[{r.psn_no, r.setl_time.date.days(), r.amounts.medfee_sumamt.fen()}].emplace(
      r.fixmedins_code, r.setl_id);
  if (reference != nullptr) check_filing(scan, r, insured, *reference);
}

// The whole ledger verified: hash chain, derived keys, every seal and its signature.
LedgerIntegrity integrity_of(const lg::Ledger& ledger) {
  const lg::VerifyReport verified = lg::verify_ledger(ledger, nullptr);
  LedgerIntegrity integrity{ledger.region(),
                            verified.ok,
                            verified.problem,
                            verified.entries,
                            static_cast<size_t>(verified.seals),
                            "",
                            lg::to_hex(ledger.head_hash())};
  if (ledger.last_sealed_day()) integrity.last_sealed_day = ledger.last_sealed_day()->to_string();
  return integrity;
}

// Pools one ledger's share: its sums into the report, the evidence that needs every ledger
// (bills, same bills, statements) into `pooled`.
void pool_scan(AuditReport& report, AuditScan& pooled, AuditScan& scan) {
  report.regions.push_back(scan.region);
  for (const auto& [pair, t] : scan.pairs) {
    FundTotals& into = report.pairs[pair];
    into.entries += t.entries;
    for (const auto& [field, member] : fund_fields()) into.*member += t.*member;
  }
  for (const auto& [status, count] : scan.by_status) report.by_status[status] += count;
  for (const auto& [day, totals] : scan.days) {
    DayTotals& into = report.days[day];
    into.settlements += totals.settlements;
    into.compensations += totals.compensations;
    into.medfee += totals.medfee;
    into.funds += totals.funds;
  }
  for (auto& [group, people] : scan.bills) {
    for (const auto& [psn, bills] : people) pooled.bills[group][psn].merge(bills);
  }
  for (auto& [key, hospitals] : scan.same_bill) {
    pooled.same_bill[key].insert(hospitals.begin(), hospitals.end());
  }
  for (Anomaly& a : scan.anomalies) report.anomalies.push_back(std::move(a));
  report.filings_checked = report.filings_checked && scan.filings_checked;
  report.paid_unfiled_terms += scan.paid_unfiled_terms;
  report.paid_unfiled_emergency += scan.paid_unfiled_emergency;
  pooled.recon_docs.merge(scan.recon_docs);
  pooled.clearing_docs.merge(scan.clearing_docs);
  report.integrity.push_back(std::move(scan.integrity));
}

void flag_same_bills(const AuditScan& pooled, std::vector<Anomaly>& anomalies) {
  for (const auto& [key, hospitals] : pooled.same_bill) {
    if (hospitals.size() < 2) continue;
    std::string list;
    std::vector<std::string> claims;
    for (const auto& [hospital, setl_id] : hospitals) {
      list += (list.empty() ? "" : ",") + hospital;
      if (claims.size() < kClaimsPerFlag) claims.push_back(setl_id);
    }
    anomalies.push_back({"same_claim_two_hospitals", "", std::get<0>(key),
                         cl::Date::from_days(std::get<1>(key)).to_string() + " bill " +
                             cl::Money::from_fen(std::get<2>(key)).to_string() + " at " + list,
                         std::move(claims)});
  }
}

void flag_bills_far_above_peers(const AuditScan& pooled, std::vector<Anomaly>& anomalies) {
  for (const auto& [group, people] : pooled.bills) {
    std::vector<int64_t> totals;
    for (const auto& [psn, bills] : people) totals.push_back(bills.total.fen());
    std::nth_element(totals.begin(), totals.begin() + static_cast<long>(totals.size() / 2),
                     totals.end());
    const int64_t median = totals[totals.size() / 2];
    for (const auto& [psn, bills] : people) {
      const cl::Money total = bills.total;
      if (total.fen() <= kPeerFloorFen || total.fen() <= kPeerFactor * median) continue;
      std::vector<std::string> claims;
      for (const auto& [medfee, setl_id] : bills.largest) claims.push_back(setl_id);
      anomalies.push_back({"bills_far_above_peers", std::get<0>(group), psn,
                           "bills " + total.to_string() + " against a median of " +
                               cl::Money::from_fen(median).to_string() + " (insutype " +
                               std::get<1>(group) + ", med_type " + std::get<2>(group) + ")",
                           std::move(claims)});
    }
  }
}

// The reconciliation statements: how many, how many balanced, the differences by kind.
void count_statements(const std::map<std::string, std::string>& recon_docs, AuditReport& report) {
  for (const auto& [name, text] : recon_docs) {
    Result<adapters::Json> parsed = adapters::parse_json(text);
    const adapters::Json* statement = parsed.is_ok() ? parsed->find("statement") : nullptr;
    if (statement == nullptr) continue;
    ++report.statements;
    const adapters::Json* balanced = statement->find("balanced");
    if (balanced != nullptr && balanced->boolean) ++report.statements_balanced;
    if (const adapters::Json* differences = statement->find("differences")) {
      for (const adapters::Json& d : differences->items) {
        ++report.differences[text_of(d.find("kind"))];
      }
    }
    if (const adapters::Json* adjustments = parsed->find("adjustments")) {
      report.adjustments += std::strtoull(adjustments->text.c_str(), nullptr, 10);
    }
  }
}

// One clearing statement as a line of the report (nullopt when it does not parse); an
// overdrawn prepayment is flagged.
std::optional<ClearingLine> clearing_line(const std::string& text, AuditReport& report) {
  Result<adapters::Json> parsed = adapters::parse_json(text);
  if (!parsed.is_ok()) return std::nullopt;
  const adapters::Json& s = *parsed;
  ClearingLine line{text_of(s.find("period")),   text_of(s.find("region")),
                    money_of(s.find("net")),     money_of(s.find("pay_in")),
                    money_of(s.find("pay_out")), {}};
  const adapters::Json* flags = s.find("flags");
  if (flags == nullptr) return line;
  for (const adapters::Json& flag : flags->items) {
    line.flags.push_back(flag.text);
    if (flag.text != "prepayment_overdrawn") continue;
    report.anomalies.push_back({"prepayment_overdrawn",
                                line.region,
                                line.region,
                                "clearing " + line.period + " drew more than the prepayment held",
                                {}});
  }
  return line;
}

// The net positions: the latest cleared period's, or without one, the pairs' payables.
void set_positions(AuditReport& report, const std::string& latest_period) {
  if (!latest_period.empty()) {
    report.positions_basis = "clearing " + latest_period;
    for (const ClearingLine& line : report.clearing) {
      if (line.period == latest_period) report.positions[line.region] = line.net;
    }
    return;
  }
  report.positions_basis = "pair totals";
  for (const auto& [pair, totals] : report.pairs) {
    report.positions[pair.second] += totals.funds + totals.account;  // the payable between them
    report.positions[pair.first] -= totals.funds + totals.account;
  }
}

// A scenario file's reference data (contracts/adjudicate.md), for the filing check.
Result<adapters::Scenario> read_scenario(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  Result<adapters::Scenario> loaded = adapters::load_scenario(text.str());
  if (!file) return Status::not_found("scenario: cannot read " + path);
  if (!loaded.is_ok()) return Status::invalid("scenario: " + loaded.status().message());
  return std::move(*loaded);
}

}  // namespace

bool AuditReport::intact() const {
  return std::all_of(integrity.begin(), integrity.end(),
                     [](const LedgerIntegrity& l) { return l.ok; });
}

void PersonBills::add(cl::Money medfee, const std::string& setl_id) {
  total += medfee;
  largest.emplace_back(medfee, setl_id);
  std::sort(largest.begin(), largest.end(), std::greater<>());
  if (largest.size() > kClaimsPerFlag) largest.resize(kClaimsPerFlag);
}

void PersonBills::merge(const PersonBills& other) {
  total += other.total;
  largest.insert(largest.end(), other.largest.begin(), other.largest.end());
  std::sort(largest.begin(), largest.end(), std::greater<>());
  if (largest.size() > kClaimsPerFlag) largest.resize(kClaimsPerFlag);
}

std::string anomaly_explanation(std::string_view kind) {
  if (kind == "same_claim_two_hospitals") {
    return "The same person was settled the same bill on the same day at two or more hospitals: "
           "a bill paid twice, or one stay split across hospitals. Compare the claims listed.";
  }
  if (kind == "bills_far_above_peers") {
    return "This person's bills in the period are more than " + std::to_string(kPeerFactor) +
           " times the median of the people of the same insured region, insurance type and "
           "medical type, and over " +
           cl::Money::from_fen(kPeerFloorFen).to_string() +
           " yuan: check the largest claims listed against the records of care.";
  }
  if (kind == "paid_without_valid_filing") {
    return "The funds paid although the person had no filing valid for the treating division, "
           "the policy has no terms for unfiled care and it was no emergency: a payment the "
           "policy does not allow.";
  }
  if (kind == "prepayment_overdrawn") {
    return "The region's pay-in at the monthly clearing was more than its prepayment held: the "
           "shortfall must be wired, and the prepayment may be sized too small.";
  }
  return "";
}

Result<AuditScan> scan_for_audit(const lg::Ledger& ledger, cl::Date from, cl::Date to,
                                 const cl::ReferenceData* reference) {
  if (to < from) return Status::invalid("the report's last day is before its first");
  AuditScan scan;
  scan.region = ledger.region();
  scan.filings_checked = reference != nullptr;
  Result<std::vector<uint64_t>> seqs =
      ledger.entries_of_days(cl::Date::from_days(from.days() - 1), to);
  if (!seqs.is_ok()) return Status::error(scan.region + ": " + seqs.status().message());
  for (const uint64_t seq : *seqs) {
    Result<lg::DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return Status::error(scan.region + ": " + decoded.status().message());
    count_entry(scan, decoded->entry, reference);
  }
  if (Status read = read_statements(ledger, from, to, scan.recon_docs, scan.clearing_docs);
      !read.is_ok()) {
    return read;
  }
  scan.integrity = integrity_of(ledger);
  return scan;
}

AuditReport merge_audit(std::vector<AuditScan> scans, cl::Date from, cl::Date to) {
  AuditReport report;
  report.from = from;
  report.to = to;
  report.filings_checked = !scans.empty();
  std::sort(scans.begin(), scans.end(),
            [](const AuditScan& a, const AuditScan& b) { return a.region < b.region; });
  AuditScan pooled;
  for (AuditScan& scan : scans) pool_scan(report, pooled, scan);
  flag_same_bills(pooled, report.anomalies);
  flag_bills_far_above_peers(pooled, report.anomalies);
  count_statements(pooled.recon_docs, report);
  std::string latest_period;
  for (const auto& [name, text] : pooled.clearing_docs) {
    std::optional<ClearingLine> line = clearing_line(text, report);
    if (!line) continue;
    latest_period = std::max(latest_period, line->period);
    report.clearing.push_back(std::move(*line));
  }
  set_positions(report, latest_period);
  return report;
}

Result<AuditReport> build_audit_report(const std::map<std::string, lg::Ledger*>& ledgers,
                                       cl::Date from, cl::Date to,
                                       const cl::ReferenceData* reference) {
  if (to < from) return Status::invalid("the report's last day is before its first");
  std::vector<AuditScan> scans;
  for (const auto& [region, ledger] : ledgers) {
    Result<AuditScan> scan = scan_for_audit(*ledger, from, to, reference);
    if (!scan.is_ok()) return scan.status();
    scans.push_back(std::move(*scan));
  }
  return merge_audit(std::move(scans), from, to);
}

Result<AuditReport> audit_ledgers_at(const std::string& ledgers_dir, cl::Date from, cl::Date to,
                                     const std::string& scenario_path) {
  std::optional<adapters::Scenario> scenario;
  if (!scenario_path.empty()) {
    Result<adapters::Scenario> read = read_scenario(scenario_path);
    if (!read.is_ok()) return read.status();
    scenario = std::move(*read);
  }
  Result<lg::LedgerSet> opened = lg::open_ledger_set(ledgers_dir);
  if (!opened.is_ok()) return opened.status();
  return build_audit_report(opened->ledgers, from, to, scenario ? &scenario->reference : nullptr);
}

std::string audit_json(const AuditReport& r) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.audit-report.v1");
  w.key("from").string(r.from.to_string()).key("to").string(r.to.to_string());
  w.key("regions").begin_array();
  for (const std::string& region : r.regions) w.string(region);
  w.end_array();
  write_province_names(w, r);
  write_pairs(w, r);
  write_days(w, r);
  w.key("claims_by_status");
  write_counts(w, r.by_status);
  w.key("reconciliation").begin_object();
  w.key("statements").integer(static_cast<int64_t>(r.statements));
  w.key("balanced").integer(static_cast<int64_t>(r.statements_balanced));
  w.key("differences");
  write_counts(w, r.differences);
  w.key("adjustments").integer(static_cast<int64_t>(r.adjustments)).end_object();
  write_clearing(w, r);
  w.key("positions_basis").string(r.positions_basis);
  w.key("positions").begin_object();
  for (const auto& [region, net] : r.positions) w.key(region).string(net.to_string());
  w.end_object();
  write_anomalies(w, r);
  write_integrity(w, r);
  w.end_object();
  return w.take();
}

std::string audit_csv(const AuditReport& r) {
  std::ostringstream csv;
  csv << "section,region,counterpart,name,value\n";
  auto row = [&](const std::string& section, const std::string& region,
                 const std::string& counterpart, const std::string& name,
                 const std::string& value) {
    csv << section << "," << region << "," << counterpart << "," << csv_field(name) << ","
        << csv_field(value) << "\n";
  };
  row("period", "", "", "from", r.from.to_string());
  row("period", "", "", "to", r.to.to_string());
  for (const std::string& region : r.regions) {
    if (const cl::Province* p = cl::find_province(region)) {
      row("province", region, "", "name_zh", p->name_zh);
      row("province", region, "", "name_en", p->name_en);
    }
  }
  for (const auto& [day, t] : r.days) {
    const std::string date = cl::Date::from_days(day).to_string();
    row("day", "", "", date + " settlements", std::to_string(t.settlements));
    row("day", "", "", date + " cancels_and_reversals", std::to_string(t.compensations));
    row("day", "", "", date + " medfee_sumamt", t.medfee.to_string());
    row("day", "", "", date + " fund_pay_sumamt", t.funds.to_string());
  }
  for (const auto& [pair, t] : r.pairs) {
    row("pair", pair.first, pair.second, "entries", std::to_string(t.entries));
    for (const auto& [field, member] : fund_fields())
      row("pair", pair.first, pair.second, field, (t.*member).to_string());
  }
  for (const auto& [status, count] : r.by_status)
    row("status", "", "", status, std::to_string(count));
  row("reconciliation", "", "", "statements", std::to_string(r.statements));
  row("reconciliation", "", "", "balanced", std::to_string(r.statements_balanced));
  for (const auto& [kind, count] : r.differences)
    row("reconciliation", "", "", kind, std::to_string(count));
  row("reconciliation", "", "", "adjustments", std::to_string(r.adjustments));
  for (const ClearingLine& line : r.clearing) {
    row("clearing", line.region, "", line.period + " net", line.net.to_string());
    row("clearing", line.region, "", line.period + " pay_in", line.pay_in.to_string());
    row("clearing", line.region, "", line.period + " pay_out", line.pay_out.to_string());
    for (const std::string& flag : line.flags)
      row("clearing", line.region, "", line.period + " flag", flag);
  }
  for (const auto& [region, net] : r.positions)
    row("position", region, "", r.positions_basis, net.to_string());
  row("filings", "", "", "paid under unfiled terms", std::to_string(r.paid_unfiled_terms));
  row("filings", "", "", "paid as emergency", std::to_string(r.paid_unfiled_emergency));
  for (const Anomaly& a : r.anomalies) {
    row("anomaly", a.region, a.subject, a.kind, a.detail);
    for (const std::string& c : a.claims) row("anomaly", a.region, a.subject, a.kind + " claim", c);
  }
  for (const LedgerIntegrity& l : r.integrity) {
    row("integrity", l.region, "", "verified", l.ok ? "ok" : "FAILED: " + l.problem);
    row("integrity", l.region, "", "entries", std::to_string(l.entries));
    row("integrity", l.region, "", "seals", std::to_string(l.seals));
    row("integrity", l.region, "", "head_hash", l.head_hash);
  }
  return csv.str();
}

std::string audit_html(const AuditReport& r, const std::string& preface_html) {
  uint64_t entries = 0;
  for (const auto& [pair, t] : r.pairs) entries += t.entries;
  const int row_height = 18;
  const int positions_height = row_height * static_cast<int>(r.positions.size()) + 20;
  const std::map<std::string, std::string> values = {
      {"span", r.from.to_string() + " to " + r.to.to_string()},
      {"entries", std::to_string(entries)},
      {"statements", std::to_string(r.statements)},
      {"statements_balanced", std::to_string(r.statements_balanced)},
      {"adjustments", std::to_string(r.adjustments)},
      {"anomaly_count", std::to_string(r.anomalies.size())},
      {"integrity_class", r.intact() ? "ok" : "bad"},
      {"integrity_word", r.intact() ? "intact" : "ALTERED"},
      {"preface", preface_html},
      {"positions_basis", escape(r.positions_basis)},
      {"positions_height", std::to_string(positions_height)},
      {"position_bars", position_bars(r, row_height)},
      {"trend_chart", trend_chart(r)},
      {"flow_columns", flow_columns(r)},
      {"flow_rows", flow_rows(r)},
      {"fund_columns", fund_columns()},
      {"totals_rows", totals_rows(r)},
      {"status_rows", count_rows(r.by_status)},
      {"difference_rows", count_rows(r.differences)},
      {"clearing_rows", clearing_rows(r)},
      {"filings_note", r.filings_checked ? "" : " — filings not checked: no reference data"},
      {"paid_unfiled_terms", std::to_string(r.paid_unfiled_terms)},
      {"paid_unfiled_emergency", std::to_string(r.paid_unfiled_emergency)},
      {"anomaly_rows", anomaly_rows(r)},
      {"integrity_rows", integrity_rows(r)}};
  return fill_page(kAuditReportPage, values) + "\n";
}

}  // namespace medclear::gateway
