#include "manager/tui/terminal_input.h"

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(TerminalInput, TextEnterBackspaceAndArrows) {
  TerminalInputParser parser;
  auto events = parser.Feed("a\xc3\xa9\r\x7f\x1b[A\x1bOD\x1b[3~\t");
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[0].key, TermKey::kCharacter);
  EXPECT_EQ(events[0].text, "a");
  EXPECT_EQ(events[1].text, "\xc3\xa9");
  EXPECT_EQ(events[2].key, TermKey::kEnter);
  EXPECT_EQ(events[3].key, TermKey::kBackspace);
  EXPECT_EQ(events[4].key, TermKey::kUp);
  EXPECT_EQ(events[5].key, TermKey::kLeft);
  EXPECT_EQ(events[6].key, TermKey::kDelete);
  EXPECT_EQ(events[7].key, TermKey::kTab);
}

TEST(TerminalInput, LoneEscapeIsTheEscapeKey) {
  TerminalInputParser parser;
  auto events = parser.Feed("\x1b");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, TermKey::kEscape);
  events = parser.Feed("\x1bq");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].key, TermKey::kEscape);
  EXPECT_EQ(events[1].text, "q");
}

TEST(TerminalInput, SgrMousePressDragReleaseAndWheel) {
  TerminalInputParser parser;
  auto events = parser.Feed("\x1b[<0;10;5M\x1b[<32;11;6M\x1b[<0;12;7m\x1b[<65;1;1M");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, TermEvent::Kind::kMouse);
  EXPECT_EQ(events[0].mouse, TermEvent::MouseAction::kPress);
  EXPECT_EQ(events[0].column, 9);
  EXPECT_EQ(events[0].row, 4);
  EXPECT_EQ(events[1].mouse, TermEvent::MouseAction::kDrag);
  EXPECT_EQ(events[1].column, 10);
  EXPECT_EQ(events[2].mouse, TermEvent::MouseAction::kRelease);
  EXPECT_EQ(events[3].mouse, TermEvent::MouseAction::kWheelDown);
}

TEST(TerminalInput, SequencesSplitAcrossReadsAreJoined) {
  TerminalInputParser parser;
  EXPECT_TRUE(parser.Feed("\x1b[<0;1").empty());
  auto events = parser.Feed("0;5M");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].column, 9);
}

TEST(TerminalInput, JunkNeverGrowsWithoutBound) {
  TerminalInputParser parser;
  std::string junk = "\x1b[" + std::string(1000, '1');
  EXPECT_TRUE(parser.Feed(junk).empty());
  auto events = parser.Feed("x");
  // The junk was dropped; later input still parses.
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().text, "x");
  EXPECT_TRUE(parser.Feed("\x1b[<999999999;1;1M").empty());
}

}  // namespace
}  // namespace tabsim
