// Crash safety with a real process: a child appends under load and is killed with SIGKILL at
// random moments (mostly while appending, sometimes while opening), MEDCLEAR_CRASH_ROUNDS times
// (default 50; ops/crash-loop.sh runs more). After each kill the ledger verifies, holds exactly a
// prefix of the child's sequence, and holds every entry the child had reported durable, once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

// Reads from `fd` into `output` until a first line arrives (the child has opened its ledger) or
// the wait runs out (a slow, e.g. sanitized, start).
void wait_for_first_line(int fd, std::string& output) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (output.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[256];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return;
    output.append(buffer, n);
  }
}

// Starts the child, kills it `run_for` after it is ready (or after its start when
// `during_start`), returns what it printed.
std::string run_and_kill(const std::string& dir, uint64_t seed, std::chrono::microseconds run_for,
                         bool during_start) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const std::string seed_text = std::to_string(seed);
    execl(kLedgerCrashChild, kLedgerCrashChild, dir.c_str(), seed_text.c_str(), nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  if (!during_start) wait_for_first_line(pipe_fds[0], output);
  std::this_thread::sleep_for(run_for);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended by itself (status " << status << ")";
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, n);
  close(pipe_fds[0]);
  return output;
}

uint64_t last_durable(const std::string& output) {
  uint64_t durable = 0;
  size_t at = 0;
  while ((at = output.find("durable ", at)) != std::string::npos) {
    at += 8;
    durable = std::max<uint64_t>(durable, std::strtoull(output.c_str() + at, nullptr, 10));
  }
  return durable;
}

TEST(LedgerCrash, SigkillLosesNothingAcknowledgedAndDoublesNothing) {
  const char* rounds_env = std::getenv("MEDCLEAR_CRASH_ROUNDS");
  const int rounds = rounds_env ? std::atoi(rounds_env) : 50;
  std::cout << "[ info ] rounds=" << rounds << std::endl;
  std::mt19937_64 random(test_seed("LedgerCrash.SigkillLosesNothingAcknowledgedAndDoublesNothing"));
  const std::string dir = fresh_directory("crash");
  uint64_t promised = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto run_for = std::chrono::microseconds(random() % 60'000);
    const bool during_start = random() % 10 == 0;  // sometimes while it opens the ledger
    const std::string output = run_and_kill(dir, random(), run_for, during_start);
    promised = std::max(promised, last_durable(output));
    auto opened = ledger::open_directory(dir, {}, false);
    if (!opened.is_ok() && promised == 0) continue;  // killed before the ledger existed
    ASSERT_TRUE(opened.is_ok()) << "round " << round << ": " << opened.status().message();
    ledger::Ledger& l = *opened->ledger;
    ASSERT_GE(l.last_seq(), promised) << "round " << round << ": lost acknowledged entries";
    const ledger::VerifyReport report = ledger::verify_ledger(l, nullptr);
    ASSERT_TRUE(report.ok) << "round " << round << ": " << report.problem;
    for (uint64_t seq = 1; seq <= l.last_seq(); ++seq) {
      char msgid[32];
      std::snprintf(msgid, sizeof msgid, "C%010llu", static_cast<unsigned long long>(seq));
      ASSERT_EQ(l.seq_by_msgid(msgid), seq) << "round " << round << ": not a prefix at " << seq;
    }
    // Σ of the pool fund is exactly what the entries moved: nothing counted twice.
    ASSERT_EQ(l.balance("fund:390100").fen(), static_cast<int64_t>(l.last_seq()) * 7000);
  }
  std::cout << "[ info ] " << promised << " entries promised durable over " << rounds << " kills"
            << std::endl;
  EXPECT_GT(promised, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medclear::testing
