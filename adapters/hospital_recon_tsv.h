// A hospital's detail reconciliation file (3202, contracts/gateway.md "The hospital's day"):
// tab-separated values, UTF-8, a fixed header line, then one line per settlement of the day.
// Strict: any fault refuses the whole file with the number of the line at fault, never a part of
// it. The format: adapters/HOSPITAL_RECON.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/money.h"

namespace medclear::adapters {

// The header line, exactly (without its line end).
inline constexpr std::string_view kHospitalReconHeader =
    "setl_id\tmsgid\tmedfee_sumamt\tfund_pay_sumamt\tacct_pay\tcancelled";
// More lines than any hospital settles in a day; the gateway's body limit comes first.
inline constexpr size_t kHospitalReconLinesMax = 1'000'000;

// One settlement as the hospital booked it, or as the agency's ledger has it.
struct HospitalReconLine {
  std::string setl_id;
  std::string msgid;
  clearing::Money medfee_sumamt;
  clearing::Money fund_pay_sumamt;
  clearing::Money acct_pay;
  bool cancelled = false;
  bool operator==(const HospitalReconLine&) const = default;
};

struct HospitalReconParse {
  std::vector<HospitalReconLine> lines;  // in file order; empty when the file is refused
  size_t error_line = 0;                 // 1-based; 0 when the file is good
  std::string error;                     // "line N: …"; empty when the file is good
  bool ok() const { return error.empty(); }
};

// Parses a whole file sent by the hospital `fixmedins_code`: every msgid must be its own
// (clearing::check_msgid_form), every setl_id unique within the file.
HospitalReconParse parse_hospital_recon_tsv(std::string_view text, std::string_view fixmedins_code);

// The file of `lines` (header first, "\n" line ends): what a hospital sends; parsing it gives
// `lines` back.
std::string write_hospital_recon_tsv(const std::vector<HospitalReconLine>& lines);

}  // namespace medclear::adapters
