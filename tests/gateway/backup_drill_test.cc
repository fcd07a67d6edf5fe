// The backup drill (issue 16): a region's ledger is backed up while claims are being written to it
// (the backup opens the database beside its writer, as `medclear ledger backup` does beside a
// running node), the region loses its disk, the backup is restored, the region's node is started
// again on it, and reconciliation with its peer over the nodes' HTTPS endpoint finds exactly the
// claims written after the backup, each missing on the restored side and nothing else, and
// resolves them as the nightly run does: the treating region books the insured region's claims by
// adjustment, after which the pair's balances agree and both ledgers verify.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "gateway/app/region_set.h"
#include "gateway/recon/nightly.h"
#include "gateway/recon/recon_peer.h"
#include "gateway/tls/pki.h"
#include "ledger/backup.h"
#include "ledger/recon_items.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

// Writes claims to both regions' ledgers, ten per synced commit, until told to stop and then
// `after` batches more; returns how many claims it wrote.
int write_load(lg::Ledger& insured, lg::Ledger& treating, const cl::SettlementRecord& base,
               std::atomic<int>& written, std::atomic<bool>& stop, int after) {
  int serial = 1;
  for (int extra = 0; extra < after && serial + 10 < 10'000; extra += stop.load() ? 1 : 0) {
    for (int i = 0; i < 10; ++i, ++serial) {
      const cl::SettlementRecord claim = testing::claim_like(base, serial);
      EXPECT_TRUE(insured.stage(claim, lg::Side::kInsured).is_ok());
      EXPECT_TRUE(treating.stage(claim, lg::Side::kTreating).is_ok());
    }
    EXPECT_TRUE(insured.commit().is_ok());
    EXPECT_TRUE(treating.commit().is_ok());
    written.store(serial - 1);
  }
  return serial - 1;
}

cl::Money balance_at(RegionSet& set, const std::string& region, const std::string& account) {
  std::promise<cl::Money> value;
  set.node(region)->read([&](const lg::Ledger* l) { value.set_value(l->balance(account)); });
  return value.get_future().get();
}

bool verifies(RegionSet& set, const std::string& region) {
  std::promise<bool> ok;
  set.node(region)->read(
      [&](const lg::Ledger* l) { ok.set_value(lg::verify_ledger(*l, nullptr).ok); });
  return ok.get_future().get();
}

std::vector<cl::ReconItem> items_of(RegionSet& set, const std::string& region, cl::Date day,
                                    const std::pair<std::string, std::string>& pair) {
  std::promise<std::vector<cl::ReconItem>> items;
  set.node(region)->read([&](const lg::Ledger* ledger) {
    Result<lg::PairItems> read = lg::recon_items(*ledger, day);
    auto it = read.is_ok() ? read->find(pair) : read->end();
    items.set_value(read.is_ok() && it != read->end() ? it->second : std::vector<cl::ReconItem>{});
  });
  return items.get_future().get();
}

TEST(BackupDrill, RestoredRegionReconcilesExactlyWhatWasWrittenAfterItsBackup) {
  const std::string root = testing::fresh_directory("backup-drill");
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  const cl::SettlementRecord& base = records.front();
  const std::string insured = lg::region_of(base.insuplc_admdvs);
  const std::string treating = lg::region_of(base.mdtrtarea_admvs);
  const cl::Date day = base.setl_time.date;
  const std::string lost_dir = root + "/ledgers/" + treating;
  std::set<std::string> after_backup;  // setl_ids the treating ledger booked after its backup
  lg::BackupReport backup;
  {
    auto dirs = testing::write_ledgers(root + "/ledgers", records);
    ASSERT_TRUE(dirs.at(insured).seal_key().is_ok());
    ASSERT_TRUE(dirs.at(treating).seal_key().is_ok());
    std::atomic<int> written{0};
    std::atomic<bool> stop{false};
    auto load = std::async(std::launch::async, [&] {
      return write_load(*dirs.at(insured).ledger, *dirs.at(treating).ledger, base, written, stop,
                        30);
    });
    while (written.load() < 500) std::this_thread::yield();
    Result<lg::BackupReport> made = lg::backup_directory(lost_dir, root + "/backups");
    const int at_backup_end = written.load();
    stop.store(true);
    const int total = load.get();
    ASSERT_TRUE(made.is_ok()) << made.status().message();
    backup = *made;
    lg::Ledger& lost = *dirs.at(treating).ledger;
    for (int i = 1; i <= total; ++i) {
      const std::string id = testing::claim_like(base, i).setl_id;
      if (*lost.seq_by_setl_id(id) > backup.entries) after_backup.insert(id);
    }
    std::cout << "[ drill ] " << total << " claims written, backup " << backup.id << " holds "
              << backup.entries << " entries (" << backup.bytes << " bytes), "
              << after_backup.size() << " claims after it (" << at_backup_end
              << " written when the backup returned)" << std::endl;
    ASSERT_GE(after_backup.size(), 300u);  // at least the 30 batches after the backup returned
    ASSERT_LT(after_backup.size(), static_cast<size_t>(total) - 400);
  }  // the ledgers close
  // The disk is lost; the backup comes back; the nodes start on the ledgers.
  std::filesystem::remove_all(lost_dir);
  Result<lg::RestoreReport> restored =
      lg::restore_directory(root + "/backups", lost_dir, std::nullopt, false);
  ASSERT_TRUE(restored.is_ok()) << restored.status().message();
  EXPECT_EQ(restored->entries, backup.entries);

  const adapters::Scenario scenario = testing::worked_examples();
  const std::string pki = root + "/pki";
  ASSERT_TRUE(write_dev_pki(pki, regions_of(scenario.reference), {}).is_ok());
  RegionSetOptions options;
  options.regions = regions_of(scenario.reference);
  options.ledgers_dir = root + "/ledgers";
  options.pki_dir = pki;
  options.partitions = 2;
  options.gateway.threads = 1;
  auto set = RegionSet::start(options, scenario.reference);
  ASSERT_TRUE(set.is_ok()) << set.status().message();

  // Reconciliation finds exactly the claims written after the backup, missing on the treating side.
  const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
  cl::ReconSide mine(items_of(**set, insured, day, {insured, treating}), hash);
  ReconPeerOptions peer_options{"127.0.0.1",
                                (*set)->gateway(treating)->port(),
                                pki + "/ca.pem",
                                pki + "/node-" + insured + ".pem",
                                pki + "/node-" + insured + ".key",
                                30'000,
                                treating};
  HttpsReconPeer peer(peer_options, day, insured, treating);
  const std::optional<cl::ReconResult> found = cl::reconcile(mine, peer);
  ASSERT_TRUE(found.has_value()) << peer.error();
  std::set<std::string> missing;
  for (const cl::ReconDifference& d : found->differences) {
    EXPECT_EQ(d.kind, cl::DiffKind::kMissingOnTreating) << d.setl_id;
    missing.insert(d.setl_id);
  }
  EXPECT_EQ(missing, after_backup);
  EXPECT_NE(balance_at(**set, treating, "receivable:" + insured),
            -balance_at(**set, insured, "payable:" + treating));

  // The nightly run resolves them: the treating node books them by adjustment.
  NightlyOptions nightly_options;
  nightly_options.region = insured;
  nightly_options.peers = {{treating, (*set)->peer_pins(insured).at(treating)}};
  nightly_options.seal_key_file = root + "/ledgers/" + insured + "/seal-key.pem";
  nightly_options.ca_file = peer_options.ca_file;
  nightly_options.certificate_file = peer_options.certificate_file;
  nightly_options.key_file = peer_options.key_file;
  NightlyReconciler nightly(nightly_options, (*set)->node(insured));
  const std::vector<NightlyOutcome> outcomes = nightly.run_day(day);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok) << outcomes[0].error;
  EXPECT_TRUE(outcomes[0].countersigned) << outcomes[0].error;
  EXPECT_EQ(outcomes[0].differences, after_backup.size());
  EXPECT_EQ(balance_at(**set, treating, "receivable:" + insured),
            -balance_at(**set, insured, "payable:" + treating));
  EXPECT_TRUE(verifies(**set, insured));
  EXPECT_TRUE(verifies(**set, treating));
  (*set)->stop();
}

}  // namespace
}  // namespace medclear::gateway
