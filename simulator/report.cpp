#include "simulator/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "adapters/json.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;

namespace {

void write_common(adapters::JsonWriter& w, const Report& r) {
  w.key("seed").integer(static_cast<int64_t>(r.seed));
  w.key("claims_submitted").integer(static_cast<int64_t>(r.claims_submitted));
  w.key("claims_settled").integer(static_cast<int64_t>(r.claims_settled));
  w.key("claims_refused").begin_object();
  for (const auto& [code, count] : r.claims_refused) w.key(code).integer(static_cast<int64_t>(count));
  w.end_object();
  w.key("amounts").begin_object();
  for (const auto& [field, amount] : r.amounts) w.key(field).string(amount.to_string());
  w.end_object();
  w.key("reconciliation").begin_object();
  w.key("pairs").integer(static_cast<int64_t>(r.pairs));
  w.key("balanced").integer(static_cast<int64_t>(r.pairs_balanced));
  w.key("differences_injected").integer(static_cast<int64_t>(r.differences_injected));
  w.key("differences_found").integer(static_cast<int64_t>(r.differences_found));
  w.key("statements").integer(static_cast<int64_t>(r.statements));
  w.key("bytes_exchanged").integer(static_cast<int64_t>(r.recon_bytes));
  w.key("bytes_full_transfer").integer(static_cast<int64_t>(r.recon_full_bytes));
  w.key("adjustments").integer(static_cast<int64_t>(r.adjustments));
  w.key("method").string("claim by claim, hash trees per region pair and business day");
  w.end_object();
  w.key("clearing").begin_object();
  w.key("period").string(r.period);
  w.key("positions").begin_object();
  for (const auto& [region, net] : r.positions) w.key(region).string(net.to_string());
  w.end_object();
  w.key("held_pairs").integer(static_cast<int64_t>(r.held_pairs));
  w.key("gross").string(r.clearing_gross.to_string());
  w.key("total_pay_in").string(r.clearing_pay_in.to_string());
  w.key("flags").begin_array();
  for (const std::string& flag : r.clearing_flags) w.string(flag);
  w.end_array();
  w.key("statements").string("clearing/");
  w.end_object();
  char throughput[32];
  std::snprintf(throughput, sizeof throughput, "%.0f", r.throughput_claims_per_s);
  w.key("throughput_claims_per_s").number_text(throughput);
  w.key("auditor_mismatches").integer(static_cast<int64_t>(r.auditor_mismatches));
  w.key("ledger_entries").integer(static_cast<int64_t>(r.ledger_entries));
  w.key("ledgers_verified").boolean(r.ledger_problems.empty());
  w.key("ledger_problems").begin_array();
  for (const std::string& problem : r.ledger_problems) w.string(problem);
  w.end_array();
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  return file ? Status::ok() : Status::error("cannot write " + path);
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// The page a regulator reads at a glance: net positions as bars, the flow matrix as a heat map.
std::string html(const Report& r) {
  std::ostringstream page;
  page << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>medclear audit report "
       << r.period << "</title><style>body{font-family:sans-serif;margin:24px;color:#222}"
       << "h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;font-size:11px}"
       << "td,th{border:1px solid #ccc;padding:2px 4px;text-align:right}.ok{color:#1a7f37}.bad{color:#c00}"
       << ".kpi{display:inline-block;margin-right:28px}.kpi b{display:block;font-size:20px}</style></head><body>";
  page << "<h1>Cross-province settlement — audit report, period " << r.period << "</h1>";
  page << "<div><span class=\"kpi\"><b>" << r.claims_settled << "</b>entries settled</span>"
       << "<span class=\"kpi\"><b>" << [&] { uint64_t n = 0; for (auto& [c, k] : r.claims_refused) n += k; return n; }()
       << "</b>requests refused</span><span class=\"kpi\"><b>" << r.pairs_balanced << " / " << r.pairs
       << "</b>region pairs balanced</span><span class=\"kpi\"><b class=\""
       << (r.ledger_problems.empty() ? "ok\">verified" : "bad\">FAILED") << "</b>ledgers and seals</span>"
       << "<span class=\"kpi\"><b class=\"" << (r.auditor_mismatches == 0 ? "ok" : "bad") << "\">"
       << r.auditor_mismatches << "</b>auditor mismatches</span></div>";
  // Net positions: receivables − payables, one bar per region.
  int64_t largest = 1;
  for (const auto& [region, net] : r.positions) largest = std::max(largest, net.fen() < 0 ? -net.fen() : net.fen());
  const int row = 18;
  const int height = row * static_cast<int>(r.positions.size()) + 20;
  page << "<h2>Net positions (yuan; right: the region receives, left: it pays)</h2>"
       << "<svg width=\"760\" height=\"" << height << "\" role=\"img\" aria-label=\"net positions\">"
       << "<line x1=\"430\" y1=\"0\" x2=\"430\" y2=\"" << height << "\" stroke=\"#888\"/>";
  int y = 4;
  for (const auto& [region, net] : r.positions) {
    const int width = static_cast<int>(250.0 * static_cast<double>(net.fen() < 0 ? -net.fen() : net.fen()) /
                                       static_cast<double>(largest));
    const int x = net.fen() < 0 ? 430 - width : 430;
    page << "<text x=\"10\" y=\"" << y + 12 << "\" font-size=\"11\">" << region << "</text>"
         << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << std::max(width, 1) << "\" height=\""
         << row - 4 << "\" fill=\"" << (net.fen() < 0 ? "#d1495b" : "#2e86ab") << "\"/>"
         << "<text x=\"" << (net.fen() < 0 ? 440 : 170) << "\" y=\"" << y + 12 << "\" font-size=\"10\">"
         << net.to_string() << "</text>";
    y += row;
  }
  page << "</svg>";
  // Flow matrix: what each insured region owes each treating region.
  int64_t flow_max = 1;
  for (const auto& [pair, amount] : r.flows) flow_max = std::max(flow_max, amount.fen());
  page << "<h2>Flow matrix (yuan owed by the insured region, row, to the treating region, column)</h2>"
       << "<table><tr><th>insured \\ treating</th>";
  for (const std::string& t : r.regions) page << "<th>" << t.substr(0, 2) << "</th>";
  page << "</tr>";
  for (const std::string& i : r.regions) {
    page << "<tr><th>" << i << "</th>";
    for (const std::string& t : r.regions) {
      const auto it = r.flows.find({i, t});
      if (it == r.flows.end()) {
        page << "<td></td>";
        continue;
      }
      const int shade = 255 - static_cast<int>(200.0 * static_cast<double>(it->second.fen()) /
                                               static_cast<double>(flow_max));
      page << "<td style=\"background:rgb(" << shade << "," << shade << ",255)\" title=\"" << i << "→" << t
           << " " << it->second.to_string() << "\">" << it->second.fen() / 100 << "</td>";
    }
    page << "</tr>";
  }
  page << "</table><h2>Refused requests by reason</h2><table><tr><th>err_code</th><th>count</th></tr>";
  for (const auto& [code, count] : r.claims_refused) page << "<tr><td>" << escape(code) << "</td><td>" << count << "</td></tr>";
  page << "</table><h2>Amounts by fund field (yuan)</h2><table>";
  for (const auto& [field, amount] : r.amounts) page << "<tr><td>" << field << "</td><td>" << amount.to_string() << "</td></tr>";
  page << "</table>";
  for (const std::string& problem : r.ledger_problems) page << "<p class=\"bad\">" << escape(problem) << "</p>";
  page << "<p>Seed " << r.seed << ". Reconciliation: " << r.statements << " statements, "
       << r.differences_found << " differences found (" << r.differences_injected << " injected). "
       << "Positions are the month's receivables minus payables per region.</p></body></html>\n";
  return page.str();
}

}  // namespace

Status write_reports(const Report& report, const std::string& dir) {
  adapters::JsonWriter summary;
  summary.begin_object();
  write_common(summary, report);
  summary.end_object();
  if (Status s = write_file(dir + "/summary.json", summary.str() + "\n"); !s.is_ok()) return s;
  adapters::JsonWriter full;
  full.begin_object();
  full.key("period").string(report.period);
  write_common(full, report);
  full.key("flows").begin_array();
  for (const auto& [pair, amount] : report.flows) {
    full.begin_object().key("insured").string(pair.first).key("treating").string(pair.second);
    full.key("amount").string(amount.to_string()).end_object();
  }
  full.end_array().end_object();
  if (Status s = write_file(dir + "/report.json", full.str() + "\n"); !s.is_ok()) return s;
  return write_file(dir + "/report.html", html(report));
}

std::string summary_text(const Report& r, const std::string& dir) {
  std::ostringstream out;
  uint64_t refused = 0;
  for (const auto& [code, count] : r.claims_refused) refused += count;
  out << "\nmedclear demo — seed " << r.seed << ", " << r.regions.size() << " regions, "
      << r.claims_submitted << " requests in " << static_cast<int>(r.elapsed_s) << " s\n";
  out << "  settled (incl. cancels, reversals): " << r.claims_settled << "\n";
  out << "  refused: " << refused;
  for (const auto& [code, count] : r.claims_refused) out << "  " << code << "=" << count;
  out << "\n";
  const auto amount = [&](const char* field) {
    const auto it = r.amounts.find(field);
    return it == r.amounts.end() ? std::string("0.00") : it->second.to_string();
  };
  out << "  amounts (yuan): medical " << amount("medfee_sumamt") << ", funds " << amount("fund_pay_sumamt")
      << ", accounts " << amount("acct_pay") << ", cash " << amount("psn_cash_pay") << "\n";
  out << "  reconciliation: " << r.statements << " statements (pair × day), " << r.pairs_balanced
      << " of " << r.pairs << " region pairs balanced; differences injected " << r.differences_injected
      << ", found " << r.differences_found << "; " << r.recon_bytes << " bytes exchanged of "
      << r.recon_full_bytes << "; resolved by " << r.adjustments << " adjustment entries\n";
  std::vector<std::pair<std::string, cl::Money>> positions(r.positions.begin(), r.positions.end());
  std::sort(positions.begin(), positions.end(),
            [](const auto& a, const auto& b) { return a.second.fen() > b.second.fen(); });
  out << "  net positions " << r.period << ":";
  const auto signed_yuan = [](cl::Money m) { return (m.is_negative() ? "" : "+") + m.to_string(); };
  for (size_t i = 0; i < positions.size() && i < 3; ++i) {
    out << " " << positions[i].first << " " << signed_yuan(positions[i].second);
  }
  if (positions.size() > 3) out << " … " << positions.back().first << " " << signed_yuan(positions.back().second);
  out << "\n  clearing: one payment per region moves " << r.clearing_pay_in.to_string() << " instead of "
      << r.clearing_gross.to_string() << " pair by pair; " << r.held_pairs << " pairs held";
  if (!r.clearing_flags.empty()) {
    out << "; flagged:";
    for (size_t i = 0; i < r.clearing_flags.size() && i < 4; ++i) out << " " << r.clearing_flags[i];
    if (r.clearing_flags.size() > 4) out << " (+" << r.clearing_flags.size() - 4 << " more)";
  }
  out << "\n";
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f", r.throughput_claims_per_s);
  out << "  throughput: " << rate << " requests/s through Kafka and both ledgers\n";
  out << "  ledgers: " << r.ledger_entries << " entries, "
      << (r.ledger_problems.empty() ? "all sealed and verified" : "PROBLEMS: " + r.ledger_problems[0]) << "\n";
  out << "  auditor: " << r.auditor_mismatches << " mismatches";
  for (const std::string& line : r.mismatch_lines) out << "\n    " << line;
  out << (r.auditor_mismatches ? "\n  replay with --seed " + std::to_string(r.seed) : "") << "\n";
  out << "  report: " << dir << "/report.html   summary: " << dir << "/summary.json   ledgers: " << dir
      << "/ledgers/   statements: " << dir << "/clearing/\n";
  return out.str();
}

}  // namespace medclear::simulator
