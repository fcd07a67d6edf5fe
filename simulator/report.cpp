#include "simulator/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "adapters/json.h"
#include "clearing/provinces.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;

namespace {

void write_common(adapters::JsonWriter& w, const Report& r) {
  w.key("seed").integer(static_cast<int64_t>(r.seed));
  w.key("claims_submitted").integer(static_cast<int64_t>(r.claims_submitted));
  w.key("claims_settled").integer(static_cast<int64_t>(r.claims_settled));
  w.key("claims_refused").begin_object();
  for (const auto& [code, count] : r.claims_refused)
    w.key(code).integer(static_cast<int64_t>(count));
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
  w.key("method").string(r.nation.empty()
                             ? "claim by claim, hash trees per region pair and business day"
                             : "claim by claim, hash trees per region pair and business day, "
                               "between the region processes over POST /v1/recon");
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
  std::snprintf(throughput, sizeof throughput, "%.0f", r.sustained_claims_per_s);
  w.key("sustained_claims_per_s").number_text(throughput);
  std::snprintf(throughput, sizeof throughput, "%.1f", r.settlement_seconds);
  w.key("settlement_seconds").number_text(throughput);
  w.key("via").string(r.via);
  if (!r.nation.empty()) w.key("nation").string(r.nation);
  w.key("hospital_resends").integer(static_cast<int64_t>(r.hospital_resends));
  w.key("redelivered").integer(static_cast<int64_t>(r.redelivered));
  w.key("auditor_mismatches").integer(static_cast<int64_t>(r.mismatches.count));
  if (!r.mismatches.reasons.empty()) {
    w.key("mismatch_reasons").begin_array();
    for (const std::string& reason : r.mismatches.reasons) w.string(reason);
    w.end_array();
  }
  w.key("anomalies").integer(static_cast<int64_t>(r.anomalies));
  w.key("node_restarts").begin_array();
  for (const std::string& region : r.node_restarts) w.string(region);
  w.end_array();
  w.key("ledger_entries").integer(static_cast<int64_t>(r.ledger_entries));
  w.key("ledgers_verified").boolean(r.ledger_problems.empty());
  w.key("ledger_problems").begin_array();
  for (const std::string& problem : r.ledger_problems) w.string(problem);
  w.end_array();
}

// The auditor's line of the summary, with the first reasons (all kept ones are in summary.json).
std::string mismatches_text(const Report& r) {
  constexpr size_t kReasonsPrinted = 10;
  const std::vector<std::string>& reasons = r.mismatches.reasons;
  std::string text = "  auditor: " + std::to_string(r.mismatches.count) + " mismatches";
  for (size_t i = 0; i < reasons.size() && i < kReasonsPrinted; ++i) {
    text += "\n    " + reasons[i];
  }
  if (reasons.size() > kReasonsPrinted) {
    text += "\n    (" + std::to_string(reasons.size() - kReasonsPrinted) +
            " more reasons in summary.json)";
  }
  if (r.mismatches.count > 0) text += "\n  replay with --seed " + std::to_string(r.seed);
  return text + "\n";
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  file.close();
  return file ? Status::ok() : Status::error("cannot write " + path);
}

}  // namespace

void Mismatches::record(std::string reason) {
  ++count;
  if (reasons.size() < kReasonsKeptMax) reasons.push_back(std::move(reason));
}

Status write_reports(const Report& report, const std::string& dir, const std::string& audit_json,
                     const std::string& audit_html) {
  adapters::JsonWriter summary;
  summary.begin_object();
  write_common(summary, report);
  summary.end_object();
  if (Status s = write_file(dir + "/summary.json", summary.str() + "\n"); !s.is_ok()) return s;
  if (Status s = write_file(dir + "/report.json", audit_json + "\n"); !s.is_ok()) return s;
  return write_file(dir + "/report.html", audit_html);
}

std::string demo_preface_html(const Report& r) {
  std::ostringstream page;
  uint64_t refused = 0;
  for (const auto& [code, count] : r.claims_refused) refused += count;
  page << "<p>Simulated nation, seed " << r.seed << ": " << r.claims_submitted << " requests, "
       << r.claims_settled << " entries settled, " << refused
       << " refused; the run's own auditor found <b class=\""
       << (r.mismatches.count == 0 ? "ok" : "bad") << "\">" << r.mismatches.count
       << " mismatches</b>; differences injected " << r.differences_injected << ", found "
       << r.differences_found
       << ".</p><h2>Refused requests by reason</h2><table><tr><th>err_code</th><th>count</th></tr>";
  for (const auto& [code, count] : r.claims_refused)
    page << "<tr><td>" << code << "</td><td>" << count << "</td></tr>";
  page << "</table>";
  return page.str();
}

namespace {

// The three largest net positions and the smallest, each named (clearing/provinces.h).
std::string top_positions(const Report& r) {
  std::vector<std::pair<std::string, cl::Money>> positions(r.positions.begin(), r.positions.end());
  std::sort(positions.begin(), positions.end(),
            [](const auto& a, const auto& b) { return a.second.fen() > b.second.fen(); });
  const auto signed_yuan = [](cl::Money m) { return (m.is_negative() ? "" : "+") + m.to_string(); };
  std::string out;
  for (size_t i = 0; i < positions.size() && i < 3; ++i) {
    out += " " + cl::province_label(positions[i].first) + " " + signed_yuan(positions[i].second);
  }
  if (positions.size() > 3) {
    out += " … " + cl::province_label(positions.back().first) + " " +
           signed_yuan(positions.back().second);
  }
  return out;
}

}  // namespace

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
  out << "  amounts (yuan): medical " << amount("medfee_sumamt") << ", funds "
      << amount("fund_pay_sumamt") << ", accounts " << amount("acct_pay") << ", cash "
      << amount("psn_cash_pay") << "\n";
  out << "  reconciliation: " << r.statements << " statements (pair × day), " << r.pairs_balanced
      << " of " << r.pairs << " region pairs balanced; differences injected "
      << r.differences_injected << ", found " << r.differences_found << "; "
      << (r.nation.empty() ? std::to_string(r.recon_bytes) + " bytes exchanged of " +
                                 std::to_string(r.recon_full_bytes)
                           : "between the region processes over POST /v1/recon")
      << "; resolved by " << r.adjustments << " adjustment entries\n";
  out << "  net positions " << r.period << ":" << top_positions(r);
  out << "\n  clearing: one payment per region moves " << r.clearing_pay_in.to_string()
      << " instead of " << r.clearing_gross.to_string() << " pair by pair; " << r.held_pairs
      << " pairs held";
  if (!r.clearing_flags.empty()) {
    out << "; flagged:";
    for (size_t i = 0; i < r.clearing_flags.size() && i < 4; ++i) out << " " << r.clearing_flags[i];
    if (r.clearing_flags.size() > 4) out << " (+" << r.clearing_flags.size() - 4 << " more)";
  }
  out << "\n";
  if (!r.node_restarts.empty()) {
    out << "  faults: broker outage and produce errors, retries, node restarted:";
    for (const std::string& region : r.node_restarts) out << " " << region;
    out << ", " << r.redelivered << " claim messages redelivered out of order, "
        << r.differences_injected << " ledger divergences\n";
  }
  char rate[96];
  std::snprintf(rate, sizeof rate, "%.0f requests/s (%.0f after the first day)",
                r.throughput_claims_per_s, r.sustained_claims_per_s);
  out << "  throughput: " << rate
      << (r.via == "https" ? " from hospitals over HTTPS" : " from hospitals in process")
      << (r.nation.empty() ? "" : " to the region processes of " + r.nation)
      << " through Kafka and both ledgers";
  if (r.hospital_resends) out << "; " << r.hospital_resends << " requests sent again by hospitals";
  out << "\n";
  out << "  ledgers: " << r.ledger_entries << " entries, "
      << (r.ledger_problems.empty() ? "all sealed and verified"
                                    : "PROBLEMS: " + r.ledger_problems[0])
      << "\n";
  out << mismatches_text(r);
  out << "  audit report: " << r.anomalies << " anomaly flags for review; integrity "
      << (r.ledger_problems.empty() ? "intact" : "NOT intact") << "\n";
  out << "  report: " << dir << "/report.html   summary: " << dir
      << "/summary.json   ledgers: " << dir << "/ledgers/   statements: " << dir << "/clearing/\n";
  return out.str();
}

}  // namespace medclear::simulator
