#include "manager/web/web_token.h"

#include <gtest/gtest.h>

#include <set>

namespace tabsim {
namespace {

TEST(WebToken, GeneratesThirtyTwoHexCharactersThatDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto token = WebToken::Generate();
    ASSERT_TRUE(token.ok()) << token.error().message;
    EXPECT_EQ(token->value().size(), WebToken::kLength);
    EXPECT_EQ(token->value().find_first_not_of("0123456789abcdef"),
              std::string::npos);
    seen.insert(token->value());
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(WebToken, MatchesOnlyExactlyTheToken) {
  WebToken token("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(token.Matches("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(token.Matches(""));
  EXPECT_FALSE(token.Matches("0123456789abcdef0123456789abcde"));    // prefix
  EXPECT_FALSE(token.Matches("0123456789abcdef0123456789abcdef0"));  // longer
  EXPECT_FALSE(token.Matches("0123456789ABCDEF0123456789ABCDEF"));   // case
  EXPECT_FALSE(token.Matches("1123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(token.Matches(std::string_view("0123456789abcdef0123456789abcde\0", 32)));
}

TEST(WebToken, AllowsTargetsCarryingTheTokenOnce) {
  WebToken token("feedface");
  EXPECT_TRUE(token.AllowsTarget("/?token=feedface"));
  EXPECT_TRUE(token.AllowsTarget("/ws?token=feedface"));
  EXPECT_TRUE(token.AllowsTarget("/ws?a=1&token=feedface&b"));
  EXPECT_TRUE(token.AllowsTarget("/?token=feedface#fragment"));
}

TEST(WebToken, RefusesTargetsWithoutAGoodToken) {
  WebToken token("feedface");
  EXPECT_FALSE(token.AllowsTarget("/"));
  EXPECT_FALSE(token.AllowsTarget("/ws"));
  EXPECT_FALSE(token.AllowsTarget("/?"));
  EXPECT_FALSE(token.AllowsTarget("/?token"));
  EXPECT_FALSE(token.AllowsTarget("/?token="));
  EXPECT_FALSE(token.AllowsTarget("/?token=feedfac"));
  EXPECT_FALSE(token.AllowsTarget("/?token=feedface2"));
  EXPECT_FALSE(token.AllowsTarget("/?xtoken=feedface"));
  EXPECT_FALSE(token.AllowsTarget("/?tokens=feedface"));
  EXPECT_FALSE(token.AllowsTarget("/?Token=feedface"));
  EXPECT_FALSE(token.AllowsTarget("/?token=%66eedface"));  // no decoding
  EXPECT_FALSE(token.AllowsTarget("/?token=feedface&token=feedface"));
  EXPECT_FALSE(token.AllowsTarget("/?token=bad&token=feedface"));
  EXPECT_FALSE(token.AllowsTarget("/#?token=feedface"));
  EXPECT_FALSE(token.AllowsTarget(""));
}

TEST(WebToken, TargetPathDropsTheQuery) {
  EXPECT_EQ(TargetPath("/ws?token=x"), "/ws");
  EXPECT_EQ(TargetPath("/"), "/");
  EXPECT_EQ(TargetPath("?token=x"), "");
}

TEST(WebTokenDeathTest, EmptyTokenIsABug) {
  EXPECT_DEATH(WebToken(""), "empty web token");
}

}  // namespace
}  // namespace tabsim
