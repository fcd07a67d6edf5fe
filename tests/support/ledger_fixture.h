// Ledgers written from the worked-example scenario (settlements, a cancel, a reversal of a cancel
// and a reversal), in a fresh temporary directory per test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <map>

#include <random>

#include "ledger/directory.h"
#include "tests/support/scenario.h"

namespace medclear::testing {

inline std::string fresh_directory(const std::string& name) {
  static std::random_device random;
  const std::string path = ::testing::TempDir() + "/medclear-" + name + "-" +
                           std::to_string(::getpid()) + "-" + std::to_string(random());
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

// Every record the worked examples and a short lifecycle append, in order.
inline std::vector<clearing::SettlementRecord> scenario_records() {
  const adapters::Scenario scenario = worked_examples();
  const clearing::Engine engine(scenario.reference);
  clearing::MemoryState state;
  std::vector<clearing::SettlementRecord> records;
  auto run = [&](const adapters::Json& envelope) {
    Outcome outcome = submit(engine, state, envelope);
    if (!outcome.accepted()) throw std::runtime_error(outcome.rejection.message);
    records.push_back(outcome.result);
    return outcome.result;
  };
  std::vector<std::string> setl_ids;
  for (const adapters::Json& request : scenario.requests) setl_ids.push_back(run(request).setl_id);
  const adapters::Json cancel =
      cancel_of(scenario.requests[4], setl_ids[4], "H31010400001202603161100000001");
  run(cancel);
  run(reversal_of(cancel, "H31010400001202603161100000002"));
  run(reversal_of(scenario.requests[0], "H31010400001202603161100000003"));
  return records;
}

// The ledgers of `dirs` by region, for the functions that take ledgers.
inline std::map<std::string, ledger::Ledger*> ledger_pointers(
    std::map<std::string, ledger::LedgerDirectory>& dirs) {
  std::map<std::string, ledger::Ledger*> out;
  for (auto& [region, directory] : dirs) out[region] = directory.ledger.get();
  return out;
}

// The same claim under another settlement id and msgid (serial: five digits), for divergences.
inline clearing::SettlementRecord renamed(const clearing::SettlementRecord& r,
                                          const std::string& serial) {
  clearing::SettlementRecord out = r;
  out.setl_id = r.setl_id.substr(0, 14) + "99999" + serial;
  out.msgid = r.msgid.substr(0, 26) + "9" + serial.substr(2);
  return out;
}

// Claim `i` (1 to 9,999) like `base` under its own setl_id and msgid (the msgid's last five
// digits: '9' and four of `i`, apart from the scenario's and renamed's).
inline clearing::SettlementRecord claim_like(const clearing::SettlementRecord& base, int i) {
  char serial[16];
  std::snprintf(serial, sizeof serial, "%05d", i % 100000);
  clearing::SettlementRecord out = base;
  out.setl_id = base.setl_id.substr(0, 14) + "99999" + serial;
  out.msgid = base.msgid.substr(0, 25) + "9" + std::string(serial).substr(1);
  return out;
}

// The ledgers of every region the records touch, under `root`/<region>.
inline std::map<std::string, ledger::LedgerDirectory> write_ledgers(
    const std::string& root, const std::vector<clearing::SettlementRecord>& records) {
  std::map<std::string, ledger::LedgerDirectory> ledgers;
  auto get = [&](const std::string& admdvs) -> ledger::Ledger& {
    const std::string region = ledger::region_of(admdvs);
    if (!ledgers.contains(region)) {
      ledger::LedgerOptions options;
      options.region = region;
      ledgers.emplace(region,
                      std::move(*ledger::open_directory(root + "/" + region, options, true)));
    }
    return *ledgers.at(region).ledger;
  };
  for (const clearing::SettlementRecord& record : records) {
    EXPECT_TRUE(get(record.insuplc_admdvs).stage(record, ledger::Side::kInsured).is_ok());
    EXPECT_TRUE(get(record.mdtrtarea_admvs).stage(record, ledger::Side::kTreating).is_ok());
  }
  for (auto& [region, directory] : ledgers) EXPECT_TRUE(directory.ledger->commit().is_ok());
  return ledgers;
}

}  // namespace medclear::testing
