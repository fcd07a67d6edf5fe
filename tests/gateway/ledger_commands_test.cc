// The ledger commands as an operator or auditor runs them: adjudicate --ledger, verify (0 intact,
// 1 tampered), seal, proof and verify-proof, with SHA-256 and SM3.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "ledger/keys.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"

namespace medclear::testing {
namespace {

// Runs medclear with its standard error folded into the output.
std::pair<int, std::string> run(const std::string& arguments) {
  return run_medclear(arguments + " 2>&1");
}

class LedgerCommands : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = fresh_directory("commands");
    const auto [status, output] =
        run("adjudicate --scenario " + source_path("tests/scenarios/worked_examples.json") +
            " --ledger " + dir_ + " --hash " + GetParam());
    ASSERT_EQ(status, 0) << output;
    ASSERT_EQ(std::count(output.begin(), output.end(), '\n'), 7);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_P(LedgerCommands, VerifySealProveAndDetectTampering) {
  const std::string shanghai = dir_ + "/310000";
  const std::string pubkey = " --pubkey " + shanghai + "/seal-key.pub.pem";
  for (const char* region : {"310000", "440000", "610000"}) {
    const auto [status, output] = run("ledger verify --dir " + dir_ + "/" + region);
    EXPECT_EQ(status, 0) << region << ": " << output;
  }
  auto [sealed, seal_output] = run("ledger seal --dir " + shanghai + " --day 2026-03-15");
  ASSERT_EQ(sealed, 0) << seal_output;
  EXPECT_NE(seal_output.find("\"day_count\":7"), std::string::npos) << seal_output;
  EXPECT_EQ(run("ledger verify --dir " + shanghai + pubkey).first, 0);

  const std::string proof_path = dir_ + "/proof.json";
  auto [proved, proof] =
      run("ledger proof --dir " + shanghai + " --settlement 610100202603150000000002");
  ASSERT_EQ(proved, 0) << proof;
  std::ofstream(proof_path) << proof;
  auto [checked, check_output] = run("ledger verify-proof --proof " + proof_path + pubkey);
  EXPECT_EQ(checked, 0) << check_output;
  // A proof checked against another region's key fails.
  EXPECT_EQ(run("ledger verify-proof --proof " + proof_path + " --pubkey " + dir_ +
                "/610000/seal-key.pub.pem")
                .first,
            1);
  // A leaf_index that is no 64-bit whole number is a malformed proof (exit 2), never an
  // exception out of main (std::stoull threw on 99999999999999999999 and read 1.5 as 1).
  const size_t index_at = proof.find("\"leaf_index\":") + 13;
  const size_t index_end = proof.find_first_not_of("0123456789", index_at);
  for (const std::string bad : {"99999999999999999999", "1.5", "-1", "\"1\""}) {
    std::ofstream(proof_path) << proof.substr(0, index_at) + bad + proof.substr(index_end);
    auto [malformed, malformed_output] = run("ledger verify-proof --proof " + proof_path + pubkey);
    EXPECT_EQ(malformed, 2) << bad << ": " << malformed_output;
    EXPECT_NE(malformed_output.find("malformed inclusion proof"), std::string::npos)
        << malformed_output;
  }
  // An amount changed inside the proven entry fails.
  std::string forged = proof;
  const size_t at = forged.find("\"entry\":\"") + 9 + 200;
  forged[at] = forged[at] == '0' ? '1' : '0';
  std::ofstream(proof_path) << forged;
  EXPECT_EQ(run("ledger verify-proof --proof " + proof_path + pubkey).first, 1);

  // One byte of one entry changed on disk: verify exits 1 and names the entry.
  {
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), shanghai + "/db", &db).ok());
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), ledger::keys::journal(3), &value).ok());
    value[100] ^= 0x01;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), ledger::keys::journal(3), value).ok());
    delete db;
  }
  auto [verified, verify_output] = run("ledger verify --dir " + shanghai + pubkey);
  EXPECT_EQ(verified, 1);
  EXPECT_NE(verify_output.find("entry 3"), std::string::npos) << verify_output;
  EXPECT_EQ(run("ledger verify --dir " + dir_ + "/nowhere").first, 2);
}

INSTANTIATE_TEST_SUITE_P(Hashes, LedgerCommands, ::testing::Values("sha256", "sm3"));

}  // namespace
}  // namespace medclear::testing
