// `medclear pki revoke --dir DIR --certificate FILE`: revokes a certificate of the development PKI
// (gateway/tls/pki.h) by adding it to DIR/crl.pem; gateways started with that crl_file refuse it.
#pragma once

namespace medclear::gateway {

int pki_main(int argc, char** argv);

}  // namespace medclear::gateway
