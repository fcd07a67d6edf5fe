// Fuzzes the JSON model (adapters/json.h): any bytes parse or are refused with a message, never a
// crash; what parses writes back as a document that parses to the same text again (the writer is
// a fixed point after one round), and a string value written by append_json_string reads back
// as itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "adapters/json.h"

namespace ad = medclear::adapters;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_json: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ad::JsonLimits limits;
  limits.document_bytes_max = 1 << 20;
  const medclear::Result<ad::Json> parsed = ad::parse_json(input, limits);
  if (!parsed.is_ok()) {
    if (parsed.status().message().empty()) fail("a refused document without a message");
  } else {
    ad::JsonWriter writer;
    writer.value(*parsed);
    const std::string written = writer.take();
    const medclear::Result<ad::Json> again = ad::parse_json(written, limits);
    if (!again.is_ok()) fail("the writer's output does not parse");
    ad::JsonWriter rewriter;
    rewriter.value(*again);
    if (rewriter.str() != written) fail("writing a parsed document twice differs");
  }
  // Any bytes as a string value: when the literal parses (valid UTF-8), it is the same string.
  std::string literal;
  ad::append_json_string(literal, input);
  const medclear::Result<ad::Json> string_parse = ad::parse_json(literal, limits);
  if (string_parse.is_ok() && (!string_parse->is_string() || string_parse->text != input)) {
    fail("a string literal does not read back as itself");
  }
  return 0;
}
