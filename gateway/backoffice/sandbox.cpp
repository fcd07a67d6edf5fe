#include "gateway/backoffice/sandbox.h"

#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "adapters/json.h"
#include "adapters/reference_json.h"
#include "clearing/codec.h"
#include "clearing/codes.h"
#include "clearing/engine.h"
#include "clearing/split.h"
#include "gateway/backoffice/html.h"
#include "gateway/backoffice/sandbox_html.h"
#include "ledger/entry.h"
#include "ledger/keys.h"

namespace medclear::gateway {

namespace fs = std::filesystem;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

void SandboxTotals::add(const cl::SettlementAmounts& a) {
  fund_pay_sumamt += a.fund_pay_sumamt;
  hifp_pay += a.hifp_pay;
  hifmi_pay += a.hifmi_pay;
  hifob_pay += a.hifob_pay;
  maf_pay += a.maf_pay;
  acct_pay += a.acct_pay;
  psn_cash_pay += a.psn_cash_pay;
}

SandboxTotals SandboxTotals::operator-(const SandboxTotals& o) const {
  return {fund_pay_sumamt - o.fund_pay_sumamt,
          hifp_pay - o.hifp_pay,
          hifmi_pay - o.hifmi_pay,
          hifob_pay - o.hifob_pay,
          maf_pay - o.maf_pay,
          acct_pay - o.acct_pay,
          psn_cash_pay - o.psn_cash_pay};
}

namespace {

using html::cell;
using html::escape;
using html::fill_page;
using html::magnitude;
using html::share;

// What the sandbox reads: one ledger database at one point in time (a node's snapshot, or a
// RocksDB secondary instance the command opened), and the ledger's region.
struct Source {
  rocksdb::DB* db = nullptr;
  rocksdb::ReadOptions read;
  std::string region;
};

// The setl_id of the entry that last compensated `setl_id` (the K index, ledger/FORMAT.md).
Result<std::optional<std::string>> compensator_of(const Source& source, std::string_view setl_id) {
  std::string value;
  rocksdb::Status read =
      source.db->Get(source.read, lg::keys::text(lg::keys::kCompensation, setl_id), &value);
  if (read.IsNotFound()) return std::optional<std::string>();
  if (!read.ok()) return Status::error("compensation index: " + read.ToString());
  cl::ByteReader in(value);
  uint64_t seq = 0;
  if (!in.u64(seq) || in.remaining() != 0) return Status::corruption("corrupt K value");
  std::string entry;
  read = source.db->Get(source.read, lg::keys::journal(seq), &entry);
  if (!read.ok())
    return Status::error("journal entry " + std::to_string(seq) + ": " + read.ToString());
  Result<lg::DecodedEntry> decoded = lg::decode_entry(entry);
  if (!decoded.is_ok()) return decoded.status();
  return std::optional<std::string>(std::move(decoded->entry.record.setl_id));
}

// How often the walk looks at the clock.
constexpr uint64_t kDeadlineStride = 4096;

struct PersonTally {
  cl::Money baseline;  // Σ psn_part_amt as booked
  cl::Money draft;     // Σ psn_part_amt under the draft
};

// What the sandbox keeps while it walks the insured ledger's journal: its own accumulators and
// personal accounts (never the ledger's), and what each compensated settlement moved in it.
struct Walk {
  const cl::ReferenceData& reference;
  const cl::Policy& draft;
  const SandboxOptions& options;
  std::unordered_set<std::string> compensated;    // setl_ids some entry compensates (K keys)
  std::unordered_set<std::string> out_of_effect;  // of them, those not in effect now
  std::unordered_map<std::string, cl::AccumulatorDelta> moved;     // by compensated setl_id
  std::unordered_map<std::string, cl::Accumulators> accumulators;  // psn \0 year, draft insutype
  std::unordered_map<std::string, cl::Money> account_used;         // by psn_no
  std::unordered_map<std::string, PersonTally> people;
  SandboxResult result;
  cl::WideInt volume = 0;  // Σ |medfee_sumamt| of the claims decided again: bounds every sum
};

std::string accumulator_key(const cl::SettlementRecord& r) {
  return r.psn_no + '\0' + std::to_string(r.year);
}

// Every setl_id the ledger's compensation index (K) names, and whether it is in effect now
// (the clearing core's one rule, clearing::in_effect, over the index).
Status read_compensations(const Source& source, Walk& walk) {
  std::unique_ptr<rocksdb::Iterator> it(source.db->NewIterator(source.read));
  const std::string prefix = lg::keys::prefix(lg::keys::kCompensation);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    walk.compensated.emplace(it->key().ToStringView().substr(1));
  }
  if (!it->status().ok()) return Status::error("compensation index: " + it->status().ToString());
  for (const std::string& setl_id : walk.compensated) {
    Result<bool> effect = cl::in_effect(
        setl_id, [&source](std::string_view id) { return compensator_of(source, id); });
    if (!effect.is_ok()) return effect.status();
    if (!*effect) walk.out_of_effect.insert(setl_id);
  }
  return Status::ok();
}

// The draft replaces the policy in force at the settlement's date when that policy is the one of
// the draft's division and insurance type (policy_for: exact division, then prefecture, then
// province); without a policy in force in the reference data, when the draft's area covers the
// insured division.
bool draft_replaces(const Walk& walk, const cl::SettlementRecord& r) {
  if (r.insutype != walk.draft.insutype) return false;
  const cl::Policy* in_force =
      walk.reference.policy_for(r.insuplc_admdvs, r.insutype, r.setl_time.date);
  if (in_force != nullptr) return in_force->admdvs == walk.draft.admdvs;
  return cl::area_covers(walk.draft.admdvs, r.insuplc_admdvs);
}

bool in_period(const SandboxOptions& options, cl::Date day) {
  return (!options.from || *options.from <= day) && (!options.to || day <= *options.to);
}

// The split terms of a booked settlement under the draft (clearing::claim_terms, the engine's
// rule). nullopt: the draft refuses the claim (no valid filing, no emergency, unfiled "refuse").
std::optional<cl::SplitTerms> draft_terms(const Walk& walk, const cl::SettlementRecord& r,
                                          const cl::Person& person, const cl::Facility& facility) {
  // The ledger keeps no acct_used_flag: a settlement that drew on the account asked for it.
  return cl::claim_terms(walk.draft, person, facility, r.med_type, r.setl_time.date,
                         r.amounts.acct_pay > cl::Money::zero());
}

// A claim the draft refuses: no direct settlement, the patient pays the bill.
cl::SettlementAmounts refused_amounts(const cl::SettlementAmounts& booked) {
  cl::SettlementAmounts a;
  a.medfee_sumamt = booked.medfee_sumamt;
  a.fulamt_ownpay_amt = booked.fulamt_ownpay_amt;
  a.overlmt_selfpay = booked.overlmt_selfpay;
  a.preselfpay_amt = booked.preselfpay_amt;
  a.inscp_scp_amt = booked.inscp_scp_amt;
  a.psn_part_amt = booked.medfee_sumamt;
  a.psn_cash_pay = booked.medfee_sumamt;
  return a;
}

void tally(Walk& walk, const cl::SettlementRecord& r, const cl::Facility& facility,
           const cl::SettlementAmounts& decided) {
  SandboxResult& out = walk.result;
  ++out.claims;
  const cl::Date day = r.setl_time.date;
  if (!walk.options.from && (!out.from || day < *out.from)) out.from = day;
  if (!walk.options.to && (!out.to || *out.to < day)) out.to = day;
  out.baseline.add(r.amounts);
  out.draft.add(decided);
  SandboxGroup& group = out.by[{cl::is_inpatient(r.med_type) ? "inpatient" : "outpatient",
                                facility.level, lg::region_of(r.mdtrtarea_admvs)}];
  ++group.claims;
  group.baseline_fund += r.amounts.fund_pay_sumamt;
  group.draft_fund += decided.fund_pay_sumamt;
  PersonTally& person = walk.people[r.psn_no];
  person.baseline += r.amounts.psn_part_amt;
  person.draft += decided.psn_part_amt;
}

// Decides a booked settlement again under the draft; returns what it moves in the sandbox.
Result<cl::AccumulatorDelta> decide_again(Walk& walk, const cl::SettlementRecord& r) {
  const cl::Person* person = walk.reference.person(r.psn_no);
  const cl::Facility* facility = walk.reference.facility(r.fixmedins_code);
  if (person == nullptr || facility == nullptr) {
    return Status::invalid(
        "reference data: settlement " + r.setl_id + " names " +
        (person == nullptr ? "psn_no " + r.psn_no : "fixmedins_code " + r.fixmedins_code) +
        ", which is not in it");
  }
  // Every sum of the walk (totals, groups, people, accumulators, their differences) is bounded by
  // the bills read, which a hospital books up to kClaimAmountMaxFen each: a period too large for
  // Money's range is refused, never a failed overflow check.
  walk.volume += r.amounts.medfee_sumamt.is_negative()
                     ? -static_cast<cl::WideInt>(r.amounts.medfee_sumamt.fen())
                     : static_cast<cl::WideInt>(r.amounts.medfee_sumamt.fen());
  if (walk.volume > cl::Money::kMaxFen / 4) {
    return Status::invalid(
        "the period's bills are too large to add up exactly; ask for fewer days");
  }
  const bool counted = !walk.out_of_effect.contains(r.setl_id);
  if (counted && walk.options.claims_max != 0 && walk.result.claims >= walk.options.claims_max) {
    return Status::invalid("the period holds more than " + std::to_string(walk.options.claims_max) +
                           " claims of the draft's region and insurance type; ask for fewer days");
  }
  const std::optional<cl::SplitTerms> terms = draft_terms(walk, r, *person, *facility);
  if (!terms) {
    if (counted) {
      ++walk.result.refused;
      tally(walk, r, *facility, refused_amounts(r.amounts));
    }
    return cl::AccumulatorDelta{};
  }
  const cl::ClaimTotals totals{r.amounts.medfee_sumamt, r.amounts.fulamt_ownpay_amt,
                               r.amounts.overlmt_selfpay, r.amounts.preselfpay_amt,
                               r.amounts.inscp_scp_amt};
  const cl::Money balance = person->account_balance - walk.account_used[r.psn_no];
  const cl::SplitResult split =
      cl::split_claim(totals, *terms, walk.accumulators[accumulator_key(r)], balance);
  if (!cl::check_identities(split.amounts, false).is_ok()) ++walk.result.identity_failures;
  if (counted) tally(walk, r, *facility, split.amounts);
  return split.delta;
}

void apply(Walk& walk, const cl::SettlementRecord& r, const cl::AccumulatorDelta& delta) {
  if (r.insutype == walk.draft.insutype) {
    cl::Accumulators& year = walk.accumulators[accumulator_key(r)];
    year = year + delta.year;
  }
  if (!delta.account_used.is_zero()) walk.account_used[r.psn_no] += delta.account_used;
}

// One insured-side entry: a settlement of the period under the draft is decided again; anything
// else moves the sandbox as it moved the ledger, and a compensation negates what the settlement
// it compensates moved in the sandbox.
Status step(Walk& walk, const lg::Entry& entry) {
  const cl::SettlementRecord& r = entry.record;
  if (entry.side != lg::Side::kInsured || r.kind == cl::RecordKind::kAdjustment) {
    return Status::ok();
  }
  cl::AccumulatorDelta delta = r.delta;
  if (r.kind == cl::RecordKind::kSettlement) {
    if (in_period(walk.options, r.setl_time.date) && draft_replaces(walk, r)) {
      Result<cl::AccumulatorDelta> decided = decide_again(walk, r);
      if (!decided.is_ok()) return decided.status();
      delta = *decided;
    }
  } else if (const auto it = walk.moved.find(r.compensates); it != walk.moved.end()) {
    delta = it->second.negated();
  }
  apply(walk, r, delta);
  if (walk.compensated.contains(r.setl_id)) walk.moved[r.setl_id] = delta;
  return Status::ok();
}

Status walk_journal(const Source& source, Walk& walk) {
  std::unique_ptr<rocksdb::Iterator> it(source.db->NewIterator(source.read));
  const std::string prefix = lg::keys::prefix(lg::keys::kJournal);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (++walk.result.entries_read % kDeadlineStride == 0 && walk.options.deadline &&
        std::chrono::steady_clock::now() > *walk.options.deadline) {
      return Status::unavailable("the sandbox ran past its deadline after " +
                                 std::to_string(walk.result.entries_read) +
                                 " journal entries; ask for fewer days");
    }
    Result<lg::DecodedEntry> decoded = lg::decode_entry(it->value().ToStringView());
    if (!decoded.is_ok()) return decoded.status();
    if (Status s = step(walk, decoded->entry); !s.is_ok()) return s;
  }
  if (!it->status().ok()) return Status::error("journal read: " + it->status().ToString());
  return Status::ok();
}

size_t change_bucket(cl::Money change) {
  size_t i = 0;
  while (i < std::size(kChangeUpperFen) && change.fen() > kChangeUpperFen[i]) ++i;
  return i;
}

void count_people(Walk& walk) {
  SandboxResult& out = walk.result;
  for (const auto& [psn_no, tally] : walk.people) {
    const cl::Money change = tally.draft - tally.baseline;
    ++out.change_buckets[change_bucket(change)];
    if (change > cl::Money::zero()) {
      ++out.pay_more;
      out.pay_more_total += change;
      out.largest_increase = std::max(out.largest_increase, change);
    } else if (change.is_negative()) {
      ++out.pay_less;
      out.pay_less_total -= change;
      out.largest_decrease = std::max(out.largest_decrease, -change);
    } else {
      ++out.same;
    }
  }
}

Result<std::string> read_text(const std::string& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) return Status::not_found(what + ": cannot read " + path);
  return text.str();
}

// ---- output ----

using TotalsField = std::pair<const char*, cl::Money SandboxTotals::*>;
const std::vector<TotalsField>& totals_fields() {
  static const std::vector<TotalsField> kFields{
      {"fund_pay_sumamt", &SandboxTotals::fund_pay_sumamt},
      {"hifp_pay", &SandboxTotals::hifp_pay},
      {"hifmi_pay", &SandboxTotals::hifmi_pay},
      {"hifob_pay", &SandboxTotals::hifob_pay},
      {"maf_pay", &SandboxTotals::maf_pay},
      {"acct_pay", &SandboxTotals::acct_pay},
      {"psn_cash_pay", &SandboxTotals::psn_cash_pay}};
  return kFields;
}

std::string day_text(const std::optional<cl::Date>& day) { return day ? day->to_string() : ""; }

// "(above, upto]" of change bucket i in yuan; the ends open.
std::string bucket_label(size_t i) {
  const auto yuan = [](int64_t fen) { return cl::Money::from_fen(fen).to_string(); };
  if (i == 0) return "≤ " + yuan(kChangeUpperFen[0]);
  if (i == std::size(kChangeUpperFen)) return "> " + yuan(kChangeUpperFen[i - 1]);
  if (kChangeUpperFen[i] == 0) return "0.00";
  return yuan(kChangeUpperFen[i - 1] + 1) + " to " + yuan(kChangeUpperFen[i]);
}

void write_totals(adapters::JsonWriter& w, const char* name, const SandboxTotals& t) {
  w.key(name).begin_object();
  for (const auto& [field, member] : totals_fields()) w.key(field).string((t.*member).to_string());
  w.end_object();
}

void write_people(adapters::JsonWriter& w, const SandboxResult& r) {
  w.key("people").begin_object();
  w.key("pay_more").integer(static_cast<int64_t>(r.pay_more));
  w.key("pay_less").integer(static_cast<int64_t>(r.pay_less));
  w.key("same").integer(static_cast<int64_t>(r.same));
  w.key("pay_more_total").string(r.pay_more_total.to_string());
  w.key("pay_less_total").string(r.pay_less_total.to_string());
  w.key("largest_increase").string(r.largest_increase.to_string());
  w.key("largest_decrease").string(r.largest_decrease.to_string());
  w.key("change").begin_array();
  for (size_t i = 0; i < kChangeBuckets; ++i) {
    w.begin_object();
    if (i < std::size(kChangeUpperFen)) {
      w.key("upto").string(cl::Money::from_fen(kChangeUpperFen[i]).to_string());
    } else {
      w.key("upto").null();
    }
    w.key("people").integer(static_cast<int64_t>(r.change_buckets[i])).end_object();
  }
  w.end_array().end_object();
}

void write_groups(adapters::JsonWriter& w, const SandboxResult& r) {
  w.key("by").begin_array();
  for (const auto& [key, g] : r.by) {
    w.begin_object().key("benefit").string(std::get<0>(key));
    w.key("level").integer(std::get<1>(key)).key("treating").string(std::get<2>(key));
    w.key("claims").integer(static_cast<int64_t>(g.claims));
    w.key("delta_fund").string((g.draft_fund - g.baseline_fund).to_string());
    w.key("baseline_fund").string(g.baseline_fund.to_string());
    w.key("draft_fund").string(g.draft_fund.to_string());
    w.end_object();
  }
  w.end_array();
}

// Booked and draft side by side per fund field.
std::string fund_bars(const SandboxResult& r, int row_height) {
  cl::Money largest = cl::Money::from_fen(1);
  for (const auto& [field, member] : totals_fields()) {
    largest = std::max({largest, magnitude(r.baseline.*member), magnitude(r.draft.*member)});
  }
  std::ostringstream bars;
  int y = 4;
  for (const auto& [field, member] : totals_fields()) {
    bars << "<text x=\"10\" y=\"" << y + 17 << "\" font-size=\"11\">" << field << "</text>";
    int bar_y = y;
    for (const auto& [totals, colour] :
         {std::pair{&r.baseline, "#9aa5b1"}, {&r.draft, "#2e86ab"}}) {
      const cl::Money value = (*totals).*member;
      bars << "<rect x=\"130\" y=\"" << bar_y << "\" width=\""
           << std::max(1, share(value, largest, 480)) << "\" height=\"" << row_height / 2 - 2
           << "\" fill=\"" << colour << "\"/><text x=\"" << 620 << "\" y=\"" << bar_y + 10
           << "\" font-size=\"10\">" << value.to_string() << "</text>";
      bar_y += row_height / 2;
    }
    y += row_height + 6;
  }
  return bars.str();
}

std::string group_name(const std::tuple<std::string, int, std::string>& key) {
  return std::get<0>(key) + " L" + std::to_string(std::get<1>(key)) + " " + std::get<2>(key);
}

// One diverging bar per group: right, the funds pay more under the draft.
std::string group_bars(const SandboxResult& r, int row_height) {
  cl::Money largest = cl::Money::from_fen(1);
  for (const auto& [key, g] : r.by)
    largest = std::max(largest, magnitude(g.draft_fund - g.baseline_fund));
  std::ostringstream bars;
  int y = 4;
  for (const auto& [key, g] : r.by) {
    const cl::Money delta = g.draft_fund - g.baseline_fund;
    const int width = std::max(1, share(delta, largest, 250));
    const bool less = delta.is_negative();
    bars << "<text x=\"10\" y=\"" << y + 12 << "\" font-size=\"11\">" << escape(group_name(key))
         << "</text><rect x=\"" << (less ? 430 - width : 430) << "\" y=\"" << y << "\" width=\""
         << width << "\" height=\"" << row_height - 4 << "\" fill=\""
         << (less ? "#d1495b" : "#2e86ab") << "\"/><text x=\"" << (less ? 440 : 170) << "\" y=\""
         << y + 12 << "\" font-size=\"10\">" << delta.to_string() << "</text>";
    y += row_height;
  }
  return bars.str();
}

// People per change bucket, one column each.
std::string change_bars(const SandboxResult& r) {
  uint64_t most = 1;
  for (uint64_t n : r.change_buckets) most = std::max(most, n);
  std::ostringstream bars;
  const int column = 720 / static_cast<int>(kChangeBuckets);
  for (size_t i = 0; i < kChangeBuckets; ++i) {
    const uint64_t n = r.change_buckets[i];
    const int height = n == 0 ? 0 : std::max<int>(1, static_cast<int>(n * 160 / most));
    const int x = 20 + static_cast<int>(i) * column;
    const char* colour = i < 4 ? "#1a7f37" : i == 4 ? "#9aa5b1" : "#d1495b";
    bars << "<rect x=\"" << x + 4 << "\" y=\"" << 180 - height << "\" width=\"" << column - 8
         << "\" height=\"" << height << "\" fill=\"" << colour << "\"/><text x=\"" << x + 6
         << "\" y=\"" << 174 - height << "\" font-size=\"10\">" << n << "</text><text x=\"" << x + 2
         << "\" y=\"" << 194 + static_cast<int>(i % 2) * 12 << "\" font-size=\"9\">"
         << escape(bucket_label(i)) << "</text>";
  }
  return bars.str();
}

std::string total_rows(const SandboxResult& r) {
  std::string rows;
  for (const auto& [field, member] : totals_fields()) {
    rows += "<tr>" + cell(field) + cell((r.baseline.*member).to_string()) +
            cell((r.draft.*member).to_string()) +
            cell((r.draft.*member - r.baseline.*member).to_string()) + "</tr>";
  }
  return rows;
}

std::string group_rows(const SandboxResult& r) {
  std::string rows;
  for (const auto& [key, g] : r.by) {
    rows += "<tr>" + cell(std::get<0>(key)) + cell(std::to_string(std::get<1>(key))) +
            cell(escape(std::get<2>(key))) + cell(std::to_string(g.claims)) +
            cell(g.baseline_fund.to_string()) + cell(g.draft_fund.to_string()) +
            cell((g.draft_fund - g.baseline_fund).to_string()) + "</tr>";
  }
  return rows;
}

}  // namespace

std::string sandbox_json(const SandboxResult& r) {
  adapters::JsonWriter w;
  w.begin_object().key("format").string("medclear.sandbox.v1");
  w.key("admdvs").string(r.admdvs).key("insutype").string(r.insutype);
  for (const auto& [name, day] : {std::pair{"from", &r.from}, {"to", &r.to}}) {
    w.key(name);
    if (*day) {
      w.string((*day)->to_string());
    } else {
      w.null();
    }
  }
  w.key("claims").integer(static_cast<int64_t>(r.claims));
  write_totals(w, "baseline", r.baseline);
  write_totals(w, "draft", r.draft);
  write_totals(w, "delta", r.draft - r.baseline);
  write_people(w, r);
  write_groups(w, r);
  w.key("refused").integer(static_cast<int64_t>(r.refused));
  w.key("identity_failures").integer(static_cast<int64_t>(r.identity_failures));
  w.key("entries_read").integer(static_cast<int64_t>(r.entries_read));
  return w.end_object().take();
}

std::string sandbox_csv(const SandboxResult& r) {
  std::ostringstream out;
  out << "section,benefit,level,treating,name,value\n";
  out << "summary,,,,admdvs," << r.admdvs << "\nsummary,,,,insutype," << r.insutype << "\n";
  out << "summary,,,,from," << day_text(r.from) << "\nsummary,,,,to," << day_text(r.to) << "\n";
  out << "summary,,,,claims," << r.claims << "\nsummary,,,,refused," << r.refused << "\n";
  out << "summary,,,,identity_failures," << r.identity_failures << "\n";
  const SandboxTotals delta = r.draft - r.baseline;
  for (const auto& [section, totals] :
       {std::pair{"baseline", &r.baseline}, {"draft", &r.draft}, {"delta", &delta}}) {
    for (const auto& [field, member] : totals_fields()) {
      out << section << ",,,," << field << "," << ((*totals).*member).to_string() << "\n";
    }
  }
  out << "people,,,,pay_more," << r.pay_more << "\npeople,,,,pay_less," << r.pay_less
      << "\npeople,,,,same," << r.same << "\npeople,,,,pay_more_total,"
      << r.pay_more_total.to_string() << "\npeople,,,,pay_less_total,"
      << r.pay_less_total.to_string() << "\n";
  for (size_t i = 0; i < kChangeBuckets; ++i) {
    out << "change,,,,\"" << bucket_label(i) << "\"," << r.change_buckets[i] << "\n";
  }
  for (const auto& [key, g] : r.by) {
    const std::string prefix = "by," + std::get<0>(key) + "," + std::to_string(std::get<1>(key)) +
                               "," + std::get<2>(key) + ",";
    out << prefix << "claims," << g.claims << "\n"
        << prefix << "delta_fund," << (g.draft_fund - g.baseline_fund).to_string() << "\n";
  }
  return out.str();
}

std::string sandbox_html(const SandboxResult& r) {
  constexpr int kFundRow = 28, kGroupRow = 18;
  const cl::Money delta_fund = r.draft.fund_pay_sumamt - r.baseline.fund_pay_sumamt;
  const std::string span = (r.from ? r.from->to_string() : "the first day") + " to " +
                           (r.to ? r.to->to_string() : "the last day");
  const std::string refused =
      r.refused == 0 ? std::string()
                     : std::to_string(r.refused) +
                           " of them the draft refuses (no valid filing, unfiled \"refuse\"): "
                           "counted as paid by the patient.";
  return fill_page(
      kSandboxPage,
      {{"subject", escape(r.admdvs + " insutype " + r.insutype)},
       {"span", escape(span)},
       {"claims", std::to_string(r.claims)},
       {"delta_fund", delta_fund.to_string()},
       {"delta_class", delta_fund.is_negative() ? "ok"
                       : delta_fund.is_zero()   ? ""
                                                : "bad"},
       {"pay_more", std::to_string(r.pay_more)},
       {"pay_less", std::to_string(r.pay_less)},
       {"same", std::to_string(r.same)},
       {"identity_failures", std::to_string(r.identity_failures)},
       {"identity_class", r.identity_failures == 0 ? "ok" : "bad"},
       {"refused_note", escape(refused)},
       {"funds_height",
        std::to_string(8 + (kFundRow + 6) * static_cast<int>(totals_fields().size()))},
       {"fund_bars", fund_bars(r, kFundRow)},
       {"total_rows", total_rows(r)},
       {"groups_height", std::to_string(8 + kGroupRow * static_cast<int>(r.by.size()))},
       {"group_bars", group_bars(r, kGroupRow)},
       {"group_rows", group_rows(r)},
       {"change_bars", change_bars(r)},
       {"pay_more_total", r.pay_more_total.to_string()},
       {"pay_less_total", r.pay_less_total.to_string()},
       {"largest_increase", r.largest_increase.to_string()},
       {"largest_decrease", r.largest_decrease.to_string()}});
}

namespace {

Result<SandboxResult> run_on(const Source& source, const cl::ReferenceData& reference,
                             const cl::Policy& draft, const SandboxOptions& options) {
  if (lg::region_of(draft.admdvs) != source.region) {
    return Status::invalid("the draft's admdvs " + draft.admdvs + " is not in region " +
                           source.region);
  }
  if (options.from && options.to && *options.to < *options.from) {
    return Status::invalid("the period's last day is before its first");
  }
  Walk walk{reference, draft, options, {}, {}, {}, {}, {}, {}, {}};
  walk.result.admdvs = draft.admdvs;
  walk.result.insutype = draft.insutype;
  walk.result.from = options.from;
  walk.result.to = options.to;
  if (Status s = read_compensations(source, walk); !s.is_ok()) return s;
  if (Status s = walk_journal(source, walk); !s.is_ok()) return s;
  count_people(walk);
  return std::move(walk.result);
}

// The ledger database at `db_path` as a RocksDB secondary instance: no lock, nothing written
// there, so a node may go on writing it; it holds what was durable when it was opened (the way
// ledger/backup.cpp reads a running node's ledger). Its meta must name `region`.
Result<SandboxResult> run_read_only(const std::string& db_path, const std::string& scratch,
                                    const std::string& region, const cl::ReferenceData& reference,
                                    const cl::Policy& draft, const SandboxOptions& options) {
  rocksdb::Options db_options;
  db_options.max_open_files = -1;  // keeps every table open: the writer may delete one meanwhile
  db_options.paranoid_checks = true;
  rocksdb::DB* opened = nullptr;
  rocksdb::Status status = rocksdb::DB::OpenAsSecondary(db_options, db_path, scratch, &opened);
  if (!status.ok()) return Status::error("open " + db_path + " read-only: " + status.ToString());
  const std::unique_ptr<rocksdb::DB> db(opened);
  status = db->TryCatchUpWithPrimary();
  if (!status.ok()) return Status::error("catch up with the ledger's writer: " + status.ToString());
  std::string meta;
  status = db->Get(rocksdb::ReadOptions(), lg::keys::prefix(lg::keys::kMeta), &meta);
  cl::ByteReader in(meta);
  std::string_view magic;
  uint8_t version = 0, algorithm = 0;
  Source source{db.get(), rocksdb::ReadOptions(), ""};
  if (!status.ok() || !in.raw(2, magic) || magic != "ML" || !in.u8(version) || !in.u8(algorithm) ||
      !in.str(source.region) || source.region != region) {
    return Status::invalid(db_path + " is not the ledger of region " + region);
  }
  return run_on(source, reference, draft, options);
}

}  // namespace

Result<SandboxResult> run_sandbox(const lg::Ledger& ledger, const cl::ReferenceData& reference,
                                  const cl::Policy& draft, const SandboxOptions& options) {
  return run_on({ledger.db(), ledger.read_options(), ledger.region()}, reference, draft, options);
}

Result<cl::Policy> parse_draft_policy(std::string_view text, const cl::CodeTables& codes) {
  Result<adapters::Json> json = adapters::parse_json(text);
  if (!json.is_ok()) return Status::invalid("policy is not valid JSON: " + json.status().message());
  return adapters::load_policy(*json, codes, "policy");
}

Result<SandboxQuery> parse_sandbox_query(std::string_view body,
                                         const std::map<std::string, std::string>& query,
                                         const cl::CodeTables& codes) {
  for (const auto& [name, value] : query) {
    if (name != "from" && name != "to" && name != "format") {
      return Status::invalid("unknown parameter " + name + " (from, to, format)");
    }
  }
  SandboxQuery asked;
  for (const auto& [name, day] :
       {std::pair{"from", &asked.options.from}, {"to", &asked.options.to}}) {
    if (const auto it = query.find(name); it != query.end()) {
      *day = cl::parse_date(it->second);
      if (!*day) return Status::invalid(std::string(name) + " must be YYYY-MM-DD");
    }
  }
  if (asked.options.from && asked.options.to && *asked.options.to < *asked.options.from) {
    return Status::invalid("to must not be before from");
  }
  asked.format = query.contains("format") ? query.at("format") : "json";
  if (asked.format != "json" && asked.format != "csv" && asked.format != "html") {
    return Status::invalid("format is json, csv or html");
  }
  Result<cl::Policy> draft = parse_draft_policy(body, codes);
  if (!draft.is_ok()) return draft.status();
  asked.draft = std::move(*draft);
  asked.options.claims_max = kSandboxClaimsMax;
  asked.options.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kSandboxTimeoutMs);
  return asked;
}

std::pair<std::string, std::string> render_sandbox(const SandboxResult& result,
                                                   const std::string& format) {
  if (format == "csv") return {sandbox_csv(result), "text/csv; charset=utf-8"};
  if (format == "html") return {sandbox_html(result), "text/html; charset=utf-8"};
  return {sandbox_json(result), "application/json"};
}

Result<SandboxResult> sandbox_at(const std::string& ledgers_dir, const std::string& reference_path,
                                 const std::string& policy_path, const SandboxOptions& options) {
  Result<std::string> reference_text = read_text(reference_path, "reference");
  if (!reference_text.is_ok()) return reference_text.status();
  Result<adapters::Scenario> reference = adapters::load_scenario(*reference_text);
  if (!reference.is_ok()) return Status::invalid("reference: " + reference.status().message());
  Result<std::string> policy_text = read_text(policy_path, "policy");
  if (!policy_text.is_ok()) return policy_text.status();
  Result<cl::Policy> draft = parse_draft_policy(*policy_text, reference->reference.codes);
  if (!draft.is_ok()) return draft.status();
  const std::string region = lg::region_of(draft->admdvs);
  const fs::path db = fs::path(ledgers_dir) / region / "db";
  std::error_code error;
  if (!fs::is_directory(db, error)) {
    return Status::not_found("no ledger of region " + region + " (the draft's admdvs " +
                             draft->admdvs + ") under " + ledgers_dir);
  }
  const fs::path scratch = fs::temp_directory_path(error) /
                           ("medclear-sandbox-" + std::to_string(::getpid()) + "-" + region);
  fs::create_directories(scratch, error);
  Result<SandboxResult> result =
      run_read_only(db.string(), scratch.string(), region, reference->reference, *draft, options);
  fs::remove_all(scratch, error);
  return result;
}

}  // namespace medclear::gateway
