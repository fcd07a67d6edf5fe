#include "gateway/backoffice/clearing_house.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "adapters/json.h"
#include "ledger/accounts.h"
#include "ledger/directory.h"
#include "ledger/documents.h"

namespace medclear::gateway {

namespace fs = std::filesystem;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

namespace {

const cl::RegionPosition* position_of(const PeriodClearing& clearing, const std::string& region) {
  for (const cl::RegionPosition& p : clearing.result.positions) {
    if (p.region == region) return &p;
  }
  return nullptr;
}

void write_position(adapters::JsonWriter& w, const cl::RegionPosition& p) {
  w.key("receivable").string(p.receivable.to_string());
  w.key("payable").string(p.payable.to_string());
  w.key("net").string(p.net.to_string());
  w.key("pay_in").string(p.pay_in.to_string());
  w.key("pay_out").string(p.pay_out.to_string());
  w.key("prepayment").begin_object();
  w.key("before").string(p.prepayment_before.to_string());
  w.key("drawn").string(p.prepayment_drawn.to_string());
  w.key("after").string(p.prepayment_after.to_string());
  w.key("floor").string(p.prepayment_floor.to_string());
  w.key("shortfall").string(p.shortfall.to_string());
  w.key("top_up").string(p.top_up.to_string());
  w.end_object();
  w.key("flags").begin_array();
  if (p.overdrawn()) w.string("prepayment_overdrawn");
  if (p.below_floor()) w.string("below_floor");
  w.end_array();
}

void write_held(adapters::JsonWriter& w, const HeldPair& h) {
  w.begin_object().key("insured").string(h.insured).key("treating").string(h.treating);
  w.key("insured_payable").string(h.insured_side.amount.to_string());
  w.key("insured_entries").integer(static_cast<int64_t>(h.insured_side.entries));
  w.key("treating_receivable").string(h.treating_side.amount.to_string());
  w.key("treating_entries").integer(static_cast<int64_t>(h.treating_side.entries));
  w.end_object();
}

// The steps of clear_period, defined after it.
Result<std::map<std::string, lg::SideTotals>> read_sides(
    const std::map<std::string, lg::Ledger*>& ledgers, const std::string& period,
    cl::Date last_day);
void compare_pairs(const std::map<std::string, lg::SideTotals>& sides,
                   std::vector<cl::BilateralTotal>& agreed, std::vector<HeldPair>& held);
Status record_clearing(const std::map<std::string, lg::Ledger*>& ledgers, const std::string& period,
                       const PeriodClearing& out);

}  // namespace

Result<PeriodClearing> clear_period(const std::map<std::string, lg::Ledger*>& ledgers,
                                    const std::string& period,
                                    const std::map<std::string, cl::Prepayment>& prepayments,
                                    bool record) {
  const std::optional<cl::Date> last_day = lg::last_day_of_period(period);
  if (!last_day) return Status::invalid("period must be YYYY-MM: " + period);
  Result<std::map<std::string, lg::SideTotals>> read = read_sides(ledgers, period, *last_day);
  if (!read.is_ok()) return read.status();
  const std::map<std::string, lg::SideTotals>& sides = *read;
  PeriodClearing out;
  cl::ClearingInput input;
  input.period = period;
  input.prepayments = prepayments;
  compare_pairs(sides, input.totals, out.held);
  Result<cl::ClearingResult> netted = cl::net_positions(input);
  if (!netted.is_ok()) return netted.status();
  out.result = std::move(*netted);
  out.totals = std::move(input.totals);
  for (const auto& [region, side] : sides) {
    lg::ClearingMark mark{period, *last_day, side.through_seq, {}};
    for (const HeldPair& h : out.held) {
      if (h.insured == region) mark.held.insert(lg::accounts::payable(h.treating));
      if (h.treating == region) mark.held.insert(lg::accounts::receivable(h.insured));
    }
    out.marks[region] = std::move(mark);
  }
  if (!record) return out;
  if (Status recorded = record_clearing(ledgers, period, out); !recorded.is_ok()) return recorded;
  return out;
}

namespace {

// Each ledger's payables and receivables of `period`: the entries no earlier clearing took.
Result<std::map<std::string, lg::SideTotals>> read_sides(
    const std::map<std::string, lg::Ledger*>& ledgers, const std::string& period,
    cl::Date last_day) {
  std::map<std::string, lg::SideTotals> sides;
  for (const auto& [region, ledger] : ledgers) {
    Result<std::vector<lg::ClearingMark>> marks = lg::clearing_marks(*ledger);
    if (!marks.is_ok()) return Status::error(region + ": " + marks.status().message());
    std::vector<lg::ClearingMark> earlier;
    for (const lg::ClearingMark& mark : *marks) {
      if (mark.period > period) {
        return Status::conflict(region + " already cleared the later period " + mark.period);
      }
      if (mark.period < period) earlier.push_back(mark);
    }
    Result<lg::SideTotals> totals = lg::period_side_totals(*ledger, last_day, earlier);
    if (!totals.is_ok()) return Status::error(region + ": " + totals.status().message());
    sides[region] = std::move(*totals);
  }
  return sides;
}

// Every pair either ledger booked, compared side against side: the pairs whose money agrees go
// to `agreed` for netting, the others to `held`.
void compare_pairs(const std::map<std::string, lg::SideTotals>& sides,
                   std::vector<cl::BilateralTotal>& agreed, std::vector<HeldPair>& held) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& [region, side] : sides) {
    for (const auto& [treating, counted] : side.payable) pairs.insert({region, treating});
    for (const auto& [insured, counted] : side.receivable) pairs.insert({insured, region});
  }
  for (const auto& [insured, treating] : pairs) {
    HeldPair pair{insured, treating, {}, {}};
    if (auto it = sides.find(insured); it != sides.end() && it->second.payable.contains(treating)) {
      pair.insured_side = it->second.payable.at(treating);
    }
    if (auto it = sides.find(treating);
        it != sides.end() && it->second.receivable.contains(insured)) {
      pair.treating_side = it->second.receivable.at(insured);
    }
    // The money must agree; entry counts are reported, not compared (an adjustment that took
    // back a claim booked on one side only leaves the counts apart and the amounts equal).
    if (sides.contains(insured) && sides.contains(treating) &&
        pair.insured_side.amount == pair.treating_side.amount) {
      agreed.push_back({insured, treating, pair.insured_side.amount, pair.insured_side.entries});
    } else {
      held.push_back(pair);
    }
  }
}

// Stages each ledger's mark and statement and commits them, ledger by ledger.
Status record_clearing(const std::map<std::string, lg::Ledger*>& ledgers, const std::string& period,
                       const PeriodClearing& out) {
  for (const auto& [region, ledger] : ledgers) {
    Status staged = ledger->stage_document(lg::documents::clearing_mark(period),
                                           lg::encode_clearing_mark(out.marks.at(region)));
    if (staged.is_ok()) {
      staged = ledger->stage_document(lg::documents::clearing_statement(period),
                                      clearing_statement_json(out, region));
    }
    if (!staged.is_ok()) {
      return Status::conflict(region + ": period " + period +
                              " was cleared before with other entries: " + staged.message());
    }
    if (Status committed = ledger->commit(); !committed.is_ok()) {
      return Status::error(region + ": " + committed.message());
    }
  }
  return Status::ok();
}

}  // namespace

std::string clearing_json(const PeriodClearing& clearing) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.clearing.v1");
  w.key("period").string(clearing.result.period);
  w.key("pairs_netted").integer(static_cast<int64_t>(clearing.result.pairs));
  w.key("gross").string(clearing.result.gross.to_string());
  w.key("total_pay_in").string(clearing.result.total_pay_in.to_string());
  w.key("total_pay_out").string(clearing.result.total_pay_out.to_string());
  w.key("positions").begin_object();
  for (const cl::RegionPosition& p : clearing.result.positions) {
    w.key(p.region).begin_object();
    write_position(w, p);
    w.end_object();
  }
  w.end_object();
  w.key("bilateral").begin_array();
  for (const cl::BilateralTotal& t : clearing.totals) {
    w.begin_object().key("insured").string(t.insured).key("treating").string(t.treating);
    w.key("amount").string(t.amount.to_string());
    w.key("entries").integer(static_cast<int64_t>(t.entries)).end_object();
  }
  w.end_array();
  w.key("held").begin_array();
  for (const HeldPair& h : clearing.held) write_held(w, h);
  w.end_array();
  w.end_object();
  return w.take();
}

std::string clearing_statement_json(const PeriodClearing& clearing, const std::string& region) {
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.clearing-statement.v1");
  w.key("period").string(clearing.result.period);
  w.key("region").string(region);
  if (const cl::RegionPosition* p = position_of(clearing, region)) {
    write_position(w, *p);
  }
  w.key("counterparts").begin_array();
  for (const cl::BilateralTotal& t : clearing.totals) {
    if (t.insured != region && t.treating != region) continue;
    const bool payer = t.insured == region;
    w.begin_object().key("region").string(payer ? t.treating : t.insured);
    w.key(payer ? "payable" : "receivable").string(t.amount.to_string());
    w.key("entries").integer(static_cast<int64_t>(t.entries)).end_object();
  }
  w.end_array();
  w.key("held").begin_array();
  for (const HeldPair& h : clearing.held) {
    if (h.insured == region || h.treating == region) write_held(w, h);
  }
  w.end_array();
  if (auto it = clearing.marks.find(region); it != clearing.marks.end()) {
    w.key("through_seq").integer(static_cast<int64_t>(it->second.through_seq));
  }
  w.end_object();
  return w.take();
}

std::string statement_csv(const PeriodClearing& clearing, const std::string& region) {
  std::ostringstream csv;
  csv << "period,region,line,counterpart,amount_yuan,entries\n";
  const std::string head = clearing.result.period + "," + region + ",";
  for (const cl::BilateralTotal& t : clearing.totals) {
    if (t.insured == region) {
      csv << head << "payable," << t.treating << "," << t.amount.to_string() << "," << t.entries
          << "\n";
    } else if (t.treating == region) {
      csv << head << "receivable," << t.insured << "," << t.amount.to_string() << "," << t.entries
          << "\n";
    }
  }
  for (const HeldPair& h : clearing.held) {
    if (h.insured == region) {
      csv << head << "held_payable," << h.treating << "," << h.insured_side.amount.to_string()
          << "," << h.insured_side.entries << "\n";
    } else if (h.treating == region) {
      csv << head << "held_receivable," << h.insured << "," << h.treating_side.amount.to_string()
          << "," << h.treating_side.entries << "\n";
    }
  }
  if (const cl::RegionPosition* p = position_of(clearing, region)) {
    for (const auto& [line, amount] : {std::pair{"net", p->net},
                                       {"pay_in", p->pay_in},
                                       {"pay_out", p->pay_out},
                                       {"prepayment_before", p->prepayment_before},
                                       {"prepayment_drawn", p->prepayment_drawn},
                                       {"prepayment_after", p->prepayment_after},
                                       {"prepayment_floor", p->prepayment_floor},
                                       {"shortfall", p->shortfall},
                                       {"top_up", p->top_up}}) {
      csv << head << line << ",," << amount.to_string() << ",\n";
    }
  }
  return csv.str();
}

Status write_clearing_files(const PeriodClearing& clearing, const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Status::error(dir + ": " + error.message());
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream file(fs::path(dir) / name, std::ios::trunc);
    file << text;
    return file.good();
  };
  bool ok = write("clearing.json", clearing_json(clearing) + "\n");
  for (const auto& [region, mark] : clearing.marks) {
    ok = ok &&
         write("statement-" + region + ".json", clearing_statement_json(clearing, region) + "\n") &&
         write("statement-" + region + ".csv", statement_csv(clearing, region));
  }
  return ok ? Status::ok() : Status::error("cannot write the statements in " + dir);
}

Result<std::map<std::string, cl::Prepayment>> parse_prepayments(std::string_view text) {
  Result<adapters::Json> parsed = adapters::parse_json(text);
  if (!parsed.is_ok()) return Status::error("prepayments: " + parsed.status().message());
  const adapters::Json& root = *parsed;
  const adapters::Json* format = root.find("format");
  if (!root.is_object() || format == nullptr || format->text != "medclear.prepayments.v1") {
    return Status::error("prepayments: format must be medclear.prepayments.v1");
  }
  const adapters::Json* regions = root.find("regions");
  if (regions == nullptr || !regions->is_object())
    return Status::error("prepayments: regions must be an object");
  std::map<std::string, cl::Prepayment> out;
  for (const auto& [region, value] : regions->members) {
    cl::Prepayment prepayment;
    for (const auto& [field, target] :
         {std::pair{"balance", &prepayment.balance}, std::pair{"floor", &prepayment.floor}}) {
      const adapters::Json* amount = value.find(field);
      std::optional<cl::Money> money =
          amount != nullptr && amount->is_string() ? cl::parse_money(amount->text) : std::nullopt;
      if (!money) {
        return Status::error("prepayments: regions." + region + "." + field +
                             " must be a yuan string");
      }
      *target = *money;
    }
    out[region] = prepayment;
  }
  return out;
}

Result<PeriodClearing> clear_ledgers_at(const std::string& ledgers_dir, const std::string& period,
                                        const std::string& prepayments_path,
                                        const std::string& out_dir) {
  std::map<std::string, cl::Prepayment> prepayments;
  if (!prepayments_path.empty()) {
    std::ifstream file(prepayments_path);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) return Status::not_found("cannot read the prepayments " + prepayments_path);
    Result<std::map<std::string, cl::Prepayment>> parsed = parse_prepayments(text.str());
    if (!parsed.is_ok()) return parsed.status();
    prepayments = std::move(*parsed);
  }
  Result<lg::LedgerSet> opened = lg::open_ledger_set(ledgers_dir);
  if (!opened.is_ok()) return opened.status();
  Result<PeriodClearing> cleared = clear_period(opened->ledgers, period, prepayments, true);
  if (!cleared.is_ok()) return cleared;
  if (Status written = write_clearing_files(*cleared, out_dir); !written.is_ok()) return written;
  return cleared;
}

}  // namespace medclear::gateway
