// The child of the node crash test: runs one region node of the test nation on a broker given by
// address, until it is killed. Usage: node_crash_child BOOTSTRAP REGION LEDGER_DIR
#include <cstdio>
#include <thread>

#include "gateway/node/node.h"
#include "tests/support/nation.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: node_crash_child BOOTSTRAP REGION LEDGER_DIR\n");
    return 2;
  }
  static const medclear::clearing::ReferenceData reference =
      medclear::testing::make_nation({"310000", "440000"}, 100);
  medclear::gateway::NodeOptions options;
  options.kafka.bootstrap_servers = argv[1];
  options.region = argv[2];
  options.ledger_dir = argv[3];
  auto node = medclear::gateway::RegionNode::start(options, reference);
  if (!node.is_ok()) {
    std::fprintf(stderr, "start: %s\n", node.status().message().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}
