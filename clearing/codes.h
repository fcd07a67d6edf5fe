// Codes and dictionaries of the national interface (DOMAIN.md §2) and division codes (GB/T 2260).
// Code tables hold the national codes; a province adds its local extension codes at load time, and
// anything else is refused as unknown. Division codes are never checked against the GB/T list:
// insurance pools have codes of their own.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace medclear::clearing {

// Transactions (infno) this project supports.
enum class Transaction : uint16_t {
  kOutpatientPreSettle = 2206,
  kOutpatientSettle = 2207,
  kOutpatientCancel = 2208,
  kInpatientPreSettle = 2303,
  kInpatientSettle = 2304,
  kInpatientCancel = 2305,
  kReversal = 2601,
};
std::optional<Transaction> parse_transaction(std::string_view infno);
std::string_view to_string(Transaction transaction);  // "2207"
bool is_pre_settlement(Transaction transaction);
bool is_settlement(Transaction transaction);
bool is_cancel(Transaction transaction);
// Transactions carrying a claim (settlement input with fee lines).
inline bool carries_claim(Transaction t) { return is_pre_settlement(t) || is_settlement(t); }
// The settlement transaction a cancel applies to (2208 → 2207, 2305 → 2304).
Transaction settlement_cancelled_by(Transaction cancel);
// 2601 may reverse only these (DOMAIN.md §2).
bool reversal_allowed_of(Transaction original);

// Catalogue class of a fee line (chrgitm_lv).
enum class ItemClass : uint8_t { kA = 1, kB = 2, kC = 3 };
std::optional<ItemClass> parse_item_class(std::string_view code);  // "01" | "02" | "03"

// Hospital approval of a limited-use item (hosp_appr_flag).
enum class Approval : uint8_t { kNotNeeded = 0, kApproved = 1, kRefused = 2 };

// Funds of setldetail (fund_pay_type).
enum class Fund : uint8_t {
  kEmployeePool,        // 310100
  kEmployeeAccount,     // 310200
  kLargeAmountSubsidy,  // 330100  (hifob_pay, the employees' layer)
  kResidentPool,        // 390100
  kResidentCritical,    // 390200  (hifmi_pay, the residents' layer)
  kMedicalAssistance,   // 610100  (maf_pay)
};
std::string_view fund_code(Fund fund);
std::string_view fund_name(Fund fund);

inline constexpr std::string_view kInsutypeEmployee = "310";
inline constexpr std::string_view kInsutypeResident = "390";
// Only the two schemes that settle claims have policies (contracts/adjudicate.md): 310 and 390.
// The other national insutypes (320, 330, 392, 510) are known codes without a policy of their
// own; the reference-data loader refuses a policy for one, so a request with one is no_policy.
inline bool insutype_has_policy(std::string_view insutype) {
  return insutype == kInsutypeEmployee || insutype == kInsutypeResident;
}

// psn_type values that receive the retiree uplift: 12 retired, 1204 early retired, 13 cadre.
bool is_retiree(std::string_view psn_type);
// med_type starting with '2' is inpatient (contracts/adjudicate.md), anything else outpatient.
inline bool is_inpatient(std::string_view med_type) {
  return !med_type.empty() && med_type[0] == '2';
}
// med_type 13 (emergency) and 24 (emergency-to-inpatient) settle as emergencies without a filing.
inline bool is_emergency(std::string_view med_type) { return med_type == "13" || med_type == "24"; }
// clr_type of the settlement: 11 outpatient, 21 inpatient, 41 pharmacy.
std::string_view clearing_type(std::string_view med_type);

// The code tables a request's codes are checked against: national codes plus local extensions.
class CodeTables {
 public:
  CodeTables();  // the national codes of DOMAIN.md §2
  void add_local_med_type(std::string code) { med_types_.insert(std::move(code)); }
  void add_local_insutype(std::string code) { insutypes_.insert(std::move(code)); }
  void add_local_psn_type(std::string code) { psn_types_.insert(std::move(code)); }
  bool knows_med_type(std::string_view code) const { return med_types_.contains(code); }
  bool knows_insutype(std::string_view code) const { return insutypes_.contains(code); }
  bool knows_psn_type(std::string_view code) const { return psn_types_.contains(code); }
  // Every code known, the national ones and the local extensions added.
  const std::set<std::string, std::less<>>& med_types() const { return med_types_; }
  const std::set<std::string, std::less<>>& insutypes() const { return insutypes_; }
  const std::set<std::string, std::less<>>& psn_types() const { return psn_types_; }

 private:
  std::set<std::string, std::less<>> med_types_;
  std::set<std::string, std::less<>> insutypes_;
  std::set<std::string, std::less<>> psn_types_;
};

// Six-digit division code (admdvs): digits 1–2 province, 3–4 prefecture, 5–6 county.
bool is_division_code(std::string_view code);
inline std::string_view province_of(std::string_view admdvs) { return admdvs.substr(0, 2); }
// The region (province-level node, "PP0000") a division belongs to.
inline std::string region_of(std::string_view admdvs) {
  return std::string(province_of(admdvs)) + "0000";
}
// Cross-province: the two codes' first two digits differ (DOMAIN.md §1).
bool is_cross_province(std::string_view insured_admdvs, std::string_view treating_admdvs);
// Filing and catalogue area match: "PP0000" covers the province, "PPCC00" the prefecture, any
// other code only itself.
bool area_covers(std::string_view area, std::string_view admdvs);
// How specific an area code is: 0 province, 1 prefecture, 2 county.
int area_specificity(std::string_view area);

}  // namespace medclear::clearing
