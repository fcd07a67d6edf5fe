// A small synthetic nation for node tests: for each region (province code PP0000) a resident
// policy for its pool PP0100, a catalogue, one networked tier-3 hospital H{PP}010100001 in PP0101,
// and insured people with long-term filings for every other region. Claims are built directly as
// canonical requests, seeded.
#pragma once

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "clearing/reference.h"
#include "clearing/request.h"

namespace medclear::testing {

inline std::string pool_of(const std::string& region) { return region.substr(0, 2) + "0100"; }
inline std::string hospital_of(const std::string& region) {
  return "H" + region.substr(0, 2) + "010100001";
}
inline std::string person_of(const std::string& region, int index) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%018d", index);
  return region.substr(0, 2) + digits;
}

inline clearing::ReferenceData make_nation(const std::vector<std::string>& regions,
                                           int persons_per_region) {
  using clearing::Money;
  using clearing::Ratio;
  clearing::ReferenceData reference;
  const clearing::Date from = *clearing::Date::from_ymd(2026, 1, 1);
  for (const std::string& region : regions) {
    clearing::Policy p;
    p.admdvs = pool_of(region);
    p.insutype = "390";
    p.effective_from = from;
    for (clearing::CareTerms* care : {&p.inpatient, &p.outpatient}) {
      for (int level = 0; level < 3; ++level) {
        care->deductible_by_level[level] = Money::from_fen(50000);
        care->ratio_by_level[level] = Ratio::from_basis_points(7000);
      }
    }
    p.outpatient.deductible_basis = clearing::DeductibleBasis::kPerYear;
    p.pool_annual_limit = Money::from_fen(13'000'000);
    p.layer = clearing::LayerTerms{Money::from_fen(1'000'000),
                                   {{std::nullopt, Ratio::from_basis_points(6000)}},
                                   Money::from_fen(30'000'000)};
    reference.add_policy(p);
    clearing::Catalogue c{region, from, {}};
    c.items["A1"] = {clearing::ItemClass::kA, {}, std::nullopt, false};
    c.items["B1"] = {clearing::ItemClass::kB, Ratio::from_basis_points(1000), std::nullopt, false};
    c.items["C1"] = {clearing::ItemClass::kC, {}, std::nullopt, false};
    reference.add_catalogue(std::move(c));
    reference.add_facility({hospital_of(region), region.substr(0, 2) + "0101", 3, true});
    for (int i = 0; i < persons_per_region; ++i) {
      clearing::Person person{person_of(region, i), pool_of(region), "390", "1701", {}, {}};
      for (const std::string& other : regions) {
        if (other != region) {
          person.filings.push_back({clearing::FilingKind::kLongTerm, other, from,
                                    *clearing::Date::from_ymd(2026, 12, 31)});
        }
      }
      reference.add_person(std::move(person));
    }
  }
  return reference;
}

// Claim number `serial` of a person of `insured` treated in `treating`: 1 to 5 fee lines.
inline clearing::Request make_claim(std::mt19937_64& random, const std::string& treating,
                                    const std::string& insured, int persons_per_region,
                                    uint64_t serial) {
  clearing::Request request;
  clearing::Envelope& e = request.envelope;
  const bool inpatient = random() % 3 == 0;
  e.infno = inpatient ? clearing::Transaction::kInpatientSettle
                      : clearing::Transaction::kOutpatientSettle;
  const uint64_t second = serial / 10000;
  char msgid[40];
  std::snprintf(msgid, sizeof msgid, "%s20260315%02llu%02llu%02llu%04llu",
                hospital_of(treating).c_str(), static_cast<unsigned long long>(second / 3600 % 24),
                static_cast<unsigned long long>(second / 60 % 60),
                static_cast<unsigned long long>(second % 60),
                static_cast<unsigned long long>(serial % 10000));
  e.msgid = msgid;
  e.mdtrtarea_admvs = treating.substr(0, 2) + "0101";
  e.insuplc_admdvs = pool_of(insured);
  e.fixmedins_code = hospital_of(treating);
  e.inf_time = {*clearing::Date::from_ymd(2026, 3, 15), static_cast<int32_t>(second % 86400)};
  clearing::SettlementInput in;
  in.psn_no = person_of(insured, static_cast<int>(random() % persons_per_region));
  in.insutype = "390";
  in.med_type = inpatient ? "21" : "11";
  in.mdtrt_id = "MD" + std::to_string(serial);
  in.psn_type = "1701";
  // What the national interface requires besides (synthetic identity, never real data).
  in.mdtrt_cert_type = "02";
  in.mdtrt_cert_no = "C" + in.psn_no;
  in.psn_setlway = "01";
  in.chrg_bchno = "CB" + std::to_string(serial);
  in.psn_cert_type = "01";
  in.certno = "C" + in.psn_no;
  in.psn_name = "Simulated";
  e.fixmedins_name = "Hospital of " + treating;
  static const char* kItems[] = {"A1", "B1", "C1", "X9"};
  const int lines = 1 + static_cast<int>(random() % 5);
  for (int l = 0; l < lines; ++l) {
    clearing::FeeLine line;
    line.feedetl_sn = std::to_string(l + 1);
    line.fee_ocur_time = e.inf_time;
    line.med_list_codg = kItems[random() % 4];
    const int64_t fen = 100 + static_cast<int64_t>(random() % (inpatient ? 2'000'000 : 50'000));
    line.amount = clearing::Money::from_fen(fen);
    line.pric = clearing::Price{fen * 10'000};
    line.cnt = clearing::Quantity{10'000};
    in.medfee_sumamt += line.amount;
    in.lines.push_back(line);
  }
  request.input = std::move(in);
  request.fingerprint = e.msgid;
  return request;
}

}  // namespace medclear::testing
