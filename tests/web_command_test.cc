// The byte-level check of what a browser sends before the command layer
// reads it: a malformed WebSocket message comes back as an Error (the
// server then drops that client), never a crash.
#include "manager/web/web_command.h"

#include <gtest/gtest.h>


namespace tabsim {
namespace {

void ExpectRejected(std::string_view text) {
  Status checked = CheckDashboardMessage(text);
  EXPECT_FALSE(checked.ok()) << "accepted: '" << std::string(text) << "'";
  if (!checked.ok()) {
    EXPECT_EQ(checked.error().message.rfind("bad dashboard command: ", 0), 0u);
  }
}

TEST(DashboardMessage, AcceptsAnyPrintableLineForTheCommandLayer) {
  // What the words mean is the command layer's business (command_test.cc).
  for (const char* text : {"kill 1", "type 1 \xc3\xa9", "frob", "kill  1 "})
    EXPECT_TRUE(CheckDashboardMessage(text).ok()) << text;
  EXPECT_TRUE(CheckDashboardMessage(std::string(kMaxWebCommandBytes, 'k')).ok());
}

TEST(DashboardMessage, RejectsControlBytesBadUtf8AndOversizedMessages) {
  ExpectRejected("");
  ExpectRejected(std::string_view("kill 1\0", 7));
  ExpectRejected("kill 1\n");
  ExpectRejected("type 1 a\tb");
  ExpectRejected("type 1 \x7f");
  ExpectRejected("type 1 \xff");
  ExpectRejected("type 1 \xc0\xaf");          // overlong '/'
  ExpectRejected("type 1 \xed\xa0\x80");      // a surrogate
  ExpectRejected("type 1 \xe2\x82");          // truncated
  ExpectRejected(std::string(kMaxWebCommandBytes + 1, 'k'));
}

}  // namespace
}  // namespace tabsim

namespace tabsim {

TEST(ViewingMessage, ListsTheTabsShownAndIsNotACommand) {
  EXPECT_FALSE(ParseViewingMessage("kill 3").has_value());
  EXPECT_FALSE(ParseViewingMessage("viewingx 3").has_value());
  auto none = ParseViewingMessage("viewing");
  ASSERT_TRUE(none.has_value() && none->ok());
  EXPECT_TRUE((*none)->empty());
  auto some = ParseViewingMessage("viewing 3 12 7");
  ASSERT_TRUE(some.has_value() && some->ok());
  EXPECT_EQ(**some, (std::vector<int>{3, 12, 7}));
  for (const char* bad : {"viewing ", "viewing 3  4", "viewing -1", "viewing 0",
                          "viewing 3x", "viewing 99999999999"}) {
    auto parsed = ParseViewingMessage(bad);
    ASSERT_TRUE(parsed.has_value()) << bad;
    EXPECT_FALSE(parsed->ok()) << bad;
  }
}

}  // namespace tabsim
