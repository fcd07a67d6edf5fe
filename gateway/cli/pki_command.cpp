#include "gateway/cli/pki_command.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "gateway/cli/cli.h"
#include "gateway/tls/pki.h"

namespace medclear::gateway {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "medclear pki revoke --dir DIR --certificate FILE\n\n"
    "Revokes a certificate issued by the development CA in DIR (ca.pem, ca.key): its serial is\n"
    "added to DIR/crl.pem, signed again by the CA. Gateways read their crl_file when they start:\n"
    "restart them to refuse the certificate (401 \"certificate revoked\"). Exit 0 revoked, 1 not\n"
    "(unreadable CA or CRL, a certificate of another CA), 2 bad arguments.\n";

int revoke_command(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "development PKI directory")(
      "certificate", po::value<std::string>()->required(), "the certificate to revoke (PEM)");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, kUsage, "medclear pki revoke", &code);
  if (!vm) return code;
  ArgumentChecks check("medclear pki revoke", *vm);
  const std::string dir = check.existing_directory("dir");
  const std::string certificate = check.existing_file("certificate");
  if (!check.ok()) return check.refuse();
  if (Status revoked = revoke_certificate(dir, certificate); !revoked.is_ok()) {
    std::cerr << "medclear pki revoke: " << revoked.message() << "\n";
    return 1;
  }
  std::cout << "revoked " << certificate << " in " << dir << "/crl.pem\n";
  return 0;
}

}  // namespace

int pki_main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string verb = argv[1];
  if (verb == "--help" || verb == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (verb == "revoke") return revoke_command(argc - 1, argv + 1);
  std::cerr << "medclear pki: unknown verb '" << verb << "'\n" << kUsage;
  return 2;
}

}  // namespace medclear::gateway
