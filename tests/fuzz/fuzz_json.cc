// Fuzzes the JSON model (adapters/json.h): any bytes parse or are refused with a message, never a
// crash; what parses writes back as a document that parses to the same text again (the writer is
// a fixed point after one round), and a string value written by append_json_string reads back
// as itself. The flat JsonDoc and the tree builder of before (tests/adapters/json_legacy.h) give
// the same answer: the same values, or the same refusal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "adapters/json.h"
#include "tests/adapters/json_legacy.h"

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
  const medclear::Result<ad::JsonDoc> flat = ad::parse_json_doc(input, limits);
  const medclear::Result<ad::Json> before = ad::legacy::parse_json(input, limits);
  if (flat.is_ok() != before.is_ok() || parsed.is_ok() != before.is_ok()) {
    fail("the flat parse and the tree of before disagree on acceptance");
  }
  if (!before.is_ok() && (flat.status().message() != before.status().message() ||
                          parsed.status().message() != before.status().message())) {
    fail("the flat parse and the tree of before refuse with different messages");
  }
  if (before.is_ok()) {
    ad::JsonWriter of_flat;
    of_flat.value(flat->root());
    ad::JsonWriter of_before;
    of_before.value(*before);
    if (of_flat.str() != of_before.str()) fail("the flat parse reads other values than before");
  }
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
