#include "gateway/http/fhir_route.h"

#include <algorithm>
#include <cctype>

#include "adapters/fhir.h"
#include "adapters/json.h"
#include "adapters/nhsa.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace ad = medclear::adapters;

namespace {

FhirReply outcome(unsigned status, const ad::FhirIssue& issue) {
  return {status, ad::build_fhir_operation_outcome(issue)};
}

// The FHIR issue-type of an HTTP refusal.
std::string_view issue_type(unsigned status) {
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "login";
    case 403:
      return "forbidden";
    case 404:
      return "not-found";
    case 405:
    case 415:
      return "not-supported";
    case 408:
      return "timeout";
    case 413:
    case 431:
      return "too-long";
    case 429:
      return "throttled";
    case 503:
      return "transient";
    default:
      return "exception";
  }
}

// The media type of a Content-Type header, lower case, without parameters or spaces.
std::string media_type(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  std::erase_if(type, [](char c) { return c == ' ' || c == '\t'; });
  std::transform(type.begin(), type.end(), type.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return type;
}

// Whose and where, as POST /v1/nhsa checks them first: a Claim of another hospital or another
// region is 403, however else it is wrong.
std::optional<FhirReply> foreign(const ad::FhirClaimParse& parse, const FhirCall& call) {
  if (!parse.fixmedins_code.empty() && parse.fixmedins_code != call.organisation) {
    return outcome(
        403, {"forbidden", "", "Claim.provider is not the institution of the client certificate",
              "Claim.provider.identifier.value"});
  }
  if (!parse.mdtrtarea_admvs.empty() && (!cl::is_division_code(parse.mdtrtarea_admvs) ||
                                         cl::region_of(parse.mdtrtarea_admvs) != call.region)) {
    return outcome(
        403, {"forbidden", "",
              "Claim.facility is not a division of this node's region " + std::string(call.region),
              "Claim.facility.identifier.value"});
  }
  return std::nullopt;
}

// The reason of a stable err_code name.
std::optional<cl::Reject> reject_named(std::string_view name) {
  for (int i = 1; i < cl::kRejectCount; ++i) {
    const auto reason = static_cast<cl::Reject>(i);
    if (cl::name(reason) == name) return reason;
  }
  return std::nullopt;
}

// A refusal of the request's own content (its syntax) rather than of a business rule.
bool is_syntax(cl::Reject reason) {
  switch (reason) {
    case cl::Reject::kMalformedMessage:
    case cl::Reject::kUnknownTransaction:
    case cl::Reject::kInvalidMsgid:
    case cl::Reject::kMissingField:
    case cl::Reject::kInvalidAmount:
    case cl::Reject::kUnknownCode:
      return true;
    default:
      return false;
  }
}

}  // namespace

FhirClaim read_fhir_claim(const FhirCall& call, const cl::CodeTables& codes) {
  FhirClaim claim;
  if (call.role != "hospital") {
    claim.refusal = outcome(403, {"forbidden", "", "POST /fhir/r4/Claim is for hospitals", ""});
    return claim;
  }
  if (media_type(call.content_type) != ad::kFhirContentType) {
    claim.refusal = outcome(415, {"not-supported", "",
                                  "Content-Type must be application/fhir+json, not '" +
                                      std::string(call.content_type.substr(0, 80)) + "'",
                                  ""});
    return claim;
  }
  ad::FhirClaimParse parse = ad::parse_fhir_claim(call.body, codes);
  if (std::optional<FhirReply> refusal = foreign(parse, call)) {
    claim.refusal = std::move(refusal);
    return claim;
  }
  if (!parse.request) {
    claim.refusal = outcome(400, ad::fhir_issue_of(parse.rejection, parse.path));
    return claim;
  }
  claim.request = std::move(parse.request);
  claim.envelope = std::move(parse.envelope);
  return claim;
}

FhirReply fhir_answer(const cl::Request& request, unsigned status, std::string_view body,
                      const cl::ReferenceData& reference) {
  if (status == 202) return {202, ad::build_fhir_claim_queued(request)};
  if (status != 200) return fhir_refusal(status, body);
  const std::optional<ad::NhsaAnswer> answer = ad::parse_nhsa_answer(body);
  if (!answer || (answer->accepted && !answer->record)) {
    return outcome(500, {"exception", "", "the national route's answer did not read", ""});
  }
  if (!answer->accepted) {
    const std::optional<cl::Reject> reason = reject_named(answer->err_code);
    if (!reason) {
      return outcome(422, {"business-rule", answer->err_code, answer->err_msg, ""});
    }
    return outcome(is_syntax(*reason) ? 400 : 422, ad::fhir_issue_of({*reason, answer->err_msg}));
  }
  cl::SettlementRecord record = *answer->record;
  if (record.setl_time == cl::DateTime{}) record.setl_time = request.envelope.inf_time;
  return {200, ad::build_fhir_claim_response(request, record, reference)};
}

FhirReply fhir_refusal(unsigned status, std::string_view json_error_body) {
  std::string message = "HTTP " + std::to_string(status);
  if (const Result<ad::Json> json = ad::parse_json(json_error_body); json.is_ok()) {
    const ad::Json* error = json->is_object() ? json->find("error") : nullptr;
    if (error != nullptr && error->is_string() && !error->text.empty()) message = error->text;
  }
  return outcome(status, {std::string(issue_type(status)), "", message, ""});
}

}  // namespace medclear::gateway
