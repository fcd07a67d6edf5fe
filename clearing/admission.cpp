#include "clearing/admission.h"

#include <algorithm>

#include "clearing/time.h"

namespace medclear::clearing {

namespace {

// True when two lines share a feedetl_sn. Claims are small: compare pairs up to 32 lines and
// sort only beyond, so the common case allocates nothing.
bool has_duplicate_serial(const std::vector<FeeLine>& lines, std::string* duplicate) {
  if (lines.size() <= 32) {
    for (size_t i = 0; i < lines.size(); ++i) {
      for (size_t j = i + 1; j < lines.size(); ++j) {
        if (lines[i].feedetl_sn == lines[j].feedetl_sn) {
          *duplicate = lines[i].feedetl_sn;
          return true;
        }
      }
    }
    return false;
  }
  std::vector<std::string_view> serials;
  serials.reserve(lines.size());
  for (const FeeLine& line : lines) serials.push_back(line.feedetl_sn);
  std::sort(serials.begin(), serials.end());
  const auto it = std::adjacent_find(serials.begin(), serials.end());
  if (it == serials.end()) return false;
  *duplicate = std::string(*it);
  return true;
}

// The claim's own consistency: totals against lines, price × quantity, unique line numbers.
std::optional<Rejection> check_claim_consistency(const SettlementInput& input) {
  Money sum;
  for (const FeeLine& line : input.lines) {
    sum += line.amount;
    const WideInt gap = price_times_quantity_fen(line.pric, line.cnt) - line.amount.fen();
    if (gap > 1 || gap < -1) {  // one fen of tolerance for the hospital's own rounding
      return Rejection{Reject::kAmountMismatch, "feedetail " + line.feedetl_sn +
                                                    ": det_item_fee_sumamt " +
                                                    line.amount.to_string() + " != pric x cnt"};
    }
  }
  if (sum != input.medfee_sumamt) {
    return Rejection{Reject::kAmountMismatch, "medfee_sumamt " + input.medfee_sumamt.to_string() +
                                                  " != sum of fee lines " + sum.to_string()};
  }
  std::string duplicate;
  if (has_duplicate_serial(input.lines, &duplicate)) {
    return Rejection{Reject::kDuplicateFeeLine, "feedetl_sn " + duplicate + " appears twice"};
  }
  return std::nullopt;
}

// The insured division (envelope, or the person's for a claim) against the treating one: empty or
// the same province is local business; a region without a node cannot be asked.
std::optional<Rejection> check_regions(const Envelope& envelope, std::string_view insured_admdvs,
                                       const RegionServed& served) {
  if (envelope.insuplc_admdvs.empty() ||
      !is_cross_province(insured_admdvs, envelope.mdtrtarea_admvs)) {
    return Rejection{
        Reject::kNotCrossProvince,
        "insured division " + std::string(insured_admdvs.empty() ? "(none)" : insured_admdvs) +
            " and treating division " + envelope.mdtrtarea_admvs + " are in the same province"};
  }
  if (served && !served(region_of(insured_admdvs))) {
    return Rejection{Reject::kRegionNotServed, "insured region " + region_of(insured_admdvs) +
                                                   " has no node in this deployment"};
  }
  return std::nullopt;
}

Admission refuse(Reject reason, std::string message) {
  Admission admission;
  admission.rejection = Rejection{reason, std::move(message)};
  return admission;
}

Admission refuse(Rejection rejection) {
  Admission admission;
  admission.rejection = std::move(rejection);
  return admission;
}

}  // namespace

std::optional<Rejection> check_msgid_form(std::string_view msgid, std::string_view fixmedins_code) {
  if (msgid.empty()) return Rejection{Reject::kInvalidMsgid, "msgid is missing"};
  bool digits = msgid.size() == 30;
  for (size_t i = 26; digits && i < 30; ++i) digits = msgid[i] >= '0' && msgid[i] <= '9';
  if (!digits || !parse_compact_date_time(msgid.substr(12, 14))) {
    return Rejection{
        Reject::kInvalidMsgid,
        "msgid must be 30 characters: institution code(12) + yyyyMMddHHmmss + serial(4)"};
  }
  if (!fixmedins_code.empty() && msgid.substr(0, 12) != fixmedins_code) {
    return Rejection{Reject::kInvalidMsgid, "msgid must begin with the sender's fixmedins_code " +
                                                std::string(fixmedins_code)};
  }
  return std::nullopt;
}

Admission admit(const Request& request, const ReferenceData& reference,
                const RegionServed& served) {
  const Envelope& envelope = request.envelope;
  const auto* claim = std::get_if<SettlementInput>(&request.input);
  if (claim == nullptr) {  // cancel or reversal: the original decides the rest, with the state
    if (auto rejection = check_regions(envelope, envelope.insuplc_admdvs, served)) {
      return refuse(std::move(*rejection));
    }
    return {};
  }
  if (auto rejection = check_claim_consistency(*claim)) return refuse(std::move(*rejection));

  const Person* person = reference.person(claim->psn_no);
  if (person == nullptr) {
    return refuse(Reject::kUnknownPerson, "psn_no " + claim->psn_no + " is not an insured person");
  }
  if (!envelope.insuplc_admdvs.empty() &&
      !area_covers(envelope.insuplc_admdvs, person->insuplc_admdvs)) {
    return refuse(Reject::kUnknownPerson,
                  "psn_no " + claim->psn_no + " is not insured in " + envelope.insuplc_admdvs);
  }
  if (claim->insutype != person->insutype) {
    return refuse(Reject::kInsutypeMismatch, "insutype " + claim->insutype +
                                                 " does not match the person's insurance type " +
                                                 person->insutype);
  }
  if (auto rejection = check_regions(envelope, person->insuplc_admdvs, served)) {
    return refuse(std::move(*rejection));
  }
  const Facility* facility = reference.facility(envelope.fixmedins_code);
  if (facility == nullptr ||
      province_of(facility->admdvs) != province_of(envelope.mdtrtarea_admvs)) {
    return refuse(Reject::kUnknownFacility, "fixmedins_code " + envelope.fixmedins_code +
                                                " is not a facility of treating area " +
                                                envelope.mdtrtarea_admvs);
  }
  if (!facility->cross_province) {
    return refuse(Reject::kFacilityNotNetworked,
                  "fixmedins_code " + envelope.fixmedins_code +
                      " is not networked for cross-province settlement");
  }
  Admission admission;
  admission.person = person;
  admission.facility = facility;
  return admission;
}

}  // namespace medclear::clearing
