#include "gateway/backoffice/audit_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "adapters/json.h"
#include "adapters/reference_json.h"
#include "clearing/codes.h"
#include "clearing/settlement.h"
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

cl::Money magnitude(cl::Money m) { return m.is_negative() ? -m : m; }

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

// Integer share of `part` in `whole` scaled to `scale` (charts only; no floating point).
int share(cl::Money part, cl::Money whole, int scale) {
  if (whole.fen() <= 0) return 0;
  const cl::WideInt scaled = static_cast<cl::WideInt>(magnitude(part).fen()) * scale / whole.fen();
  return static_cast<int>(scaled);
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
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

}  // namespace

bool AuditReport::intact() const {
  return std::all_of(integrity.begin(), integrity.end(),
                     [](const LedgerIntegrity& l) { return l.ok; });
}

Result<AuditScan> scan_for_audit(const lg::Ledger& ledger, cl::Date from, cl::Date to,
                                 const cl::ReferenceData* reference) {
  if (to < from) return Status::error("the report's last day is before its first");
  AuditScan scan;
  scan.region = ledger.region();
  scan.filings_checked = reference != nullptr;
  Result<std::vector<uint64_t>> seqs =
      ledger.entries_of_days(cl::Date::from_days(from.days() - 1), to);
  if (!seqs.is_ok()) return Status::error(scan.region + ": " + seqs.status().message());
  for (const uint64_t seq : *seqs) {
    Result<lg::DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return Status::error(scan.region + ": " + decoded.status().message());
    const lg::Entry& entry = decoded->entry;
    const cl::SettlementRecord& r = entry.record;
    if (entry.side == lg::Side::kTreating) {
      if (r.kind == cl::RecordKind::kAdjustment) ++scan.by_status["adjusted"];
      continue;
    }
    const std::string insured = lg::region_of(r.insuplc_admdvs);
    const std::string treating = lg::region_of(r.mdtrtarea_admvs);
    add(scan.pairs[{insured, treating}], r.amounts);
    switch (r.kind) {
      case cl::RecordKind::kSettlement:
        ++scan.by_status["settled"];
        break;
      case cl::RecordKind::kCancel:
        ++scan.by_status["cancelled"];
        break;
      case cl::RecordKind::kReversal:
        ++scan.by_status["reversed"];
        break;
      case cl::RecordKind::kAdjustment:
        ++scan.by_status["adjusted"];
        break;
    }
    if (r.kind != cl::RecordKind::kSettlement) continue;
    scan.bills[{insured, r.insutype, r.med_type}][r.psn_no] += r.amounts.medfee_sumamt;
    scan.same_bill[{r.psn_no, r.setl_time.date.days(), r.amounts.medfee_sumamt.fen()}].insert(
        r.fixmedins_code);
    if (reference != nullptr && r.amounts.fund_pay_sumamt > cl::Money::zero()) {
      const cl::Person* person = reference->person(r.psn_no);
      const cl::Policy* policy =
          reference->policy_for(r.insuplc_admdvs, r.insutype, r.setl_time.date);
      const bool filed = person != nullptr && policy != nullptr &&
                         cl::ReferenceData::filing_for(*person, *policy, r.mdtrtarea_admvs,
                                                       r.setl_time.date) != nullptr;
      if (!filed && cl::is_emergency(r.med_type)) {
        ++scan.paid_unfiled_emergency;
      } else if (!filed && policy != nullptr && policy->unfiled) {
        ++scan.paid_unfiled_terms;
      } else if (!filed) {  // the policy refuses claims without a filing: it should not be paid
        scan.anomalies.push_back({"paid_without_valid_filing", insured, r.setl_id,
                                  "psn_no " + r.psn_no + " med_type " + r.med_type + " paid " +
                                      r.amounts.fund_pay_sumamt.to_string() + " at " +
                                      r.fixmedins_code});
      }
    }
  }
  if (Status read = read_statements(ledger, from, to, scan.recon_docs, scan.clearing_docs);
      !read.is_ok()) {
    return read;
  }
  // Integrity: the whole ledger, every seal and its signature.
  const lg::VerifyReport verified = lg::verify_ledger(ledger, nullptr);
  scan.integrity = {scan.region,
                    verified.ok,
                    verified.problem,
                    verified.entries,
                    static_cast<size_t>(verified.seals),
                    "",
                    lg::to_hex(ledger.head_hash())};
  if (ledger.last_sealed_day())
    scan.integrity.last_sealed_day = ledger.last_sealed_day()->to_string();
  return scan;
}

AuditReport merge_audit(std::vector<AuditScan> scans, cl::Date from, cl::Date to) {
  AuditReport report;
  report.from = from;
  report.to = to;
  report.filings_checked = !scans.empty();
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, cl::Money>>
      bills;
  std::map<std::tuple<std::string, int32_t, int64_t>, std::set<std::string>> same_bill;
  std::map<std::string, std::string> recon_docs, clearing_docs;
  std::sort(scans.begin(), scans.end(),
            [](const AuditScan& a, const AuditScan& b) { return a.region < b.region; });
  for (AuditScan& scan : scans) {
    report.regions.push_back(scan.region);
    for (const auto& [pair, t] : scan.pairs) {
      FundTotals& into = report.pairs[pair];
      into.entries += t.entries;
      for (const auto& [field, member] : fund_fields()) into.*member += t.*member;
    }
    for (const auto& [status, count] : scan.by_status) report.by_status[status] += count;
    for (auto& [group, people] : scan.bills) {
      for (const auto& [psn, total] : people) bills[group][psn] += total;
    }
    for (auto& [key, hospitals] : scan.same_bill)
      same_bill[key].insert(hospitals.begin(), hospitals.end());
    for (Anomaly& a : scan.anomalies) report.anomalies.push_back(std::move(a));
    report.filings_checked = report.filings_checked && scan.filings_checked;
    report.paid_unfiled_terms += scan.paid_unfiled_terms;
    report.paid_unfiled_emergency += scan.paid_unfiled_emergency;
    recon_docs.merge(scan.recon_docs);
    clearing_docs.merge(scan.clearing_docs);
    report.integrity.push_back(std::move(scan.integrity));
  }
  for (const auto& [key, hospitals] : same_bill) {
    if (hospitals.size() < 2) continue;
    std::string list;
    for (const std::string& h : hospitals) list += (list.empty() ? "" : ",") + h;
    report.anomalies.push_back({"same_claim_two_hospitals", "", std::get<0>(key),
                                cl::Date::from_days(std::get<1>(key)).to_string() + " bill " +
                                    cl::Money::from_fen(std::get<2>(key)).to_string() + " at " +
                                    list});
  }
  for (const auto& [group, people] : bills) {
    std::vector<int64_t> totals;
    for (const auto& [psn, total] : people) totals.push_back(total.fen());
    std::nth_element(totals.begin(), totals.begin() + static_cast<long>(totals.size() / 2),
                     totals.end());
    const int64_t median = totals[totals.size() / 2];
    for (const auto& [psn, total] : people) {
      if (total.fen() > kPeerFloorFen && total.fen() > kPeerFactor * median) {
        report.anomalies.push_back({"bills_far_above_peers", std::get<0>(group), psn,
                                    "bills " + total.to_string() + " against a median of " +
                                        cl::Money::from_fen(median).to_string() + " (insutype " +
                                        std::get<1>(group) + ", med_type " + std::get<2>(group) +
                                        ")"});
      }
    }
  }
  for (const auto& [name, text] : recon_docs) {
    adapters::JsonParse parsed = adapters::parse_json(text);
    const adapters::Json* statement = parsed.value ? parsed.value->find("statement") : nullptr;
    if (statement == nullptr) continue;
    ++report.statements;
    const adapters::Json* balanced = statement->find("balanced");
    if (balanced != nullptr && balanced->boolean) ++report.statements_balanced;
    if (const adapters::Json* differences = statement->find("differences")) {
      for (const adapters::Json& d : differences->items)
        ++report.differences[text_of(d.find("kind"))];
    }
    if (const adapters::Json* adjustments = parsed.value->find("adjustments")) {
      report.adjustments += std::strtoull(adjustments->text.c_str(), nullptr, 10);
    }
  }
  std::string latest_period;
  for (const auto& [name, text] : clearing_docs) {
    adapters::JsonParse parsed = adapters::parse_json(text);
    if (!parsed.value) continue;
    const adapters::Json& s = *parsed.value;
    ClearingLine line{text_of(s.find("period")),   text_of(s.find("region")),
                      money_of(s.find("net")),     money_of(s.find("pay_in")),
                      money_of(s.find("pay_out")), {}};
    if (const adapters::Json* flags = s.find("flags")) {
      for (const adapters::Json& flag : flags->items) {
        line.flags.push_back(flag.text);
        if (flag.text == "prepayment_overdrawn") {
          report.anomalies.push_back(
              {"prepayment_overdrawn", line.region, line.region,
               "clearing " + line.period + " drew more than the prepayment held"});
        }
      }
    }
    latest_period = std::max(latest_period, line.period);
    report.clearing.push_back(std::move(line));
  }
  if (!latest_period.empty()) {
    report.positions_basis = "clearing " + latest_period;
    for (const ClearingLine& line : report.clearing) {
      if (line.period == latest_period) report.positions[line.region] = line.net;
    }
  } else {
    report.positions_basis = "pair totals";
    for (const auto& [pair, totals] : report.pairs) {
      report.positions[pair.second] += totals.funds + totals.account;  // the payable between them
      report.positions[pair.first] -= totals.funds + totals.account;
    }
  }
  return report;
}

Result<AuditReport> build_audit_report(const std::map<std::string, lg::Ledger*>& ledgers,
                                       cl::Date from, cl::Date to,
                                       const cl::ReferenceData* reference) {
  if (to < from) return Status::error("the report's last day is before its first");
  std::vector<AuditScan> scans;
  for (const auto& [region, ledger] : ledgers) {
    Result<AuditScan> scan = scan_for_audit(*ledger, from, to, reference);
    if (!scan.is_ok()) return scan.status();
    scans.push_back(std::move(*scan));
  }
  return merge_audit(std::move(scans), from, to);
}

std::string audit_json(const AuditReport& r) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.audit-report.v1");
  w.key("from").string(r.from.to_string()).key("to").string(r.to.to_string());
  w.key("regions").begin_array();
  for (const std::string& region : r.regions) w.string(region);
  w.end_array();
  w.key("pairs").begin_array();
  for (const auto& [pair, t] : r.pairs) {
    w.begin_object().key("insured").string(pair.first).key("treating").string(pair.second);
    w.key("entries").integer(static_cast<int64_t>(t.entries));
    for (const auto& [field, member] : fund_fields()) w.key(field).string((t.*member).to_string());
    w.end_object();
  }
  w.end_array();
  w.key("claims_by_status").begin_object();
  for (const auto& [status, count] : r.by_status)
    w.key(status).integer(static_cast<int64_t>(count));
  w.end_object();
  w.key("reconciliation").begin_object();
  w.key("statements").integer(static_cast<int64_t>(r.statements));
  w.key("balanced").integer(static_cast<int64_t>(r.statements_balanced));
  w.key("differences").begin_object();
  for (const auto& [kind, count] : r.differences) w.key(kind).integer(static_cast<int64_t>(count));
  w.end_object();
  w.key("adjustments").integer(static_cast<int64_t>(r.adjustments)).end_object();
  w.key("clearing").begin_array();
  for (const ClearingLine& line : r.clearing) {
    w.begin_object().key("period").string(line.period).key("region").string(line.region);
    w.key("net").string(line.net.to_string()).key("pay_in").string(line.pay_in.to_string());
    w.key("pay_out").string(line.pay_out.to_string()).key("flags").begin_array();
    for (const std::string& flag : line.flags) w.string(flag);
    w.end_array().end_object();
  }
  w.end_array();
  w.key("positions_basis").string(r.positions_basis);
  w.key("positions").begin_object();
  for (const auto& [region, net] : r.positions) w.key(region).string(net.to_string());
  w.end_object();
  w.key("filings_checked").boolean(r.filings_checked);
  w.key("paid_without_filing_under_unfiled_terms")
      .integer(static_cast<int64_t>(r.paid_unfiled_terms));
  w.key("paid_without_filing_as_emergency").integer(static_cast<int64_t>(r.paid_unfiled_emergency));
  w.key("anomalies").begin_array();
  for (const Anomaly& a : r.anomalies) {
    w.begin_object().key("kind").string(a.kind).key("region").string(a.region);
    w.key("subject").string(a.subject).key("detail").string(a.detail).end_object();
  }
  w.end_array();
  w.key("integrity").begin_object().key("intact").boolean(r.intact()).key("ledgers").begin_array();
  for (const LedgerIntegrity& l : r.integrity) {
    w.begin_object().key("region").string(l.region).key("ok").boolean(l.ok);
    w.key("problem").string(l.problem).key("entries").integer(static_cast<int64_t>(l.entries));
    w.key("seals")
        .integer(static_cast<int64_t>(l.seals))
        .key("last_sealed_day")
        .string(l.last_sealed_day);
    w.key("head_hash").string(l.head_hash).end_object();
  }
  w.end_array().end_object().end_object();
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
  for (const Anomaly& a : r.anomalies) row("anomaly", a.region, a.subject, a.kind, a.detail);
  for (const LedgerIntegrity& l : r.integrity) {
    row("integrity", l.region, "", "verified", l.ok ? "ok" : "FAILED: " + l.problem);
    row("integrity", l.region, "", "entries", std::to_string(l.entries));
    row("integrity", l.region, "", "seals", std::to_string(l.seals));
    row("integrity", l.region, "", "head_hash", l.head_hash);
  }
  return csv.str();
}

std::string audit_html(const AuditReport& r, const std::string& preface_html) {
  std::ostringstream page;
  const std::string span = r.from.to_string() + " to " + r.to.to_string();
  page << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>medclear audit "
          "report "
       << span
       << "</title><style>body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
       << "h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;font-"
          "size:11px}"
       << "td,th{border:1px solid #ccc;padding:2px "
          "4px;text-align:right}.ok{color:#1a7f37}.bad{color:#c00}"
       << ".kpi{display:inline-block;margin-right:28px}.kpi "
          "b{display:block;font-size:20px}</style></head><body>";
  page << "<h1>Cross-province settlement — audit report, " << span << "</h1>";
  uint64_t entries = 0;
  for (const auto& [pair, t] : r.pairs) entries += t.entries;
  page << "<div><span class=\"kpi\"><b>" << entries << "</b>insured-side entries</span>"
       << "<span class=\"kpi\"><b>" << r.statements_balanced << " / " << r.statements
       << "</b>statements balanced</span><span class=\"kpi\"><b>" << r.adjustments
       << "</b>adjustments</span><span class=\"kpi\"><b>" << r.anomalies.size()
       << "</b>anomaly flags</span><span class=\"kpi\"><b class=\""
       << (r.intact() ? "ok\">intact" : "bad\">ALTERED") << "</b>ledgers and seals</span></div>"
       << preface_html;
  // Net positions: one bar per region, right receives, left pays.
  cl::Money largest = cl::Money::from_fen(1);
  for (const auto& [region, net] : r.positions) largest = std::max(largest, magnitude(net));
  const int row = 18;
  const int height = row * static_cast<int>(r.positions.size()) + 20;
  page << "<h2>Net positions (yuan, " << escape(r.positions_basis)
       << "; right: the region receives, left: it pays)</h2><svg id=\"positions\" width=\"760\" "
          "height=\""
       << height
       << "\" role=\"img\" aria-label=\"net positions\"><line x1=\"430\" y1=\"0\" x2=\"430\" y2=\""
       << height << "\" stroke=\"#888\"/>";
  int y = 4;
  for (const auto& [region, net] : r.positions) {
    const int width = std::max(1, share(net, largest, 250));
    const bool pays = net.is_negative();
    page << "<text x=\"10\" y=\"" << y + 12 << "\" font-size=\"11\">" << region
         << "</text><rect x=\"" << (pays ? 430 - width : 430) << "\" y=\"" << y << "\" width=\""
         << width << "\" height=\"" << row - 4 << "\" fill=\"" << (pays ? "#d1495b" : "#2e86ab")
         << "\"/><text x=\"" << (pays ? 440 : 170) << "\" y=\"" << y + 12 << "\" font-size=\"10\">"
         << net.to_string() << "</text>";
    y += row;
  }
  page << "</svg>";
  // Flow matrix: what each insured region's funds paid for care in each treating region.
  cl::Money flow_max = cl::Money::from_fen(1);
  for (const auto& [pair, t] : r.pairs)
    flow_max = std::max(flow_max, magnitude(t.funds + t.account));
  page << "<h2>Flow matrix (yuan the insured region, row, owes the treating region, column: funds "
          "and "
          "personal accounts)</h2>"
       << "<table id=\"flows\"><tr><th>insured \\ treating</th>";
  for (const std::string& t : r.regions) page << "<th>" << t.substr(0, 2) << "</th>";
  page << "</tr>";
  for (const std::string& i : r.regions) {
    page << "<tr><th>" << i << "</th>";
    for (const std::string& t : r.regions) {
      const auto it = r.pairs.find({i, t});
      if (it == r.pairs.end()) {
        page << "<td></td>";
        continue;
      }
      const cl::Money owed = it->second.funds + it->second.account;  // the payable between them
      const int shade = 255 - share(owed, flow_max, 200);
      page << "<td style=\"background:rgb(" << shade << "," << shade << ",255)\" title=\"" << i
           << "→" << t << " " << owed.to_string() << "\">" << owed.fen() / 100 << "</td>";
    }
    page << "</tr>";
  }
  page << "</table><h2>Totals by region pair and fund "
          "(yuan)</h2><table><tr><th>insured</th><th>treating</th>"
       << "<th>entries</th>";
  for (const auto& [field, member] : fund_fields()) page << "<th>" << field << "</th>";
  page << "</tr>";
  for (const auto& [pair, t] : r.pairs) {
    page << "<tr><td>" << pair.first << "</td><td>" << pair.second << "</td><td>" << t.entries
         << "</td>";
    for (const auto& [field, member] : fund_fields())
      page << "<td>" << (t.*member).to_string() << "</td>";
    page << "</tr>";
  }
  page << "</table><h2>Claims by status</h2><table>";
  for (const auto& [status, count] : r.by_status)
    page << "<tr><td>" << status << "</td><td>" << count << "</td></tr>";
  page << "</table><h2>Reconciliation</h2><p>" << r.statements << " statements, "
       << r.statements_balanced << " balanced, " << r.adjustments
       << " adjustment entries.</p><table>";
  for (const auto& [kind, count] : r.differences)
    page << "<tr><td>" << kind << "</td><td>" << count << "</td></tr>";
  page << "</table><h2>Clearing</h2><table><tr><th>period</th><th>region</th><th>net</"
          "th><th>pay-in</th>"
       << "<th>pay-out</th><th>flags</th></tr>";
  for (const ClearingLine& line : r.clearing) {
    std::string flags;
    for (const std::string& flag : line.flags) flags += (flags.empty() ? "" : " ") + flag;
    page << "<tr><td>" << line.period << "</td><td>" << line.region << "</td><td>"
         << line.net.to_string() << "</td><td>" << line.pay_in.to_string() << "</td><td>"
         << line.pay_out.to_string() << "</td><td" << (flags.empty() ? "" : " class=\"bad\"") << ">"
         << flags << "</td></tr>";
  }
  page << "</table><h2>Anomaly flags (" << r.anomalies.size() << ")"
       << (r.filings_checked ? "" : " — filings not checked: no reference data")
       << "</h2><p>Paid without a "
       << "filing as the policies allow: " << r.paid_unfiled_terms << " under unfiled terms, "
       << r.paid_unfiled_emergency << " as emergencies.</p><table><tr><th>kind</th>"
       << "<th>region</th><th>subject</th><th>detail</th></tr>";
  for (const Anomaly& a : r.anomalies) {
    page << "<tr><td>" << escape(a.kind) << "</td><td>" << escape(a.region) << "</td><td>"
         << escape(a.subject) << "</td><td>" << escape(a.detail) << "</td></tr>";
  }
  page << "</table><h2>Ledger "
          "integrity</h2><table><tr><th>region</th><th>verified</th><th>entries</th>"
       << "<th>seals</th><th>last sealed day</th><th>head hash</th></tr>";
  for (const LedgerIntegrity& l : r.integrity) {
    page << "<tr><td>" << l.region << "</td><td class=\""
         << (l.ok ? "ok\">ok" : "bad\">" + escape(l.problem)) << "</td><td>" << l.entries
         << "</td><td>" << l.seals << "</td><td>" << l.last_sealed_day << "</td><td>"
         << l.head_hash.substr(0, 16) << "…</td></tr>";
  }
  page << "</table></body></html>\n";
  return page.str();
}

}  // namespace medclear::gateway
