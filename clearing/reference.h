// Reference data the engine decides with: policies of insured regions, catalogues of treating
// regions (both versioned by effective date), networked facilities, and insured persons with their
// filings. File formats are in contracts/adjudicate.md and adapters/reference_json.h; this header
// is the in-memory model, immutable once built.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "clearing/codes.h"
#include "clearing/money.h"
#include "clearing/time.h"

namespace medclear::clearing {

enum class DeductibleBasis : uint8_t { kPerAdmission, kPerYear };

// Deductible and ratios by hospital level (1, 2, 3) for inpatient or outpatient care.
struct CareTerms {
  DeductibleBasis deductible_basis = DeductibleBasis::kPerAdmission;
  Money deductible_by_level[3];
  Ratio ratio_by_level[3];
};

enum class FilingKind : uint8_t { kLongTerm, kReferral, kEmergency, kTemporary };
std::optional<FilingKind> parse_filing_kind(std::string_view text);
std::string_view to_string(FilingKind kind);

struct UnfiledTerms {  // replaces level ratio and deductible for claims without a filing
  Ratio ratio;
  Money deductible;
};

struct LayerBand {
  std::optional<Money> upto;  // absent on the last band
  Ratio ratio;
};

// The critical-illness (390: hifmi) or large-amount (310: hifob) layer.
struct LayerTerms {
  Money threshold;
  std::vector<LayerBand> bands;  // consecutive from the threshold
  Money annual_limit;
};

struct AssistanceTerms {
  std::vector<std::string> psn_types;
  Ratio ratio;
  Money annual_limit;
};

struct Policy {
  std::string admdvs;
  std::string insutype;
  Date effective_from;
  CareTerms inpatient;
  CareTerms outpatient;
  Ratio retiree_uplift;
  Money pool_annual_limit;
  Ratio filing_cut[4];                  // by FilingKind
  std::optional<UnfiledTerms> unfiled;  // nullopt: refuse direct settlement without a filing
  std::optional<LayerTerms> layer;
  std::optional<AssistanceTerms> assistance;
  bool personal_account = false;

  const CareTerms& terms_for(std::string_view med_type) const {
    return is_inpatient(med_type) ? inpatient : outpatient;
  }
  Ratio cut(FilingKind kind) const { return filing_cut[static_cast<int>(kind)]; }
};

struct CatalogueItem {
  ItemClass item_class = ItemClass::kC;
  Ratio selfpay_prop;
  std::optional<Price> price_cap;
  bool limited_use = false;
};

struct Catalogue {
  std::string admdvs;
  Date effective_from;
  std::unordered_map<std::string, CatalogueItem> items;

  const CatalogueItem* find(const std::string& code) const {
    const auto it = items.find(code);
    return it == items.end() ? nullptr : &it->second;
  }
};

struct Facility {
  std::string fixmedins_code;
  std::string admdvs;
  int level = 3;                // 1, 2, 3
  bool cross_province = false;  // on the networked list for cross-province settlement
};

struct Filing {
  FilingKind kind = FilingKind::kLongTerm;
  std::string area;
  Date from;
  Date to;
};

struct Person {
  std::string psn_no;
  std::string insuplc_admdvs;
  std::string insutype;
  std::string psn_type;
  Money account_balance;  // opening personal account balance
  std::vector<Filing> filings;
};

// All reference data of one deployment (one region's, or a whole scenario's), with the lookups
// the engine needs. Versions are chosen by date; areas from the most specific to the province.
class ReferenceData {
 public:
  CodeTables codes;

  void add_policy(Policy policy);
  void add_catalogue(Catalogue catalogue);
  // Return false when the key already exists (the caller reports the duplicate).
  bool add_facility(Facility facility);
  bool add_person(Person person);

  // The policy of (insured division, insurance type) in force on `date`: exact division first,
  // then its prefecture, then its province.
  const Policy* policy_for(std::string_view admdvs, std::string_view insutype, Date date) const;
  // The catalogue covering the treating division in force on `date`, most specific first.
  const Catalogue* catalogue_for(std::string_view admdvs, Date date) const;
  const Facility* facility(const std::string& fixmedins_code) const;
  const Person* person(const std::string& psn_no) const;

  // The most favourable filing of `person` valid on `date` for the treating division (the one
  // with the smallest cut under `policy`), if any.
  static const Filing* filing_for(const Person& person, const Policy& policy,
                                  std::string_view treating_admdvs, Date date);

  const std::map<std::string, std::vector<Policy>, std::less<>>& policies() const {
    return policies_;
  }
  const std::map<std::string, std::vector<Catalogue>, std::less<>>& catalogues() const {
    return catalogues_;
  }
  const std::unordered_map<std::string, Facility>& facilities() const { return facilities_; }
  const std::unordered_map<std::string, Person>& persons() const { return persons_; }

 private:
  // key: admdvs + insutype; versions sorted by effective_from
  std::map<std::string, std::vector<Policy>, std::less<>> policies_;
  // key: admdvs; versions sorted by effective_from
  std::map<std::string, std::vector<Catalogue>, std::less<>> catalogues_;
  std::unordered_map<std::string, Facility> facilities_;
  std::unordered_map<std::string, Person> persons_;
};

}  // namespace medclear::clearing
