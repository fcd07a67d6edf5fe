// medclear: one binary, one subcommand per job. main() only dispatches; each command parses its
// own options and prints its own --help. The composition root: the only file that sees both the
// gateway's command room (gateway/cli/) and the simulator's `demo`, so no library depends on both.
#include <cstring>
#include <iostream>
#include <string_view>

#include "gateway/cli/adjudicate_command.h"
#include "gateway/cli/audit_command.h"
#include "gateway/cli/batch_command.h"
#include "gateway/cli/clear_command.h"
#include "gateway/cli/ledger_commands.h"
#include "gateway/cli/node_command.h"
#include "gateway/cli/pki_command.h"
#include "gateway/cli/reconcile_command.h"
#include "gateway/cli/sandbox_command.h"
#include "simulator/demo_command.h"
#include "simulator/nation_command.h"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

constexpr Command kCommands[] = {
    {"demo", "the main job: a simulated nation, or --serve regions over HTTPS",
     medclear::simulator::demo_main},
    {"adjudicate", "run a scenario's requests through the clearing engine (offline)",
     medclear::gateway::adjudicate_main},
    {"ledger", "verify, dump, seal and prove a region's ledger", medclear::gateway::ledger_main},
    {"node", "run one region node on Kafka (embedded broker when none is configured)",
     medclear::gateway::node_main},
    {"reconcile", "reconcile one business day claim by claim between region ledgers",
     medclear::gateway::reconcile_main},
    {"clear", "the monthly clearing: net positions, one pay-in or pay-out per region",
     medclear::gateway::clear_main},
    {"audit", "audit report for regulators: totals, statements, anomalies, integrity",
     medclear::gateway::audit_main},
    {"batch", "submit: send a hospital's claims file over HTTPS, resumable (adapters/BATCH.md)",
     medclear::gateway::batch_main},
    {"sandbox", "what a draft policy would have cost, over the insured region's ledger",
     medclear::gateway::sandbox_main},
    {"broker", "run a stand-alone embedded Kafka broker for development",
     medclear::gateway::broker_main},
    {"nation", "init: the directory of a local nation of processes (ops/nation.sh)",
     medclear::simulator::nation_main},
    {"pki", "development PKI: revoke a certificate (crl.pem)", medclear::gateway::pki_main},
};

void usage(std::ostream& out) {
  out << "usage: medclear <command> [options]   (medclear <command> --help for each)\n\n"
         "commands:\n";
  for (const Command& command : kCommands) {
    out << "  " << command.name << std::string(14 - command.name.size(), ' ') << command.summary
        << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& command : kCommands) {
    if (command.name == argv[1]) {
      return command.run(argc - 1, argv + 1);
    }
  }
  std::cerr << "medclear: unknown command '" << argv[1] << "'\n";
  usage(std::cerr);
  return 2;
}
