// The canonical request: what the engine decides on, whatever format it arrived in (national
// interface JSON, FHIR, batch file, a Kafka message). Adapters validate the syntax (lengths, dates,
// amounts, codes) and build it; the engine checks everything that needs reference data or state.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "clearing/codes.h"
#include "clearing/money.h"
#include "clearing/time.h"

namespace medclear::clearing {

struct Envelope {
  Transaction infno = Transaction::kOutpatientSettle;
  std::string msgid;            // 30 chars, unique per sending institution
  std::string mdtrtarea_admvs;  // treating division
  std::string insuplc_admdvs;   // insured division; empty = local business
  std::string fixmedins_code;
  std::string fixmedins_name;
  DateTime inf_time;  // its date is the settlement date
};

struct FeeLine {
  std::string feedetl_sn;
  DateTime fee_ocur_time;
  std::string med_list_codg;  // national code: the catalogue key
  std::string medins_list_codg;
  Money amount;  // det_item_fee_sumamt
  Quantity cnt;
  Price pric;
  Approval hosp_appr_flag = Approval::kNotNeeded;
};

struct SettlementInput {
  std::string psn_no;
  std::string mdtrt_cert_type;
  std::string mdtrt_cert_no;
  std::string med_type;
  Money medfee_sumamt;
  std::string psn_setlway;
  std::string mdtrt_id;
  std::string chrg_bchno;
  std::string insutype;
  bool acct_used_flag = false;
  std::string mid_setl_flag;  // 2304 only
  // Cross-province identity: required on the wire, never logged, not used by the split.
  std::string psn_cert_type;
  std::string certno;
  std::string psn_type;
  std::string psn_name;
  std::vector<FeeLine> lines;
};

struct CancelInput {
  std::string setl_id;
  std::string mdtrt_id;
  std::string psn_no;
};

struct ReversalInput {
  std::string psn_no;
  std::string omsgid;
  std::string oinfno;  // as sent: the engine refuses what is not a reversible transaction
};

struct Request {
  Envelope envelope;
  std::variant<SettlementInput, CancelInput, ReversalInput> input;
  // Digest of the request's meaning (adapters compute it from the parsed values, so "12.5" and
  // 12.50 are the same payload). A retry with the same msgid must carry the same fingerprint.
  std::string fingerprint;
};

}  // namespace medclear::clearing
