// A node process killed with SIGKILL mid-stream and restarted, again and again: the insured
// region (440000) runs in a child process on this process's embedded broker, the treating region
// (310000) here. Every claim ends settled, once on each side, and both ledgers verify.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "adapters/topics.h"
#include "gateway/node/node.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/nation.h"
#include "tests/support/paths.h"
#include "tests/support/seed.h"

namespace medclear::testing {
namespace {

pid_t start_child(const std::string& bootstrap, const std::string& dir) {
  const pid_t child = fork();
  if (child == 0) {
    execl(kNodeCrashChild, kNodeCrashChild, bootstrap.c_str(), "440000", dir.c_str(), nullptr);
    _exit(127);
  }
  return child;
}

void kill_child(pid_t child) {
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
}

TEST(NodeCrash, InsuredNodeKilledMidStreamLosesAndDoublesNothing) {
  std::mt19937_64 random(test_seed("NodeCrash.InsuredNodeKilledMidStreamLosesAndDoublesNothing"));
  const std::string root = fresh_directory("node-crash");
  const clearing::ReferenceData reference = make_nation({"310000", "440000"}, 100);
  auto broker = adapters::EmbeddedBroker::start(3);
  ASSERT_TRUE(broker.is_ok());
  for (const char* region : {"310000", "440000"}) {
    for (const std::string& topic :
         {adapters::claims_topic(region), adapters::settlements_topic(region),
          adapters::dead_letters_topic(region)}) {
      ASSERT_TRUE((*broker)->create_topic(topic, 4).is_ok());
    }
  }
  const std::string bootstrap = (*broker)->bootstrap_servers();
  gateway::NodeOptions options;
  options.region = "310000";
  options.ledger_dir = root + "/310000";
  options.kafka.bootstrap_servers = bootstrap;
  options.resend_after_ms = 1500;
  auto treating = gateway::RegionNode::start(options, reference);
  ASSERT_TRUE(treating.is_ok());

  pid_t child = start_child(bootstrap, root + "/440000");
  std::vector<std::future<gateway::NodeAnswer>> futures;
  std::vector<std::string> msgids;
  constexpr int kRounds = 8;
  constexpr int kClaimsPerRound = 250;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kClaimsPerRound; ++i) {
      clearing::Request request =
          make_claim(random, "310000", "440000", 100, round * kClaimsPerRound + i);
      msgids.push_back(request.envelope.msgid);
      futures.push_back((*treating)->submit(request));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 150));
    kill_child(child);  // mid-stream: claims queued, being decided, settlements being relayed
    child = start_child(bootstrap, root + "/440000");
  }
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(std::chrono::seconds(120)), std::future_status::ready);
    const gateway::NodeAnswer answer = future.get();
    ASSERT_FALSE(answer.pending);
    ASSERT_EQ(answer.rejection.reason, clearing::Reject::kOk) << answer.rejection.message;
  }
  kill_child(child);
  std::cout << "[ info ] " << kRounds << " kills; claims resent by the treating side: "
            << (*treating)->counters().claims_resent << std::endl;
  treating->reset();
  for (const char* region : {"310000", "440000"}) {
    auto opened = ledger::open_directory(root + "/" + region, {}, false);
    ASSERT_TRUE(opened.is_ok()) << region;
    const ledger::VerifyReport report = ledger::verify_ledger(*opened->ledger, nullptr);
    EXPECT_TRUE(report.ok) << region << ": " << report.problem;
    EXPECT_EQ(opened->ledger->last_seq(), msgids.size()) << region << ": each claim once";
    for (const std::string& msgid : msgids) {
      ASSERT_TRUE(opened->ledger->seq_by_msgid(msgid)) << region << " lacks " << msgid;
    }
    EXPECT_TRUE(opened->ledger->intakes()->empty()) << region;
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace medclear::testing
