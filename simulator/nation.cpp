#include "simulator/nation.h"

#include <algorithm>
#include <random>
#include <sstream>

#include "simulator/provinces.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;
using cl::Money;
using cl::Ratio;

namespace {

// Coastal provinces that receive migrant workers and retirees, and the referral centres.
const std::vector<std::string> kCoastal = {"440000", "310000", "320000", "330000",
                                           "350000", "370000", "120000"};
const std::vector<std::string> kReferral = {"110000", "310000"};

int32_t population_of(const std::string& region) {
  for (const Province& p : kProvinces) {
    if (region == p.admdvs) return p.population_tenths_of_millions;
  }
  return 100;
}

int64_t between(std::mt19937_64& random, int64_t low, int64_t high) {
  return low + static_cast<int64_t>(random() % static_cast<uint64_t>(high - low + 1));
}

Money yuan(int64_t whole) { return Money::from_fen(whole * 100); }
Ratio bp(int64_t basis_points) {
  return Ratio::from_basis_points(static_cast<int32_t>(basis_points));
}

cl::Policy make_policy(std::mt19937_64& random, const std::string& pool,
                       const std::string& insutype, cl::Date from) {
  const bool employee = insutype == "310";
  cl::Policy p;
  p.admdvs = pool;
  p.insutype = insutype;
  p.effective_from = from;
  const int64_t base_deductible =
      employee ? between(random, 3, 8) * 100 : between(random, 5, 12) * 100;
  const int64_t base_ratio =
      employee ? between(random, 85, 92) * 100 : between(random, 70, 80) * 100;
  for (int level = 0; level < 3; ++level) {
    // Tier-1 hospitals: lowest deductible, highest ratio.
    p.inpatient.deductible_by_level[level] = yuan(base_deductible * (level + 1) / 2 + 100);
    p.inpatient.ratio_by_level[level] = bp(std::min<int64_t>(base_ratio + (2 - level) * 300, 9500));
    p.outpatient.deductible_by_level[level] = yuan(employee ? 1800 : 500);
    p.outpatient.ratio_by_level[level] = Ratio::from_basis_points(employee ? 7000 : 5000);
  }
  p.outpatient.deductible_basis = cl::DeductibleBasis::kPerYear;
  p.retiree_uplift = Ratio::from_basis_points(employee ? 500 : 0);
  p.pool_annual_limit =
      yuan(employee ? between(random, 40, 60) * 10'000 : between(random, 15, 30) * 10'000);
  p.filing_cut[static_cast<int>(cl::FilingKind::kLongTerm)] = Ratio::from_basis_points(0);
  p.filing_cut[static_cast<int>(cl::FilingKind::kReferral)] = Ratio::from_basis_points(0);
  p.filing_cut[static_cast<int>(cl::FilingKind::kEmergency)] = Ratio::from_basis_points(1000);
  p.filing_cut[static_cast<int>(cl::FilingKind::kTemporary)] = bp(between(random, 1, 2) * 1000);
  if (random() % 2 == 0) {  // half the regions settle unfiled claims at a lower ratio
    p.unfiled = cl::UnfiledTerms{bp(base_ratio - 2000), yuan(base_deductible * 2)};
  }
  if (!employee) {
    p.layer = cl::LayerTerms{yuan(between(random, 15, 20) * 1000),
                             {{yuan(100'000), Ratio::from_basis_points(6000)},
                              {std::nullopt, Ratio::from_basis_points(7000)}},
                             yuan(between(random, 30, 40) * 10'000)};
    p.assistance =
        cl::AssistanceTerms{{"1401", "1402"}, Ratio::from_basis_points(7000), yuan(50'000)};
  } else {
    p.personal_account = true;
  }
  return p;
}

// The national item codes the catalogues classify: XA01–XA20, XB01–XB15, XC01–XC05.
std::vector<std::string> national_item_codes() {
  std::vector<std::string> codes;
  for (int i = 1; i <= 20; ++i)
    codes.push_back("XA" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  for (int i = 1; i <= 15; ++i)
    codes.push_back("XB" + std::string(i < 10 ? "0" : "") + std::to_string(i));
  for (int i = 1; i <= 5; ++i) codes.push_back("XC0" + std::to_string(i));
  return codes;
}

// The region's catalogue: mostly the national classes, a few items classified differently.
cl::Catalogue make_catalogue(std::mt19937_64& random, const std::string& region,
                             const std::vector<std::string>& item_codes, cl::Date from) {
  cl::Catalogue catalogue{region, from, {}};
  for (const std::string& code : item_codes) {
    cl::CatalogueItem item;
    item.item_class = code[1] == 'A'   ? cl::ItemClass::kA
                      : code[1] == 'B' ? cl::ItemClass::kB
                                       : cl::ItemClass::kC;
    if (random() % 10 == 0) item.item_class = cl::ItemClass::kB;  // local dialect of the list
    if (item.item_class == cl::ItemClass::kB) {
      item.selfpay_prop = bp(between(random, 1, 3) * 500);
    }
    if (random() % 5 == 0) item.price_cap = cl::Price{between(random, 50, 800) * 1'000'000};
    item.limited_use = random() % 12 == 0;
    catalogue.items[code] = item;
  }
  return catalogue;
}

// Hospitals: two tier-3 (capital and second city), one tier-2, one tier-1 not networked.
void add_hospitals(Nation& nation, const std::string& region) {
  const std::string prefix = region.substr(0, 2);
  const struct {
    const char* city;
    int level;
    bool networked;
  } kinds[] = {{"0101", 3, true}, {"0201", 3, true}, {"0102", 2, true}, {"0103", 1, false}};
  int serial = 1;
  for (const auto& kind : kinds) {
    char code[16];
    std::snprintf(code, sizeof code, "H%s%s%05d", prefix.c_str(), kind.city, serial++);
    Hospital hospital{code, prefix + kind.city, region, kind.level, kind.networked};
    const cl::Facility facility{hospital.code, hospital.admdvs, hospital.level, hospital.networked};
    nation.lists.facilities.push_back(facility);
    nation.reference.add_facility(facility);
    nation.hospitals[region].push_back(hospital);
  }
}

struct Validity {
  cl::Date from;
  cl::Date to;
};

// A filing of `kind` to one of `places` in the nation other than the person's region (any other
// region when none of them is).
void add_filing(std::mt19937_64& random, const Nation& nation, const std::string& region,
                cl::FilingKind kind, const std::vector<std::string>& places, Validity validity,
                cl::Person& person) {
  std::vector<std::string> others;
  for (const std::string& place : places) {
    if (place != region &&
        std::find(nation.regions.begin(), nation.regions.end(), place) != nation.regions.end()) {
      others.push_back(place);
    }
  }
  if (others.empty()) {
    for (const std::string& other : nation.regions) {
      if (other != region) others.push_back(other);
    }
  }
  person.filings.push_back({kind, others[random() % others.size()], validity.from, validity.to});
}

// The region's `serial`-th insured person: resident or employee, and their filing, if any.
cl::Person make_person(std::mt19937_64& random, const Nation& nation, const std::string& region,
                       int64_t serial, Validity validity) {
  const std::string prefix = region.substr(0, 2);
  char digits[24];
  std::snprintf(digits, sizeof digits, "%018lld", static_cast<long long>(serial));
  const bool employee = random() % 5 < 2;
  static const char* kResidentTypes[] = {"1701", "1701", "1701", "1401", "1402"};
  static const char* kEmployeeTypes[] = {"11", "11", "11", "12", "1204"};
  cl::Person person{prefix + digits,
                    prefix + "0100",
                    employee ? "310" : "390",
                    employee ? kEmployeeTypes[random() % 5] : kResidentTypes[random() % 5],
                    employee ? yuan(between(random, 200, 5000)) : Money{},
                    {}};
  // Filings: migrants and retirees to the coast, referrals to the national centres, a few
  // temporary and emergency ones, and some people with none.
  const uint64_t roll = random() % 100;
  if (roll < 45)
    add_filing(random, nation, region, cl::FilingKind::kLongTerm, kCoastal, validity, person);
  else if (roll < 60)
    add_filing(random, nation, region, cl::FilingKind::kReferral, kReferral, validity, person);
  else if (roll < 70)
    add_filing(random, nation, region, cl::FilingKind::kTemporary, nation.regions, validity,
               person);
  else if (roll < 75)
    add_filing(random, nation, region, cl::FilingKind::kEmergency, nation.regions, validity,
               person);
  return person;
}

}  // namespace

std::vector<std::string> choose_regions(const std::string& text) {
  std::vector<std::string> all;
  for (const Province& p : kProvinces) all.emplace_back(p.admdvs);
  if (text.empty() || text == "all") return all;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      text.size() < 3) {
    std::vector<Province> sorted(std::begin(kProvinces), std::end(kProvinces));
    std::stable_sort(sorted.begin(), sorted.end(), [](const Province& a, const Province& b) {
      return a.population_tenths_of_millions > b.population_tenths_of_millions;
    });
    const size_t n = std::min<size_t>(std::max(2, std::stoi(text)), sorted.size());
    std::vector<std::string> chosen;
    for (size_t i = 0; i < n; ++i) chosen.emplace_back(sorted[i].admdvs);
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }
  std::vector<std::string> chosen;
  std::stringstream list(text);
  for (std::string code; std::getline(list, code, ',');) chosen.push_back(code);
  return chosen;
}

Nation make_nation(const NationOptions& options) {
  Nation nation;
  nation.regions = options.regions.empty() ? choose_regions("all") : options.regions;
  std::mt19937_64 random(options.seed);
  const Validity validity{*cl::Date::from_ymd(2026, 1, 1), *cl::Date::from_ymd(2026, 12, 31)};
  nation.item_codes = national_item_codes();
  int64_t total_population = 0;
  for (const std::string& region : nation.regions) {
    nation.population.push_back(population_of(region));
    total_population += population_of(region);
  }
  for (size_t r = 0; r < nation.regions.size(); ++r) {
    const std::string& region = nation.regions[r];
    const std::string pool = region.substr(0, 2) + "0100";
    for (const char* insutype : {"390", "310"}) {
      nation.lists.policies.push_back(make_policy(random, pool, insutype, validity.from));
      nation.reference.add_policy(nation.lists.policies.back());
    }
    nation.lists.catalogues.push_back(
        make_catalogue(random, region, nation.item_codes, validity.from));
    nation.reference.add_catalogue(nation.lists.catalogues.back());
    add_hospitals(nation, region);
    // Insured people in proportion to population.
    const int64_t count = std::max<int64_t>(
        20, options.persons * nation.population[r] / std::max<int64_t>(total_population, 1));
    for (int64_t i = 0; i < count; ++i) {
      cl::Person person = make_person(random, nation, region, i, validity);
      nation.persons[region].push_back(person.psn_no);
      nation.lists.persons.push_back(person);
      nation.reference.add_person(std::move(person));
    }
  }
  return nation;
}

}  // namespace medclear::simulator
