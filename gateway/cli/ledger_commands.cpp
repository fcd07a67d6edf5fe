#include "gateway/cli/ledger_commands.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "adapters/json.h"
#include "gateway/backoffice/ledger_json.h"
#include "gateway/backoffice/receipt.h"
#include "gateway/cli/cli.h"
#include "ledger/backup.h"
#include "ledger/directory.h"
#include "ledger/merkle.h"
#include "ledger/proof.h"
#include "ledger/verify.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace lg = medclear::ledger;
namespace cl = medclear::clearing;

namespace {

constexpr const char* kUsage =
    "usage: medclear ledger <verify|dump|seal|proof|verify-proof|backup|restore|rotate-key> "
    "[options]\n\n"
    "  verify --dir D [--pubkey K]      check hash chain, double entry, indexes, balances,\n"
    "                                   accumulators and every seal; exit 1 naming the first "
    "fault\n"
    "  dump --dir D [--from SEQ] [--limit N] [--balances]\n"
    "                                   one JSON line per entry (and the balances)\n"
    "  seal --dir D --day YYYY-MM-DD [--key K]\n"
    "                                   seal every unsealed business day through DAY\n"
    "  proof --dir D --settlement SETL_ID\n"
    "                                   inclusion proof of a settlement in its day's seal\n"
    "  proof --dir D --receipt MSGID    the receipt of the entry booked under MSGID: entry,\n"
    "                                   inclusion proof, seal and key (ledger/RECEIPT.md)\n"
    "  proof --dir D --from-seal DAY --to-seal DAY\n"
    "                                   consistency proof: the later ledger extends the earlier\n"
    "  verify-proof --proof FILE [--pubkey K]\n"
    "                                   check a proof or a receipt without the ledger; a\n"
    "                                   receipt's amounts, then \"verified\" (exit 0) or\n"
    "                                   \"altered: why\" (exit 1)\n"
    "  backup --dir D --to B            back up the ledger (the node may be running) into the\n"
    "                                   backup directory B, verify the backup, keep older ones\n"
    "  rotate-key --dir D [--new-key FILE]\n"
    "                                   seal with a new key from the next seal on (generated, or\n"
    "                                   FILE): a rotation record signed by the old and new keys;\n"
    "                                   DIR/seal-key.pem becomes the new key, the old one is kept\n"
    "                                   as DIR/seal-key.retired-<fingerprint>.pem\n"
    "  backup --list --to B             the backups in B\n"
    "  restore --from B --dir D [--backup ID] [--force]\n"
    "                                   restore the latest (or ID) verified backup into D; a\n"
    "                                   non-empty D only with --force (moved aside, not deleted)\n";

// `verb` names the command in its messages ("medclear ledger seal").
std::optional<po::variables_map> parse(int argc, char** argv, po::options_description& options,
                                       int* exit_code) {
  return parse_options(argc, argv, options, kUsage, "medclear ledger " + std::string(argv[0]),
                       exit_code);
}

std::optional<lg::LedgerDirectory> open_existing(const std::string& dir) {
  Result<lg::LedgerDirectory> directory = lg::open_directory(dir, {}, false);
  if (!directory.is_ok()) {
    std::cerr << "medclear ledger: " << directory.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(*directory);
}

std::optional<lg::SigningKey> load_public(const po::variables_map& vm) {
  if (!vm.count("pubkey")) return std::nullopt;
  Result<lg::SigningKey> key = lg::SigningKey::load_public_pem(vm["pubkey"].as<std::string>());
  if (!key.is_ok()) {
    std::cerr << "medclear ledger: " << key.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(*key);
}

int verify_command(int argc, char** argv) {
  po::options_description options("medclear ledger verify");
  options.add_options()("dir", po::value<std::string>()->required(), "ledger directory")(
      "pubkey", po::value<std::string>(), "the region's public key (PEM) to check seals with");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger verify", *vm);
  check.ledger_directory("dir");
  check.existing_file("pubkey");
  if (!check.ok()) return check.refuse();
  auto directory = open_existing((*vm)["dir"].as<std::string>());
  if (!directory) return 2;
  std::optional<lg::SigningKey> key = load_public(*vm);
  if (vm->count("pubkey") && !key) return 2;
  const lg::VerifyReport report = lg::verify_ledger(*directory->ledger, key ? &*key : nullptr);
  if (!report.ok) {
    std::cout << "FAILED region=" << directory->ledger->region() << " " << report.problem << "\n";
    return 1;
  }
  std::cout << "ok region=" << directory->ledger->region() << " entries=" << report.entries
            << " index_keys=" << report.index_keys << " seals=" << report.seals
            << (key ? " key=trusted" : " key=as-named-in-seals") << "\n";
  for (const lg::KeyPeriod& period : report.keys) {
    std::cout << "seal key " << period.fingerprint << " from "
              << (period.first_day ? period.first_day->to_string() : std::string("the next seal"))
              << "\n";
  }
  return 0;
}

void write_entry(adapters::JsonWriter& w, const lg::DecodedEntry& d) {
  const lg::Entry& e = d.entry;
  const cl::SettlementRecord& r = e.record;
  static const char* kKinds[] = {"settlement", "cancel", "reversal", "adjustment"};
  w.begin_object();
  w.key("seq").integer(static_cast<int64_t>(e.seq));
  w.key("day").string(e.day.to_string());
  w.key("side").string(e.side == lg::Side::kInsured ? "insured" : "treating");
  w.key("kind").string(kKinds[static_cast<int>(r.kind)]);
  w.key("infno").string(cl::to_string(r.infno));
  w.key("setl_id").string(r.setl_id);
  w.key("msgid").string(r.msgid);
  w.key("compensates").string(r.compensates);
  w.key("insuplc_admdvs").string(r.insuplc_admdvs);
  w.key("mdtrtarea_admvs").string(r.mdtrtarea_admvs);
  w.key("fixmedins_code").string(r.fixmedins_code);
  w.key("setl_time").string(r.setl_time.to_string());
  w.key("medfee_sumamt").number_text(r.amounts.medfee_sumamt.to_string());
  w.key("fund_pay_sumamt").number_text(r.amounts.fund_pay_sumamt.to_string());
  w.key("acct_pay").number_text(r.amounts.acct_pay.to_string());
  w.key("legs").begin_array();
  for (const lg::Leg& leg : e.legs) {
    w.begin_object();
    w.key(leg.direction == lg::Direction::kDebit ? "debit" : "credit").string(leg.account);
    w.key("amount").number_text(leg.amount.to_string());
    w.end_object();
  }
  w.end_array();
  w.key("prev_hash").string(lg::to_hex(e.prev_hash));
  w.key("hash").string(lg::to_hex(d.hash));
  w.end_object();
}

int dump_command(int argc, char** argv) {
  po::options_description options("medclear ledger dump");
  options.add_options()("dir", po::value<std::string>()->required(), "ledger directory")(
      "from", po::value<std::string>()->default_value("1"),
      "first entry (sequence number, from 1)")("limit", po::value<std::string>(),
                                               "most entries, from 1 (default: all)")(
      "balances", "print the balances too");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger dump", *vm);
  check.ledger_directory("dir");
  const uint64_t from = check.unsigned_integer("from", 1);
  const uint64_t limit = vm->count("limit") ? check.unsigned_integer("limit", 1) : UINT64_MAX;
  if (!check.ok()) return check.refuse();
  auto directory = open_existing((*vm)["dir"].as<std::string>());
  if (!directory) return 2;
  lg::Ledger& ledger = *directory->ledger;
  for (uint64_t seq = from; seq <= ledger.last_seq() && seq - from < limit; ++seq) {
    Result<lg::DecodedEntry> entry = ledger.entry(seq);
    if (!entry.is_ok()) {
      std::cerr << "entry " << seq << ": " << entry.status().message() << "\n";
      return 1;
    }
    adapters::JsonWriter w;
    write_entry(w, *entry);
    std::cout << w.str() << "\n";
  }
  if (vm->count("balances")) {
    adapters::JsonWriter w;
    w.begin_object().key("balances").begin_object();
    Result<std::map<std::string, cl::Money>> balances = ledger.balances();
    if (!balances.is_ok()) {
      std::cerr << "medclear ledger dump: " << balances.status().message() << "\n";
      return 2;
    }
    for (const auto& [account, amount] : *balances) {
      w.key(account).number_text(amount.to_string());
    }
    w.end_object().end_object();
    std::cout << w.str() << "\n";
  }
  return 0;
}

int seal_command(int argc, char** argv) {
  po::options_description options("medclear ledger seal");
  options.add_options()("dir", po::value<std::string>()->required(), "ledger directory")(
      "day", po::value<std::string>()->required(), "seal every unsealed day through this one")(
      "key", po::value<std::string>(), "private key (PEM); default DIR/seal-key.pem");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger seal", *vm);
  check.ledger_directory("dir");
  const cl::Date day = check.date("day");
  check.existing_file("key");
  if (!check.ok()) return check.refuse();
  auto directory = open_existing((*vm)["dir"].as<std::string>());
  if (!directory) return 2;
  Result<lg::SigningKey> key =
      vm->count("key") ? lg::SigningKey::load_private_pem((*vm)["key"].as<std::string>())
                       : directory->seal_key();
  if (!key.is_ok()) {
    std::cerr << "medclear ledger seal: " << key.status().message() << "\n";
    return 2;
  }
  Result<lg::Seal> seal = directory->ledger->seal_through(day, *key);
  if (!seal.is_ok()) {
    std::cerr << "medclear ledger seal: " << seal.status().message() << "\n";
    return 1;
  }
  adapters::JsonWriter w;
  write_seal(w, *seal);
  std::cout << w.str() << "\n";
  return 0;
}

int inclusion_proof(lg::Ledger& ledger, const std::string& setl_id) {
  Result<std::string> proof = inclusion_proof_json(ledger, setl_id);
  if (!proof.is_ok()) {
    std::cerr << "medclear ledger proof: " << proof.status().message() << "\n";
    return 1;
  }
  std::cout << *proof << "\n";
  return 0;
}

int receipt(lg::Ledger& ledger, const std::string& msgid) {
  Result<std::string> receipt = receipt_json(ledger, msgid);
  if (!receipt.is_ok()) {
    std::cerr << "medclear ledger proof: " << receipt.status().message() << "\n";
    return 1;
  }
  std::cout << *receipt << "\n";
  return 0;
}

int consistency_proof(lg::Ledger& ledger, cl::Date from, cl::Date to) {
  Result<std::vector<lg::Seal>> seals = ledger.seals();
  const lg::Seal* old_seal = nullptr;
  const lg::Seal* new_seal = nullptr;
  for (const lg::Seal& seal : *seals) {
    if (seal.day == from) old_seal = &seal;
    if (seal.day == to) new_seal = &seal;
  }
  if (old_seal == nullptr || new_seal == nullptr || old_seal->ledger_size > new_seal->ledger_size) {
    std::cerr << "medclear ledger proof: need two seals, the first no later than the second\n";
    return 1;
  }
  Result<std::vector<lg::Digest>> leaves = ledger.prefix_leaves(new_seal->ledger_size);
  adapters::JsonWriter w;
  w.begin_object();
  w.key("format").string("medclear.proof.v1");
  w.key("type").string("consistency");
  w.key("region").string(ledger.region());
  w.key("path");
  write_hexes(w, lg::consistency_proof(ledger.algorithm(), *leaves, old_seal->ledger_size));
  w.key("old_seal");
  write_seal(w, *old_seal);
  w.key("new_seal");
  write_seal(w, *new_seal);
  w.end_object();
  std::cout << w.str() << "\n";
  return 0;
}

int proof_command(int argc, char** argv) {
  po::options_description options("medclear ledger proof");
  options.add_options()("dir", po::value<std::string>()->required(), "ledger directory")(
      "settlement", po::value<std::string>(), "setl_id to prove")(
      "receipt", po::value<std::string>(), "msgid whose receipt to write")(
      "from-seal", po::value<std::string>(), "older seal day")("to-seal", po::value<std::string>(),
                                                               "newer seal day");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger proof", *vm);
  check.ledger_directory("dir");
  check.not_with("settlement", "from-seal", "an inclusion proof or a consistency proof, not both");
  check.not_with("settlement", "to-seal", "an inclusion proof or a consistency proof, not both");
  check.not_with("receipt", "settlement", "an inclusion proof or a receipt, not both");
  check.not_with("receipt", "from-seal", "a receipt or a consistency proof, not both");
  check.only_with("from-seal", "to-seal");
  check.only_with("to-seal", "from-seal");
  check.non_empty("settlement");
  check.non_empty("receipt");
  const cl::Date from = check.date("from-seal");
  const cl::Date to = check.date("to-seal");
  check.ordered("from-seal", from, "to-seal", to);
  if (check.ok() && !vm->count("settlement") && !vm->count("receipt") && !vm->count("from-seal")) {
    check.fail("settlement",
               "required: give --settlement SETL_ID, --receipt MSGID, or --from-seal DAY and "
               "--to-seal DAY");
  }
  if (!check.ok()) return check.refuse();
  auto directory = open_existing((*vm)["dir"].as<std::string>());
  if (!directory) return 2;
  if (vm->count("settlement")) {
    return inclusion_proof(*directory->ledger, (*vm)["settlement"].as<std::string>());
  }
  if (vm->count("receipt")) return receipt(*directory->ledger, (*vm)["receipt"].as<std::string>());
  return consistency_proof(*directory->ledger, from, to);
}

// Reads the fields of a proof file written by `ledger proof`.
struct ProofReader {
  const adapters::Json& json;
  bool ok = true;
  std::string text(std::string_view key) {
    const adapters::Json* value = json.find(key);
    if (value == nullptr || !value->is_string()) {
      ok = false;
      return {};
    }
    return value->text;
  }
  // A JSON number of decimal digits that fits 64 bits (never throws).
  uint64_t whole_number(std::string_view key) {
    const adapters::Json* value = json.find(key);
    if (value == nullptr || !value->is_number()) {
      ok = false;
      return 0;
    }
    uint64_t n = 0;
    const char* end = value->text.data() + value->text.size();
    const auto [stop, error] = std::from_chars(value->text.data(), end, n);
    if (error != std::errc() || stop != end) ok = false;
    return n;
  }
  std::string bytes(std::string_view key) {
    Result<std::string> decoded = lg::bytes_from_hex(text(key));
    if (!decoded.is_ok()) ok = false;
    return decoded.is_ok() ? *decoded : std::string();
  }
  std::vector<lg::Digest> path() {
    std::vector<lg::Digest> out;
    const adapters::Json* list = json.find("path");
    if (list == nullptr || !list->is_array()) {
      ok = false;
      return out;
    }
    for (const adapters::Json& item : list->items) {
      Result<lg::Digest> digest = lg::digest_from_hex(item.text);
      if (!digest.is_ok()) ok = false;
      out.push_back(digest.is_ok() ? *digest : lg::Digest{});
    }
    return out;
  }
  lg::Seal seal(std::string_view key) {
    const adapters::Json* object = json.find(key);
    if (object == nullptr || !object->is_object()) {
      ok = false;
      return {};
    }
    ProofReader inner{*object};
    Result<lg::Seal> seal = lg::decode_seal(inner.bytes("encoded"));
    if (!inner.ok || !seal.is_ok()) {
      ok = false;
      return {};
    }
    return *seal;
  }
};

int verify_inclusion(ProofReader& reader, const lg::SigningKey* key, const char* signer) {
  lg::InclusionProof proof;
  proof.entry_bytes = reader.bytes("entry");
  proof.leaf_index = reader.whole_number("leaf_index");
  proof.path = reader.path();
  proof.seal = reader.seal("seal");
  if (!reader.ok) {
    std::cerr << "medclear ledger verify-proof: malformed inclusion proof\n";
    return 2;
  }
  Result<lg::DecodedEntry> entry = lg::verify_inclusion_proof(proof, key);
  if (!entry.is_ok()) {
    std::cout << "FAILED " << entry.status().message() << "\n";
    return 1;
  }
  std::cout << "ok setl_id=" << entry->entry.record.setl_id << " seq=" << entry->entry.seq
            << " in seal " << proof.seal.day.to_string() << " signed by " << signer << "\n";
  return 0;
}

int verify_consistency(ProofReader& reader, const lg::SigningKey* key, const char* signer) {
  lg::ConsistencyProof proof;
  proof.path = reader.path();
  proof.old_seal = reader.seal("old_seal");
  proof.new_seal = reader.seal("new_seal");
  if (!reader.ok) {
    std::cerr << "medclear ledger verify-proof: malformed consistency proof\n";
    return 2;
  }
  const Status status = lg::verify_consistency_proof(proof, key);
  if (!status.is_ok()) {
    std::cout << "FAILED " << status.message() << "\n";
    return 1;
  }
  std::cout << "ok ledger of " << proof.new_seal.day.to_string() << " ("
            << proof.new_seal.ledger_size << " entries) extends ledger of "
            << proof.old_seal.day.to_string() << " (" << proof.old_seal.ledger_size
            << " entries), signed by " << signer << "\n";
  return 0;
}

// A receipt (ledger/RECEIPT.md): what it proves and its amounts, then "verified"; or why not.
int verify_receipt_file(const adapters::Json& json, const lg::SigningKey* key) {
  Result<VerifiedReceipt> receipt = verify_receipt(json, key);
  if (!receipt.is_ok()) {
    std::cout << "altered: " << receipt.status().message() << "\n";
    return 1;
  }
  const cl::SettlementRecord& r = receipt->entry.entry.record;
  std::cout << "receipt of " << r.setl_id << " (msgid " << r.msgid << ", hospital "
            << r.fixmedins_code << ", infno " << static_cast<int>(r.infno) << ", "
            << r.setl_time.to_string() << ")\n"
            << "entry " << receipt->entry.entry.seq << " of region " << receipt->region
            << ", business day " << receipt->entry.entry.day.to_string() << ", in the seal of "
            << receipt->seal.day.to_string() << " signed by key " << receipt->fingerprint
            << (key != nullptr ? " (pinned)" : " (as the receipt names it)") << "\n";
  for (const auto& [name, yuan] : receipt->amounts) {
    std::cout << "  " << name << std::string(18 - name.size(), ' ') << yuan << "\n";
  }
  std::cout << "verified\n";
  return 0;
}

int verify_proof_main(int argc, char** argv) {
  po::options_description options("medclear ledger verify-proof");
  options.add_options()("proof", po::value<std::string>()->required(), "proof file (JSON)")(
      "pubkey", po::value<std::string>(), "the region's public key (PEM)");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger verify-proof", *vm);
  check.existing_file("proof");
  check.existing_file("pubkey");
  if (!check.ok()) return check.refuse();
  std::optional<lg::SigningKey> key = load_public(*vm);
  if (vm->count("pubkey") && !key) return 2;
  std::ifstream file((*vm)["proof"].as<std::string>());
  std::stringstream content;
  content << file.rdbuf();
  const Result<adapters::Json> json = adapters::parse_json(content.str());
  if (!file || !json.is_ok() || !json->is_object()) {
    std::cerr << "medclear ledger verify-proof: cannot read the proof\n";
    return 2;
  }
  if (const adapters::Json* format = json->find("format");
      format != nullptr && format->text == kReceiptFormat) {
    return verify_receipt_file(*json, key ? &*key : nullptr);
  }
  ProofReader reader{*json};
  const std::string type = reader.text("type");
  const char* signer = key ? "trusted key" : "the key named in the seal";
  if (type == "inclusion") return verify_inclusion(reader, key ? &*key : nullptr, signer);
  if (type == "consistency") return verify_consistency(reader, key ? &*key : nullptr, signer);
  std::cerr << "medclear ledger verify-proof: unknown proof type\n";
  return 2;
}

// The key files of `dir` after a rotation: the new key in seal-key.pem (and .pub.pem), the old one
// kept beside it under its fingerprint.
Status replace_key_files(const lg::LedgerDirectory& directory, const lg::SigningKey& old_key,
                         const lg::SigningKey& new_key) {
  const std::string retired = directory.path + "/seal-key.retired-" +
                              lg::key_fingerprint(old_key.public_key_raw()) + ".pem";
  if (Status saved = old_key.save_private_pem(retired); !saved.is_ok()) return saved;
  if (Status saved = new_key.save_private_pem(directory.private_key_path() + ".new");
      !saved.is_ok()) {
    return saved;
  }
  std::error_code error;
  std::filesystem::rename(directory.private_key_path() + ".new", directory.private_key_path(),
                          error);
  if (error) return Status::error("replace the seal key: " + error.message());
  return new_key.save_public_pem(directory.public_key_path());
}

int rotate_key_command(int argc, char** argv) {
  po::options_description options("medclear ledger rotate-key");
  options.add_options()("dir", po::value<std::string>()->required(), "ledger directory")(
      "new-key", po::value<std::string>(), "the new private key (PEM); default: generate one");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger rotate-key", *vm);
  check.ledger_directory("dir");
  check.existing_file("new-key");
  if (!check.ok()) return check.refuse();
  auto directory = open_existing((*vm)["dir"].as<std::string>());
  if (!directory) return 2;
  Result<lg::SigningKey> old_key = lg::SigningKey::load_private_pem(directory->private_key_path());
  Result<lg::SigningKey> new_key =
      vm->count("new-key") ? lg::SigningKey::load_private_pem((*vm)["new-key"].as<std::string>())
                           : lg::SigningKey::generate();
  if (!old_key.is_ok() || !new_key.is_ok()) {
    std::cerr << "medclear ledger rotate-key: "
              << (old_key.is_ok() ? new_key.status() : old_key.status()).message() << "\n";
    return 2;
  }
  Result<lg::KeyRotation> rotation = directory->ledger->rotate_seal_key(*old_key, *new_key);
  if (!rotation.is_ok()) {
    std::cerr << "medclear ledger rotate-key: " << rotation.status().message() << "\n";
    return 1;
  }
  if (Status saved = replace_key_files(*directory, *old_key, *new_key); !saved.is_ok()) {
    std::cerr << "medclear ledger rotate-key: the rotation is recorded but " << saved.message()
              << ": put the new key in " << directory->private_key_path() << " by hand\n";
    return 1;
  }
  std::cout << "ok rotation=" << rotation->index
            << " old=" << lg::key_fingerprint(rotation->old_key)
            << " new=" << lg::key_fingerprint(rotation->new_key) << " from the seal after "
            << (rotation->after_day ? rotation->after_day->to_string() : std::string("none"))
            << "\n";
  return 0;
}

int backup_list(const std::string& to) {
  Result<std::vector<lg::BackupListing>> backups = lg::list_backups(to);
  if (!backups.is_ok()) {
    std::cerr << "medclear ledger backup: " << backups.status().message() << "\n";
    return 2;
  }
  for (const lg::BackupListing& backup : *backups) {
    std::cout << "backup=" << backup.id << " time=" << backup.timestamp << " bytes=" << backup.bytes
              << "\n";
  }
  return 0;
}

int backup_command(int argc, char** argv) {
  po::options_description options("medclear ledger backup");
  options.add_options()("dir", po::value<std::string>(), "ledger directory")(
      "to", po::value<std::string>()->required(), "backup directory")("list",
                                                                      "list the backups in --to");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger backup", *vm);
  check.not_with("list", "dir", "--list reads the backup directory only");
  if (vm->count("dir")) check.ledger_directory("dir");
  if (check.ok() && !vm->count("list") && !vm->count("dir")) {
    check.fail("dir", "required: the ledger directory to back up");
  }
  if (!check.ok()) return check.refuse();
  const std::string to = (*vm)["to"].as<std::string>();
  if (vm->count("list")) return backup_list(to);
  const auto start = std::chrono::steady_clock::now();
  Result<lg::BackupReport> report = lg::backup_directory((*vm)["dir"].as<std::string>(), to);
  if (!report.is_ok()) {
    std::cerr << "medclear ledger backup: " << report.status().message() << "\n";
    return 1;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << "ok backup=" << report->id << " entries=" << report->entries
            << " seals=" << report->seals << " bytes=" << report->bytes
            << " new_bytes=" << report->new_bytes << " files=" << report->files.size()
            << " verified ms=" << ms << "\n";
  return 0;
}

int restore_command(int argc, char** argv) {
  po::options_description options("medclear ledger restore");
  options.add_options()("from", po::value<std::string>()->required(), "backup directory")(
      "dir", po::value<std::string>()->required(), "ledger directory to restore into")(
      "backup", po::value<std::string>(), "backup id (default: the latest)")(
      "force", "replace a non-empty ledger directory (it is moved aside)");
  int code = 0;
  const auto vm = parse(argc, argv, options, &code);
  if (!vm) return code;
  ArgumentChecks check("medclear ledger restore", *vm);
  const uint64_t id = vm->count("backup") ? check.unsigned_integer("backup", 1) : 0;
  if (id > UINT32_MAX) check.fail("backup", "not a backup id");
  if (!check.ok()) return check.refuse();
  Result<lg::RestoreReport> report = lg::restore_directory(
      (*vm)["from"].as<std::string>(), (*vm)["dir"].as<std::string>(),
      id == 0 ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(id)),
      vm->count("force") > 0);
  if (!report.is_ok()) {
    std::cerr << "medclear ledger restore: " << report.status().message() << "\n";
    return 1;
  }
  std::cout << "ok restored backup=" << report->id << " entries=" << report->entries
            << " seals=" << report->seals;
  if (!report->moved_aside.empty()) std::cout << " replaced_dir_moved_to=" << report->moved_aside;
  std::cout << "\n";
  return 0;
}

}  // namespace

int ledger_main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "medclear ledger: a verb is required: one of verify, dump, seal, proof, "
                 "verify-proof, backup, restore or rotate-key (medclear ledger --help)\n";
    return 2;
  }
  const std::string verb = argv[1];
  if (verb == "--help" || verb == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (verb == "verify") return verify_command(argc - 1, argv + 1);
  if (verb == "dump") return dump_command(argc - 1, argv + 1);
  if (verb == "seal") return seal_command(argc - 1, argv + 1);
  if (verb == "proof") return proof_command(argc - 1, argv + 1);
  if (verb == "verify-proof") return verify_proof_main(argc - 1, argv + 1);
  if (verb == "backup") return backup_command(argc - 1, argv + 1);
  if (verb == "rotate-key") return rotate_key_command(argc - 1, argv + 1);
  if (verb == "restore") return restore_command(argc - 1, argv + 1);
  std::cerr << "medclear ledger: unknown verb '" << verb
            << "': one of verify, dump, seal, proof, verify-proof, backup, restore or rotate-key "
               "(medclear ledger --help)\n";
  return 2;
}

}  // namespace medclear::gateway
