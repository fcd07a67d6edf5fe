#include "clearing/codes.h"

#include "clearing/check.h"

namespace medclear::clearing {

std::optional<Transaction> parse_transaction(std::string_view infno) {
  static constexpr Transaction kAll[] = {Transaction::kOutpatientPreSettle,
                                         Transaction::kOutpatientSettle,
                                         Transaction::kOutpatientCancel,
                                         Transaction::kInpatientPreSettle,
                                         Transaction::kInpatientSettle,
                                         Transaction::kInpatientCancel,
                                         Transaction::kReversal};
  for (Transaction t : kAll) {
    if (infno == to_string(t)) {
      return t;
    }
  }
  return std::nullopt;
}

std::string_view to_string(Transaction transaction) {
  switch (transaction) {
    case Transaction::kOutpatientPreSettle:
      return "2206";
    case Transaction::kOutpatientSettle:
      return "2207";
    case Transaction::kOutpatientCancel:
      return "2208";
    case Transaction::kInpatientPreSettle:
      return "2303";
    case Transaction::kInpatientSettle:
      return "2304";
    case Transaction::kInpatientCancel:
      return "2305";
    case Transaction::kReversal:
      return "2601";
  }
  MC_CHECK(false, "unknown transaction");
}

bool is_pre_settlement(Transaction t) {
  return t == Transaction::kOutpatientPreSettle || t == Transaction::kInpatientPreSettle;
}
bool is_settlement(Transaction t) {
  return t == Transaction::kOutpatientSettle || t == Transaction::kInpatientSettle;
}
bool is_cancel(Transaction t) {
  return t == Transaction::kOutpatientCancel || t == Transaction::kInpatientCancel;
}

Transaction settlement_cancelled_by(Transaction cancel) {
  MC_CHECK(is_cancel(cancel), "not a cancel");
  return cancel == Transaction::kOutpatientCancel ? Transaction::kOutpatientSettle
                                                  : Transaction::kInpatientSettle;
}

bool reversal_allowed_of(Transaction original) {
  return is_settlement(original) || is_cancel(original);
}

std::optional<ItemClass> parse_item_class(std::string_view code) {
  if (code == "01") return ItemClass::kA;
  if (code == "02") return ItemClass::kB;
  if (code == "03") return ItemClass::kC;
  return std::nullopt;
}

std::string_view fund_code(Fund fund) {
  switch (fund) {
    case Fund::kEmployeePool:
      return "310100";
    case Fund::kEmployeeAccount:
      return "310200";
    case Fund::kLargeAmountSubsidy:
      return "330100";
    case Fund::kResidentPool:
      return "390100";
    case Fund::kResidentCritical:
      return "390200";
    case Fund::kMedicalAssistance:
      return "610100";
  }
  MC_CHECK(false, "unknown fund");
}

std::string_view fund_name(Fund fund) {
  switch (fund) {
    case Fund::kEmployeePool:
      return "职工基本医疗保险统筹基金";
    case Fund::kEmployeeAccount:
      return "职工基本医疗保险个人账户";
    case Fund::kLargeAmountSubsidy:
      return "职工大额医疗费用补助";
    case Fund::kResidentPool:
      return "城乡居民基本医疗保险基金";
    case Fund::kResidentCritical:
      return "城乡居民大病医疗保险";
    case Fund::kMedicalAssistance:
      return "医疗救助基金";
  }
  MC_CHECK(false, "unknown fund");
}

bool is_retiree(std::string_view psn_type) {
  return psn_type == "12" || psn_type == "1204" || psn_type == "13";
}

std::string_view clearing_type(std::string_view med_type) {
  if (med_type == "41") return "41";
  if (is_inpatient(med_type)) return "21";
  if (med_type.size() == 2 && med_type[0] == '1') return "11";
  return "99";
}

CodeTables::CodeTables()
    : med_types_{"11", "12", "13", "14", "21", "22", "23", "24", "28", "41"},
      insutypes_{"310", "320", "330", "390", "392", "510"},
      psn_types_{"11",   "12",   "1204", "13", "1401", "1402",
                 "1403", "1404", "1405", "15", "16",   "1701"} {}

bool is_division_code(std::string_view code) {
  if (code.size() != 6) {
    return false;
  }
  for (char c : code) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool is_cross_province(std::string_view insured_admdvs, std::string_view treating_admdvs) {
  return province_of(insured_admdvs) != province_of(treating_admdvs);
}

int area_specificity(std::string_view area) {
  if (area.substr(2) == "0000") return 0;
  if (area.substr(4) == "00") return 1;
  return 2;
}

bool area_covers(std::string_view area, std::string_view admdvs) {
  if (area.size() != 6 || admdvs.size() != 6) {
    return false;
  }
  switch (area_specificity(area)) {
    case 0:
      return area.substr(0, 2) == admdvs.substr(0, 2);
    case 1:
      return area.substr(0, 4) == admdvs.substr(0, 4);
    default:
      return area == admdvs;
  }
}

}  // namespace medclear::clearing
