// The terminal UI driven for real under tmux: a private tmux server, keys
// and SGR mouse sequences sent with send-keys, the screen read back with
// capture-pane. Skipped (with a message) when tmux is not installed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>

#include "manager/base/png_writer.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::Quote;

std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

class TuiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v tmux >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "tmux is not installed; the TUI test needs it";
    dir_ = testing::MakeTempDir("tabsim-tui-test");
    tmux_ = "tmux -f /dev/null -L tabsim-tui-test-" + std::to_string(::getpid());
    control_ = dir_ + "/ctl";
    std::string run = Quote(testing::ManagerExecutable()) +
                      " run --ui tui --tabs 3 --control " + Quote(control_) +
                      " --tab-exe " + Quote(testing::TabExecutable());
    std::string script = "stty -g > " + Quote(dir_ + "/before") + "; " + run +
                         "; echo $? > " + Quote(dir_ + "/exit.tmp") + "; stty -g > " +
                         Quote(dir_ + "/after") + "; mv " + Quote(dir_ + "/exit.tmp") +
                         " " + Quote(dir_ + "/exit") + "; sleep 60";
    std::string command = tmux_ + " new-session -d -s t -x 160 -y 50 " + Quote(script);
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  void TearDown() override {
    if (tmux_.empty()) return;
    (void)!std::system((tmux_ + " kill-server 2>/dev/null").c_str());
    testing::RemoveTree(dir_);
  }
  std::string Screen() { return Shell(tmux_ + " capture-pane -p -t t"); }
  void Keys(const std::string& keys) {
    ASSERT_EQ(std::system((tmux_ + " send-keys -t t " + keys).c_str()), 0);
  }
  bool ScreenShows(const std::string& text) {
    return Eventually([&] { return Screen().find(text) != std::string::npos; }, 8s);
  }

  std::string dir_;
  std::string tmux_;
  std::string control_;
};

TEST_F(TuiTest, TitlesSadTabMouseFocusAndTheTerminalRestoredAfterQ) {
  ASSERT_TRUE(ScreenShows("Task manager")) << Screen();
  ASSERT_TRUE(ScreenShows("3 sim://paint")) << Screen();
  std::string screen = Screen();
  EXPECT_NE(screen.find("1 sim://clock · pid "), std::string::npos) << screen;
  EXPECT_NE(screen.find("2 sim://bounce · pid "), std::string::npos);
  ASSERT_TRUE(ScreenShows("live · ")) << Screen();
  EXPECT_TRUE(ScreenShows("▀")) << "thumbnails are half blocks";

  // Select tab 2 and kill it: a sad tab with the cause; the others go on.
  Keys("2 k");
  ASSERT_TRUE(ScreenShows("Aw, snap! Tab 2 crashed")) << Screen();
  EXPECT_TRUE(ScreenShows("killed by signal 9 (SIGKILL)"));
  EXPECT_NE(Screen().find("1 sim://clock · pid "), std::string::npos);

  // Drag inside the paint thumbnail: find its cells on the screen.
  std::vector<std::string> lines;
  {
    std::string s = Screen(), line;
    for (char c : s) {
      if (c == '\n') { lines.push_back(line); line.clear(); } else { line += c; }
    }
  }
  int title_row = -1;
  size_t title_byte = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto at = lines[i].find("3 sim://paint");
    if (at != std::string::npos) { title_row = int(i); title_byte = at; break; }
  }
  ASSERT_GE(title_row, 0);
  // The panel's left border column: count the characters (not bytes)
  // before the title. Everything before it on the row is box drawing of
  // other panels, plus "┌ ".
  std::string before = lines[size_t(title_row)].substr(0, title_byte);
  int left = 0;
  for (unsigned char c : before) if ((c & 0xC0) != 0x80) ++left;
  left -= 2;  // "┌ "
  // Press in the middle of the panel, drag right, release (SGR, 1-based).
  int x = left + 30, y = title_row + 10;
  auto sgr = [](int b, int cx, int cy, char final) {
    // sh (not bash) runs this: printf makes the ESC.
    return "\"$(printf '\\033[<" + std::to_string(b) + ";" +
           std::to_string(cx + 1) + ";" + std::to_string(cy + 1) + final +
           "')\"";
  };
  Keys("-l " + sgr(0, x, y, 'M'));
  Keys("-l " + sgr(32, x + 8, y, 'M'));
  Keys("-l " + sgr(0, x + 16, y, 'm'));
  // Focus the paint tab and type.
  Keys("3 Enter");
  ASSERT_TRUE(ScreenShows("FOCUS tab 3")) << Screen();
  Keys("h i Escape");

  std::string png = dir_ + "/paint.png";
  auto has_color = [&](uint32_t color, int y0, int y1) {
    auto image = ReadPng(png);
    if (!image.ok()) return false;
    for (int py = y0; py < std::min(y1, image->height); ++py)
      for (int px = 0; px < image->width; ++px)
        if (image->at(px, py) == color) return true;
    return false;
  };
  EXPECT_TRUE(Eventually(
      [&] {
        testing::RunTabsim({"ctl", "--control", control_, "snapshot", "3", png}, dir_);
        return has_color(0xFF1E1E5A, 40, 320);  // a stroke below the text
      },
      5s))
      << "the drag did not draw in sim://paint";
  // The keys went after the drag: their frame may come a moment later.
  EXPECT_TRUE(Eventually(
      [&] {
        testing::RunTabsim({"ctl", "--control", control_, "snapshot", "3", png}, dir_);
        return has_color(0xFF0A0A0A, 20, 40);
      },
      5s))
      << "the typed text is not there";

  // A resize keeps the layout whole.
  ASSERT_EQ(std::system((tmux_ + " resize-window -t t -x 100 -y 36").c_str()), 0);
  EXPECT_TRUE(Eventually(
      [&] {
        std::string s = Screen();
        return s.find("Task manager") != std::string::npos &&
               s.find("Aw, snap!") != std::string::npos;
      },
      5s))
      << Screen();

  // The channel view and fault keys: a delay on tab 1 shows in its faults
  // line; a corrupt fault on its messages gets it the bad-message kill.
  Keys("1 i");
  ASSERT_TRUE(ScreenShows("faults")) << Screen();
  Keys("f l");
  ASSERT_TRUE(ScreenShows("tab 1: fault delay to-tab 100% 100 ms (f 0 clears")) << Screen();
  ASSERT_TRUE(ScreenShows("delay to-tab")) << Screen();
  Keys("f 0");
  ASSERT_TRUE(ScreenShows("tab 1: faults cleared")) << Screen();
  Keys("f x");
  ASSERT_TRUE(ScreenShows("Tab 1 crashed")) << Screen();
  EXPECT_TRUE(ScreenShows("bad message")) << Screen();
  Keys("i");

  Keys("q");
  ASSERT_TRUE(Eventually([&] { return ::access((dir_ + "/exit").c_str(), F_OK) == 0; }, 10s))
      << Screen();
  EXPECT_EQ(testing::ReadFile(dir_ + "/exit"), "0\n");
  EXPECT_EQ(testing::ReadFile(dir_ + "/before"), testing::ReadFile(dir_ + "/after"))
      << "stty settings changed";
  EXPECT_EQ(Shell(tmux_ + " display -p -t t "
                          "'#{alternate_on}#{mouse_any_flag}#{mouse_button_flag}"
                          "#{mouse_sgr_flag}#{cursor_flag}'"),
            "00001\n")
      << "alternate screen, mouse modes or a hidden cursor left behind";
  screen = Screen();
  EXPECT_NE(screen.find("killed by signal 9"), std::string::npos)
      << "the summary follows on the normal screen:\n" << screen;
}

TEST_F(TuiTest, SigtermRestoresTheTerminalToo) {
  ASSERT_TRUE(ScreenShows("Task manager")) << Screen();
  std::string pid = Shell(tmux_ + " display -p -t t '#{pane_pid}'");
  // The pane runs sh; its child is tabsim.
  std::string manager = Shell("pgrep -P " + pid.substr(0, pid.size() - 1) + " -x tabsim");
  ASSERT_FALSE(manager.empty());
  ASSERT_EQ(::kill(std::stoi(manager), SIGTERM), 0);
  ASSERT_TRUE(Eventually([&] { return ::access((dir_ + "/exit").c_str(), F_OK) == 0; }, 10s));
  EXPECT_EQ(testing::ReadFile(dir_ + "/before"), testing::ReadFile(dir_ + "/after"));
  EXPECT_EQ(Shell(tmux_ + " display -p -t t '#{alternate_on}#{mouse_any_flag}'"), "00\n");
}

}  // namespace
}  // namespace tabsim
