#include "manager/tui/screen_buffer.h"

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(ScreenBuffer, FirstFlushDrawsEverythingThenOnlyChanges) {
  ScreenBuffer screen;
  screen.Resize(10, 3);
  screen.Text(0, 0, "hello", 0xff0000, kDefaultColor);
  std::string first = screen.Flush();
  EXPECT_NE(first.find("\x1b[2J"), std::string::npos);
  EXPECT_NE(first.find("hello"), std::string::npos);
  EXPECT_NE(first.find("38;2;255;0;0"), std::string::npos);

  screen.Clear();
  screen.Text(0, 0, "hello", 0xff0000, kDefaultColor);
  EXPECT_EQ(screen.Flush(), "") << "nothing changed, nothing sent";

  screen.Clear();
  screen.Text(0, 0, "help!", 0xff0000, kDefaultColor);
  std::string diff = screen.Flush();
  EXPECT_EQ(diff.find("\x1b[2J"), std::string::npos);
  EXPECT_NE(diff.find("p!"), std::string::npos);
  EXPECT_EQ(diff.find("hel"), std::string::npos) << diff;
}

TEST(ScreenBuffer, HalfBlocksAndClipping) {
  ScreenBuffer screen;
  screen.Resize(4, 2);
  screen.Put(1, 1, U'▀', 0x010203, 0x040506);
  screen.Put(99, 99, U'x', 0, 0);  // clipped, not a crash
  EXPECT_EQ(screen.Text(2, 0, "abcdef", 0, 0), 2);
  EXPECT_EQ(screen.ToText(), "  ab\n ▀\n");
  std::string bytes = screen.Flush();
  EXPECT_NE(bytes.find("48;2;4;5;6"), std::string::npos);
  EXPECT_NE(bytes.find("\xe2\x96\x80"), std::string::npos);
}

TEST(ScreenBuffer, ControlCharactersNeverReachTheTerminal) {
  ScreenBuffer screen;
  screen.Resize(8, 1);
  screen.Text(0, 0, "a\x1b[2Jb", kDefaultColor, kDefaultColor);
  EXPECT_EQ(screen.ToText(), "a?[2Jb\n");
}

}  // namespace
}  // namespace tabsim
