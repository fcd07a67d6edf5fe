// Seal key rotation: a ledger sealed under three keys in turn verifies and names its key history;
// a seal under a key no rotation record endorses, and a record the retired key did not sign, fail.
#include "ledger/rotation.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "ledger/keys.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::ledger {
namespace {

namespace cl = medclear::clearing;

cl::Date day_of(const char* text) { return *cl::parse_date(text); }

SigningKey new_key() {
  Result<SigningKey> key = SigningKey::generate();
  EXPECT_TRUE(key.is_ok());
  return std::move(*key);
}

uint8_t meta_version(Ledger& ledger) {
  std::string meta;
  EXPECT_TRUE(ledger.db()->Get(rocksdb::ReadOptions(), keys::prefix(keys::kMeta), &meta).ok());
  return static_cast<uint8_t>(meta.at(2));
}

struct Rotated {
  std::string root;
  std::string region;
  std::map<std::string, LedgerDirectory> dirs;
  std::vector<SigningKey> keys;
  Ledger& ledger() { return *dirs.at(region).ledger; }
};

// Seals 03-15 under key 0, rotates, seals 03-16 under key 1, rotates, seals 03-17 under key 2.
void rotate_twice(Rotated& r) {
  r.root = testing::fresh_directory("rotation");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  r.region = region_of(records.front().insuplc_admdvs);
  r.dirs = testing::write_ledgers(r.root, records);
  for (int i = 0; i < 3; ++i) r.keys.push_back(new_key());
  Ledger& l = r.ledger();
  ASSERT_TRUE(l.seal_through(day_of("2026-03-15"), r.keys[0]).is_ok());
  EXPECT_EQ(meta_version(l), 3);  // no rotation yet: the format builds before rotation read
  ASSERT_TRUE(l.rotate_seal_key(r.keys[0], r.keys[1]).is_ok());
  EXPECT_EQ(meta_version(l), 4);
  // The retired key seals no more.
  EXPECT_FALSE(l.seal_through(day_of("2026-03-16"), r.keys[0]).is_ok());
  ASSERT_TRUE(l.seal_through(day_of("2026-03-16"), r.keys[1]).is_ok());
  // Only the key in use can be rotated.
  EXPECT_FALSE(l.rotate_seal_key(r.keys[0], r.keys[2]).is_ok());
  ASSERT_TRUE(l.rotate_seal_key(r.keys[1], r.keys[2]).is_ok());
  Result<Seal> third = l.seal_through(day_of("2026-03-17"), r.keys[2]);
  ASSERT_TRUE(third.is_ok()) << third.status().message();
}

TEST(SealKeyRotation, RotatedTwiceVerifiesAndShowsTheKeyHistory) {
  Rotated r;
  ASSERT_NO_FATAL_FAILURE(rotate_twice(r));
  const VerifyReport report = verify_ledger(r.ledger(), nullptr);
  ASSERT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.seals, 3u);
  ASSERT_EQ(report.keys.size(), 3u);
  const char* days[] = {"2026-03-15", "2026-03-16", "2026-03-17"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(report.keys[i].public_key, r.keys[i].public_key_raw());
    EXPECT_EQ(report.keys[i].fingerprint, key_fingerprint(r.keys[i].public_key_raw()));
    ASSERT_TRUE(report.keys[i].first_day.has_value());
    EXPECT_EQ(report.keys[i].first_day->to_string(), days[i]);
  }
  // Any key of the history may be the trusted one; another key is refused.
  for (const SigningKey& key : r.keys) EXPECT_TRUE(verify_ledger(r.ledger(), &key).ok);
  const SigningKey stranger = new_key();
  EXPECT_FALSE(verify_ledger(r.ledger(), &stranger).ok);
  // Reopened (format 4), it verifies the same.
  r.dirs.clear();
  Result<LedgerDirectory> reopened = open_directory(r.root + "/" + r.region, {}, false);
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().message();
  EXPECT_TRUE(verify_ledger(*reopened->ledger, nullptr).ok);
}

TEST(SealKeyRotation, ASealUnderAKeyThePreviousDidNotEndorseFailsVerify) {
  Rotated r;
  ASSERT_NO_FATAL_FAILURE(rotate_twice(r));
  // Without the second rotation record, the third seal's key is endorsed by nobody.
  ASSERT_TRUE(r.ledger().db()->Delete(rocksdb::WriteOptions(), keys::key_rotation(1)).ok());
  VerifyReport report = verify_ledger(r.ledger(), nullptr);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("seal 2026-03-17"), std::string::npos) << report.problem;
  EXPECT_NE(report.problem.find("endorses"), std::string::npos) << report.problem;
}

TEST(SealKeyRotation, ARotationTheRetiredKeyDidNotSignFailsVerify) {
  Rotated r;
  ASSERT_NO_FATAL_FAILURE(rotate_twice(r));
  Result<std::vector<KeyRotation>> rotations = r.ledger().rotations();
  ASSERT_TRUE(rotations.is_ok());
  ASSERT_EQ(rotations->size(), 2u);
  // The second record re-signed by a stranger in place of the retired key 1.
  KeyRotation forged = rotations->at(1);
  const SigningKey stranger = new_key();
  forged.old_signature = *stranger.sign(forged.signed_body());
  ASSERT_TRUE(r.ledger()
                  .db()
                  ->Put(rocksdb::WriteOptions(), keys::key_rotation(1), encode_rotation(forged))
                  .ok());
  VerifyReport report = verify_ledger(r.ledger(), nullptr);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("not signed by the retired key"), std::string::npos)
      << report.problem;
}

TEST(SealKeyRotation, AKeyChangeWithoutRotationIsRefusedWhenSealing) {
  const std::string root = testing::fresh_directory("rotation-none");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  auto dirs = testing::write_ledgers(root, records);
  Ledger& l = *dirs.at(region_of(records.front().insuplc_admdvs)).ledger;
  const SigningKey first = new_key(), second = new_key();
  ASSERT_TRUE(l.seal_through(day_of("2026-03-15"), first).is_ok());
  Result<Seal> refused = l.seal_through(day_of("2026-03-16"), second);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("rotate-key"), std::string::npos);
  const VerifyReport report = verify_ledger(l, nullptr);
  EXPECT_TRUE(report.ok) << report.problem;
  ASSERT_EQ(report.keys.size(), 1u);
}

}  // namespace
}  // namespace medclear::ledger
