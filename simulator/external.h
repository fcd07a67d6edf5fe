// A nation of processes the demo drives (`medclear demo --via https --nation DIR`): the directory
// `medclear nation init --simulated` wrote and `ops/nation.sh up` runs — DIR/simulated.json (what
// rebuilds the same simulated nation), DIR/reference.json, DIR/ports, DIR/pki, DIR/ledgers and
// DIR/pids/node-<region>.pid (nation.sh). The demo sends the hospitals' requests to the region
// processes, has each region process reconcile every business day with its peers over the
// node-to-node endpoint (SIGUSR1 with the day, `medclear node`), then stops the region processes
// (SIGTERM, as `ops/nation.sh down` does; the broker stays up) so that the month can be sealed and
// cleared in their ledgers, which a region's process otherwise holds alone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clearing/status.h"

namespace medclear::simulator {

// DIR/simulated.json: the options of make_nation.
struct SimulatedNation {
  std::vector<std::string> regions;
  int persons = 0;
  uint64_t seed = 0;
};
Status write_simulated(const std::string& dir, const SimulatedNation& nation);
Result<SimulatedNation> read_simulated(const std::string& dir);

struct ExternalNation {
  std::string dir;  // absolute
  SimulatedNation simulated;
  std::map<std::string, uint16_t> ports;  // region → its gateway on 127.0.0.1 (DIR/ports)
  std::map<std::string, pid_t> pids;      // region → its `medclear node` process
};

// Reads DIR and checks that it can be driven: every region has a port and a running process,
// DIR/reference.json is `reference_json` (the nation the demo rebuilt, written again), and no
// region's ledger holds a balance yet (the auditor starts from empty ledgers; /v1/balances with the
// regulator's certificate).
Result<ExternalNation> open_external_nation(const std::string& dir,
                                            const std::string& reference_json);

// What the region processes' reconciliation did, from their /metrics.
struct NodeReconciliation {
  uint64_t kept = 0;    // statements countersigned and kept (pair × day, as the insured side)
  uint64_t failed = 0;  // pairs that could not be reconciled or countersigned
  uint64_t differences = 0;
  std::vector<std::string> problems;
};
// For each of `days` (days since 1970-01-01), in order: every region process reconciles that day
// with every peer (sigqueue SIGUSR1), and the demo waits until each counted its pairs.
NodeReconciliation reconcile_through_nodes(const ExternalNation& nation,
                                           const std::vector<int32_t>& days);

// SIGTERM to every region process and waits until each has exited (its exit code from
// DIR/pids/node-<region>.exit when nation.sh recorded it). Problems, empty when all exited 0.
std::vector<std::string> stop_region_processes(const ExternalNation& nation);

}  // namespace medclear::simulator
