// adapters::write_reference: the reference data written as a scenario without requests loads back
// as the same reference data, field by field, and writes again byte for byte — for the worked
// examples and for simulated nations (what `demo --out` and `nation init --simulated` write).
#include <gtest/gtest.h>

#include <sstream>

#include "adapters/reference_json.h"
#include "simulator/nation.h"
#include "tests/support/scenario.h"

namespace medclear::simulator {
namespace {

namespace cl = medclear::clearing;

// Appends "what: a ≠ b; " when they differ.
template <typename T>
void differ(std::ostringstream& out, const std::string& what, const T& a, const T& b) {
  if (!(a == b)) out << what << " differs; ";
}

std::string money_text(const cl::Money& m) { return m.to_string(); }

void compare_care(std::ostringstream& out, const std::string& at, const cl::CareTerms& a,
                  const cl::CareTerms& b) {
  differ(out, at + ".basis", a.deductible_basis, b.deductible_basis);
  for (int l = 0; l < 3; ++l) {
    differ(out, at + ".deductible", a.deductible_by_level[l], b.deductible_by_level[l]);
    differ(out, at + ".ratio", a.ratio_by_level[l], b.ratio_by_level[l]);
  }
}

void compare_policy(std::ostringstream& out, const cl::Policy& a, const cl::Policy& b) {
  const std::string at = "policy " + a.admdvs + "/" + a.insutype;
  differ(out, at + ".admdvs", a.admdvs, b.admdvs);
  differ(out, at + ".insutype", a.insutype, b.insutype);
  differ(out, at + ".effective_from", a.effective_from, b.effective_from);
  compare_care(out, at + ".inpatient", a.inpatient, b.inpatient);
  compare_care(out, at + ".outpatient", a.outpatient, b.outpatient);
  differ(out, at + ".retiree_uplift", a.retiree_uplift, b.retiree_uplift);
  differ(out, at + ".pool_annual_limit", a.pool_annual_limit, b.pool_annual_limit);
  for (int k = 0; k < 4; ++k) differ(out, at + ".filing_cut", a.filing_cut[k], b.filing_cut[k]);
  differ(out, at + ".unfiled", a.unfiled.has_value(), b.unfiled.has_value());
  if (a.unfiled && b.unfiled) {
    differ(out, at + ".unfiled.ratio", a.unfiled->ratio, b.unfiled->ratio);
    differ(out, at + ".unfiled.deductible", a.unfiled->deductible, b.unfiled->deductible);
  }
  differ(out, at + ".layer", a.layer.has_value(), b.layer.has_value());
  if (a.layer && b.layer) {
    differ(out, at + ".layer.threshold", a.layer->threshold, b.layer->threshold);
    differ(out, at + ".layer.annual_limit", a.layer->annual_limit, b.layer->annual_limit);
    differ(out, at + ".layer.bands", a.layer->bands.size(), b.layer->bands.size());
    for (size_t i = 0; i < std::min(a.layer->bands.size(), b.layer->bands.size()); ++i) {
      differ(out, at + ".layer.upto", a.layer->bands[i].upto, b.layer->bands[i].upto);
      differ(out, at + ".layer.ratio", a.layer->bands[i].ratio, b.layer->bands[i].ratio);
    }
  }
  differ(out, at + ".assistance", a.assistance.has_value(), b.assistance.has_value());
  if (a.assistance && b.assistance) {
    differ(out, at + ".assistance.psn_types", a.assistance->psn_types, b.assistance->psn_types);
    differ(out, at + ".assistance.ratio", a.assistance->ratio, b.assistance->ratio);
    differ(out, at + ".assistance.limit", a.assistance->annual_limit, b.assistance->annual_limit);
  }
  differ(out, at + ".personal_account", a.personal_account, b.personal_account);
}

void compare_catalogue(std::ostringstream& out, const cl::Catalogue& a, const cl::Catalogue& b) {
  const std::string at = "catalogue " + a.admdvs;
  differ(out, at + ".admdvs", a.admdvs, b.admdvs);
  differ(out, at + ".effective_from", a.effective_from, b.effective_from);
  differ(out, at + ".items", a.items.size(), b.items.size());
  for (const auto& [code, item] : a.items) {
    const cl::CatalogueItem* other = b.find(code);
    if (other == nullptr) {
      out << at << " lacks " << code << "; ";
      continue;
    }
    differ(out, at + "." + code + ".class", item.item_class, other->item_class);
    differ(out, at + "." + code + ".selfpay_prop", item.selfpay_prop, other->selfpay_prop);
    differ(out, at + "." + code + ".price_cap", item.price_cap, other->price_cap);
    differ(out, at + "." + code + ".limited_use", item.limited_use, other->limited_use);
  }
}

void compare_person(std::ostringstream& out, const cl::Person& a, const cl::Person& b) {
  const std::string at = "person " + a.psn_no;
  differ(out, at + ".insuplc_admdvs", a.insuplc_admdvs, b.insuplc_admdvs);
  differ(out, at + ".insutype", a.insutype, b.insutype);
  differ(out, at + ".psn_type", a.psn_type, b.psn_type);
  differ(out, at + ".account_balance", money_text(a.account_balance),
         money_text(b.account_balance));
  differ(out, at + ".filings", a.filings.size(), b.filings.size());
  for (size_t i = 0; i < std::min(a.filings.size(), b.filings.size()); ++i) {
    const cl::Filing& x = a.filings[i];
    const cl::Filing& y = b.filings[i];
    differ(out, at + ".filing.kind", x.kind, y.kind);
    differ(out, at + ".filing.area", x.area, y.area);
    differ(out, at + ".filing.from", x.from, y.from);
    differ(out, at + ".filing.to", x.to, y.to);
  }
}

// Every difference between two reference data, or "" when they are the same.
std::string differences(const cl::ReferenceData& a, const cl::ReferenceData& b) {
  std::ostringstream out;
  differ(out, "med_types", a.codes.med_types(), b.codes.med_types());
  differ(out, "insutypes", a.codes.insutypes(), b.codes.insutypes());
  differ(out, "psn_types", a.codes.psn_types(), b.codes.psn_types());
  differ(out, "policy keys", a.policies().size(), b.policies().size());
  for (const auto& [key, versions] : a.policies()) {
    const auto other = b.policies().find(key);
    if (other == b.policies().end() || other->second.size() != versions.size()) {
      out << "policy " << key << " versions differ; ";
      continue;
    }
    for (size_t i = 0; i < versions.size(); ++i) compare_policy(out, versions[i], other->second[i]);
  }
  differ(out, "catalogue keys", a.catalogues().size(), b.catalogues().size());
  for (const auto& [key, versions] : a.catalogues()) {
    const auto other = b.catalogues().find(key);
    if (other == b.catalogues().end() || other->second.size() != versions.size()) {
      out << "catalogue " << key << " versions differ; ";
      continue;
    }
    for (size_t i = 0; i < versions.size(); ++i) {
      compare_catalogue(out, versions[i], other->second[i]);
    }
  }
  differ(out, "facilities", a.facilities().size(), b.facilities().size());
  for (const auto& [code, f] : a.facilities()) {
    const cl::Facility* g = b.facility(code);
    if (g == nullptr || g->admdvs != f.admdvs || g->level != f.level ||
        g->cross_province != f.cross_province) {
      out << "facility " << code << " differs; ";
    }
  }
  differ(out, "persons", a.persons().size(), b.persons().size());
  for (const auto& [psn_no, p] : a.persons()) {
    const cl::Person* q = b.person(psn_no);
    if (q == nullptr) {
      out << "person " << psn_no << " missing; ";
      continue;
    }
    compare_person(out, p, *q);
  }
  return out.str();
}

// Writes, loads back, compares field by field, writes again.
void round_trip(const cl::ReferenceData& reference) {
  Result<std::string> written = adapters::write_reference(reference);
  ASSERT_TRUE(written.is_ok()) << written.status().message();
  Result<adapters::Scenario> loaded = adapters::load_scenario(*written);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->requests.empty());
  EXPECT_EQ(differences(reference, loaded->reference), "");
  Result<std::string> again = adapters::write_reference(loaded->reference);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *written);
}

TEST(ReferenceWriter, WorkedExamplesRoundTrip) { round_trip(testing::worked_examples().reference); }

TEST(ReferenceWriter, SimulatedNationsRoundTrip) {
  for (const char* regions : {"3", "all"}) {
    const Nation nation = make_nation({choose_regions(regions), 5000, 11});
    round_trip(nation.reference);
  }
}

// The comparison itself sees a changed field (so the round trip could fail).
TEST(ReferenceWriter, ComparisonSeesAChange) {
  const Nation nation = make_nation({choose_regions("3"), 1000, 3});
  Result<std::string> written = adapters::write_reference(nation.reference);
  ASSERT_TRUE(written.is_ok());
  std::string changed = *written;
  const size_t at = changed.find("\"limited_use\":false");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 19, "\"limited_use\":true");
  Result<adapters::Scenario> loaded = adapters::load_scenario(changed);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_NE(differences(nation.reference, loaded->reference), "");
}

// The same nation gives the same bytes (what nation init and the demo compare).
TEST(ReferenceWriter, SameNationSameBytes) {
  const Nation a = make_nation({choose_regions("4"), 2000, 5});
  const Nation b = make_nation({choose_regions("4"), 2000, 5});
  EXPECT_EQ(*adapters::write_reference(a.reference), *adapters::write_reference(b.reference));
}

}  // namespace
}  // namespace medclear::simulator
