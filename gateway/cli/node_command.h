// `medclear node --config FILE` (one region node until SIGINT/SIGTERM) and `medclear broker`
// (a stand-alone embedded Kafka broker other processes on this machine can join).
#pragma once

namespace medclear::gateway {

int node_main(int argc, char** argv);
int broker_main(int argc, char** argv);

}  // namespace medclear::gateway
