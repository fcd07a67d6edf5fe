// Peers pinned, TLS strict, revocation (issue 13, review H5, M5 and Lows): countersigning verifies
// the insured region's statement with its pinned seal key only and writes nothing otherwise; a
// statement or record out of bounds is a 400, never an abort; the node-to-node client refuses a
// server whose certificate is not OU=node, CN=<the peer region>; a revoked client certificate gets
// 401; a subject with two OUs is nobody; TLS 1.2 offers ECDHE + AEAD suites only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "adapters/json.h"
#include "clearing/record_codec.h"
#include "gateway/app/region_set.h"
#include "gateway/recon/recon_peer.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/tls/pki.h"
#include "gateway/tls/tls_policy.h"
#include "ledger/adjust.h"
#include "ledger/crypto.h"
#include "ledger/recon_items.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using testing::HttpsClient;
using testing::Identity;

constexpr const char* kHospital = "H31010400001";  // the worked examples' hospital, in 310000
constexpr const char* kTreating = "310000";

std::vector<cl::ReconItem> items_of(RegionSet& set, const std::string& region, cl::Date day,
                                    const std::pair<std::string, std::string>& pair) {
  std::promise<std::vector<cl::ReconItem>> items;
  set.node(region)->read([&](const lg::Ledger* ledger) {
    Result<lg::PairItems> read = lg::recon_items(*ledger, day);
    auto it = read.is_ok() ? read->find(pair) : read->end();
    items.set_value(read.is_ok() && it != read->end() ? it->second : std::vector<cl::ReconItem>{});
  });
  return items.get_future().get();
}

// What a treating ledger holds: its last entry and its statements.
std::pair<uint64_t, size_t> ledger_state(RegionSet& set, const std::string& region) {
  std::promise<std::pair<uint64_t, size_t>> state;
  set.node(region)->read([&](const lg::Ledger* ledger) {
    state.set_value({ledger->last_seq(), recorded_statements(*ledger, "")->size()});
  });
  return state.get_future().get();
}

// Two regions' ledgers with three differences between them (as recon_peer_test), served by a
// region set with the development PKI (crl.pem included) and pinned seal keys.
class Trust : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::fresh_directory("trust");
    const std::vector<cl::SettlementRecord> records = testing::scenario_records();
    const cl::SettlementRecord& base = records.front();
    insured_ = lg::region_of(base.insuplc_admdvs);
    treating_ = lg::region_of(base.mdtrtarea_admvs);
    day_ = base.setl_time.date;
    {
      auto dirs = testing::write_ledgers(root_ + "/ledgers", records);
      lg::Ledger& ins = *dirs.at(insured_).ledger;
      lg::Ledger& trt = *dirs.at(treating_).ledger;
      const cl::SettlementRecord differs = testing::renamed(base, "00003");
      cl::SettlementRecord differs_treating = differs;
      differs_treating.amounts.acct_pay += cl::Money::from_fen(100);
      differs_treating.amounts.psn_cash_pay -= cl::Money::from_fen(100);
      ASSERT_TRUE(trt.stage(testing::renamed(base, "00001"), lg::Side::kTreating).is_ok());
      ASSERT_TRUE(ins.stage(testing::renamed(base, "00002"), lg::Side::kInsured).is_ok());
      ASSERT_TRUE(ins.stage(differs, lg::Side::kInsured).is_ok());
      ASSERT_TRUE(trt.stage(differs_treating, lg::Side::kTreating).is_ok());
      ASSERT_TRUE(ins.commit().is_ok());
      ASSERT_TRUE(trt.commit().is_ok());
    }
    scenario_ = std::make_unique<adapters::Scenario>(testing::worked_examples());
    pki_ = root_ + "/pki";
    std::vector<DevHospital> hospitals;
    for (const auto& [code, facility] : scenario_->reference.facilities()) {
      hospitals.push_back({code, lg::region_of(facility.admdvs), facility.level});
    }
    ASSERT_TRUE(write_dev_pki(pki_, regions_of(scenario_->reference), hospitals).is_ok());
  }

  void start() {
    RegionSetOptions options;
    options.regions = regions_of(scenario_->reference);
    options.ledgers_dir = root_ + "/ledgers";
    options.pki_dir = pki_;
    options.partitions = 2;
    options.gateway.threads = 1;
    auto set = RegionSet::start(options, scenario_->reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }

  void TearDown() override {
    for (auto& gateway : extra_) gateway->stop();
    if (set_) set_->stop();
  }

  ReconPeerOptions peer_options(uint16_t port = 0) const {
    return {"127.0.0.1",
            port ? port : set_->gateway(treating_)->port(),
            pki_ + "/ca.pem",
            pki_ + "/node-" + insured_ + ".pem",
            pki_ + "/node-" + insured_ + ".key",
            30'000,
            treating_};
  }

  // Another gateway in front of the treating node: its own certificate, and pins as given.
  uint16_t extra_gateway(const std::string& certificate_stem, const PeerPins& pins,
                         const std::string& listen = "127.0.0.1") {
    GatewayOptions options;
    options.listen_address = listen;
    options.region = treating_;
    options.certificate_file = pki_ + "/" + certificate_stem + ".pem";
    options.key_file = pki_ + "/" + certificate_stem + ".key";
    options.client_ca_file = pki_ + "/ca.pem";
    options.threads = 1;
    GatewayServices services;
    services.node = set_->node(treating_);
    services.reference = &scenario_->reference;
    services.timeline = &timeline_;
    services.seal_key_file = root_ + "/ledgers/" + treating_ + "/seal-key.pem";
    services.peers = pins;
    Result<std::unique_ptr<Gateway>> started = Gateway::start(options, services);
    EXPECT_TRUE(started.is_ok()) << started.status().message();
    if (!started.is_ok()) return 0;
    extra_.push_back(std::move(*started));
    return extra_.back()->port();
  }

  lg::SigningKey insured_key() const {
    Result<lg::SigningKey> key =
        lg::SigningKey::load_private_pem(root_ + "/ledgers/" + insured_ + "/seal-key.pem");
    EXPECT_TRUE(key.is_ok());
    return std::move(*key);
  }

  // The true statement of the day, and the insured side's bookings of its differences (hex).
  std::pair<std::string, std::vector<std::string>> statement() {
    const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
    cl::ReconSide mine(items_of(*set_, insured_, day_, {insured_, treating_}), hash);
    cl::ReconSide theirs(items_of(*set_, treating_, day_, {insured_, treating_}), hash);
    PairStatement s{insured_,    treating_,    day_, cl::reconcile(mine, theirs),
                    mine.size(), theirs.size()};
    std::vector<std::string> differing;
    for (const cl::ReconDifference& d : s.result.differences) differing.push_back(d.setl_id);
    std::promise<std::vector<std::string>> hex;
    set_->node(insured_)->read([&](const lg::Ledger* ledger) {
      std::vector<std::string> out;
      auto bookings = lg::bookings_in_effect(*ledger, differing);
      for (const auto& [id, record] : *bookings) {
        cl::ByteWriter w;
        cl::encode_record(w, record);
        out.push_back(lg::to_hex(std::string_view(w.bytes())));
      }
      hex.set_value(std::move(out));
    });
    return {recon_statement_json(s), hex.get_future().get()};
  }

  std::array<std::string, 3> signature_by(const lg::SigningKey& key, const std::string& body,
                                          const std::string* named_key = nullptr) const {
    return {insured_, lg::to_hex(named_key ? *named_key : key.public_key_raw()),
            lg::to_hex(*key.sign(body))};
  }

  std::string root_, pki_, insured_, treating_;
  cl::Date day_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
  Timeline timeline_;
  std::vector<std::unique_ptr<Gateway>> extra_;
};

TEST_F(Trust, CountersignVerifiesWithThePinnedKeyOnlyAndWritesNothingOtherwise) {
  start();
  const auto [body, records] = statement();
  ASSERT_EQ(records.size(), 2u);  // missing_on_treating and amount_differs have a booking
  const auto before = ledger_state(*set_, treating_);
  Result<lg::SigningKey> stranger = lg::SigningKey::generate();
  ASSERT_TRUE(stranger.is_ok());
  const std::string pinned = insured_key().public_key_raw();
  {  // signed with a key of the caller's choosing, named as such: 403
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    EXPECT_FALSE(asker.countersign(body, signature_by(*stranger, body), records).has_value());
    EXPECT_NE(asker.error().find("403"), std::string::npos) << asker.error();
    EXPECT_NE(asker.error().find("pinned"), std::string::npos) << asker.error();
  }
  {  // signed with another key but naming the pinned one: the signature does not verify
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    EXPECT_FALSE(
        asker.countersign(body, signature_by(*stranger, body, &pinned), records).has_value());
    EXPECT_NE(asker.error().find("400"), std::string::npos) << asker.error();
  }
  {  // records that are not what the signed statement says the insured side holds
    std::vector<std::string> forged = records;
    Result<std::string> raw = lg::bytes_from_hex(forged[0]);
    cl::SettlementRecord record;
    cl::ByteReader in(*raw);
    ASSERT_TRUE(cl::decode_record(in, record).is_ok());
    record.amounts.acct_pay += cl::Money::from_fen(100000);
    record.amounts.psn_part_amt += cl::Money::from_fen(100000);
    record.amounts.medfee_sumamt += cl::Money::from_fen(100000);
    record.amounts.inscp_scp_amt += cl::Money::from_fen(100000);
    cl::ByteWriter w;
    cl::encode_record(w, record);
    forged[0] = lg::to_hex(std::string_view(w.bytes()));
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    EXPECT_FALSE(asker.countersign(body, signature_by(insured_key(), body), forged).has_value());
    EXPECT_NE(asker.error().find("400"), std::string::npos) << asker.error();
  }
  {  // a gateway that pins no key of the insured region countersigns nothing
    const uint16_t unpinned = extra_gateway("node-" + treating_, {});
    HttpsReconPeer asker(peer_options(unpinned), day_, insured_, treating_);
    EXPECT_FALSE(asker.countersign(body, signature_by(insured_key(), body), records).has_value());
    EXPECT_NE(asker.error().find("403"), std::string::npos) << asker.error();
  }
  EXPECT_EQ(ledger_state(*set_, treating_), before) << "a refused statement wrote something";
  {  // the insured region's own key: countersigned, kept, adjusted
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    const std::optional<std::string> signed_statement =
        asker.countersign(body, signature_by(insured_key(), body), records);
    ASSERT_TRUE(signed_statement.has_value()) << asker.error();
    const auto after = ledger_state(*set_, treating_);
    EXPECT_EQ(after.second, before.second + 1);
    EXPECT_GT(after.first, before.first);
  }
}

TEST_F(Trust, StatementsAndRecordsOutOfBoundsAre400AndTheNodeLives) {
  start();
  const lg::SigningKey key = insured_key();
  const std::string head = "{\"format\":\"medclear.reconciliation.v1\",\"id\":\"" +
                           day_.to_string() + "/" + insured_ + "-" + treating_ + "\",\"day\":\"" +
                           day_.to_string() + "\",\"insured\":\"" + insured_ +
                           "\",\"treating\":\"" + treating_ +
                           "\",\"balanced\":false,\"insured_claims\":1,\"treating_claims\":1,"
                           "\"bytes_exchanged\":0,\"bytes_full_transfer\":0,\"differences\":[";
  auto difference = [](const std::string& setl_id, const std::string& kind) {
    return "{\"setl_id\":\"" + setl_id + "\",\"kind\":\"" + kind +
           "\",\"insured_amount\":\"1.00\",\"treating_amount\":\"2.00\"}";
  };
  const std::vector<std::string> bad_statements{
      head + difference(std::string(64 * 1024, '7'), "amount_differs") + "]}",  // 64 KiB setl_id
      head + difference("not a setl id", "amount_differs") + "]}",
      head + difference("610100202603150000000001", "rewritten") + "]}",
      head + difference("610100202603150000000001", "amount_differs") + "," +
          difference("610100202603150000000001", "amount_differs") + "]}",
      head.substr(0, head.size() - 1) + "{\"many\":1}}"};
  for (const std::string& body : bad_statements) {
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    EXPECT_FALSE(asker.countersign(body, signature_by(key, body), {}).has_value());
    EXPECT_NE(asker.error().find("400"), std::string::npos)
        << body.substr(0, 300) << ": " << asker.error();
  }
  // A record near the limits of decimal(16,2): sums over it would leave Money's range.
  const auto [body, records] = statement();
  Result<std::string> raw = lg::bytes_from_hex(records[0]);
  cl::SettlementRecord record;
  cl::ByteReader in(*raw);
  ASSERT_TRUE(cl::decode_record(in, record).is_ok());
  record.amounts.acct_pay = cl::Money::from_fen(cl::Money::kMaxFen);
  record.amounts.fund_pay_sumamt = cl::Money::from_fen(cl::Money::kMaxFen);
  cl::ByteWriter w;
  cl::encode_record(w, record);
  for (const std::vector<std::string>& bad_records :
       {std::vector<std::string>{lg::to_hex(std::string_view(w.bytes()))},
        std::vector<std::string>{records[0], records[0]},        // one claim twice
        std::vector<std::string>{std::string(200 * 1024, 'a')},  // one huge record
        std::vector<std::string>{records[0], records[1], records[0],
                                 records[1]}}) {  // > differences
    HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
    EXPECT_FALSE(asker.countersign(body, signature_by(key, body), bad_records).has_value());
    EXPECT_NE(asker.error().find("400"), std::string::npos) << asker.error();
  }
  // Still serving, and nothing was kept.
  EXPECT_EQ(ledger_state(*set_, treating_).second, 0u);
  HttpsReconPeer asker(peer_options(), day_, insured_, treating_);
  EXPECT_TRUE(asker.summary().has_value()) << asker.error();
}

TEST_F(Trust, NodeClientRefusesAServerThatIsNotThePeerNode) {
  start();
  std::optional<CertificateAuthority> ca;
  ca.emplace(std::move(*CertificateAuthority::load(testing::read_file(pki_ + "/ca.pem"),
                                                   testing::read_file(pki_ + "/ca.key"))));
  // A hospital certificate that a careless CA also made good for servers.
  Result<IssuedCertificate> hospital = ca->issue({"hospital", kHospital, -3600, 86400, true});
  ASSERT_TRUE(hospital.is_ok());
  std::ofstream(pki_ + "/posing-hospital.pem") << hospital->certificate_pem;
  std::ofstream(pki_ + "/posing-hospital.key") << hospital->key_pem;
  const std::string other_region =
      insured_ != "440000" && treating_ != "440000" ? "440000" : insured_;
  ASSERT_TRUE(std::filesystem::exists(pki_ + "/node-" + other_region + ".pem")) << other_region;
  const PeerPins pins = set_->peer_pins(treating_);
  for (const auto& [stem, says] : std::vector<std::pair<std::string, std::string>>{
           {"posing-hospital", "OU=hospital"}, {"node-" + other_region, "CN=" + other_region}}) {
    const uint16_t port = extra_gateway(stem, pins);
    HttpsReconPeer asker(peer_options(port), day_, insured_, treating_);
    EXPECT_FALSE(asker.summary().has_value()) << stem;
    EXPECT_NE(asker.error().find(says), std::string::npos) << stem << ": " << asker.error();
    EXPECT_EQ(asker.http_bytes(), 0u) << "nothing was sent to " << stem;
  }
  // The peer node itself, on the same kind of extra gateway: answered.
  HttpsReconPeer genuine(peer_options(extra_gateway("node-" + treating_, pins)), day_, insured_,
                         treating_);
  EXPECT_TRUE(genuine.summary().has_value()) << genuine.error();
  // The address dialled must be in the certificate: the node certificates name 127.0.0.1 and
  // localhost, not 127.0.0.2.
  ReconPeerOptions elsewhere = peer_options(extra_gateway("node-" + treating_, pins, "127.0.0.2"));
  elsewhere.host = "127.0.0.2";
  HttpsReconPeer misnamed(elsewhere, day_, insured_, treating_);
  EXPECT_FALSE(misnamed.summary().has_value());
  EXPECT_EQ(misnamed.http_bytes(), 0u);
  EXPECT_EQ(misnamed.error().find("refused"), std::string::npos) << misnamed.error();
}

// A client certificate of the development CA whose subject has two OUs (hospital and regulator).
Identity two_ou_identity(const std::string& pki) {
  BIO* ca_bio = BIO_new_file((pki + "/ca.pem").c_str(), "r");
  BIO* key_bio = BIO_new_file((pki + "/ca.key").c_str(), "r");
  X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* ca_key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(ca_bio);
  BIO_free(key_bio);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 424242);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [field, value] : std::vector<std::pair<const char*, std::string>>{
           {"OU", "hospital"}, {"OU", "regulator"}, {"CN", kHospital}}) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert, X509_get_subject_name(ca));
  X509_sign(cert, ca_key, EVP_sha256());
  const Identity identity{pki + "/two-ou.pem", pki + "/two-ou.key"};
  FILE* out = std::fopen(identity.certificate_file.c_str(), "w");
  PEM_write_X509(out, cert);
  std::fclose(out);
  out = std::fopen(identity.key_file.c_str(), "w");
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  X509_free(cert);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  return identity;
}

TEST_F(Trust, RevokedOrAmbiguousClientCertificatesGet401) {
  // The development PKI writes its CRL and keeps its keys private from the start.
  ASSERT_TRUE(std::filesystem::exists(pki_ + "/crl.pem"));
  for (const std::string& stem :
       {std::string("ca"), std::string("regulator"), std::string("hospital-") + kHospital}) {
    struct stat info {};
    ASSERT_EQ(::stat((pki_ + "/" + stem + ".key").c_str(), &info), 0) << stem;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << stem;
  }
  std::optional<CertificateAuthority> ca;
  ca.emplace(std::move(*CertificateAuthority::load(testing::read_file(pki_ + "/ca.pem"),
                                                   testing::read_file(pki_ + "/ca.key"))));
  Result<IssuedCertificate> lost = ca->issue({"hospital", kHospital, -3600, 86400, false});
  ASSERT_TRUE(lost.is_ok());
  std::ofstream(pki_ + "/hospital-lost.pem") << lost->certificate_pem;
  std::ofstream(pki_ + "/hospital-lost.key") << lost->key_pem;
  ASSERT_TRUE(revoke_certificate(pki_, pki_ + "/hospital-lost.pem").is_ok());
  ASSERT_TRUE(revoke_certificate(pki_, pki_ + "/hospital-lost.pem").is_ok());  // twice: once listed
  // Another run of the PKI keeps the revocation.
  std::vector<DevHospital> hospitals{{kHospital, kTreating, 3}};
  ASSERT_TRUE(write_dev_pki(pki_, regions_of(scenario_->reference), hospitals).is_ok());
  const Identity two_ou = two_ou_identity(pki_);
  start();
  const std::string request = testing::to_text(scenario_->requests.at(0));
  HttpsClient revoked(set_->gateway(kTreating)->port(), pki_ + "/ca.pem",
                      {pki_ + "/hospital-lost.pem", pki_ + "/hospital-lost.key"});
  const testing::HttpAnswer refused = revoked.post("/v1/nhsa", request);
  EXPECT_EQ(refused.status, 401) << refused.body << refused.error;
  EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
  HttpsClient ambiguous(set_->gateway(kTreating)->port(), pki_ + "/ca.pem", two_ou);
  const testing::HttpAnswer nobody = ambiguous.post("/v1/nhsa", request);
  EXPECT_EQ(nobody.status, 401) << nobody.body << nobody.error;
  EXPECT_NE(nobody.body.find("exactly one OU"), std::string::npos) << nobody.body;
  HttpsClient good(
      set_->gateway(kTreating)->port(), pki_ + "/ca.pem",
      {pki_ + "/hospital-" + kHospital + ".pem", pki_ + "/hospital-" + kHospital + ".key"});
  const testing::HttpAnswer answered = good.post("/v1/nhsa", request);
  EXPECT_EQ(answered.status, 200) << answered.body << answered.error;
}

// One TLS handshake with OpenSSL's client API: the highest version and the ciphers offered.
bool handshake(uint16_t port, int max_version, const char* ciphers) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(context, max_version);
  SSL_CTX_set_security_level(context, 0);  // let the client offer what the server must refuse
  const bool offered = SSL_CTX_set_cipher_list(context, ciphers) == 1;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  bool done = false;
  if (offered && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    done = SSL_connect(ssl) == 1;
    if (done) SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
  SSL_CTX_free(context);
  return done;
}

// The serial number (hex) of the certificate the server at `port` presents, empty without one.
std::string server_serial(uint16_t port) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  std::string serial;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(peer), nullptr);
        char* hex = BN_bn2hex(number);
        serial = hex;
        OPENSSL_free(hex);
        BN_free(number);
        X509_free(peer);
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
  SSL_CTX_free(context);
  return serial;
}

TEST_F(Trust, ReloadedCertificatesServeNewConnectionsAndOpenOnesStay) {
  start();
  Gateway& gateway = *set_->gateway(kTreating);
  const uint16_t port = gateway.port();
  const Identity hospital{pki_ + "/hospital-" + kHospital + ".pem",
                          pki_ + "/hospital-" + kHospital + ".key"};
  HttpsClient open(port, pki_ + "/ca.pem", hospital);
  ASSERT_EQ(open.get("/v1/claims/none").status, 404);  // a verified, kept-alive connection
  const std::string serial_before = server_serial(port);
  ASSERT_FALSE(serial_before.empty());

  // A file that does not parse: the reload fails and changes nothing.
  const std::string node_pem = pki_ + "/node-" + std::string(kTreating) + ".pem";
  const std::string node_key = pki_ + "/node-" + std::string(kTreating) + ".key";
  std::ofstream(node_pem, std::ios::trunc) << "not a certificate\n";
  EXPECT_FALSE(gateway.reload_certificates().is_ok());
  EXPECT_EQ(server_serial(port), serial_before);

  // A new node certificate and the hospital's certificate revoked, then the reload.
  auto ca = CertificateAuthority::load(testing::read_file(pki_ + "/ca.pem"),
                                       testing::read_file(pki_ + "/ca.key"));
  ASSERT_TRUE(ca.is_ok());
  Result<IssuedCertificate> renewed = ca->issue({"node", kTreating, -3600, 86400, true});
  ASSERT_TRUE(renewed.is_ok());
  std::ofstream(node_pem, std::ios::trunc) << renewed->certificate_pem;
  std::ofstream(node_key, std::ios::trunc) << renewed->key_pem;
  ASSERT_TRUE(revoke_certificate(pki_, hospital.certificate_file).is_ok());
  ASSERT_TRUE(gateway.reload_certificates().is_ok());

  const std::string serial_after = server_serial(port);
  EXPECT_FALSE(serial_after.empty());
  EXPECT_NE(serial_after, serial_before);
  EXPECT_EQ(open.get("/v1/claims/none").status, 404) << "the open connection was dropped";
  HttpsClient fresh(port, pki_ + "/ca.pem", hospital);
  const testing::HttpAnswer refused = fresh.get("/v1/claims/none");
  EXPECT_EQ(refused.status, 401) << refused.body << refused.error;
  EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
}

TEST_F(Trust, Tls12OffersEcdheAeadSuitesOnly) {
  start();
  const uint16_t port = set_->gateway(kTreating)->port();
  EXPECT_FALSE(handshake(port, TLS1_2_VERSION, "AES128-SHA"));                 // RSA kx, CBC
  EXPECT_FALSE(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA"));     // CBC
  EXPECT_FALSE(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-AES256-SHA384"));  // CBC
  EXPECT_FALSE(handshake(port, TLS1_1_VERSION, "ALL"));                        // below 1.2
  EXPECT_TRUE(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_TRUE(handshake(port, TLS1_3_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384"));
}

TEST_F(Trust, NodeConfigAcceptsPinnedPeersOnly) {
  const std::string key_hex = lg::to_hex(lg::SigningKey::generate()->public_key_raw());
  auto config = [&](const std::string& peers, const std::string& gateway_extra = "") {
    const std::string path = root_ + "/node.json";
    std::ofstream(path) << "{\"format\":\"medclear.node.v1\",\"region\":\"" << treating_
                        << "\",\"ledger_dir\":\"" << root_ << "/ledgers/" << treating_
                        << "\",\"reference\":\""
                        << testing::source_path("tests/scenarios/worked_examples.json")
                        << "\",\"gateway\":{\"certificate_file\":\"" << pki_ << "/node-"
                        << treating_ << ".pem\",\"key_file\":\"" << pki_ << "/node-" << treating_
                        << ".key\",\"client_ca_file\":\"" << pki_ << "/ca.pem\"" << gateway_extra
                        << "},\"reconciliation\":{\"at\":\"02:00\",\"peers\":" << peers << "}}";
    return testing::run_medclear("node --config " + path + " 2>&1");
  };
  const std::string good = "{\"address\":\"127.0.0.1:8444\",\"node_cn\":\"" + insured_ +
                           "\",\"seal_public_key\":\"" + key_hex + "\"";
  for (const auto& [peers, says] : std::vector<std::pair<std::string, std::string>>{
           {"{\"" + insured_ + "\":\"127.0.0.1:8444\"}", "must be {"},  // the old form
           {"{\"" + insured_ + "\":" + good + ",\"extra\":1}}", "unknown key"},
           {"{\"" + insured_ + "\":{\"address\":\"127.0.0.1:8444\",\"node_cn\":\"" + insured_ +
                "\"}}",
            "needs address, node_cn and seal_public_key"},
           {"{\"" + insured_ + "\":{\"address\":\"127.0.0.1:8444\",\"node_cn\":\"" + treating_ +
                "\",\"seal_public_key\":\"" + key_hex + "\"}}",
            "node_cn must be the region"},
           {"{\"" + insured_ + "\":{\"address\":\"127.0.0.1:8444\",\"node_cn\":\"" + insured_ +
                "\",\"seal_public_key\":\"abcd\"}}",
            "seal_public_key"},
           {"{\"" + insured_ + "\":{\"address\":\"nowhere\",\"node_cn\":\"" + insured_ +
                "\",\"seal_public_key\":\"" + key_hex + "\"}}",
            "address"}}) {
    const auto [code, output] = config(peers);
    EXPECT_EQ(code, 2) << peers << ": " << output;
    EXPECT_NE(output.find(says), std::string::npos) << peers << ": " << output;
  }
  // A CRL file that is not there stops the gateway (exit 1), it is never skipped.
  const auto [code, output] = config("{\"" + insured_ + "\":" + good + "}}",
                                     ",\"crl_file\":\"" + root_ + "/no-such-crl.pem\"");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("CRL"), std::string::npos) << output;
}

}  // namespace
}  // namespace medclear::gateway
