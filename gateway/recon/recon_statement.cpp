#include "gateway/recon/recon_statement.h"

#include <array>
#include <set>

#include "adapters/json.h"
#include "ledger/adjust.h"
#include "ledger/crypto.h"
#include "ledger/documents.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

std::string signed_statement_json(const std::string& statement,
                                  const std::vector<StatementSignature>& signatures,
                                  size_t adjustments) {
  const std::string digest_hex = lg::to_hex(lg::hash_bytes(lg::HashAlgorithm::kSha256, statement));
  adapters::JsonWriter w;
  w.begin_object();
  Result<adapters::Json> parsed = adapters::parse_json(statement);
  MC_CHECK(parsed.is_ok(), "a statement we wrote does not parse");
  w.key("statement").value(*parsed);
  w.key("statement_sha256").string(digest_hex);
  w.key("signatures").begin_array();
  for (const auto& [region, key, signature] : signatures) {
    w.begin_object().key("region").string(region).key("public_key").string(key);
    w.key("signature").string(signature).end_object();
  }
  w.end_array();
  w.key("adjustments").integer(static_cast<int64_t>(adjustments));
  w.end_object();
  return w.take();
}

std::string PairStatement::id() const { return lg::statement_id(day, insured, treating); }

Result<std::vector<PairStatement>> reconcile_day(
    const std::map<std::string, lg::Ledger*>& ledgers, cl::Date day,
    const std::optional<std::pair<std::string, std::string>>& only) {
  std::map<std::string, lg::PairBuilders> items;  // region → what its ledger says per pair
  for (const auto& [region, ledger] : ledgers) {
    if (only && region != only->first && region != only->second) continue;
    Result<lg::PairBuilders> read = lg::recon_builders(*ledger, day);
    if (!read.is_ok()) return Status::error(region + ": " + read.status().message());
    items[region] = std::move(*read);
  }
  std::set<std::pair<std::string, std::string>> pairs;
  if (only) pairs.insert(*only);
  for (const auto& [region, by_pair] : items) {
    for (const auto& [pair, list] : by_pair) {
      if (!only) pairs.insert(pair);
    }
  }
  const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
  std::vector<PairStatement> out;
  for (const auto& pair : pairs) {
    cl::ReconSide insured = std::move(items[pair.first][pair]).build(hash);
    cl::ReconSide treating = std::move(items[pair.second][pair]).build(hash);
    PairStatement statement;
    statement.insured = pair.first;
    statement.treating = pair.second;
    statement.day = day;
    statement.result = cl::reconcile(insured, treating);
    statement.insured_claims = insured.size();
    statement.treating_claims = treating.size();
    out.push_back(std::move(statement));
  }
  return out;
}

std::string recon_statement_json(const PairStatement& s) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.reconciliation.v1");
  w.key("id").string(s.id());
  w.key("day").string(s.day.to_string());
  w.key("insured").string(s.insured).key("treating").string(s.treating);
  w.key("balanced").boolean(s.result.balanced);
  w.key("insured_claims").integer(static_cast<int64_t>(s.insured_claims));
  w.key("treating_claims").integer(static_cast<int64_t>(s.treating_claims));
  w.key("bytes_exchanged").integer(static_cast<int64_t>(s.result.bytes_exchanged));
  w.key("bytes_full_transfer").integer(static_cast<int64_t>(s.result.bytes_full_transfer));
  w.key("differences").begin_array();
  for (const cl::ReconDifference& d : s.result.differences) {
    w.begin_object().key("setl_id").string(d.setl_id).key("kind").string(cl::to_string(d.kind));
    w.key("insured_amount").string(d.insured_amount.to_string());
    w.key("treating_amount").string(d.treating_amount.to_string()).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

Result<std::string> record_statement(lg::LedgerDirectory& insured, lg::LedgerDirectory& treating,
                                     const PairStatement& statement, cl::Date adjustment_day,
                                     size_t* adjustments) {
  const std::string name = lg::documents::recon_statement(statement.id());
  if (auto kept = treating.ledger->document(name)) {  // recorded before: the same, once
    if (adjustments != nullptr) *adjustments = 0;
    return *kept;
  }
  const std::string body = recon_statement_json(statement);
  std::vector<StatementSignature> signatures;
  for (lg::LedgerDirectory* side : {&insured, &treating}) {
    Result<lg::SigningKey> key = side->seal_key();
    if (!key.is_ok()) return key.status();
    Result<StatementSignature> signature = sign_statement(body, *key, side->ledger->region());
    if (!signature.is_ok()) return signature.status();
    signatures.push_back(std::move(*signature));
  }
  std::vector<std::string> differing;
  for (const cl::ReconDifference& d : statement.result.differences) differing.push_back(d.setl_id);
  Result<size_t> staged = lg::stage_adjustments(*treating.ledger, *insured.ledger, statement.id(),
                                                differing, adjustment_day);
  if (!staged.is_ok()) return staged.status();
  const std::string signed_statement = signed_statement_json(body, signatures, *staged);
  for (lg::LedgerDirectory* side : {&insured, &treating}) {
    if (Status s = side->ledger->stage_document(name, signed_statement); !s.is_ok()) return s;
  }
  // The treating side last: its document is the sign that statement and adjustments are written.
  if (Status s = insured.ledger->commit(); !s.is_ok()) return s;
  if (Status s = treating.ledger->commit(); !s.is_ok()) return s;
  if (adjustments != nullptr) *adjustments = *staged;
  return signed_statement;
}

Result<StatementSignature> sign_statement(std::string_view statement, const lg::SigningKey& key,
                                          const std::string& region) {
  Result<std::string> signature = key.sign(statement);
  if (!signature.is_ok()) return signature.status();
  return StatementSignature{region, lg::to_hex(key.public_key_raw()), lg::to_hex(*signature)};
}

Result<StatementSignature> verify_signature(std::string_view statement,
                                            const adapters::Json& signature,
                                            const std::string& region,
                                            const std::string& public_key_raw) {
  auto field = [&](const char* key) {
    const adapters::Json* value = signature.is_object() ? signature.find(key) : nullptr;
    return value != nullptr && value->is_string() ? value->text : std::string();
  };
  if (field("region") != region) {
    return Status::invalid("the signature must be the " + region + " region's");
  }
  Result<std::string> named_key = lg::bytes_from_hex(field("public_key"));
  if (!named_key.is_ok() || *named_key != public_key_raw) {
    return Status::forbidden("the statement is not signed with the pinned seal key of " + region);
  }
  Result<lg::SigningKey> verifier = lg::SigningKey::from_public_raw(public_key_raw);
  Result<std::string> raw = lg::bytes_from_hex(field("signature"));
  if (!verifier.is_ok() || !raw.is_ok() || !verifier->verify(statement, *raw)) {
    return Status::invalid("the signature of " + region + " does not verify");
  }
  return StatementSignature{region, field("public_key"), field("signature")};
}

Result<std::vector<std::string>> recorded_statements(const lg::Ledger& ledger,
                                                     std::string_view day) {
  Result<std::vector<std::pair<std::string, std::string>>> documents =
      ledger.documents(lg::documents::recon_statement(day));
  if (!documents.is_ok()) return documents.status();
  std::vector<std::string> out;
  for (auto& [name, text] : *documents) out.push_back(std::move(text));
  return out;
}

Status verify_statement(std::string_view signed_text,
                        const std::map<std::string, std::string>& public_keys) {
  Result<adapters::Json> parsed = adapters::parse_json(signed_text);
  if (!parsed.is_ok()) return Status::error("statement: " + parsed.status().message());
  const adapters::Json* statement = parsed->find("statement");
  const adapters::Json* signatures = parsed->find("signatures");
  if (statement == nullptr || signatures == nullptr || !signatures->is_array()) {
    return Status::error("statement: not a signed statement");
  }
  adapters::JsonWriter w;
  w.value(*statement);
  const std::string body = w.take();
  std::set<std::string> signed_by;
  for (const adapters::Json& signature : signatures->items) {
    const adapters::Json* region = signature.find("region");
    if (region == nullptr || !region->is_string()) {
      return Status::invalid("statement: malformed signature");
    }
    auto key = public_keys.find(region->text);
    if (key == public_keys.end()) {
      return Status::invalid("statement: no public key of " + region->text);
    }
    Result<StatementSignature> verified =
        verify_signature(body, signature, region->text, key->second);
    if (!verified.is_ok()) return Status::invalid("statement: " + verified.status().message());
    signed_by.insert(region->text);
  }
  const adapters::Json* insured = statement->find("insured");
  const adapters::Json* treating = statement->find("treating");
  if (insured == nullptr || treating == nullptr || !signed_by.contains(insured->text) ||
      !signed_by.contains(treating->text)) {
    return Status::error("statement: not signed by both regions");
  }
  return Status::ok();
}

bool is_setl_id(std::string_view text) {
  return text.size() == 24 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

Status check_record_bounds(const cl::SettlementRecord& r) {
  using B = CountersignBounds;
  if (r.kind != cl::RecordKind::kSettlement) return Status::invalid("not a settlement");
  if (!is_setl_id(r.setl_id)) return Status::invalid("setl_id is not 24 digits");
  for (const std::string* text :
       {&r.msgid, &r.fingerprint, &r.compensates, &r.insuplc_admdvs, &r.mdtrtarea_admvs,
        &r.fixmedins_code, &r.psn_no, &r.insutype, &r.psn_type, &r.med_type, &r.mdtrt_id}) {
    if (text->size() > B::record_text_bytes_max) return Status::invalid("a text field is too long");
  }
  const cl::SettlementAmounts& a = r.amounts;
  if (a.details.size() > B::record_details_max) return Status::invalid("too many fund details");
  std::vector<cl::Money> amounts{a.medfee_sumamt,  a.fulamt_ownpay_amt, a.overlmt_selfpay,
                                 a.preselfpay_amt, a.inscp_scp_amt,     a.act_pay_dedc,
                                 a.hifp_pay,       a.cvlserv_pay,       a.hifes_pay,
                                 a.hifmi_pay,      a.hifob_pay,         a.maf_pay,
                                 a.hosp_part_amt,  a.oth_pay,           a.fund_pay_sumamt,
                                 a.psn_part_amt,   a.acct_pay,          a.psn_cash_pay,
                                 a.balc,           a.acct_mulaid_pay,   r.delta.account_used};
  for (const cl::Money& moved : r.delta.year.values()) amounts.push_back(moved);
  for (const cl::FundPayment& d : a.details) {
    amounts.insert(amounts.end(), {d.inscp_scp_amt, d.crt_payb_lmt_amt, d.fund_payamt});
  }
  for (const cl::Money& amount : amounts) {
    if (amount.fen() > B::record_amount_fen_max || amount.fen() < -B::record_amount_fen_max) {
      return Status::invalid("an amount is out of range");
    }
  }
  const Status identities = cl::check_identities(a, false);
  return identities.is_ok() ? Status::ok() : Status::invalid("identities: " + identities.message());
}

}  // namespace medclear::gateway
