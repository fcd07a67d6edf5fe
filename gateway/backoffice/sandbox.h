// The policy sandbox (`medclear sandbox`, `POST /v1/sandbox`, shared/contracts/sandbox.md): what
// a draft policy would have cost. Every settlement insured under the draft's region and
// insurance type in the period is decided again under the draft, in the order the insured
// region's ledger holds them, with the sandbox's own year-to-date accumulators and personal
// account balances; the baseline is what the ledger holds. Nothing is written anywhere.
//
// What is decided again (SANDBOX.md): the ledger keeps no fee lines, but each settlement entry
// keeps the treating catalogue's classification of its lines (medfee, fulamt_ownpay, overlmt,
// preselfpay, inscp = clearing::ClaimTotals), and the insured policy acts only through
// clearing::split_claim(totals, terms, accumulators, account balance). So the sandbox calls the
// engine's own split_claim with the draft and the person's filing, retiree and assistance terms
// from the reference data; it never re-classifies lines (the catalogue is not what is drafted).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "clearing/money.h"
#include "clearing/reference.h"
#include "clearing/settlement.h"
#include "clearing/status.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::gateway {

struct SandboxOptions {
  std::optional<clearing::Date> from;  // settlement date (inf_time), first day; none: no bound
  std::optional<clearing::Date> to;    // last day; none: no bound
  uint64_t claims_max = 0;             // more claims in the period is an error (0: no cap)
  std::optional<std::chrono::steady_clock::time_point> deadline;  // past it: an error
};

// The fund fields of the contract's "baseline", "draft" and "delta" objects.
struct SandboxTotals {
  clearing::Money fund_pay_sumamt;
  clearing::Money hifp_pay;
  clearing::Money hifmi_pay;
  clearing::Money hifob_pay;
  clearing::Money maf_pay;
  clearing::Money acct_pay;
  clearing::Money psn_cash_pay;
  void add(const clearing::SettlementAmounts& amounts);
  SandboxTotals operator-(const SandboxTotals& other) const;
};

struct SandboxGroup {  // one (benefit, level, treating region)
  uint64_t claims = 0;
  clearing::Money baseline_fund;
  clearing::Money draft_fund;
};

// People by the change of what they pay themselves (psn_part_amt: account and cash together),
// draft − baseline over their claims of the period: bucket i holds changes in
// (kChangeUpperFen[i−1], kChangeUpperFen[i]], the last one everything above.
inline constexpr int64_t kChangeUpperFen[] = {-100'000, -10'000, -1'000, -1,
                                              0,        1'000,   10'000, 100'000};
inline constexpr size_t kChangeBuckets = std::size(kChangeUpperFen) + 1;

struct SandboxResult {
  std::string admdvs;
  std::string insutype;
  std::optional<clearing::Date> from;  // as asked; else the first settlement day decided
  std::optional<clearing::Date> to;
  uint64_t claims = 0;             // settlements decided again and in effect
  uint64_t refused = 0;            // of them, refused by the draft (no filing and unfiled "refuse")
  uint64_t identity_failures = 0;  // re-decided claims whose amounts break an identity (0)
  SandboxTotals baseline;
  SandboxTotals draft;
  uint64_t pay_more = 0;
  uint64_t pay_less = 0;
  uint64_t same = 0;
  clearing::Money pay_more_total;  // Σ of the increases
  clearing::Money pay_less_total;  // Σ of the decreases (a positive amount)
  clearing::Money largest_increase;
  clearing::Money largest_decrease;  // a positive amount
  std::vector<uint64_t> change_buckets = std::vector<uint64_t>(kChangeBuckets);
  // (benefit "inpatient"|"outpatient", hospital level, treating region PP0000)
  std::map<std::tuple<std::string, int, std::string>, SandboxGroup> by;
  uint64_t entries_read = 0;  // journal entries walked
};

// Decides the insured region's settlements again under `draft` (its region is `ledger`'s).
// kInvalid: the draft's region is not the ledger's, a settled person or facility is missing from
// `reference`, or more than claims_max claims; kUnavailable: the deadline passed; a read error.
Result<SandboxResult> run_sandbox(const ledger::Ledger& ledger,
                                  const clearing::ReferenceData& reference,
                                  const clearing::Policy& draft, const SandboxOptions& options);

// A draft policy file (contracts/adjudicate.md policy object): kInvalid naming the key's path.
Result<clearing::Policy> parse_draft_policy(std::string_view text,
                                            const clearing::CodeTables& codes);

// The command's whole job over files: reference data (`--reference`, a scenario file whose
// requests are ignored), the draft, and DIR/<region of the draft> opened read-only.
Result<SandboxResult> sandbox_at(const std::string& ledgers_dir, const std::string& reference_path,
                                 const std::string& policy_path, const SandboxOptions& options);

// POST /v1/sandbox (gateway/http/server.cpp): the body is the draft, the query from, to and
// format; the run is capped at kSandboxClaimsMax claims and kSandboxTimeoutMs from now.
inline constexpr uint64_t kSandboxClaimsMax = 1'000'000;
inline constexpr int64_t kSandboxTimeoutMs = 120'000;
struct SandboxQuery {
  clearing::Policy draft;
  SandboxOptions options;
  std::string format;  // json, csv or html
};
// kInvalid naming what is wrong (a policy key's path, a date, the format).
Result<SandboxQuery> parse_sandbox_query(std::string_view body,
                                         const std::map<std::string, std::string>& query,
                                         const clearing::CodeTables& codes);
// The result in `format` (json, csv or html), and its content type.
std::pair<std::string, std::string> render_sandbox(const SandboxResult& result,
                                                   const std::string& format);

std::string sandbox_json(const SandboxResult& result);  // medclear.sandbox.v1
std::string sandbox_csv(const SandboxResult& result);   // section,benefit,level,treating,name,value
std::string sandbox_html(const SandboxResult& result);  // one page, inline SVG charts

}  // namespace medclear::gateway
