#include "adapters/json.h"

#include <gtest/gtest.h>

namespace medclear::adapters {
namespace {

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

}  // namespace
}  // namespace medclear::adapters
