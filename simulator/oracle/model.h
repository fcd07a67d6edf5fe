// The auditor's own model of the reimbursement split (DOMAIN.md §3) and of the settlement
// lifecycle's accumulators (§4): plain, slow, written from the text, to judge the engine by.
// Independent of clearing/: it shares only DATA — Money/Ratio/Price/Quantity of clearing/money.h
// (their arithmetic), and the plain structs Request, Policy, Catalogue, Facility, Person, Filing —
// and calls no function of clearing/: rounding, lookups, gates and accumulators are its own.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "clearing/money.h"
#include "clearing/reference.h"
#include "clearing/request.h"

namespace medclear::oracle {

using clearing::Money;
using clearing::Ratio;

// The reference data as plain lists, in any order (the model finds versions and areas itself).
struct Reference {
  std::vector<clearing::Policy> policies;
  std::vector<clearing::Catalogue> catalogues;
  std::vector<clearing::Facility> facilities;
  std::vector<clearing::Person> persons;
};

// Year to date of one (psn_no, insutype, calendar year of inf_time), or what one settlement moved.
struct YearToDate {
  Money inpatient_deductible;   // per-year deductible met by inpatient care (med_type 2…)
  Money outpatient_deductible;  // per-year deductible met by any other care
  Money pool_paid;              // hifp_pay, against the pool's annual limit
  Money layer_base;       // inscp − hifp, cumulative (B of §3 step 4), with or without a layer
  Money layer_paid;       // hifmi_pay or hifob_pay, against the layer's annual limit
  Money assistance_paid;  // maf_pay, against the assistance's annual limit
  bool operator==(const YearToDate&) const = default;
};

// Where each person and facility is in Reference's lists (by psn_no, by fixmedins_code).
struct Index {
  std::map<std::string, size_t> persons;
  std::map<std::string, size_t> facilities;
};

// What the model needs of a person's history before a claim.
struct PersonBefore {
  YearToDate year;     // of (psn_no, the claim's insutype, the year of inf_time)
  Money account_used;  // taken from the personal account so far, net of cancels
};

// One setldetail row: the fund, the base it paid on, what it could still pay this year, the pay.
struct FundRow {
  std::string fund_pay_type;  // "310100", "330100", "390100", "390200", "610100"
  Money inscp_scp_amt;
  Money crt_payb_lmt_amt;
  Money fund_payamt;
  bool operator==(const FundRow&) const = default;
};

// The expected answer to one request. A compensation (cancel, reversal) carries every amount
// negated, except balc (the balance after it) and the ratio.
struct Expected {
  std::string refusal;          // "" when accepted, else the contract's err_code name
  std::string insuplc_admdvs;   // the person's division (accepted claims)
  std::string mdtrtarea_admvs;  // the envelope's treating division
  std::string fixmedins_code;
  int year = 0;  // accumulator year (of inf_time)
  Money medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt;
  Money act_pay_dedc, hifp_pay;
  Ratio pool_prop_selfpay;
  Money cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, maf_pay, hosp_part_amt, oth_pay;
  Money fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, balc, acct_mulaid_pay;
  std::vector<FundRow> setldetail;
  YearToDate moved;     // added to the person's year
  Money account_moved;  // added to the person's account use
  bool accepted() const { return refusal.empty(); }
};

// Every money field of setlinfo by its interface name, in the interface's order (for comparing
// field by field and naming the field that differs).
std::vector<std::pair<std::string_view, Money>> money_fields(const Expected& expected);
// The six accumulators by name, same purpose.
std::vector<std::pair<std::string_view, Money>> year_fields(const YearToDate& year);

class Model {
 public:
  explicit Model(Reference reference);

  // Pure: the answer to a claim (2206, 2207, 2303, 2304) given the person's history. Refusals it
  // models, in the contract's order: amount_mismatch, duplicate_fee_line, unknown_person,
  // insutype_mismatch, not_cross_province, unknown_facility, facility_not_networked, no_policy,
  // no_valid_filing. The envelope's syntax and msgid reuse are not its business.
  Expected decide(const clearing::Request& request, const PersonBefore& before) const;

  // The model's own books of what it settled.
  PersonBefore before(std::string_view psn_no, std::string_view insutype, int year) const;

  // decide() against the model's books; an accepted 2207/2304 is booked under its msgid. The
  // same msgid again returns the booked answer (a retry charges nothing twice).
  Expected settle(const clearing::Request& request);
  // Cancel or reversal (2208, 2305, 2601) of the settlement booked under `settlement_msgid`:
  // its exact negation, the books moved back. unknown_settlement, already_cancelled.
  Expected cancel(const std::string& settlement_msgid);
  // Reversal of that cancel: the settlement again, with its original moves (limits not checked
  // again); reversal_not_allowed when the account no longer holds what it paid then.
  Expected reinstate(const std::string& settlement_msgid);

 private:
  struct Booked {
    Expected settlement;
    std::string psn_no, insutype;
    bool cancelled = false;
  };
  using YearKey = std::tuple<std::string, std::string, int>;

  void book(const Booked& booked, int sign);

  Reference reference_;
  Index index_;
  std::map<YearKey, YearToDate> years_;
  std::map<std::string, Money> accounts_used_;  // by psn_no
  std::map<std::string, Booked> booked_;        // by the settlement's msgid
};

}  // namespace medclear::oracle
