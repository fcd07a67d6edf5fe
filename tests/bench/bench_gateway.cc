// HTTPS load benchmark (issues 5 and 15): settlements per second and latency percentiles through
// the full path — TLS with client certificates, keep-alive, the gateway, the treating node, Kafka
// (embedded broker), the insured node's engine and synced ledger, back, and the treating ledger.
// The server and the load generator run in separate processes, so that the generator's work is
// neither counted as the server's nor hidden in it; each reports its CPU time. wrk cannot present
// a client certificate, which every route with work behind it requires, hence bench_load.
// Claims of a simulated nation (tests/support/nation.h): three regions, 5,000 insured each, from
// each region's hospital to the two others.
//
//   bench_gateway serve DIR [--gateway-threads T]
//       the server: three regions with nodes, synced ledgers and gateways; writes DIR/pki,
//       DIR/ports ("region port" lines), DIR/pid and then DIR/ready, and serves until SIGTERM.
//   bench_gateway [--seconds S] [--connections C] [--gateway-threads T] [--threads T]
//                 [--fractions 0.5,0.8] [--rates R1,R2] [--dir DIR] [--healthz 0]
//       the whole run: starts `serve` as a child process, then runs bench_load (next to this
//       program) in turn: GET /healthz closed loop (the same-run reference), POST /v1/nhsa closed
//       loop, then settlements offered at each fraction of the closed-loop rate and each rate.
//       Each bench_load prints a "RESULT ..." line. --healthz 0 leaves the reference out (a flame
//       graph of the settlements alone: ops/flamegraph.sh NAME --pid-file DIR/pid -- ...).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/app/region_set.h"
#include "gateway/tls/pki.h"
#include "tests/bench/bench_common.h"
#include "tests/support/nation.h"

extern char** environ;

namespace gw = medclear::gateway;
namespace mb = medclear::bench;
namespace fs = std::filesystem;

namespace {

void print_counters(const gw::RegionSet& set) {
  for (const std::string& region : set.regions()) {
    const gw::NodeCounters& c = set.node(region)->counters();
    const double steps = static_cast<double>(std::max<uint64_t>(1, c.steps.load()));
    std::printf("node %s: steps=%llu commit_ms_per_step=%.2f decided=%llu recorded=%llu\n",
                region.c_str(), static_cast<unsigned long long>(c.steps.load()),
                static_cast<double>(c.step_micros_commit.load()) / 1000.0 / steps,
                static_cast<unsigned long long>(c.claims_decided.load()),
                static_cast<unsigned long long>(c.settlements_recorded.load()));
  }
}

void write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

int serve(const std::string& dir, int gateway_threads) {
  // SIGTERM and SIGINT are taken by sigwait below; threads started later inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<std::string>& regions = mb::bench_regions();
  const medclear::clearing::ReferenceData reference =
      medclear::testing::make_nation(regions, mb::kPersons);
  std::vector<gw::DevHospital> hospitals;
  for (const std::string& region : regions) {
    hospitals.push_back({medclear::testing::hospital_of(region), region, 3});
  }
  gw::RegionSetOptions options;
  options.regions = regions;
  options.ledgers_dir = dir + "/ledgers";
  options.pki_dir = dir + "/pki";
  options.partitions = 8;
  options.gateway.threads = gateway_threads;
  if (!gw::write_dev_pki(options.pki_dir, options.regions, hospitals).is_ok()) return 1;
  auto set = gw::RegionSet::start(options, reference);
  if (!set.is_ok()) {
    std::fprintf(stderr, "bench_gateway serve: %s\n", set.status().message().c_str());
    return 1;
  }
  std::string ports;
  for (const std::string& region : regions) {
    ports += region + " " + std::to_string((*set)->gateway(region)->port()) + "\n";
  }
  write_file(fs::path(dir) / "ports", ports);
  write_file(fs::path(dir) / "pid", std::to_string(getpid()) + "\n");
  write_file(fs::path(dir) / "ready", "ready\n");
  int signal = 0;
  sigwait(&stop_signals, &signal);
  const double cpu = mb::self_cpu_seconds();
  (*set)->stop();
  print_counters(**set);
  std::printf("server: %.1f s CPU in all (start-up included)\n", cpu);
  return 0;
}

pid_t spawn(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const std::string& a : argv) pointers.push_back(const_cast<char*>(a.c_str()));
  pointers.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, pointers[0], nullptr, nullptr, pointers.data(), environ) != 0) return -1;
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// The value of `key=` in the last RESULT line of DIR/results; 0 when there is none.
double last_result(const std::string& dir, const std::string& key) {
  std::ifstream in(dir + "/results");
  std::string line, last;
  while (std::getline(in, line)) last = line;
  const size_t at = last.find(" " + key + "=");
  return at == std::string::npos ? 0.0 : std::atof(last.c_str() + at + key.size() + 2);
}

bool wait_ready(const std::string& dir, pid_t server) {
  for (int i = 0; i < 1200; ++i) {
    if (fs::exists(fs::path(dir) / "ready")) return true;
    int status = 0;
    if (waitpid(server, &status, WNOHANG) == server) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int drive(const mb::Args& args, const std::string& self) {
  const std::string dir =
      args.text("dir", (fs::temp_directory_path() / "medclear-bench-gateway").string());
  const std::string load = (fs::path(self).parent_path() / "bench_load").string();
  fs::remove_all(dir);
  const pid_t server =
      spawn({self, "serve", dir, "--gateway-threads", args.text("gateway-threads", "1")});
  if (server < 0 || !wait_ready(dir, server)) {
    std::fprintf(stderr, "bench_gateway: the server did not start\n");
    return 1;
  }
  const std::vector<std::string> common = {"--dir",         dir,
                                           "--seconds",     args.text("seconds", "10"),
                                           "--connections", args.text("connections", "64"),
                                           "--threads",     args.text("threads", "1")};
  uint64_t phase = 0;
  auto run_load = [&](const std::string& path, double rate) {
    std::vector<std::string> argv = {load,
                                     "--path",
                                     path,
                                     "--rate",
                                     std::to_string(rate),
                                     "--serial-base",
                                     std::to_string(phase++ * 20'000'000)};
    argv.insert(argv.end(), common.begin(), common.end());
    if (args.named.count("prebuild") != 0) {
      argv.insert(argv.end(), {"--prebuild", args.text("prebuild", "")});
    }
    const pid_t pid = spawn(argv);
    return pid > 0 && wait_for(pid) == 0;
  };
  bool ok = (args.text("healthz", "1") == "0" || run_load("healthz", 0)) && run_load("nhsa", 0);
  const double closed = last_result(dir, "per_s");
  for (double f : mb::numbers(args.text("fractions", ""))) ok = ok && run_load("nhsa", f * closed);
  for (double rate : mb::numbers(args.text("rates", ""))) ok = ok && run_load("nhsa", rate);
  kill(server, SIGTERM);
  std::fflush(stdout);
  const int served = wait_for(server);
  return ok && served == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const mb::Args args(argc, argv);
  if (!args.words.empty() && args.words[0] == "serve" && args.words.size() == 2) {
    return serve(args.words[1], static_cast<int>(args.number("gateway-threads", 1)));
  }
  if (!args.words.empty()) {
    std::fprintf(stderr,
                 "usage: bench_gateway serve DIR [--gateway-threads T]\n"
                 "       bench_gateway [--seconds S] [--connections C] [--gateway-threads T] "
                 "[--threads T] [--fractions F,..] [--rates R,..] [--prebuild N] [--dir DIR] "
                 "[--healthz 0]\n");
    return 2;
  }
  return drive(args, fs::read_symlink("/proc/self/exe").string());
}
