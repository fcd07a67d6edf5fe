// The child of the crash test: appends a deterministic sequence of settlements to a ledger in
// group commits of random size, and after each commit prints "durable <n>" — the promise that
// entries 1..n are on disk. The parent kills it with SIGKILL at random moments and checks that
// promise after every restart. Usage: ledger_crash_child DIR SEED
#include <cstdio>
#include <cstdlib>
#include <random>

#include "ledger/directory.h"

namespace {

using medclear::clearing::Date;
using medclear::clearing::Money;

// Entry n of the sequence: a resident settlement of 100.00 with a pool payment of 70.00.
medclear::clearing::SettlementRecord record(uint64_t n) {
  medclear::clearing::SettlementRecord r;
  char id[32];
  std::snprintf(id, sizeof id, "%010llu", static_cast<unsigned long long>(n));
  r.setl_id = std::string("61010020260315") + id;
  r.msgid = std::string("C") + id;
  r.fingerprint = r.msgid;
  r.infno = medclear::clearing::Transaction::kInpatientSettle;
  r.insuplc_admdvs = "610100";
  r.mdtrtarea_admvs = "310104";
  r.fixmedins_code = "H31010400001";
  r.psn_no = "P" + std::to_string(n % 1000);
  r.insutype = "390";
  r.psn_type = "1701";
  r.med_type = "21";
  r.mdtrt_id = "MD" + std::string(id);
  r.year = 2026;
  r.setl_time = {*Date::from_ymd(2026, 3, 15), 36000};
  auto& a = r.amounts;
  a.medfee_sumamt = a.inscp_scp_amt = Money::from_fen(10000);
  a.hifp_pay = a.fund_pay_sumamt = Money::from_fen(7000);
  a.pool_prop_selfpay = medclear::clearing::Ratio::from_basis_points(7000);
  a.psn_part_amt = a.psn_cash_pay = Money::from_fen(3000);
  a.details.push_back({medclear::clearing::Fund::kResidentPool, Money::from_fen(10000),
                       Money::from_fen(13000000), Money::from_fen(7000)});
  r.delta.year.pool_paid = Money::from_fen(7000);
  r.delta.year.layer_base = Money::from_fen(3000);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ledger_crash_child DIR SEED\n");
    return 2;
  }
  medclear::ledger::LedgerOptions options;
  options.region = "610000";
  auto directory = medclear::ledger::open_directory(argv[1], options, true);
  if (!directory.is_ok()) {
    std::fprintf(stderr, "open: %s\n", directory.status().message().c_str());
    return 1;
  }
  medclear::ledger::Ledger& ledger = *directory->ledger;
  std::mt19937_64 random(std::strtoull(argv[2], nullptr, 10));
  uint64_t next = ledger.last_seq() + 1;
  std::printf("durable %llu\n", static_cast<unsigned long long>(next - 1));
  std::fflush(stdout);
  for (;;) {
    const uint64_t batch = 1 + random() % 300;
    for (uint64_t i = 0; i < batch; ++i, ++next) {
      auto staged = ledger.stage(record(next), medclear::ledger::Side::kInsured);
      if (!staged.is_ok()) {
        std::fprintf(stderr, "stage: %s\n", staged.status().message().c_str());
        return 1;
      }
    }
    if (medclear::Status status = ledger.commit(); !status.is_ok()) {
      std::fprintf(stderr, "commit: %s\n", status.message().c_str());
      return 1;
    }
    std::printf("durable %llu\n", static_cast<unsigned long long>(next - 1));
    std::fflush(stdout);
  }
}
