// The names of a ledger's accounts (ledger/FORMAT.md "Accounts"): every account name is built and
// read back here and nowhere else, so a writer (the legs of an entry) and its readers (balances,
// period totals, reconciliation items, clearing marks) cannot spell one differently. An account is
// "<kind>:<code>": a fund's pay type, a counterpart region (PP0000) or a hospital's code.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace medclear::ledger::accounts {

enum class Kind { kFund, kPayable, kReceivable, kHospital };

inline constexpr std::string_view kFundPrefix = "fund:";
inline constexpr std::string_view kPayablePrefix = "payable:";
inline constexpr std::string_view kReceivablePrefix = "receivable:";
inline constexpr std::string_view kHospitalPrefix = "hospital:";

// Insured side: what a fund (fund_pay_type, "310200" the personal account) paid.
inline std::string fund(std::string_view fund_pay_type) {
  return std::string(kFundPrefix) + std::string(fund_pay_type);
}
// Insured side: what it owes the treating region.
inline std::string payable(std::string_view treating_region) {
  return std::string(kPayablePrefix) + std::string(treating_region);
}
// Treating side: what the insured region owes it.
inline std::string receivable(std::string_view insured_region) {
  return std::string(kReceivablePrefix) + std::string(insured_region);
}
// Treating side: what it owes the hospital (fixmedins_code).
inline std::string hospital(std::string_view fixmedins_code) {
  return std::string(kHospitalPrefix) + std::string(fixmedins_code);
}
// The account between regions of an entry booked on one side: the insured side's payable to
// the treating region, or the treating side's receivable from the insured region.
inline std::string between_regions(bool insured_side, std::string_view counterpart_region) {
  return insured_side ? payable(counterpart_region) : receivable(counterpart_region);
}

struct Parsed {
  Kind kind = Kind::kFund;
  std::string_view code;  // the fund pay type, the counterpart region or the hospital's code
};

// The kind and code of an account name; nullopt for a name of no known kind or without a code.
inline std::optional<Parsed> parse(std::string_view account) {
  for (const auto& [kind, prefix] :
       {std::pair{Kind::kFund, kFundPrefix}, std::pair{Kind::kPayable, kPayablePrefix},
        std::pair{Kind::kReceivable, kReceivablePrefix},
        std::pair{Kind::kHospital, kHospitalPrefix}}) {
    if (account.starts_with(prefix) && account.size() > prefix.size()) {
      return Parsed{kind, account.substr(prefix.size())};
    }
  }
  return std::nullopt;
}

// The counterpart region of an account between regions (payable:T → T, receivable:I → I);
// nullopt for a fund, a hospital or an unknown name.
inline std::optional<std::string_view> counterpart_of(std::string_view account) {
  const std::optional<Parsed> parsed = parse(account);
  if (!parsed || (parsed->kind != Kind::kPayable && parsed->kind != Kind::kReceivable)) {
    return std::nullopt;
  }
  return parsed->code;
}

}  // namespace medclear::ledger::accounts
