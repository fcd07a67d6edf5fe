// POST /fhir/r4/Claim (contracts/gateway.md, adapters/FHIR.md): a hospital's FHIR R4 Claim is
// read by adapters/fhir into the national request envelope it maps to, which then takes exactly
// the path of POST /v1/nhsa (the same authorization, admission, idempotency by msgid, node and
// timeline); what that route answers is turned back into FHIR: a ClaimResponse, or an
// OperationOutcome carrying the err_code. Plain functions, no I/O: the gateway calls them
// around its national route (gateway/http/server.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clearing/codes.h"
#include "clearing/reference.h"
#include "clearing/request.h"

namespace medclear::gateway {

inline constexpr std::string_view kFhirClaimPath = "/fhir/r4/Claim";

// An answer of the route; its Content-Type is always application/fhir+json.
struct FhirReply {
  unsigned status = 200;
  std::string body;
};

// What the route reads of a request.
struct FhirCall {
  std::string_view content_type;
  std::string_view body;
  std::string_view role;          // the client certificate's OU
  std::string_view organisation;  // …and CN
  std::string_view region;        // the region of this gateway's node
};

// Before the national route: a refusal to answer at once (403 not a hospital or not its own,
// 415 not application/fhir+json, 400 an invalid Claim), or the request and its national envelope.
struct FhirClaim {
  std::optional<FhirReply> refusal;
  std::optional<clearing::Request> request;
  std::string envelope;
};
FhirClaim read_fhir_claim(const FhirCall& call, const clearing::CodeTables& codes);

// After it: the FHIR answer of what POST /v1/nhsa answered (`status`, `body`) to the envelope of
// `request`: 200 ClaimResponse; 202 ClaimResponse "queued"; a refusal of the claim (infcode -1)
// 400 when its request was at fault, 422 when a business rule refused it; any other answer the
// same status with an OperationOutcome.
// `reference` classifies the claim's lines for the items' split (adapters/fhir.h).
FhirReply fhir_answer(const clearing::Request& request, unsigned status, std::string_view body,
                      const clearing::ReferenceData& reference);

// Any answer of the gateway's own ({"error": …}: 401, 403, 405, 429, 503 …) on the FHIR route, as
// an OperationOutcome with the same status.
FhirReply fhir_refusal(unsigned status, std::string_view json_error_body);

}  // namespace medclear::gateway
