#include "adapters/json.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/adapters/json_legacy.h"
#include "tests/support/seed.h"

namespace medclear::adapters {
namespace {

std::string written(const Json& json) {
  JsonWriter writer;
  writer.value(json);
  return writer.take();
}

std::string written(const JsonNode& node) {
  JsonWriter writer;
  writer.value(node);
  return writer.take();
}

// The flat parse, the tree built from it and the tree builder of before agree on `text`: all
// accept it and read the same values, or all refuse it with the same message.
void expect_same_as_before(std::string_view text, const JsonLimits& limits = {}) {
  const Result<Json> before = legacy::parse_json(text, limits);
  const Result<Json> tree = parse_json(text, limits);
  const Result<JsonDoc> doc = parse_json_doc(text, limits);
  const std::string shown(text.substr(0, 120));
  ASSERT_EQ(before.is_ok(), doc.is_ok())
      << shown << ": " << before.status().message() << " / " << doc.status().message();
  ASSERT_EQ(before.is_ok(), tree.is_ok()) << shown;
  if (!before.is_ok()) {
    EXPECT_EQ(before.status().message(), doc.status().message()) << shown;
    EXPECT_EQ(before.status().message(), tree.status().message()) << shown;
    return;
  }
  EXPECT_EQ(written(*before), written(doc->root())) << shown;
  EXPECT_EQ(written(*before), written(*tree)) << shown;
}

TEST(Json, KeepsNumberTextExactly) {
  const Result<Json> parse =
      parse_json(R"({"a": 3043.64, "b": 0.1, "c": 12345678901234567890123, "d": -0})");
  ASSERT_TRUE(parse.is_ok()) << parse.status().message();
  EXPECT_EQ(parse->find("a")->text, "3043.64");
  EXPECT_EQ(parse->find("b")->text, "0.1");
  EXPECT_EQ(parse->find("c")->text, "12345678901234567890123");
  EXPECT_EQ(parse->find("d")->text, "-0");
}

TEST(Json, RefusesDuplicateKeysTrailingDataAndDepth) {
  EXPECT_FALSE(parse_json(R"({"a":1,"a":2})").is_ok());
  EXPECT_NE(parse_json(R"({"a":1,"a":2})").status().message().find("duplicate key"),
            std::string::npos);
  EXPECT_FALSE(parse_json(R"({"a":1} x)").is_ok());
  EXPECT_FALSE(parse_json(R"({"a":NaN})").is_ok());
  EXPECT_FALSE(parse_json("[[[[[1]]]]]", JsonLimits{.depth_max = 3}).is_ok());
  EXPECT_TRUE(parse_json("[[[1]]]", JsonLimits{.depth_max = 3}).is_ok());
  EXPECT_FALSE(parse_json("").is_ok());
}

TEST(Json, WriterRoundTrips) {
  const std::string text = R"({"s":"a\"b\\c\n","n":1.50,"t":true,"z":null,"a":[1,{"k":"中"}]})";
  const Result<Json> parse = parse_json(text);
  ASSERT_TRUE(parse.is_ok()) << parse.status().message();
  JsonWriter writer;
  writer.value(*parse);
  EXPECT_EQ(writer.str(), R"({"s":"a\"b\\c\u000a","n":1.50,"t":true,"z":null,"a":[1,{"k":"中"}]})");
}

TEST(JsonDoc, ReadsAsTheTreeDid) {
  for (const char* text : {
           R"({"a": 3043.64, "b": 0.1, "c": 12345678901234567890123, "d": -0})",
           R"([1e2, 1E+2, 1.005, -0, -0.0, 0.10, 5e-324, 1e400, -12345678901234567890123.5])",
           R"({"s":"a\"b\\c\n\/\b\f\r\t","u":"\u4e2d\u6587","p":"\ud83d\ude00","raw":"中文"})",
           R"({"\u0061":1,"b":{"c":[true,false,null,"",{},[]]}})",
           R"(  {"a" : [ 1 , 2 ] }  )",
           R"("only a string")",
           "12.50",
           "true",
           "null",
           "[]",
           "{}",
       }) {
    expect_same_as_before(text);
  }
}

TEST(JsonDoc, RefusesAsTheTreeDid) {
  for (const char* text : {
           R"({"a":1,"a":2})",
           R"({"a":1,"\u0061":2})",
           R"({"b":{"x":1,"y":{},"x":[]}})",
           R"({"a":1} x)",
           R"({"a":NaN})",
           R"({"a":01})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":-})",
           R"({"a":"\ud800"})",
           R"({"a":"\x"})",
           "{\"a\":\"\xff\"}",
           "{\"a\":\"\t\"}",
           R"({"a":1,})",
           R"([1,])",
           R"(// c
[1])",
           "",
           " ",
           "{",
           "[",
           R"({"a")",
           R"("abc)",
       }) {
    expect_same_as_before(text);
  }
  std::string many_keys = "{";
  for (int i = 0; i < 40; ++i) many_keys += "\"k" + std::to_string(i % 30) + "\":" + "1,";
  many_keys += "\"z\":0}";
  expect_same_as_before(many_keys);  // past 24 members: the sorted search names the same key
}

TEST(JsonDoc, DepthAndBudgetAsBefore) {
  for (size_t depth = 1; depth <= 5; ++depth) {
    for (const char* text : {"[[[1]]]", "[[[[[1]]]]]", R"({"a":{"b":{"c":[]}}})", "1"}) {
      expect_same_as_before(text, JsonLimits{.depth_max = depth});
    }
  }
  std::string objects = "[";
  while (objects.size() < 4096) objects += "{},";
  objects += "{}]";
  std::string wide = "{";
  for (int i = 0; i < 100; ++i) wide += "\"key" + std::to_string(i) + "\":[1,2,3,4,5,6,7,8,9],";
  wide += "\"end\":\"x\"}";
  for (size_t per_byte = 0; per_byte <= 40; per_byte += 4) {
    for (size_t divisor = 1; divisor <= 4; ++divisor) {
      const JsonLimits limits{.nodes_per_document_byte_max_divisor = divisor,
                              .memory_per_document_byte_max = per_byte};
      expect_same_as_before(objects, limits);
      expect_same_as_before(wide, limits);
    }
  }
  expect_same_as_before(wide, JsonLimits{.document_bytes_max = wide.size() - 1});
}

TEST(JsonDoc, ViewsTheDocumentAndOwnsUnescapedStrings) {
  const std::string text = R"({"plain":"abc","escaped":"a\nb","n":1.50,"list":[1,{"k":"v"}]})";
  Result<JsonDoc> parsed = parse_json_doc(text);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const JsonDoc doc = std::move(*parsed);  // moving keeps the unescaped copy's view valid
  const JsonNode& root = doc.root();
  ASSERT_TRUE(root.is_object());
  EXPECT_EQ(root.size, 4u);
  EXPECT_EQ(root.span, doc.node_count());
  EXPECT_EQ(root.find("plain")->text.data(), text.data() + 10);  // no copy
  EXPECT_EQ(root.find("escaped")->text, "a\nb");
  EXPECT_EQ(root.find("n")->text, "1.50");
  EXPECT_EQ(root.find("missing"), nullptr);
  const JsonNode* list = root.find("list");
  ASSERT_TRUE(list != nullptr && list->is_array());
  std::vector<std::string> items;
  for (const JsonNode& item : list->items()) items.push_back(written(item));
  EXPECT_EQ(items, (std::vector<std::string>{"1", R"({"k":"v"})"}));
  EXPECT_EQ(list->items().begin().operator*().find("k"), nullptr);  // a number has no members
}

// A random document from a small grammar, sometimes damaged: the new parse answers as before.
std::string random_value(std::mt19937_64& random, int depth) {
  static const char* kScalars[] = {
      "0",      "-0",          "1.005",   "1e2",    "-12.50",
      "1E+400", "true",        "false",   "null",   "\"\"",
      "\"a\"",  "\"\\u4e2d\"", "\"\\n\"", "\"中\"", "123456789012345678901234567890"};
  const uint64_t pick = random() % 10;
  if (depth >= 4 || pick < 5) return kScalars[random() % std::size(kScalars)];
  const size_t count = random() % (depth == 0 ? 40 : 10);  // past 24 keys: the sorted search
  std::string out = pick < 7 ? "[" : "{";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    if (pick >= 7) out += "\"k" + std::to_string(random() % 40) + "\":";
    out += random_value(random, depth + 1);
  }
  return out + (pick < 7 ? "]" : "}");
}

TEST(JsonDoc, RandomDocumentsAnswerAsBefore) {
  std::mt19937_64 random(testing::test_seed("JsonDoc.RandomDocumentsAnswerAsBefore"));
  for (int round = 0; round < 3000; ++round) {
    std::string text = random_value(random, 0);
    if (random() % 3 == 0 && !text.empty()) {  // damage: cut, or change a byte
      const size_t at = random() % text.size();
      if (random() % 2 == 0) {
        text.resize(at);
      } else {
        text[at] = "{}[]\",:\\x0 "[random() % 11];
      }
    }
    const JsonLimits limits{.depth_max = 1 + random() % 8,
                            .nodes_per_document_byte_max_divisor = 1 + random() % 3,
                            .memory_per_document_byte_max = random() % 48};
    expect_same_as_before(text, limits);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace medclear::adapters
