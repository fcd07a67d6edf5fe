// The regulators' audit report over the regions' ledgers for business days [from, to]
// (`medclear audit report`, `GET /v1/audit/report`, the demo's report.html/report.json):
//
// - totals by region pair and fund, from the insured side (it decided; cancels and reversals
//   count negative), and claims by status (settled, cancelled, reversed, adjusted);
// - the reconciliation statements kept in the ledgers for those days (balanced, differences by
//   kind, adjustments) and the clearing statements of the periods they touch (net positions,
//   pay-ins and pay-outs, prepayment flags);
// - anomaly flags for a person to look at:
//     same_claim_two_hospitals  one person, one day, the same bill settled at two hospitals;
//     bills_far_above_peers     a person's bills over kPeerFactor × the median of the people of the
//                               same insured region, insurance type and medical type, and over
//                               kPeerFloorFen;
//     paid_without_valid_filing paid by the funds with no filing valid for the treating division
//                               although the policy has no unfiled terms and it was no emergency
//                               (needs reference data; the legal ones are counted, not flagged);
//     prepayment_overdrawn      a clearing drew more than the region's prepayment held;
// - integrity: every ledger verified (hash chain, derived keys, every seal and its signature).
//
// Formats: JSON (medclear.audit-report.v1), CSV (one long table: section, region, counterpart,
// name, value) and one HTML page with the net positions and the flow matrix as charts.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "clearing/money.h"
#include "clearing/reference.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::gateway {

inline constexpr int64_t kPeerFactor = 10;
inline constexpr int64_t kPeerFloorFen = 2'000'000;  // 20,000.00 yuan

struct FundTotals {
  uint64_t entries = 0;
  clearing::Money medfee;      // medfee_sumamt
  clearing::Money funds;       // fund_pay_sumamt: what the insured region pays the treating one
  clearing::Money pool;        // hifp_pay
  clearing::Money layer;       // hifmi_pay
  clearing::Money assistance;  // maf_pay
  clearing::Money account;     // acct_pay
  clearing::Money cash;        // psn_cash_pay
};

inline constexpr size_t kClaimsPerFlag = 5;

struct Anomaly {
  std::string kind;
  std::string region;   // the insured region
  std::string subject;  // psn_no, setl_id or region
  std::string detail;
  std::vector<std::string> claims;  // the setl_ids behind the flag: at most kClaimsPerFlag
};

// Why a flag of `kind` is raised and what to look at, in a sentence a reader of the report needs.
std::string anomaly_explanation(std::string_view kind);

// One business day of the insured sides: what the trend chart draws.
struct DayTotals {
  uint64_t settlements = 0;    // settlements booked that day
  uint64_t compensations = 0;  // cancels and reversals booked that day
  clearing::Money medfee;      // medfee_sumamt, compensations negative
  clearing::Money funds;       // fund_pay_sumamt, compensations negative
};

// A person's bills in one group (insured region, insurance type, medical type) and the largest
// of them, the claims a reader of a `bills_far_above_peers` flag opens first.
struct PersonBills {
  clearing::Money total;
  std::vector<std::pair<clearing::Money, std::string>> largest;  // (medfee, setl_id), descending
  void add(clearing::Money medfee, const std::string& setl_id);
  void merge(const PersonBills& other);
};

struct LedgerIntegrity {
  std::string region;
  bool ok = false;
  std::string problem;
  uint64_t entries = 0;
  size_t seals = 0;
  std::string last_sealed_day;
  std::string head_hash;
};

struct ClearingLine {  // one region's position in one cleared period
  std::string period;
  std::string region;
  clearing::Money net;
  clearing::Money pay_in;
  clearing::Money pay_out;
  std::vector<std::string> flags;
};

struct AuditReport {
  clearing::Date from;
  clearing::Date to;
  std::vector<std::string> regions;
  std::map<std::pair<std::string, std::string>, FundTotals> pairs;  // (insured, treating)
  std::map<std::string, uint64_t> by_status;  // settled, cancelled, reversed, adjusted
  std::map<int32_t, DayTotals> days;          // by business day (days since 1970-01-01)
  uint64_t statements = 0;
  uint64_t statements_balanced = 0;
  std::map<std::string, uint64_t> differences;  // by kind
  uint64_t adjustments = 0;
  std::vector<ClearingLine> clearing;
  std::map<std::string, clearing::Money> positions;  // the latest cleared period's, else the pairs'
  std::string positions_basis;                       // "clearing YYYY-MM" or "pair totals"
  std::vector<Anomaly> anomalies;
  bool filings_checked = false;
  uint64_t paid_unfiled_terms = 0;      // paid without a filing under the policy's unfiled terms
  uint64_t paid_unfiled_emergency = 0;  // paid without a filing as an emergency
  std::vector<LedgerIntegrity> integrity;
  bool intact() const;
};

// One ledger's share of a report, read where the ledger lives (a node reads it on its worker,
// between steps); merge_audit joins the shares.
struct AuditScan {
  std::string region;
  std::map<std::pair<std::string, std::string>, FundTotals> pairs;
  std::map<std::string, uint64_t> by_status;
  std::map<int32_t, DayTotals> days;
  // (insured region, insutype, med_type) → person → bills; (person, day, bill) → hospital →
  // the setl_id settled there.
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, PersonBills>>
      bills;
  std::map<std::tuple<std::string, int32_t, int64_t>, std::map<std::string, std::string>> same_bill;
  std::vector<Anomaly> anomalies;
  bool filings_checked = false;
  uint64_t paid_unfiled_terms = 0;
  uint64_t paid_unfiled_emergency = 0;
  std::map<std::string, std::string> recon_docs;     // statement name → signed statement
  std::map<std::string, std::string> clearing_docs;  // name/region → clearing statement
  LedgerIntegrity integrity;
};

// Reads (and verifies) one ledger; `reference` enables the filing check (may be null).
Result<AuditScan> scan_for_audit(const ledger::Ledger& ledger, clearing::Date from,
                                 clearing::Date to, const clearing::ReferenceData* reference);
AuditReport merge_audit(std::vector<AuditScan> scans, clearing::Date from, clearing::Date to);
// Both, over ledgers at hand.
Result<AuditReport> build_audit_report(const std::map<std::string, ledger::Ledger*>& ledgers,
                                       clearing::Date from, clearing::Date to,
                                       const clearing::ReferenceData* reference);
// Both, over the ledgers under `ledgers_dir` (DIR/<region>, ledger/directory.h), with the
// reference data of the scenario file at `scenario_path` for the filing check (none when empty).
// Errors: the scenario cannot be read or parsed, a ledger cannot be opened or read, to < from.
Result<AuditReport> audit_ledgers_at(const std::string& ledgers_dir, clearing::Date from,
                                     clearing::Date to, const std::string& scenario_path);

std::string audit_json(const AuditReport& report);
std::string audit_csv(const AuditReport& report);
// `preface_html` (trusted, ours) goes under the title: the demo puts its own findings there.
std::string audit_html(const AuditReport& report, const std::string& preface_html = {});

}  // namespace medclear::gateway
