// A seeded synthetic nation: the provinces of provinces.h (or a subset), insured people in
// proportion to population, hospitals of levels 1–3 (one not networked per region), resident
// (390) and employee (310) policies that differ between regions (deductibles, ratios, filing cuts,
// unfiled rules, critical-illness layer, assistance, personal accounts), catalogues with class
// A/B/C items, price caps and limited-use items, and filings of every kind following realistic
// flows: migrant workers to the coastal provinces, referrals to Beijing and Shanghai.
// The same seed gives the same nation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clearing/reference.h"
#include "simulator/oracle/model.h"

namespace medclear::simulator {

struct NationOptions {
  std::vector<std::string> regions;  // PP0000 each; empty: all 31
  int persons = 60'000;              // insured people in all, split by population
  uint64_t seed = 1;
};

struct Hospital {
  std::string code;    // fixmedins_code, 12 characters
  std::string admdvs;  // its division
  std::string region;  // PP0000
  int level = 3;
  bool networked = true;
};

struct Nation {
  clearing::ReferenceData reference;
  // The same policies, catalogues, facilities and persons as plain lists, as made (before
  // ReferenceData indexed them): the auditor's oracle reads these, not the engine's index.
  oracle::Reference lists;
  std::vector<std::string> regions;
  std::vector<int32_t> population;  // per region, same order (tenths of millions)
  std::map<std::string, std::vector<Hospital>> hospitals;   // by region
  std::map<std::string, std::vector<std::string>> persons;  // psn_no by insured region
  std::vector<std::string> item_codes;  // the national item codes the catalogues classify
};

Nation make_nation(const NationOptions& options);

// "all", a count N (the N most populous provinces), or CODE,CODE,…
std::vector<std::string> choose_regions(const std::string& text);

}  // namespace medclear::simulator
