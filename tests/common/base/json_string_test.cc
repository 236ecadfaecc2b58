// JsonString writes text a JSON reader reads back as the same text: every ASCII byte, control
// characters and NUL among them, quotes and backslashes, and UTF-8 as it is.
#include "common/base/json_string.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

namespace hattama {
namespace {

// `text` read back by protobuf's JSON parser from {"s": JsonString(text)}.
std::string ReadBack(const std::string& text) {
  google::protobuf::Struct object;
  const std::string json = "{\"s\": " + JsonString(text) + "}";
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &object);
  EXPECT_TRUE(parsed.ok()) << parsed.ToString() << " in " << json;
  return object.fields().at("s").string_value();
}

TEST(JsonString, EveryAsciiByteReadsBackAsItself) {
  std::string all;
  for (int byte = 0; byte < 0x80; ++byte) all += static_cast<char>(byte);
  EXPECT_EQ(ReadBack(all), all);
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharactersOnly) {
  EXPECT_EQ(JsonString("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonString("line\nnext\t\x01"), R"("line\u000anext\u0009\u0001")");
  EXPECT_EQ(JsonEscape("Алматы / Qazaqstan"), "Алматы / Qazaqstan");
  EXPECT_EQ(ReadBack("Алматы \"2\"\r\n"), "Алматы \"2\"\r\n");
}

}  // namespace
}  // namespace hattama
