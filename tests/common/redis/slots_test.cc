#include "common/redis/slots.h"

#include <gtest/gtest.h>

namespace hattama::redis {
namespace {

TEST(KeySlot, MatchesTheExamplesOfRedisDocumentation) {
  EXPECT_EQ(KeySlot("123456789"), 12739);  // CRC16/XMODEM check value 0x31C3
  EXPECT_EQ(KeySlot("somekey"), 11058);
  EXPECT_EQ(KeySlot("foo{hash_tag}"), 2515);
  EXPECT_EQ(KeySlot("bar{hash_tag}"), 2515);
  EXPECT_EQ(KeySlot("{user1000}.following"), 3443);
}

TEST(KeySlot, HashesOnlyTheFirstNonEmptyTag) {
  EXPECT_EQ(KeySlot("hattama:{p3}:position"), KeySlot("p3"));
  EXPECT_EQ(KeySlot("hattama:{p3}:seen:abc"), KeySlot("hattama:{p3}:station:c:s"));
  EXPECT_EQ(KeySlot("{a}{b}"), KeySlot("a"));
  EXPECT_EQ(KeySlot("x{a}y}"), KeySlot("a"));
  // An empty tag, or no closing brace: the whole key is hashed.
  EXPECT_NE(KeySlot("{}a"), KeySlot(""));
  EXPECT_NE(KeySlot("{}a"), KeySlot("a"));
  EXPECT_NE(KeySlot("x{a"), KeySlot("a"));
  // "{{a}": the first '{' opens the tag, so it is "{a".
  EXPECT_EQ(KeySlot("{{a}"), KeySlot("{a"));
  EXPECT_LT(KeySlot(std::string("\xff\x00\x80", 3)), kSlotCount);
}

TEST(CommandSlot, IsTheSlotOfTheCommandsKeys) {
  EXPECT_EQ(*CommandSlot({"HGETALL", "hattama:{p1}:t"}), KeySlot("p1"));
  EXPECT_EQ(*CommandSlot({"EVALSHA", "abc", "2", "{p7}:a", "{p7}:b", "arg-in-another-slot"}),
            KeySlot("p7"));
  EXPECT_EQ(*CommandSlot({"evalsha", "abc", "0", "x"}), std::nullopt);
  EXPECT_EQ(*CommandSlot({"MSET", "{t}a", "1", "{t}b", "2"}), KeySlot("t"));
  EXPECT_EQ(*CommandSlot({"MGET", "{t}a", "{t}b"}), KeySlot("t"));
  EXPECT_EQ(*CommandSlot({"PING"}), std::nullopt);
  EXPECT_EQ(*CommandSlot({"SCRIPT", "LOAD", "return 1"}), std::nullopt);
}

TEST(CommandSlot, RefusesWhatRedisClusterWouldRefuseOrTheClientWouldMisroute) {
  EXPECT_EQ(CommandSlot({"MGET", "a", "b"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({"EVALSHA", "abc", "2", "{p1}x", "{p2}x"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({"EVALSHA", "abc", "3", "a"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({"EVAL", "return 1", "x"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({"XREAD", "STREAMS", "s", "0"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({"GET"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandSlot({}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hattama::redis
