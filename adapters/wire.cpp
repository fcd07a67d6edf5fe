#include "adapters/wire.h"

#include "clearing/codec.h"
#include "clearing/record_codec.h"

namespace medclear::adapters {

namespace cl = medclear::clearing;

namespace {

constexpr std::string_view kMagic = "MW";

void header(cl::ByteWriter& out, MessageType type) {
  out.raw(kMagic);
  out.u8(kWireVersion);
  out.u8(static_cast<uint8_t>(type));
}

void date_time(cl::ByteWriter& out, const cl::DateTime& t) {
  out.i32(t.date.days());
  out.i32(t.seconds_of_day);
}

bool date_time(cl::ByteReader& in, cl::DateTime& t) {
  int32_t days = 0;
  if (!in.i32(days) || !in.i32(t.seconds_of_day)) return false;
  t.date = cl::Date::from_days(days);
  return t.seconds_of_day >= 0 && t.seconds_of_day < 86400;
}

void encode_settlement_input(cl::ByteWriter& out, const cl::SettlementInput& c) {
  for (const std::string* s :
       {&c.psn_no, &c.mdtrt_cert_type, &c.mdtrt_cert_no, &c.med_type, &c.psn_setlway, &c.mdtrt_id,
        &c.chrg_bchno, &c.insutype, &c.mid_setl_flag, &c.psn_cert_type, &c.certno, &c.psn_type,
        &c.psn_name}) {
    out.str(*s);
  }
  out.i64(c.medfee_sumamt.fen());
  out.u8(c.acct_used_flag ? 1 : 0);
  out.u32(static_cast<uint32_t>(c.lines.size()));
  for (const cl::FeeLine& l : c.lines) {
    out.str(l.feedetl_sn);
    date_time(out, l.fee_ocur_time);
    out.str(l.med_list_codg);
    out.str(l.medins_list_codg);
    out.i64(l.amount.fen());
    out.i64(l.cnt.ten_thousandths);
    out.i64(l.pric.micro_yuan);
    out.u8(static_cast<uint8_t>(l.hosp_appr_flag));
  }
}

bool decode_settlement_input(cl::ByteReader& in, cl::SettlementInput& c) {
  for (std::string* s : {&c.psn_no, &c.mdtrt_cert_type, &c.mdtrt_cert_no, &c.med_type,
                         &c.psn_setlway, &c.mdtrt_id, &c.chrg_bchno, &c.insutype, &c.mid_setl_flag,
                         &c.psn_cert_type, &c.certno, &c.psn_type, &c.psn_name}) {
    if (!in.str(*s)) return false;
  }
  uint8_t account = 0;
  uint32_t lines = 0;
  if (!cl::decode_money(in, c.medfee_sumamt) || c.medfee_sumamt.fen() < 0 ||
      c.medfee_sumamt.fen() > cl::kClaimAmountMaxFen || !in.u8(account) || account > 1 ||
      !in.u32(lines) || lines > cl::kClaimLinesMax) {
    return false;
  }
  c.acct_used_flag = account == 1;
  c.lines.resize(lines);
  for (cl::FeeLine& l : c.lines) {
    uint8_t approval = 0;
    if (!in.str(l.feedetl_sn) || !date_time(in, l.fee_ocur_time) || !in.str(l.med_list_codg) ||
        !in.str(l.medins_list_codg) || !cl::decode_money(in, l.amount) || l.amount.fen() < 0 ||
        l.amount.fen() > cl::kClaimAmountMaxFen || !in.i64(l.cnt.ten_thousandths) ||
        l.cnt.ten_thousandths < 0 || !in.i64(l.pric.micro_yuan) || l.pric.micro_yuan < 0 ||
        !in.u8(approval) || approval > 2) {
      return false;
    }
    l.hosp_appr_flag = static_cast<cl::Approval>(approval);
  }
  return true;
}

Status malformed(std::string_view what) {
  return Status::error("undecodable message: " + std::string(what));
}

}  // namespace

std::string encode_claim(const ClaimMessage& message) {
  const cl::Request& r = message.request;
  const cl::Envelope& e = r.envelope;
  cl::ByteWriter out;
  header(out, MessageType::kClaim);
  out.u16(static_cast<uint16_t>(e.infno));
  for (const std::string* s : {&e.msgid, &e.mdtrtarea_admvs, &e.insuplc_admdvs, &e.fixmedins_code,
                               &e.fixmedins_name, &r.fingerprint}) {
    out.str(*s);
  }
  date_time(out, e.inf_time);
  if (const auto* claim = std::get_if<cl::SettlementInput>(&r.input)) {
    out.u8(1);
    encode_settlement_input(out, *claim);
  } else if (const auto* cancel = std::get_if<cl::CancelInput>(&r.input)) {
    out.u8(2);
    out.str(cancel->setl_id);
    out.str(cancel->mdtrt_id);
    out.str(cancel->psn_no);
  } else {
    const auto& reversal = std::get<cl::ReversalInput>(r.input);
    out.u8(3);
    out.str(reversal.psn_no);
    out.str(reversal.omsgid);
    out.str(reversal.oinfno);
  }
  return std::move(out.bytes());
}

std::string encode_settlement(const SettlementMessage& message) {
  cl::ByteWriter out;
  header(out, MessageType::kSettlement);
  out.str(message.msgid);
  out.u16(static_cast<uint16_t>(message.rejection.reason));
  out.str(message.rejection.message);
  out.u8(message.replayed ? 1 : 0);
  out.u8(message.record ? 1 : 0);
  if (message.record) cl::encode_record(out, *message.record);
  return std::move(out.bytes());
}

Result<MessageType> message_type(std::string_view bytes) {
  if (bytes.size() < 4 || bytes.substr(0, 2) != kMagic) return malformed("not a medclear message");
  if (static_cast<uint8_t>(bytes[2]) != kWireVersion) {
    return malformed("unknown wire version " + std::to_string(static_cast<uint8_t>(bytes[2])) +
                     " (this build reads version " + std::to_string(kWireVersion) + ")");
  }
  const auto type = static_cast<uint8_t>(bytes[3]);
  if (type != 1 && type != 2) return malformed("unknown message type");
  return static_cast<MessageType>(type);
}

Result<ClaimMessage> decode_claim(std::string_view bytes) {
  Result<MessageType> type = message_type(bytes);
  if (!type.is_ok()) return type.status();
  if (*type != MessageType::kClaim) return malformed("a settlement where a claim was expected");
  cl::ByteReader in(bytes.substr(4));
  ClaimMessage message;
  cl::Request& r = message.request;
  cl::Envelope& e = r.envelope;
  uint16_t infno = 0;
  uint8_t input = 0;
  if (!in.u16(infno)) return malformed("short claim");
  const auto transaction = cl::parse_transaction(std::to_string(infno));
  if (!transaction) return malformed("unknown infno");
  e.infno = *transaction;
  for (std::string* s : {&e.msgid, &e.mdtrtarea_admvs, &e.insuplc_admdvs, &e.fixmedins_code,
                         &e.fixmedins_name, &r.fingerprint}) {
    if (!in.str(*s)) return malformed("short claim envelope");
  }
  if (!date_time(in, e.inf_time) || !in.u8(input)) return malformed("short claim envelope");
  if (input == 1 && cl::carries_claim(e.infno)) {
    cl::SettlementInput claim;
    if (!decode_settlement_input(in, claim)) return malformed("bad settlement input");
    r.input = std::move(claim);
  } else if (input == 2 && cl::is_cancel(e.infno)) {
    cl::CancelInput cancel;
    if (!in.str(cancel.setl_id) || !in.str(cancel.mdtrt_id) || !in.str(cancel.psn_no)) {
      return malformed("bad cancel input");
    }
    r.input = std::move(cancel);
  } else if (input == 3 && e.infno == cl::Transaction::kReversal) {
    cl::ReversalInput reversal;
    if (!in.str(reversal.psn_no) || !in.str(reversal.omsgid) || !in.str(reversal.oinfno)) {
      return malformed("bad reversal input");
    }
    r.input = std::move(reversal);
  } else {
    return malformed("input does not match infno");
  }
  if (in.remaining() != 0) return malformed("trailing bytes");
  return message;
}

Result<SettlementMessage> decode_settlement(std::string_view bytes) {
  Result<MessageType> type = message_type(bytes);
  if (!type.is_ok()) return type.status();
  if (*type != MessageType::kSettlement)
    return malformed("a claim where a settlement was expected");
  cl::ByteReader in(bytes.substr(4));
  SettlementMessage message;
  uint16_t reason = 0;
  uint8_t replayed = 0, has_record = 0;
  if (!in.str(message.msgid) || !in.u16(reason) || reason >= cl::kRejectCount ||
      !in.str(message.rejection.message) || !in.u8(replayed) || replayed > 1 ||
      !in.u8(has_record) || has_record > 1) {
    return malformed("short settlement");
  }
  message.rejection.reason = static_cast<cl::Reject>(reason);
  message.replayed = replayed == 1;
  if (has_record == 1) {
    cl::SettlementRecord record;
    if (Status decoded = cl::decode_record(in, record); !decoded.is_ok()) {
      return malformed(decoded.message());
    }
    // Every record an engine answers holds the identities; one that does not would be booked
    // by the treating side and fail `ledger verify` there, so it goes to the dead letters.
    const bool compensating = record.amounts.medfee_sumamt.is_negative();
    if (Status identities = cl::check_identities(record.amounts, compensating);
        !identities.is_ok()) {
      return malformed("settlement amounts: " + identities.message());
    }
    message.record = std::move(record);
  }
  if ((message.rejection.reason == cl::Reject::kOk) != message.record.has_value()) {
    return malformed("a settlement is either a record or a rejection");
  }
  if (in.remaining() != 0) return malformed("trailing bytes");
  return message;
}

}  // namespace medclear::adapters
