// The hospital's detail reconciliation (3202) at size (issue 17: a hospital with 10,000
// settlements a day gets its answer in under a second). Writes a treating ledger (310000) with N
// settlements of one hospital on one day (default 10,000; every 50th cancelled the same day) and
// OTHERS of another hospital of the region on the same day (default 10,000: the ledger read costs
// the region's treating day), then prints, over ROUNDS rounds (default 5), the median and worst
//   in process: parse the hospital's file, read the agency's lines from a snapshot, compare and
//               write the answer; and the 3201 totals of the day;
//   over HTTPS: POST /v1/hospital/reconciliation with the file (mutual TLS, development PKI, the
//               region's node running), the client's wall time per request.
// The hospital's file carries 20 injected differences (5 of each kind); the answer is checked.
// Usage: bench_hospital_recon [N] [OTHERS] [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "adapters/json.h"
#include "gateway/app/region_set.h"
#include "gateway/http/hospital_day.h"
#include "gateway/tls/pki.h"
#include "ledger/directory.h"
#include "tests/support/https_client.h"
#include "tests/support/nation.h"
#include "tests/support/records.h"

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
namespace gw = medclear::gateway;
namespace lg = medclear::ledger;
using Clock = std::chrono::steady_clock;
using medclear::Result;

namespace {

const cl::Date kDay = *cl::Date::from_ymd(2026, 3, 15);
const std::string kTreating = "310000";
const std::string kHospital = medclear::testing::hospital_of(kTreating);  // H31010100001
const std::string kOther = "H31010100002";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void die(const std::string& what) {
  std::fprintf(stderr, "bench_hospital_recon: %s\n", what.c_str());
  std::exit(1);
}

// Settlement `i` of `hospital`: its setl_id, msgid and amounts; treating side of 310000.
cl::SettlementRecord settlement(const std::string& hospital, size_t i, bool other) {
  char setl_id[32], msgid[40];
  std::snprintf(setl_id, sizeof setl_id, "610100202603%d%011zu", other ? 2 : 1, i);
  std::snprintf(msgid, sizeof msgid, "%s20260315%06zu%04zu", hospital.c_str(), i / 10000,
                i % 10000);
  const int64_t medfee = 10'000 + static_cast<int64_t>((i * 7919) % 1'000'000);
  cl::SettlementRecord r = medclear::testing::settlement_record(setl_id, msgid, kDay, medfee,
                                                                medfee * 7 / 10, medfee / 10);
  r.fixmedins_code = hospital;
  r.mdtrtarea_admvs = "310101";
  return r;
}

// The ledger of 310000 with the day's settlements; returns the hospital's own lines.
std::vector<ad::HospitalReconLine> write_ledger(const std::string& dir, size_t n, size_t others) {
  lg::LedgerOptions options;
  options.region = kTreating;
  Result<lg::LedgerDirectory> opened = lg::open_directory(dir, options, true);
  if (!opened.is_ok()) die(opened.status().message());
  lg::Ledger& ledger = *opened->ledger;
  std::vector<ad::HospitalReconLine> lines;
  size_t staged = 0;
  auto stage = [&](const cl::SettlementRecord& record) {
    if (!ledger.stage(record, lg::Side::kTreating).is_ok()) die("stage " + record.setl_id);
    if (++staged % 1000 == 0 && !ledger.commit().is_ok()) die("commit");
  };
  for (size_t i = 0; i < n + others; ++i) {
    const bool other = i >= n;
    const cl::SettlementRecord r = settlement(other ? kOther : kHospital, other ? i - n : i, other);
    stage(r);
    if (i % 50 == 0) {
      std::string cancel_msgid = r.msgid;
      cancel_msgid.replace(20, 2, "23");  // sent at 23:00:0x, apart from every claim (00:00:0x)
      stage(medclear::testing::cancel_record(r, "C" + r.setl_id, cancel_msgid, kDay));
    }
    if (!other) {
      const cl::SettlementAmounts& a = r.amounts;
      lines.push_back(
          {r.setl_id, r.msgid, a.medfee_sumamt, a.fund_pay_sumamt, a.acct_pay, i % 50 == 0});
    }
  }
  if (!ledger.commit().is_ok()) die("commit");
  return lines;
}

// 5 differences of each kind, in the hospital's copy of its day.
void inject(std::vector<ad::HospitalReconLine>& lines) {
  for (size_t k = 0; k < 5; ++k) {
    lines[100 + k].fund_pay_sumamt += cl::Money::from_fen(1);  // amount_differs
    lines[200 + k].cancelled = !lines[200 + k].cancelled;      // cancel_differs
    ad::HospitalReconLine phantom = lines[300 + k];
    phantom.setl_id = "PHANTOM" + std::to_string(k);  // missing_at_agency
    lines.push_back(phantom);
  }
  lines.erase(lines.begin() + 400, lines.begin() + 405);  // missing_at_hospital
}

void check(const std::string& answer, size_t n) {
  const Result<ad::Json> parsed = ad::parse_json(answer);
  if (!parsed.is_ok() || parsed->find("differences") == nullptr) die("answer: " + answer);
  const size_t differences = parsed->find("differences")->items.size();
  // 5 amounts and 5 cancel flags changed, 5 lines dropped: n − 15 agree.
  if (differences != 20 || parsed->find("agreed")->text != std::to_string(n - 15)) {
    die("expected 20 differences and " + std::to_string(n - 15) + " agreed, got " +
        std::to_string(differences) + " and " + parsed->find("agreed")->text);
  }
}

void print(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("  %-40s median %8.1f ms   worst %8.1f ms\n", what, ms[ms.size() / 2], ms.back());
}

void in_process(const std::string& dir, const std::string& file, size_t n, int rounds) {
  lg::LedgerOptions options;
  options.region = kTreating;
  Result<lg::LedgerDirectory> opened = lg::open_directory(dir, options, false);
  if (!opened.is_ok()) die(opened.status().message());
  Result<std::unique_ptr<lg::Ledger>> snapshot = opened->ledger->snapshot();
  if (!snapshot.is_ok()) die(snapshot.status().message());
  std::vector<double> parse_ms, read_ms, compare_ms, total_ms, totals_ms;
  for (int round = 0; round < rounds; ++round) {
    const auto start = Clock::now();
    const ad::HospitalReconParse parse = ad::parse_hospital_recon_tsv(file, kHospital);
    if (!parse.ok()) die(parse.error);
    parse_ms.push_back(ms_since(start));
    const auto read_start = Clock::now();
    auto agency = gw::agency_lines(**snapshot, kDay, kHospital);
    if (!agency.is_ok()) die(agency.status().message());
    read_ms.push_back(ms_since(read_start));
    const auto compare_start = Clock::now();
    const std::string answer = gw::detail_answer(kDay, kHospital, parse.lines, *agency);
    compare_ms.push_back(ms_since(compare_start));
    total_ms.push_back(ms_since(start));
    check(answer, n);
    ad::TotalsRequest totals;
    totals.envelope.fixmedins_code = kHospital;
    totals.insutype = "390";
    totals.clr_type = "21";
    totals.stmt_begndate = totals.stmt_enddate = kDay;
    const auto totals_start = Clock::now();
    if (!gw::agency_totals(**snapshot, totals).is_ok()) die("totals");
    totals_ms.push_back(ms_since(totals_start));
  }
  std::printf("in process (%d rounds):\n", rounds);
  print("parse the file", parse_ms);
  print("read the agency's lines (snapshot)", read_ms);
  print("compare and write the answer", compare_ms);
  print("3202 total", total_ms);
  print("3201 totals of the day", totals_ms);
}

void over_https(const std::string& root, const std::string& file, size_t n, int rounds) {
  const cl::ReferenceData reference = medclear::testing::make_nation({kTreating, "610000"}, 10);
  const std::string pki = root + "/pki";
  const std::vector<gw::DevHospital> hospitals = {{kHospital, kTreating, 3}};
  if (!gw::write_dev_pki(pki, {kTreating, "610000"}, hospitals).is_ok()) die("pki");
  gw::RegionSetOptions options;
  options.regions = {kTreating, "610000"};
  options.ledgers_dir = root + "/ledgers";
  options.pki_dir = pki;
  options.partitions = 2;
  options.gateway.threads = 1;
  options.gateway.limits.body_bytes_max = std::max<size_t>(file.size() + 1024, 1 << 20);
  Result<std::unique_ptr<gw::RegionSet>> set = gw::RegionSet::start(options, reference);
  if (!set.is_ok()) die(set.status().message());
  medclear::testing::HttpsClient client(
      (*set)->gateway(kTreating)->port(), pki + "/ca.pem",
      {pki + "/hospital-" + kHospital + ".pem", pki + "/hospital-" + kHospital + ".key"});
  std::vector<double> ms;
  for (int round = 0; round <= rounds; ++round) {  // round 0 opens the connection: not counted
    const auto start = Clock::now();
    const medclear::testing::HttpAnswer answer =
        client.post("/v1/hospital/reconciliation?day=2026-03-15", file);
    const double took = ms_since(start);
    if (answer.status != 200) die(std::to_string(answer.status) + " " + answer.body + answer.error);
    check(answer.body, n);
    if (round > 0) ms.push_back(took);
  }
  std::printf("over HTTPS (%d rounds, %zu bytes up):\n", rounds, file.size());
  print("POST /v1/hospital/reconciliation", ms);
  (*set)->stop();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10'000;
  const size_t others = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10'000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  if (n < 500 || rounds < 1) die("usage: bench_hospital_recon [N >= 500] [OTHERS] [ROUNDS >= 1]");
  const std::string root = (std::filesystem::temp_directory_path() /
                            ("bench-hospital-recon-" + std::to_string(getpid())))
                               .string();
  std::filesystem::remove_all(root);
  const std::string dir = root + "/ledgers/" + kTreating;
  const auto write_start = Clock::now();
  std::vector<ad::HospitalReconLine> lines = write_ledger(dir, n, others);
  std::printf("ledger of %s: %zu settlements of %s, %zu of %s, every 50th cancelled (%.0f ms)\n",
              kTreating.c_str(), n, kHospital.c_str(), others, kOther.c_str(),
              ms_since(write_start));
  inject(lines);
  const std::string file = ad::write_hospital_recon_tsv(lines);
  in_process(dir, file, n, rounds);
  over_https(root, file, n, rounds);
  std::filesystem::remove_all(root);
  return 0;
}
