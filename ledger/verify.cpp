#include "ledger/verify.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <array>
#include <map>

#include "clearing/codec.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/recon_items.h"
#include "ledger/rotation.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

// Everything the journal implies about the other key spaces: key → value.
using Expected = std::map<std::string, std::string>;

struct Walk {
  Expected expected;
  std::map<std::string, cl::WideInt> balances;
  std::map<std::string, std::array<cl::WideInt, cl::Accumulators::kFieldCount>> accumulators;
  std::map<std::string, cl::WideInt> accounts;
  std::map<std::string, uint64_t> region_counts;
  std::vector<Digest> leaves;                     // journal order
  std::map<int32_t, std::vector<uint64_t>> days;  // business day → seqs
};

std::string seq_value(uint64_t seq) {
  ByteWriter out;
  out.u64(seq);
  return std::move(out.bytes());
}

std::string entry_name(uint64_t seq) { return "entry " + std::to_string(seq); }

// Checks one decoded entry on its own and adds what it implies to the walk.
std::string check_entry(const DecodedEntry& decoded, uint64_t expected_seq, const Digest& prev_hash,
                        const Ledger& ledger, Walk& walk) {
  const Entry& e = decoded.entry;
  const cl::SettlementRecord& r = e.record;
  if (e.seq != expected_seq) return "seq " + std::to_string(e.seq) + " stored under another key";
  if (decoded.algorithm != ledger.algorithm()) return "hash algorithm differs from the ledger's";
  const std::string& own = e.side == Side::kInsured ? r.insuplc_admdvs : r.mdtrtarea_admvs;
  if (region_of(own) != ledger.region()) return "belongs to another region than the ledger's";
  if (e.prev_hash != prev_hash) return "hash chain broken (previous hash differs)";
  const bool compensating = r.amounts.medfee_sumamt.is_negative();
  const Status identities = cl::check_identities(r.amounts, compensating);
  if (!identities.is_ok()) return identities.message();
  if (e.legs != legs_for(r, e.side)) return "legs do not match the settlement amounts";
  walk.expected[keys::text(keys::kBySetlId, r.setl_id)] = seq_value(e.seq);
  if (!walk.expected.emplace(keys::text(keys::kByMsgid, r.msgid), seq_value(e.seq)).second) {
    return "msgid " + r.msgid + " appears twice";
  }
  if (!r.compensates.empty()) {
    walk.expected[keys::text(keys::kCompensation, r.compensates)] = seq_value(e.seq);
  }
  if (auto item = recon_item_key(e)) walk.expected[item->first] = std::move(item->second);
  if (auto key = hospital_day_key(e)) walk.expected[*key] = std::string();
  walk.days[e.day.days()].push_back(e.seq);
  for (const Leg& leg : e.legs) {
    walk.balances[leg.account] +=
        leg.direction == Direction::kDebit ? leg.amount.fen() : -leg.amount.fen();
  }
  if (e.side == Side::kInsured) {
    const cl::Accumulators& d = r.delta.year;
    // A settlement (and what compensates it, which keeps its med_type) moves only its own
    // branch's per-year deductible.
    const cl::Money other_branch =
        cl::is_inpatient(r.med_type) ? d.outpatient_deductible_paid : d.inpatient_deductible_paid;
    if (!other_branch.is_zero()) {
      return "med_type " + r.med_type + " moves the other branch's per-year deductible";
    }
    auto& year = walk.accumulators[keys::accumulator(r.psn_no, r.insutype, r.year)];
    const auto moved = d.values();
    for (size_t i = 0; i < moved.size(); ++i) year[i] += moved[i].fen();
    if (!r.delta.account_used.is_zero()) {
      walk.accounts[keys::text(keys::kAccount, r.psn_no)] += r.delta.account_used.fen();
    }
    ++walk.region_counts[keys::text(keys::kRegionCount, r.insuplc_admdvs)];
  }
  return {};
}

// Turns the recomputed sums into expected key → value, refusing what cannot be stored.
std::string finish_expected(Walk& walk) {
  auto money = [](cl::WideInt fen, std::string* out) {
    if (fen < -cl::Money::kMaxFen || fen > cl::Money::kMaxFen) return false;
    *out = encode_i64(static_cast<int64_t>(fen));
    return true;
  };
  for (const auto& [account, fen] : walk.balances) {
    if (!money(fen, &walk.expected[keys::text(keys::kBalance, account)])) {
      return "balance of " + account + " out of range";
    }
  }
  for (const auto& [key, year] : walk.accumulators) {
    cl::Accumulators a;
    const auto fields = a.fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (year[i] < 0 || year[i] > cl::Money::kMaxFen) return "accumulator out of range";
      *fields[i] = cl::Money::from_fen(static_cast<int64_t>(year[i]));
    }
    walk.expected[key] = encode_accumulators(a);
  }
  for (const auto& [key, fen] : walk.accounts) {
    if (fen < 0 || !money(fen, &walk.expected[key])) return "personal account use out of range";
  }
  for (const auto& [key, count] : walk.region_counts) walk.expected[key] = seq_value(count);
  return {};
}

// Compares one derived key space of the database with what the journal implies.
std::string compare_space(const Ledger& ledger, char space, const Expected& expected,
                          uint64_t* keys) {
  const std::string prefix(1, space);
  auto want = expected.lower_bound(prefix);
  std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator(ledger.read_options()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next(), ++*keys) {
    const std::string key = it->key().ToString();
    if (want == expected.end() || !std::string_view(want->first).starts_with(prefix) ||
        key < want->first) {
      return "index key " + to_hex(key) + " (" + std::string(1, space) + ") has no journal entry";
    }
    if (want->first < key) return "index key " + to_hex(want->first) + " is missing";
    if (it->value() != want->second) return "index key " + to_hex(key) + " has a wrong value";
    ++want;
  }
  if (!it->status().ok()) return "read failed: " + it->status().ToString();
  if (want != expected.end() && std::string_view(want->first).starts_with(prefix)) {
    return "index key " + to_hex(want->first) + " is missing";
  }
  return {};
}

// The kept frontier (F) is the last seal's: its size and root; there is none before the first seal.
std::string check_frontier(const Ledger& ledger, const Seal* last) {
  std::string kept;
  const rocksdb::Status read =
      ledger.db()->Get(ledger.read_options(), keys::prefix(keys::kFrontier), &kept);
  if (read.IsNotFound()) return last == nullptr ? "" : "the Merkle frontier (F) is missing";
  if (!read.ok()) return "frontier read failed: " + read.ToString();
  Result<MerkleFrontier> frontier = MerkleFrontier::decode(ledger.algorithm(), kept);
  if (!frontier.is_ok()) return frontier.status().message();
  if (last == nullptr || frontier->size() != last->ledger_size ||
      frontier->root() != last->ledger_root) {
    return "the Merkle frontier (F) is not the last seal's";
  }
  return {};
}

// The seals' signers: each the key the chain of rotations authorizes at its place (rotation.h);
// a trusted key must be one of them.
std::string check_keys(SealKeyChain& chain, const Digest& last, const SigningKey* trusted_key,
                       VerifyReport* report) {
  if (std::string problem = chain.finish(last); !problem.empty()) return problem;
  report->keys = chain.history();
  if (trusted_key == nullptr) return {};
  for (const KeyPeriod& period : chain.history()) {
    if (period.public_key == trusted_key->public_key_raw()) return {};
  }
  return report->seals == 0 && chain.history().empty() ? std::string()
                                                       : "seals signed by another key";
}

std::string check_seals(const Ledger& ledger, const Walk& walk, const SigningKey* trusted_key,
                        VerifyReport* report) {
  Result<std::vector<Seal>> seals = ledger.seals();
  if (!seals.is_ok()) return "seal: " + seals.status().message();
  Result<std::vector<KeyRotation>> rotations = ledger.rotations();
  if (!rotations.is_ok()) return "key rotation: " + rotations.status().message();
  SealKeyChain chain(std::move(*rotations));
  Digest previous{};
  std::optional<cl::Date> previous_day;
  MerkleFrontier frontier(ledger.algorithm());  // the journal prefix, extended seal by seal
  for (const Seal& seal : *seals) {
    const std::string name = "seal " + seal.day.to_string() + ": ";
    if (seal.prev_seal_hash != previous) return name + "chain to the previous seal broken";
    // The entries of the covered days in journal order (FORMAT.md), as seal_through took them:
    // an entry for an earlier day may follow entries of later days.
    std::vector<uint64_t> covered;
    for (const auto& [day, seqs] : walk.days) {
      if ((!previous_day || day > previous_day->days()) && day <= seal.day.days()) {
        covered.insert(covered.end(), seqs.begin(), seqs.end());
      }
    }
    std::sort(covered.begin(), covered.end());
    std::vector<Digest> day_leaves;
    day_leaves.reserve(covered.size());
    for (uint64_t seq : covered) day_leaves.push_back(walk.leaves[seq - 1]);
    if (day_leaves.size() != seal.day_count ||
        merkle_root(seal.algorithm, day_leaves) != seal.day_root) {
      return name + "day root does not match the entries";
    }
    if (seal.ledger_size > walk.leaves.size()) return name + "covers entries the journal lacks";
    if (seal.ledger_size < frontier.size()) frontier = MerkleFrontier(ledger.algorithm());
    while (frontier.size() < seal.ledger_size) frontier.append(walk.leaves[frontier.size()]);
    if (seal.algorithm != ledger.algorithm() || frontier.root() != seal.ledger_root) {
      return name + "ledger root does not match the journal";
    }
    if (std::string problem = chain.admit(seal, previous); !problem.empty()) return name + problem;
    Result<SigningKey> named = SigningKey::from_public_raw(seal.public_key);
    if (!named.is_ok()) return name + named.status().message();
    if (!named->verify(seal.signed_body(), seal.signature)) return name + "signature invalid";
    previous = seal.hash();
    previous_day = seal.day;
    ++report->seals;
  }
  if (std::string problem = check_keys(chain, previous, trusted_key, report); !problem.empty()) {
    return problem;
  }
  if (previous_day != ledger.last_sealed_day()) return "head names another last sealed day";
  if (std::string problem = check_frontier(ledger, seals->empty() ? nullptr : &seals->back());
      !problem.empty()) {
    return problem;
  }
  uint64_t first_unsealed = walk.leaves.size() + 1;
  for (const auto& [day, seqs] : walk.days) {
    if (!previous_day || day > previous_day->days())
      first_unsealed = std::min(first_unsealed, seqs.front());
  }
  if (!previous_day) first_unsealed = 1;
  if (ledger.first_unsealed_seq() != first_unsealed)
    return "head names another first unsealed entry";
  return {};
}

}  // namespace

VerifyReport verify_ledger(const Ledger& ledger, const SigningKey* trusted_key) {
  VerifyReport report;
  auto fail = [&](std::string problem) {
    report.problem = std::move(problem);
    return report;
  };
  Walk walk;
  Digest prev{};
  std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator(ledger.read_options()));
  const std::string prefix = keys::prefix(keys::kJournal);
  uint64_t seq = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ++seq;
    if (it->key() != keys::journal(seq)) return fail(entry_name(seq) + ": missing (journal gap)");
    Result<DecodedEntry> decoded = decode_entry(it->value().ToStringView());
    if (!decoded.is_ok()) return fail(entry_name(seq) + ": " + decoded.status().message());
    const std::string problem = check_entry(*decoded, seq, prev, ledger, walk);
    if (!problem.empty()) return fail(entry_name(seq) + ": " + problem);
    walk.leaves.push_back(merkle_leaf(ledger.algorithm(), it->value().ToStringView()));
    prev = decoded->hash;
  }
  if (!it->status().ok()) return fail("journal read failed: " + it->status().ToString());
  report.entries = seq;
  if (seq != ledger.last_seq() || prev != ledger.head_hash()) {
    return fail("head: names entry " + std::to_string(ledger.last_seq()) +
                " but the journal ends at entry " + std::to_string(seq));
  }
  if (std::string problem = finish_expected(walk); !problem.empty()) return fail(problem);
  // The W index is complete through the head (Ledger::open catches it up).
  if (seq > 0) walk.expected[keys::prefix(keys::kHospitalDay)] = seq_value(seq);
  for (char space :
       {keys::kBySetlId, keys::kByMsgid, keys::kCompensation, keys::kBalance, keys::kAccumulator,
        keys::kAccount, keys::kRegionCount, keys::kReconItem, keys::kHospitalDay}) {
    if (std::string problem = compare_space(ledger, space, walk.expected, &report.index_keys);
        !problem.empty()) {
      return fail(problem);
    }
  }
  {
    // The head's outbox counter names the last outbox message.
    std::unique_ptr<rocksdb::Iterator> outbox(ledger.db()->NewIterator(ledger.read_options()));
    outbox->SeekForPrev(keys::outbox(UINT64_MAX));
    if (!outbox->status().ok()) return fail("outbox read failed: " + outbox->status().ToString());
    const uint64_t last = outbox->Valid() && outbox->key().starts_with(keys::prefix(keys::kOutbox))
                              ? get_big_endian(outbox->key().ToStringView().substr(1), 8)
                              : 0;
    if (last != ledger.outbox_seq()) return fail("head names another last outbox message");
  }
  if (std::string problem = check_seals(ledger, walk, trusted_key, &report); !problem.empty()) {
    return fail(problem);
  }
  report.ok = true;
  return report;
}

}  // namespace medclear::ledger
