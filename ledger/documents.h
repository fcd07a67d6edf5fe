// The names of the documents a ledger keeps (Ledger::stage_document / document / documents; the
// `S` key space of ledger/FORMAT.md). Every name is built here and nowhere else, so a writer and
// its readers cannot spell one differently. Documents are written once: the name is the identity.
#pragma once

#include <string>
#include <string_view>

namespace medclear::ledger::documents {

// A signed nightly reconciliation statement of one region pair and business day:
// "statement/recon/<yyyy-MM-dd>/<insured>-<treating>" (the id is ledger::statement_id).
inline constexpr std::string_view kReconStatementPrefix = "statement/recon/";
// A monthly clearing statement: "statement/clearing/<yyyy-MM>".
inline constexpr std::string_view kClearingStatementPrefix = "statement/clearing/";
// A clearing mark (ledger/period_totals.h): "clearing/<yyyy-MM>".
inline constexpr std::string_view kClearingMarkPrefix = "clearing/";

inline std::string recon_statement(std::string_view statement_id) {
  return std::string(kReconStatementPrefix) + std::string(statement_id);
}
inline std::string clearing_statement(std::string_view period) {
  return std::string(kClearingStatementPrefix) + std::string(period);
}
inline std::string clearing_mark(std::string_view period) {
  return std::string(kClearingMarkPrefix) + std::string(period);
}

}  // namespace medclear::ledger::documents
