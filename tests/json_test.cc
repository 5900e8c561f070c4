// The JSON helpers (manager/base/json.h): numbers, the writer's output,
// atomic files.
#include "manager/base/json.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace tabsim {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(Json, DocumentsStartWithSchemaAndKind) {
  json::object document = JsonDocument("list");
  EXPECT_EQ(ToJson(document, JsonStyle::kCompact), R"({"schema":1,"kind":"list"})");
}

TEST(Json, NumbersThatAreNotFiniteAreNull) {
  EXPECT_TRUE(JsonNumber(std::nan("")).is_null());
  EXPECT_TRUE(JsonNumber(std::numeric_limits<double>::infinity()).is_null());
  EXPECT_TRUE(JsonNumber(-std::numeric_limits<double>::infinity(), 2).is_null());
  EXPECT_EQ(JsonNumber(2.5).as_double(), 2.5);
  EXPECT_EQ(JsonNumber(1.23456, 2).as_double(), 1.23);
  EXPECT_EQ(JsonNumber(-1.235001, 2).as_double(), -1.24);
  // Even a double put in directly prints as null, never as nan.
  json::array values{std::nan(""), 1.0 / 0.0};
  EXPECT_EQ(ToJson(values), "[null, null]");
}

TEST(Json, DoublesPrintShortAndReadBackAsDoubles) {
  json::array values{3.0, 0.1, 59.98, -0.5, 1e300, 12345678.0};
  const std::string text = ToJson(values, JsonStyle::kCompact);
  EXPECT_EQ(text, "[3.0,0.1,59.98,-0.5,1e+300,12345678.0]");
  json::value back = json::parse(text);
  for (const json::value& v : back.as_array()) EXPECT_TRUE(v.is_double()) << v;
  EXPECT_EQ(back.as_array()[2].as_double(), 59.98);
}

TEST(Json, PrettyIsIndentedAndKeepsInsertionOrder) {
  json::object document = JsonDocument("test");
  document["zeta"] = 1;
  document["alpha"] = json::array{1, 2};
  document["nested"] = json::object{{"b", true}, {"a", nullptr}};
  document["rows"] = json::array{json::object{{"x", -1}}, json::array{}};
  document["empty"] = json::object();
  document["long"] = json::object{{"key", std::string(60, 'x')}, {"n", 1}};
  document["deep"] = json::object{{"inner", json::object{{"y", 2}}}};
  EXPECT_EQ(ToJson(document),
            "{\n"
            "  \"schema\": 1,\n"
            "  \"kind\": \"test\",\n"
            "  \"zeta\": 1,\n"
            "  \"alpha\": [1, 2],\n"
            "  \"nested\": {\"b\": true, \"a\": null},\n"
            "  \"rows\": [\n"
            "    {\"x\": -1},\n"
            "    []\n"
            "  ],\n"
            "  \"empty\": {},\n"
            "  \"long\": {\n"
            "    \"key\": \"" + std::string(60, 'x') + "\",\n"
            "    \"n\": 1\n"
            "  },\n"
            "  \"deep\": {\n"
            "    \"inner\": {\"y\": 2}\n"
            "  }\n"
            "}");
  EXPECT_EQ(ToJson(document["deep"], JsonStyle::kInline), "{\"inner\": {\"y\": 2}}");
  EXPECT_EQ(json::parse(ToJson(document)), json::parse(ToJson(document, JsonStyle::kCompact)));
}

TEST(Json, StringsAreEscapedAndAlwaysValidUtf8) {
  json::object document{{"text", "quote \" slash \\ tab \t nl \n esc \x1b"},
                        {"bad", "a\xff" "b\xc0\xaf"},
                        {"k\xfe", "key too"}};
  const std::string text = ToJson(document, JsonStyle::kCompact);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  // boost::json::parse rejects invalid UTF-8: this parses.
  json::value back = json::parse(text);
  EXPECT_EQ(back.at("text").as_string(), "quote \" slash \\ tab \t nl \n esc \x1b");
  EXPECT_EQ(back.at("bad").as_string(),
            "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(back.as_object().contains("k\xef\xbf\xbd"));
}

TEST(Json, WriteJsonFileReplacesAtomicallyWithATrailingNewline) {
  const std::string dir =
      (fs::temp_directory_path() / ("tabsim-json-test-" + std::to_string(::getpid())))
          .string();
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir));
  const std::string path = dir + "/out.json";
  ASSERT_TRUE(WriteJsonFile(path, JsonDocument("first")).ok());
  ASSERT_TRUE(WriteJsonFile(path, JsonDocument("second")).ok());
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(json::parse(text).at("kind").as_string(), "second");
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  // A directory in the way of the rename: the error says so, the old file
  // is unharmed and no temp file is left behind.
  const std::string blocked = dir + "/blocked";
  fs::create_directories(blocked + "/inside");
  Status failed = WriteJsonFile(blocked, JsonDocument("x"));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("rename " + blocked + ".tmp"),
            std::string::npos)
      << failed.error().message;
  EXPECT_FALSE(fs::exists(blocked + ".tmp"));
  Status no_dir = WriteJsonFile(dir + "/missing/out.json", JsonDocument("x"));
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.error().message.find("open " + dir + "/missing/out.json.tmp"),
            std::string::npos)
      << no_dir.error().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tabsim
