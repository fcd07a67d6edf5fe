// The hospital's day (contracts/gateway.md "The hospital's day"): a hospital reconciles its
// settlements with the agency's ledger at its treating node.
//   3201 totals: POST /v1/nhsa with infno "3201" → output.stmtinfo (adapters/nhsa.h parses it)
//   3202 detail: POST /v1/hospital/reconciliation?day=YYYY-MM-DD, a TSV file
//                (adapters/hospital_recon_tsv.h, adapters/HOSPITAL_RECON.md) → the differences
// Only the sending hospital's own settlements count (its certificate's CN). The server checks the
// route, TLS and limits; this file decides who may ask and hands back a job that parses the file
// (3202) and reads a ledger snapshot on the node's reader thread, never the gateway's IO thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/hospital_recon_tsv.h"
#include "adapters/nhsa.h"
#include "clearing/codes.h"
#include "clearing/status.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"

namespace medclear::adapters {
struct JsonNode;
}

namespace medclear::gateway {

// An answer of these routes, in the server's terms but without its types.
struct HospitalDayReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};
// Work for the node's reader thread over a ledger snapshot.
using HospitalDayJob = std::function<HospitalDayReply(const ledger::Ledger&)>;
// An answer at once (a refusal, or a 3201 envelope refused by its syntax), or the job to run.
using HospitalDayWork = std::variant<HospitalDayReply, HospitalDayJob>;

// The route of the 3202 detail reconciliation.
inline constexpr std::string_view kHospitalReconPath = "/v1/hospital/reconciliation";

// Who is asking, from the client certificate: OU and CN.
struct HospitalCaller {
  std::string role;
  std::string organisation;
};

// POST /v1/nhsa with infno "3201" (adapters::is_totals_request), for a hospital, after the
// server refused foreign fixmedins_code and mdtrtarea_admvs. `serial` stamps the answer.
HospitalDayWork totals_work(const adapters::JsonNode& envelope, const HospitalCaller& caller,
                            const std::string& region, const clearing::CodeTables& codes,
                            uint64_t serial);

// POST /v1/hospital/reconciliation?day=YYYY-MM-DD with the TSV file as `body`.
HospitalDayWork detail_work(const std::string& body,
                            const std::map<std::string, std::string>& query,
                            const HospitalCaller& caller);

// ---- the parts, for tests and benchmarks ------------------------------------------------------

// The node's figures for a 3201 request: the hospital's entries of each day of the statement
// period with its insutype, clr_type and setl_optins; cancels and reversals net out.
Result<adapters::TotalsFigures> agency_totals(const ledger::Ledger& ledger,
                                              const adapters::TotalsRequest& request);

// The agency's lines of a hospital's day (adapters/HOSPITAL_RECON.md "What the agency compares").
Result<std::vector<adapters::HospitalReconLine>> agency_lines(const ledger::Ledger& ledger,
                                                              clearing::Date day,
                                                              std::string_view fixmedins_code);

// The 3202 answer: the hospital's lines against the agency's, as JSON.
std::string detail_answer(clearing::Date day, std::string_view fixmedins_code,
                          const std::vector<adapters::HospitalReconLine>& hospital,
                          const std::vector<adapters::HospitalReconLine>& agency);

}  // namespace medclear::gateway
