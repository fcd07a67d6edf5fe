// The console (GET /console/): a small web application for bureaus and regulators, its three
// files (gateway/console/) built into the binary (embed_text.cmake, kept verbatim). Its views
// read the gateway's JSON routes from the browser with the client certificate that opened it;
// the page itself carries only who is looking (role, organisation), this gateway's region, the
// regions served here and the provinces' names (clearing/provinces.h), filled in by the server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace medclear::gateway {

struct ConsoleViewer {
  std::string role;                 // bureau or regulator (the server refuses anyone else first)
  std::string organisation;         // the certificate's CN
  std::string region;               // this gateway's region
  std::vector<std::string> served;  // every region served in this process
};

struct ConsoleFile {
  bool found = false;
  std::string body;
  std::string content_type;
};

// The file at `path` ("/console", "/console/", "/console/index.html", "/console/app.js",
// "/console/style.css"); not found for anything else under /console.
ConsoleFile console_file(std::string_view path, const ConsoleViewer& viewer);

// The Content-Security-Policy of every answer: nothing but this origin, no inline script or
// style, never framed.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace medclear::gateway
