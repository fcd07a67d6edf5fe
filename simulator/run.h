// The simulated nation end to end, in one process: claims of every kind (settlements, retries,
// cancels, reversals, bad requests) from the hospitals — in process through the national-interface
// adapter, or over HTTPS to each region's gateway — along the Kafka path of the region nodes into
// both regions' ledgers; then seals, verification, totals reconciliation
// between every pair of regions, net positions, and the reports. An auditor computes from the
// workload alone what every answer, balance and position must be and counts each mismatch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "clearing/time.h"

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
};

// Returns the process exit code: 0 when the auditor found no mismatch and every ledger verified.
// Every mismatch is counted with its reason (Report::mismatches, summary.json).
int run_simulation(const RunOptions& options);

// The run's calendar: business day `index` of a run (0: its first, 1 March 2026).
clearing::Date business_day(int index);
// The period a run of `days` days clears: the month of its last day (YYYY-MM). No earlier period is
// cleared, so this one takes in every day of the run, across months too.
std::string clearing_period(int days);

}  // namespace medclear::simulator
