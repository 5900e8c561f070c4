// The only parser of browser bytes: every malformed WebSocket message must
// come back as an Error (the server then drops that client), never crash.
#include "manager/web/web_command.h"

#include <gtest/gtest.h>

#include <random>

namespace tabsim {
namespace {

WebCommand Parse(std::string_view text) {
  auto command = ParseWebCommand(text);
  EXPECT_TRUE(command.ok()) << text << ": " << command.error().message;
  return command.ok() ? std::move(command).value() : WebCommand{};
}

void ExpectRejected(std::string_view text) {
  auto command = ParseWebCommand(text);
  EXPECT_FALSE(command.ok()) << "accepted: '" << std::string(text) << "'";
  if (!command.ok()) {
    EXPECT_EQ(command.error().message.rfind("bad dashboard command: ", 0), 0u);
  }
}

TEST(WebCommand, ParsesMouseEventsInTabPixels) {
  WebCommand down = Parse("mouse 3 down 0 120 45");
  EXPECT_EQ(down.kind, WebCommand::Kind::kInput);
  EXPECT_EQ(down.tab_id, 3);
  ASSERT_EQ(down.inputs.size(), 1u);
  EXPECT_EQ(down.inputs[0].mouse().action(), proto::MouseEvent::DOWN);
  EXPECT_EQ(down.inputs[0].mouse().x(), 120);
  EXPECT_EQ(down.inputs[0].mouse().y(), 45);
  EXPECT_EQ(Parse("mouse 1 move 2 0 0").inputs[0].mouse().action(),
            proto::MouseEvent::MOVE);
  EXPECT_EQ(Parse("mouse 1 up 1 8191 8191").inputs[0].mouse().button(), 1u);
}

TEST(WebCommand, ParsesWheelKeysAndText) {
  WebCommand wheel = Parse("wheel 2 10 20 -40 10000");
  EXPECT_EQ(wheel.inputs[0].wheel().delta_x(), -40);
  EXPECT_EQ(wheel.inputs[0].wheel().delta_y(), 10000);
  WebCommand key = Parse("key 2 Enter");
  ASSERT_EQ(key.inputs.size(), 2u);  // down + up
  EXPECT_EQ(key.inputs[0].key().key_code(), proto::KEY_ENTER);
  EXPECT_EQ(key.inputs[1].key().action(), proto::KeyEvent::UP);
  WebCommand text = Parse("type 4 hi there");
  EXPECT_EQ(text.tab_id, 4);
  ASSERT_EQ(text.inputs.size(), 16u);
  EXPECT_EQ(text.inputs[4].key().text(), " ");
  EXPECT_EQ(Parse("type 4  ").inputs[0].key().text(), " ");
  EXPECT_EQ(Parse("type 1 \xc3\xa9").inputs[0].key().text(), "\xc3\xa9");
}

TEST(WebCommand, ParsesTabCommands) {
  EXPECT_EQ(Parse("open sim://paint").url, "sim://paint");
  EXPECT_EQ(Parse("open sim://paint").kind, WebCommand::Kind::kOpen);
  EXPECT_EQ(Parse("kill 7").kind, WebCommand::Kind::kKill);
  EXPECT_EQ(Parse("kill 7").tab_id, 7);
  EXPECT_EQ(Parse("crash 1").kind, WebCommand::Kind::kCrash);
  EXPECT_EQ(Parse("reload 1").kind, WebCommand::Kind::kReload);
  EXPECT_EQ(Parse("close 2147483647").tab_id, 2147483647);
}

TEST(WebCommand, RejectsMalformedShapes) {
  for (const char* text : {"", " ", "mouse", "kill", "kill ", " kill 1", "kill 1 ",
                           "kill  1", "kill 1 2", "KILL 1", "explode 1",
                           "mouse 1 down 0 10", "mouse 1 down 0 10 10 10",
                           "mouse 1 press 0 1 1", "wheel 1 1 1 1",
                           "key 1", "key 1 enter enter", "key 1 F13", "type",
                           "type 1", "type 1 ", "type x hello", "open",
                           "open a b", "open nocolon", "reload one"})
    ExpectRejected(text);
}

TEST(WebCommand, RejectsNumbersOutOfRangeOrOddlyWritten) {
  for (const char* text : {"kill 0", "kill -1", "kill 01", "kill +1", "kill 1.0",
                           "kill 0x10", "kill 2147483648", "kill 99999999999999",
                           "kill 1e3", "mouse 1 down 3 1 1", "mouse 1 down 0 -1 1",
                           "mouse 1 down 0 8192 1", "mouse 1 down 0 1 -0x1",
                           "wheel 1 1 1 10001 0", "wheel 1 1 1 0 -10001",
                           "wheel 1 1 1 - 0", "wheel 1 1 1 -01 0"})
    ExpectRejected(text);
}

TEST(WebCommand, RejectsControlBytesBadUtf8AndOversizedMessages) {
  ExpectRejected(std::string_view("kill 1\0", 7));
  ExpectRejected("kill 1\n");
  ExpectRejected("type 1 a\tb");
  ExpectRejected("type 1 \x7f");
  ExpectRejected("type 1 \xff");
  ExpectRejected("type 1 \xc0\xaf");          // overlong '/'
  ExpectRejected("type 1 \xed\xa0\x80");      // a surrogate
  ExpectRejected("type 1 \xe2\x82");          // truncated
  ExpectRejected("type 1 " + std::string(kMaxWebTypeBytes + 1, 'a'));
  ExpectRejected("open sim://" + std::string(kMaxWebCommandBytes, 'a'));
  ExpectRejected(std::string(kMaxWebCommandBytes + 1, 'k'));
  EXPECT_TRUE(ParseWebCommand("type 1 " + std::string(kMaxWebTypeBytes, 'a')).ok());
}

TEST(WebCommand, SurvivesRandomBytes) {
  std::mt19937 random(6);
  const std::string seeds[] = {"mouse 1 down 0 10 10", "type 1 hello", "wheel 1 2 3 4 5",
                               "open sim://clock", "key 2 backspace"};
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[size_t(i) % 5];
    int edits = 1 + int(random() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0: text.insert(at, 1, char(random() % 256)); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = char(random() % 256); break;
      }
    }
    auto command = ParseWebCommand(text);  // must not crash either way
    if (command.ok() && command->kind == WebCommand::Kind::kInput) {
      EXPECT_GE(command->tab_id, 1);
    }
  }
}

}  // namespace
}  // namespace tabsim
