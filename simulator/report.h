// What a demo run found, and its outputs (contracts/demo.md): summary.json, and the regulators'
// audit report as report.json and report.html (net positions and the flow matrix as charts).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "clearing/money.h"
#include "clearing/status.h"

namespace medclear::simulator {

// The auditor's mismatches: an exact count, and the reasons of the first kReasonsKeptMax.
struct Mismatches {
  static constexpr size_t kReasonsKeptMax = 100;
  uint64_t count = 0;
  std::vector<std::string> reasons;  // what, which claim or pair, what was found against expected
  void record(std::string reason);
};

struct Report {
  uint64_t seed = 0;
  std::string period;  // YYYY-MM
  std::vector<std::string> regions;
  uint64_t claims_submitted = 0;
  uint64_t claims_settled = 0;  // settlements, cancels and reversals written (retries not counted)
  std::map<std::string, uint64_t> claims_refused;  // err_code → count
  std::map<std::string, clearing::Money> amounts;  // fund field → Σ
  std::string via = "kafka";                       // how the hospitals reached the nodes
  std::string nation;  // the nation of processes driven (its directory); empty: in process
  double throughput_claims_per_s = 0;  // requests / seconds of the settlement phase
  double sustained_claims_per_s = 0;   // the same over the days after the first
  double settlement_seconds = 0;
  uint64_t hospital_resends = 0;  // requests a hospital sent again (HTTPS: reset, 202, 503)
  uint64_t redelivered = 0;       // claim messages produced again onto Kafka (faults)
  Mismatches mismatches;          // summary.json: auditor_mismatches, and mismatch_reasons when any
  uint64_t pairs = 0;             // region pairs with business
  uint64_t pairs_balanced = 0;    // no difference on any day
  uint64_t statements = 0;        // (pair, day) reconciliations run
  uint64_t differences_injected = 0;
  uint64_t differences_found = 0;
  uint64_t recon_bytes = 0;       // exchanged by the hash-tree protocol
  uint64_t recon_full_bytes = 0;  // what sending whole days would take
  std::map<std::pair<std::string, std::string>, clearing::Money> flows;  // (insured, treating)
  uint64_t adjustments = 0;  // entries that resolved the differences
  std::map<std::string, clearing::Money>
      positions;                            // region → receivables − payables (the clearing's)
  uint64_t held_pairs = 0;                  // pairs the clearing could not net (sides differ)
  clearing::Money clearing_gross;           // what one payment per pair would move
  clearing::Money clearing_pay_in;          // what the clearing moves (= pay-outs)
  std::vector<std::string> clearing_flags;  // "REGION below_floor" / "REGION prepayment_overdrawn"
  std::vector<std::string> node_restarts;   // regions whose node was stopped and started (faults)
  uint64_t anomalies = 0;                   // flags in the audit report
  uint64_t ledger_entries = 0;
  std::vector<std::string> ledger_problems;
  double elapsed_s = 0;
};

// Writes summary.json, and the regulators' audit report (gateway/backoffice/audit_report.h) as
// report.json and report.html, into `dir`.
Status write_reports(const Report& report, const std::string& dir, const std::string& audit_json,
                     const std::string& audit_html);
// What the demo adds at the top of the audit report page: its seed, its auditor, refusals.
std::string demo_preface_html(const Report& report);
// The few lines a person reads at the end of a run.
std::string summary_text(const Report& report, const std::string& dir);

}  // namespace medclear::simulator
