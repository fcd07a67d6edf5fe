// HL7 FHIR R4 for hospitals whose systems do not speak the national interface (adapters/FHIR.md):
// a FHIR `Claim` in, the same canonical clearing::Request the national adapter makes of the
// equivalent envelope out; a decision out as a `ClaimResponse`, a refusal as an
// `OperationOutcome`. The Claim is mapped onto a national request envelope and read by
// parse_nhsa_request, so every field rule (lengths, codes, exact amounts, precedence) has one
// home and a FHIR claim and its national twin have the same fingerprint: the same msgid retried
// in either format is the same request. Faults are named by their FHIR path. Money.value is read
// and written as decimal text, never through a binary floating point value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "clearing/codes.h"
#include "clearing/reference.h"
#include "clearing/reject.h"
#include "clearing/request.h"
#include "clearing/settlement.h"

namespace medclear::adapters {

// Identifier systems and extension URLs of the national fields: this prefix + the field's name
// ("urn:medclear:nhsa:psn_no"). The err_code of an OperationOutcome is a coding of kFhirErrCodes.
inline constexpr std::string_view kFhirNational = "urn:medclear:nhsa:";
inline constexpr std::string_view kFhirErrCodes = "urn:medclear:nhsa:err_code";
inline constexpr std::string_view kFhirContentType = "application/fhir+json";

struct FhirClaimParse {
  std::optional<clearing::Request> request;  // set when the Claim is valid
  clearing::Rejection rejection;             // set otherwise, its message naming the FHIR path
  std::string path;                          // the FHIR path at fault, when one is known
  // The national request envelope (JSON) the Claim maps to: what /v1/nhsa would have been sent.
  std::string envelope;
  // What could be read even of an invalid Claim: whose it is and where it comes from.
  std::string msgid;
  std::string fixmedins_code;
  std::string mdtrtarea_admvs;
};

// Parses and validates one FHIR R4 Claim (JSON text): a settlement or pre-settlement
// (subType infno 2206, 2207, 2303, 2304).
FhirClaimParse parse_fhir_claim(std::string_view body, const clearing::CodeTables& codes);

// The FHIR Claim of a canonical settlement request (the inverse of parse_fhir_claim: parsing it
// gives the same request and fingerprint). For clients and tests.
std::string build_fhir_claim(const clearing::Request& request);

// The ClaimResponse of an accepted settlement (or pre-settlement) `record` of `request`. Each
// item's adjudication is the claim's split laid onto its lines (clearing/item_split.h): its
// in-scope part by the treating catalogue of `reference` (classify_lines), the deductible and
// benefit pro rata to it; only `submitted` when that classification does not add up to the record.
std::string build_fhir_claim_response(const clearing::Request& request,
                                      const clearing::SettlementRecord& record,
                                      const clearing::ReferenceData& reference);
// The ClaimResponse of a claim kept but not answered yet (outcome "queued").
std::string build_fhir_claim_queued(const clearing::Request& request);

// One issue of an OperationOutcome.
struct FhirIssue {
  std::string code;        // FHIR issue-type: invalid, structure, business-rule, forbidden, …
  std::string err_code;    // the stable err_code of a clearing rejection, or empty
  std::string message;     // what a person reads
  std::string expression;  // the FHIR path at fault, or empty
};
// The issue of a clearing rejection: its err_code, and the issue-type its kind is.
FhirIssue fhir_issue_of(const clearing::Rejection& rejection, std::string_view path = {});
std::string build_fhir_operation_outcome(const FhirIssue& issue);

}  // namespace medclear::adapters
