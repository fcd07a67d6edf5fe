// The national interface (NHSA JSON over HTTPS, DOMAIN.md §2): request envelopes of
// 2206/2207/2208/2303/2304/2305/2601 in, canonical clearing::Request out; decisions in, response
// envelopes out. Syntax is checked here — JSON, lengths, dates, amounts parsed from the number's
// text, code tables — and every fault is named by its field path. When a request has several
// faults, the contract's precedence decides which err_code is answered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "clearing/codes.h"
#include "clearing/engine.h"
#include "clearing/reject.h"
#include "clearing/request.h"

namespace medclear::adapters {

class Json;
struct JsonNode;

struct NhsaParse {
  std::optional<clearing::Request> request;  // set when the envelope is valid
  clearing::Rejection rejection;             // set otherwise
  // What the answer echoes even for an invalid request, when it could be read.
  std::string msgid;
  std::string mdtrtarea_admvs;
};

// Parses and validates one request envelope (JSON text).
NhsaParse parse_nhsa_request(std::string_view body, const clearing::CodeTables& codes);
// The same, for an envelope already parsed as JSON (scenario files).
NhsaParse parse_nhsa_request(const Json& envelope, const clearing::CodeTables& codes);
// The same, for an envelope parsed by parse_json_doc (the gateway).
NhsaParse parse_nhsa_request(const JsonNode& envelope, const clearing::CodeTables& codes);

// When and by whom an answer is made: the only parts of a response that differ between runs.
struct ResponseStamp {
  std::string receiver_admdvs;  // 6 digits: the division answering
  std::string time_compact;     // yyyyMMddHHmmss
  std::string time_millis;      // yyyyMMddHHmmssSSS
  uint64_t serial = 0;          // the receiver's message serial
};
ResponseStamp stamp_now(std::string_view receiver_admdvs, uint64_t serial);

// Response envelope of a decision (accepted or rejected) to a request with `msgid`.
std::string build_nhsa_response(const ResponseStamp& stamp, std::string_view msgid,
                                const clearing::Decision& decision);
// Response envelope of a request rejected before it reached the engine.
std::string build_nhsa_rejection(const ResponseStamp& stamp, std::string_view msgid,
                                 const clearing::Rejection& rejection);

// The request envelope of a canonical request, as a hospital sends it (the inverse of
// parse_nhsa_request: parsing it gives the same request and fingerprint). For simulators,
// benchmarks and clients; amounts are written as exact decimal text.
std::string build_nhsa_request(const clearing::Request& request);

// What a hospital reads in a response envelope (the inverse of build_nhsa_response, for
// clients and simulators): infcode, err_code and err_msg, and of an accepted settlement the ids
// and every amount of setlinfo (setldetail is not read).
struct NhsaAnswer {
  bool accepted = false;  // infcode 0
  std::string err_code;   // empty when accepted
  std::string err_msg;
  std::optional<clearing::SettlementRecord> record;  // when accepted
};
// nullopt when the body is not a response envelope, or an amount is not exact decimal text.
std::optional<NhsaAnswer> parse_nhsa_answer(std::string_view body);

// ---- 3201, totals reconciliation (contracts/gateway.md "The hospital's day") ------------------

// Whether an envelope (already a JSON object) asks for 3201: its infno is the string "3201".
bool is_totals_request(const JsonNode& envelope);

// A hospital's totals of its settlements by settlement date, as it asks the agency to check them.
struct TotalsFigures {
  clearing::Money medfee_sumamt;
  clearing::Money fund_pay_sumamt;
  clearing::Money acct_pay;
  int64_t fixmedins_setl_cnt = 0;  // settlements, less the cancels and reversals that net out
  bool operator==(const TotalsFigures&) const = default;
};

struct TotalsRequest {
  clearing::Envelope envelope;  // infno is not a clearing::Transaction: left at its default
  std::string insutype;
  std::string clr_type;     // 11 outpatient, 21 inpatient, 41 pharmacy, 99 other
  std::string setl_optins;  // the insured division (a province or city code covers its own), "" all
  clearing::Date stmt_begndate;
  clearing::Date stmt_enddate;  // inclusive, not before stmt_begndate, at most a year after
  TotalsFigures hospital;
};

struct TotalsParse {
  std::optional<TotalsRequest> request;  // set when the envelope is valid
  clearing::Rejection rejection;         // set otherwise
  std::string msgid;                     // echoed when it could be read
};

// Parses and validates a 3201 envelope: the envelope head as for every transaction (the msgid
// rule included), then input.data, every fault named by its field path.
TotalsParse parse_totals_request(const JsonNode& envelope, const clearing::CodeTables& codes);

// The 3201 answer: output.stmtinfo with the node's own figures, stmt_rslt "0" when all four agree
// with the hospital's.
std::string build_totals_response(const ResponseStamp& stamp, std::string_view msgid,
                                  const TotalsRequest& request, const TotalsFigures& agency);

}  // namespace medclear::adapters
