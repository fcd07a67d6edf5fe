// Policy sandbox benchmark (issue 18: a 1-million-claim period in under a minute). Fills an
// insured region's ledger with N settlements of a year (every 100th one cancelled again), split
// by the engine's own split_claim under the worked examples' 610100/390 policy with running
// accumulators, unsynced batches of 10,000; then times run_sandbox (the walk `medclear sandbox`
// runs over its read-only view) with the policy in force as the draft (the delta must be zero)
// and with one ratio raised. Prints claims/s and the peak resident memory.
// Usage: bench_sandbox [SETTLEMENTS] [DIR]   (1,000,000; a fresh temporary directory)
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <unordered_map>

#include "adapters/reference_json.h"
#include "clearing/engine.h"
#include "clearing/split.h"
#include "gateway/backoffice/sandbox.h"
#include "ledger/directory.h"
#include "tests/support/scenario.h"

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
namespace gw = medclear::gateway;
using medclear::Result;
using medclear::Status;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPersons = 50'000;
constexpr uint64_t kBatch = 10'000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

std::string psn_no(int i) { return "6100000000" + std::to_string(1'000'000'000 + i); }

// The worked examples' reference data with kPersons residents of 610100 filed in 310000.
cl::ReferenceData bench_reference() {
  medclear::adapters::Scenario scenario = medclear::testing::worked_examples();
  cl::ReferenceData reference = std::move(scenario.reference);
  for (int i = 0; i < kPersons; ++i) {
    cl::Person person;
    person.psn_no = psn_no(i);
    person.insuplc_admdvs = "610100";
    person.insutype = "390";
    person.psn_type = i % 10 == 0 ? "12" : "1701";  // some retirees
    person.filings.push_back({i % 7 == 0 ? cl::FilingKind::kTemporary : cl::FilingKind::kLongTerm,
                              "310000", *cl::parse_date("2026-01-01"),
                              *cl::parse_date("2026-12-31")});
    reference.add_person(std::move(person));
  }
  return reference;
}

struct Filler {
  const cl::ReferenceData& reference;
  const cl::Policy& policy;
  lg::Ledger& ledger;
  std::mt19937_64 random;
  std::unordered_map<std::string, cl::Accumulators> accumulators;  // psn_no (one year)
  uint64_t records = 0;
};

cl::SettlementRecord claim(Filler& f, uint64_t i, uint64_t count) {
  const int p = static_cast<int>(f.random() % kPersons);
  const cl::Person& person = *f.reference.person(psn_no(p));
  cl::SettlementRecord r;
  const bool inpatient = f.random() % 4 == 0;
  const cl::Date day = cl::Date::from_days(cl::parse_date("2026-01-01")->days() +
                                           static_cast<int32_t>(i * 365 / count));
  r.setl_id = cl::make_setl_id("610100", day, ++f.records);
  r.msgid = "BENCH" + std::to_string(100'000'000'000 + f.records);
  r.infno = inpatient ? cl::Transaction::kInpatientSettle : cl::Transaction::kOutpatientSettle;
  r.fingerprint = "f" + r.msgid;
  r.insuplc_admdvs = "610100";
  r.mdtrtarea_admvs = "310104";
  r.fixmedins_code = "H31010400001";
  r.psn_no = person.psn_no;
  r.insutype = "390";
  r.psn_type = person.psn_type;
  r.med_type = inpatient ? "21" : "11";
  r.mdtrt_id = "M" + r.msgid;
  r.year = day.year();
  r.setl_time = {day, 36'000};
  const int64_t fen = inpatient ? 100'000 + static_cast<int64_t>(f.random() % 5'000'000)
                                : 5'000 + static_cast<int64_t>(f.random() % 200'000);
  const cl::Money medfee = cl::Money::from_fen(fen);
  const cl::Money inscp = cl::Money::from_fen(fen * 8 / 10);
  const cl::Money fulamt = cl::Money::from_fen(fen / 10);
  const cl::ClaimTotals totals{medfee, fulamt, cl::Money::zero(), medfee - inscp - fulamt, inscp};
  cl::SplitTerms terms;
  terms.policy = &f.policy;
  terms.med_type = r.med_type;
  terms.retiree = cl::is_retiree(person.psn_type);
  terms.filing = person.filings.front().kind;
  cl::Accumulators& year = f.accumulators[r.psn_no];
  cl::SplitResult split = cl::split_claim(totals, terms, year, person.account_balance);
  r.amounts = std::move(split.amounts);
  r.delta = split.delta;
  year = year + r.delta.year;
  return r;
}

cl::SettlementRecord cancel_of(Filler& f, const cl::SettlementRecord& original) {
  cl::SettlementRecord r = original;
  r.setl_id = cl::make_setl_id("610100", original.setl_time.date, ++f.records);
  r.msgid = "BENCH" + std::to_string(100'000'000'000 + f.records);
  r.fingerprint = "f" + r.msgid;
  r.infno = original.infno == cl::Transaction::kInpatientSettle
                ? cl::Transaction::kInpatientCancel
                : cl::Transaction::kOutpatientCancel;
  r.kind = cl::RecordKind::kCancel;
  r.compensates = original.setl_id;
  r.amounts = original.amounts.negated();
  r.delta = original.delta.negated();
  cl::Accumulators& year = f.accumulators[r.psn_no];
  year = year + r.delta.year;
  return r;
}

bool fill(Filler& f, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    const cl::SettlementRecord r = claim(f, i, count);
    if (!f.ledger.stage(r, lg::Side::kInsured).is_ok()) return false;
    if (i % 100 == 99 && !f.ledger.stage(cancel_of(f, r), lg::Side::kInsured).is_ok()) return false;
    if ((i + 1) % kBatch == 0 && !f.ledger.commit().is_ok()) return false;
  }
  return f.ledger.commit().is_ok();
}

void report(const char* what, const gw::SandboxResult& r, double seconds, double cpu) {
  const gw::SandboxTotals delta = r.draft - r.baseline;
  std::printf(
      "%-22s claims=%llu entries=%llu seconds=%.2f cpu_seconds=%.2f claims_per_s=%.0f "
      "delta_fund=%s "
      "pay_more=%llu "
      "pay_less=%llu same=%llu identity_failures=%llu peak_rss_mib=%ld\n",
      what, static_cast<unsigned long long>(r.claims),
      static_cast<unsigned long long>(r.entries_read), seconds, cpu,
      static_cast<double>(r.claims) / seconds, delta.fund_pay_sumamt.to_string().c_str(),
      static_cast<unsigned long long>(r.pay_more), static_cast<unsigned long long>(r.pay_less),
      static_cast<unsigned long long>(r.same), static_cast<unsigned long long>(r.identity_failures),
      peak_rss_mib());
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t count = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  const std::string dir = argc > 2 ? argv[2]
                                   : std::filesystem::temp_directory_path().string() +
                                         "/medclear-bench-sandbox-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const cl::ReferenceData reference = bench_reference();
  const cl::Policy& policy = reference.policies().at("610100390").front();
  {
    lg::LedgerOptions options;
    options.region = "610000";
    options.sync = false;
    Result<lg::LedgerDirectory> opened = lg::open_directory(dir + "/610000", options, true);
    if (!opened.is_ok()) return std::fprintf(stderr, "%s\n", opened.status().message().c_str()), 1;
    Filler filler{reference, policy, *opened->ledger, std::mt19937_64{20261130}, {}, 0};
    const auto start = Clock::now();
    if (!fill(filler, count)) return std::fprintf(stderr, "filling the ledger failed\n"), 1;
    std::printf("filled %llu settlements (+%llu cancels) in %.1f s\n",
                static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(count / 100), seconds_since(start));
  }
  cl::Policy raised = policy;
  raised.outpatient.ratio_by_level[2] = cl::Ratio::from_basis_points(6000);
  lg::LedgerOptions options;
  options.region = "610000";
  Result<lg::LedgerDirectory> opened = lg::open_directory(dir + "/610000", options, false);
  if (!opened.is_ok()) return std::fprintf(stderr, "%s\n", opened.status().message().c_str()), 1;
  const lg::Ledger& ledger = *opened->ledger;
  int failures = 0;
  for (const auto& [what, draft] :
       {std::pair{"draft = policy in force", &policy}, {"outpatient L3 +10 pts", &raised}}) {
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    Result<gw::SandboxResult> r = gw::run_sandbox(ledger, reference, *draft, {});
    const double seconds = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    if (!r.is_ok()) return std::fprintf(stderr, "%s\n", r.status().message().c_str()), 1;
    report(what, *r, seconds, cpu);
    if (draft == &policy && !(r->draft - r->baseline).fund_pay_sumamt.is_zero()) ++failures;
    if (r->identity_failures != 0) ++failures;
    std::printf("RESULT bench=sandbox draft=%d claims=%llu seconds=%.2f\n",
                draft == &policy ? 0 : 1, static_cast<unsigned long long>(r->claims), seconds);
  }
  opened = Status::error("closed");
  std::filesystem::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
