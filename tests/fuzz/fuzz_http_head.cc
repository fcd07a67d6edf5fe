// Fuzzes the HTTP/1.1 request parser the gateway reads with (Beast's request_parser<string_body>,
// gateway/http/server.cpp) under the gateway's default limits (GatewayLimits: body 1 MiB, header
// 16 KiB): any bytes, arriving in chunks of any size, give a request, a need for more, or an
// error — never a crash — and a parsed request stays within the limits.
#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace http = boost::beast::http;

namespace {

constexpr size_t kBodyBytesMax = 1 << 20;       // GatewayLimits::body_bytes_max
constexpr uint32_t kHeaderBytesMax = 16 << 10;  // GatewayLimits::header_bytes_max

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_http_head: property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte is the read size: bytes arrive as a socket gives them (1..256 at a time).
  const size_t chunk_bytes = size_t{data[0]} + 1;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::request_parser<http::string_body> parser;
  parser.body_limit(kBodyBytesMax);
  parser.header_limit(kHeaderBytesMax);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string buffer;  // what was read and not yet consumed, like the server's flat_buffer
  size_t offset = 0;
  while (!parser.is_done() && !ec) {
    if (offset < input.size()) {
      const size_t take = std::min(chunk_bytes, input.size() - offset);
      buffer.append(input, offset, take);
      offset += take;
    } else {
      parser.put_eof(ec);
      break;
    }
    const size_t used = parser.put(boost::asio::buffer(buffer), ec);
    if (ec == http::error::need_more) ec = {};
    if (used > buffer.size()) fail("consumed more than was given");
    buffer.erase(0, used);
  }
  if (parser.is_done() && !ec) {
    const auto& request = parser.get();
    if (request.body().size() > kBodyBytesMax) fail("a body over the limit");
    (void)request.method();
    (void)request.target();
    (void)request.keep_alive();
    for (const auto& field : request) (void)field.name_string();
  }
  return 0;
}
