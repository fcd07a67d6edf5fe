// The simulated nation end to end, in one process: claims of every kind (settlements, retries,
// cancels, reversals, bad requests) from the hospitals — in process through the national-interface
// adapter, or over HTTPS to each region's gateway — along the Kafka path of the region nodes into
// both regions' ledgers; then seals, verification, totals reconciliation
// between every pair of regions, net positions, and the reports. An auditor computes from the
// workload alone what every answer, balance and position must be and counts each mismatch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "clearing/time.h"
#include "simulator/oracle/model.h"
#include "simulator/report.h"

namespace medclear::simulator {

struct RunOptions {
  std::vector<std::string> regions;  // PP0000 each
  int days = 3;
  int claims_per_day = 5000;
  int persons = 60'000;
  uint64_t seed = 1;
  bool faults = false;        // a broker down and back, produce errors, duplicates, redelivered
                              // messages out of order, a node restart, ledger divergences
  std::string out_dir;        // summary.json, report.json, report.html, ledgers/<region>
  bool progress = true;       // a progress line on stderr
  std::string via = "kafka";  // kafka: hospitals submit in process; https: through the gateways
  size_t window = 4000;       // requests in flight at most
  bool bench = false;         // end with one "bench:" line (throughput), for ops/bench.sh
  // A nation of processes to drive instead of nodes in this process (simulator/external.h):
  // `regions`, `persons` and `nation_seed` must be the ones its simulated.json records. No faults.
  std::string nation_dir;
  std::optional<uint64_t> nation_seed;  // the nation's seed; unset: `seed` (the workload's)
};

// Returns the process exit code: 0 when the auditor found no mismatch and every ledger verified.
// Every mismatch is counted with its reason (Report::mismatches, summary.json).
int run_simulation(const RunOptions& options);

// The auditor: decides every request from the workload alone, in the order the workload made
// them, twice — with the engine over its own state (what the nodes must answer) and with the
// independent oracle (simulator/oracle: what DOMAIN.md says the answer is) — and records every
// disagreement between the two in `mismatches`, naming the request and the field. Requests the
// adapter or the engine refuse before the domain (the envelope's syntax, the msgid's form, a msgid
// reused with another payload, a region not served) are not the oracle's and are not compared.
// Its records are what the ledgers must hold: the engine's, and the oracle's own answers.
class Auditor {
 public:
  Auditor(const clearing::ReferenceData& reference, oracle::Reference lists,
          Mismatches& mismatches);

  // What the answer to `request` must be (the engine's decision); a record it appends becomes
  // part of the auditor's state. The oracle decides the same request and is compared.
  clearing::Decision decide(const clearing::Request& request);

  // The engine's records, in the order decided.
  std::vector<clearing::SettlementRecord>& records() { return records_; }
  // The oracle's accepted settlements, cancels and reversals (retries not repeated), in order.
  std::vector<oracle::Expected>& answers() { return answers_; }
  // Requests not given to the oracle: refused before the domain.
  uint64_t not_the_oracles() const { return not_the_oracles_; }

 private:
  struct OracleAnswer {
    oracle::Expected expected;
    bool replayed = false;  // the answer given before to the same msgid
    std::string cancels;    // a cancel or reversal: the msgid of the settlement it takes back
  };
  OracleAnswer ask_oracle(const clearing::Request& request);
  OracleAnswer compensate(const clearing::Request& request);
  void remember(const clearing::Request& request, const clearing::Decision& decision,
                const OracleAnswer& answer);

  clearing::Engine engine_;
  clearing::MemoryState state_;
  std::vector<clearing::SettlementRecord> records_;
  oracle::Model oracle_;
  Mismatches& mismatches_;
  std::vector<oracle::Expected> answers_;
  std::map<std::string, oracle::Expected> answered_;      // msgid → the oracle's accepted answer
  std::map<std::string, std::string> settlement_msgid_;   // setl_id (the engine's) → its msgid
  std::map<std::string, std::string> compensated_msgid_;  // a cancel's msgid → the settlement's
  uint64_t not_the_oracles_ = 0;
};

// Every difference between the engine's decision and the oracle's answer to one request, each
// as "field engine E oracle O; ": the verdict (accepted or the err_code), and for an accepted
// one the regions and facility, every setlinfo money field, pool_prop_selfpay, the setldetail
// rows, the accumulator year and moves and the personal account's move. Empty when they agree.
std::string oracle_differences(const clearing::Decision& engine, const oracle::Expected& oracle);

// The run's calendar: business day `index` of a run (0: its first, 1 March 2026).
clearing::Date business_day(int index);
// The period a run of `days` days clears: the month of its last day (YYYY-MM). No earlier period is
// cleared, so this one takes in every day of the run, across months too.
std::string clearing_period(int days);

}  // namespace medclear::simulator
