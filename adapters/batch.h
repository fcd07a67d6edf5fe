// Batch files of claims (adapters/BATCH.md): one settlement or pre-settlement per line,
// tab-separated, for hospitals without real-time integration, and the results file that
// `medclear batch submit` keeps (one line per answered claim, so a run can resume). The parser is
// strict: a file is either every line a claim or a list of faults, each with its line number;
// a claim line becomes the canonical clearing::Request and its national request envelope
// (build_nhsa_request). Amounts, dates and msgids are read by clearing's one parser of each; what
// needs reference data (codes, persons, policies) is the gateway's to judge, per claim.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/request.h"
#include "clearing/status.h"

namespace medclear::adapters {

// The header line of a claims file (its columns in order, tab-separated, no trailing tab).
std::string_view batch_claims_header();
// Fields of one fee line inside the feedetail column, '|'-separated; fee lines ';'-separated.
inline constexpr size_t kBatchFeeFields = 8;
// A claims file is read whole; larger ones are split by the hospital.
inline constexpr size_t kBatchFileBytesMax = 256u << 20;

struct BatchClaim {
  size_t line = 0;  // 1-based line number in the file (the header is line 1)
  clearing::Request request;
  std::string envelope;  // the national request envelope (JSON) sent for it
};

struct BatchFault {
  size_t line = 0;
  std::string message;  // names the column, e.g. "medfee_sumamt \"12,5\": not a number"
};

struct BatchFile {
  std::vector<BatchClaim> claims;  // complete only when faults is empty
  std::vector<BatchFault> faults;  // in line order, at most faults_max
};

// One claim line (without its line ending) → the canonical request, or kInvalid naming the column.
Result<clearing::Request> parse_batch_line(std::string_view line);

// A whole claims file: the header, then one claim per line; LF or CRLF line endings, a final line
// ending optional; no empty lines, no duplicate msgid. Collects up to `faults_max` faults.
BatchFile parse_batch_file(std::string_view text, size_t faults_max = 20);

// ---- results file --------------------------------------------------------------------------

std::string_view batch_results_header();

struct BatchResult {
  size_t line = 0;  // the claim's line in the claims file
  std::string msgid;
  bool settled = false;  // infcode 0; otherwise refused with err_code
  std::string setl_id;
  std::string err_code;
  std::string medfee_sumamt;  // amounts as the answer gave them ("" when refused)
  std::string fund_pay_sumamt;
  std::string psn_part_amt;
  std::string acct_pay;
  std::string psn_cash_pay;
  std::string err_msg;  // tabs and line breaks replaced by spaces
};

// One results line, ending in '\n'.
std::string format_batch_result(const BatchResult& result);

struct BatchResults {
  std::vector<BatchResult> results;
  // Bytes of the text that hold whole lines: an interrupted run may leave a last line without its
  // '\n'; it is not counted, and the writer cuts the file back to here before appending.
  size_t complete_bytes = 0;
};
// Reads a results file (empty text: none yet). kInvalid naming the line when it is not one.
Result<BatchResults> read_batch_results(std::string_view text);

}  // namespace medclear::adapters
