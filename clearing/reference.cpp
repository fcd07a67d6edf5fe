#include "clearing/reference.h"

#include <algorithm>

namespace medclear::clearing {

namespace {

// Area codes to try for a division, most specific first: itself, its prefecture, its province.
// Six-character strings stay in the small-string buffer: no allocation on the hot path.
struct EnclosingAreas {
  std::string codes[3];
  int count = 0;
  const std::string* begin() const { return codes; }
  const std::string* end() const { return codes + count; }
};

EnclosingAreas enclosing_areas(std::string_view admdvs) {
  EnclosingAreas areas;
  areas.codes[areas.count++] = std::string(admdvs);
  if (admdvs.size() == 6) {
    std::string prefecture(admdvs.substr(0, 4));
    prefecture += "00";
    std::string province(admdvs.substr(0, 2));
    province += "0000";
    if (prefecture != areas.codes[areas.count - 1]) areas.codes[areas.count++] = prefecture;
    if (province != areas.codes[areas.count - 1]) areas.codes[areas.count++] = province;
  }
  return areas;
}

// The last version with effective_from <= date, or nullptr.
template <typename T>
const T* in_force(const std::vector<T>& versions, Date date) {
  const auto it = std::upper_bound(versions.begin(), versions.end(), date,
                                   [](Date d, const T& v) { return d < v.effective_from; });
  return it == versions.begin() ? nullptr : &*(it - 1);
}

template <typename T>
void insert_version(std::vector<T>& versions, T value) {
  const auto it = std::upper_bound(versions.begin(), versions.end(), value.effective_from,
                                   [](Date d, const T& v) { return d < v.effective_from; });
  versions.insert(it, std::move(value));
}

}  // namespace

std::optional<FilingKind> parse_filing_kind(std::string_view text) {
  if (text == "long_term") return FilingKind::kLongTerm;
  if (text == "referral") return FilingKind::kReferral;
  if (text == "emergency") return FilingKind::kEmergency;
  if (text == "temporary") return FilingKind::kTemporary;
  return std::nullopt;
}

std::string_view to_string(FilingKind kind) {
  switch (kind) {
    case FilingKind::kLongTerm:
      return "long_term";
    case FilingKind::kReferral:
      return "referral";
    case FilingKind::kEmergency:
      return "emergency";
    case FilingKind::kTemporary:
      return "temporary";
  }
  return "?";
}

void ReferenceData::add_policy(Policy policy) {
  std::string key = policy.admdvs + policy.insutype;
  insert_version(policies_[key], std::move(policy));
}

void ReferenceData::add_catalogue(Catalogue catalogue) {
  std::string key = catalogue.admdvs;
  insert_version(catalogues_[key], std::move(catalogue));
}

bool ReferenceData::add_facility(Facility facility) {
  std::string key = facility.fixmedins_code;
  return facilities_.emplace(std::move(key), std::move(facility)).second;
}

bool ReferenceData::add_person(Person person) {
  std::string key = person.psn_no;
  return persons_.emplace(std::move(key), std::move(person)).second;
}

const Policy* ReferenceData::policy_for(std::string_view admdvs, std::string_view insutype,
                                        Date date) const {
  for (const std::string& area : enclosing_areas(admdvs)) {
    const auto it = policies_.find(area + std::string(insutype));
    if (it != policies_.end()) {
      if (const Policy* policy = in_force(it->second, date)) {
        return policy;
      }
    }
  }
  return nullptr;
}

const Catalogue* ReferenceData::catalogue_for(std::string_view admdvs, Date date) const {
  for (const std::string& area : enclosing_areas(admdvs)) {
    const auto it = catalogues_.find(area);
    if (it != catalogues_.end()) {
      if (const Catalogue* catalogue = in_force(it->second, date)) {
        return catalogue;
      }
    }
  }
  return nullptr;
}

const Facility* ReferenceData::facility(const std::string& fixmedins_code) const {
  const auto it = facilities_.find(fixmedins_code);
  return it == facilities_.end() ? nullptr : &it->second;
}

const Person* ReferenceData::person(const std::string& psn_no) const {
  const auto it = persons_.find(psn_no);
  return it == persons_.end() ? nullptr : &it->second;
}

const Filing* ReferenceData::filing_for(const Person& person, const Policy& policy,
                                        std::string_view treating_admdvs, Date date) {
  const Filing* best = nullptr;
  for (const Filing& filing : person.filings) {
    if (filing.from <= date && date <= filing.to && area_covers(filing.area, treating_admdvs)) {
      if (best == nullptr || policy.cut(filing.kind) < policy.cut(best->kind)) {
        best = &filing;
      }
    }
  }
  return best;
}

}  // namespace medclear::clearing
