// The command layer's syntax: every front end's words go through
// SplitCommandLine (typed lines) and ParseCommand, so each mistake has one
// message wherever it is made. Running commands against tabs is tested
// end to end in command_frontends_test.cc; here only what a host with no
// process can show (a tab whose program does not exist is a crashed record
// from the start), such as forget.
#include "manager/commands/command.h"

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <random>

#include "manager/commands/command_runner.h"
#include "manager/core/tab_host.h"
#include "manager/core/task_manager.h"

namespace tabsim {
namespace {

Command Parse(std::string_view line) {
  auto words = SplitCommandLine(line);
  EXPECT_TRUE(words.ok()) << line << ": " << words.error().message;
  if (!words.ok()) return {};
  auto command = ParseCommand(*words);
  EXPECT_TRUE(command.ok()) << line << ": " << command.error().message;
  return command.ok() ? std::move(command).value() : Command{};
}

// The one-line message for `line`, or "" if it was accepted.
std::string Mistake(std::string_view line) {
  auto words = SplitCommandLine(line);
  if (!words.ok()) return words.error().message;
  auto command = ParseCommand(*words);
  return command.ok() ? "" : command.error().message;
}

TEST(Command, ParsesMouseEventsInTabPixels) {
  Command down = Parse("mouse 3 down 0 120 45");
  EXPECT_EQ(down.spec->name, "mouse");
  EXPECT_EQ(down.tab_id, 3);
  EXPECT_EQ(down.mouse_action, proto::MouseEvent::DOWN);
  EXPECT_EQ(down.x, 120);
  EXPECT_EQ(down.y, 45);
  EXPECT_EQ(Parse("mouse 1 move 2 0 0").mouse_action, proto::MouseEvent::MOVE);
  EXPECT_EQ(Parse("mouse 1 up 1 8191 8191").button, 1);
  // A drag may go on past the frame's edge; the runner clamps.
  EXPECT_EQ(Parse("mouse 1 move 0 -5 60000").x, -5);
}

TEST(Command, ParsesWheelKeysAndText) {
  Command wheel = Parse("wheel 2 10 20 -40 10000");
  EXPECT_EQ(wheel.delta_x, -40);
  EXPECT_EQ(wheel.delta_y, 10000);
  EXPECT_EQ(Parse("key 2 Enter").key, proto::KEY_ENTER);
  Command text = Parse("type 4 hi there");
  EXPECT_EQ(text.tab_id, 4);
  EXPECT_EQ(text.text, "hi there");
  EXPECT_EQ(Parse("type 4  ").text, " ");
  EXPECT_EQ(Parse("type 1 \xc3\xa9").text, "\xc3\xa9");
  // Text that looks like an option is text.
  EXPECT_EQ(Parse("type 1 --signal KILL").text, "--signal KILL");
  // argv words (tabsim ctl type 4 hi there) join with single spaces.
  auto argv = ParseCommand({"type", "4", "hi", "there"});
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(argv->text, "hi there");
}

TEST(Command, ParsesTabCommands) {
  EXPECT_EQ(Parse("open sim://paint").url, "sim://paint");
  EXPECT_EQ(Parse("kill 7").tab_id, 7);
  EXPECT_EQ(Parse("kill 7").signal, SIGKILL);
  EXPECT_EQ(Parse("kill 7 --signal TERM").signal, SIGTERM);
  EXPECT_EQ(Parse("kill 7 --signal SIGSTOP").signal, SIGSTOP);
  EXPECT_EQ(Parse("crash 1").spec->name, "crash");
  EXPECT_EQ(Parse("reload 1").spec->name, "reload");
  EXPECT_EQ(Parse("close 2147483647").tab_id, 2147483647);
  EXPECT_EQ(Parse("navigate 2 sim://bounce").url, "sim://bounce");
  Command resize = Parse("resize 2 640x480");
  EXPECT_EQ(resize.width, 640);
  EXPECT_EQ(resize.height, 480);
  Command click = Parse("click 2 10 20");
  EXPECT_EQ(click.x, 10);
  EXPECT_EQ(click.y, 20);
}

TEST(Command, ParsesForgetOfOneTabOrEveryFinishedOne) {
  Command one = Parse("forget 7");
  EXPECT_EQ(one.spec->name, "forget");
  EXPECT_EQ(one.tab_id, 7);
  // "finished": every gone tab's record; tab_id 0 says so to the runner.
  Command all = Parse("forget finished");
  EXPECT_EQ(all.spec->name, "forget");
  EXPECT_EQ(all.tab_id, 0);
  EXPECT_EQ(Mistake("forget"), "forget: missing ID|finished (usage: forget ID|finished)");
  EXPECT_EQ(Mistake("forget x"), "forget: 'x' is not a tab id (nor 'finished')");
  EXPECT_EQ(Mistake("forget 0"), "forget: '0' is not a tab id (nor 'finished')");
  EXPECT_EQ(Mistake("forget 1 2"),
            "forget: too many arguments (usage: forget ID|finished)");
  EXPECT_NE(Mistake("forget --all"), "");
  EXPECT_NE(Mistake("forget Finished"), "");
}

// Tabs whose program does not exist: each open leaves a crashed record
// ("failed to start") and no process, so the runner's forget can be
// checked without a tab process.
TEST(CommandRunner, ForgetDropsFinishedRecordsAndNamesWhatItCannotForget) {
  boost::asio::io_context io(1);
  TabHost::Options options;
  options.tab_executable = "/nonexistent/tabsim-tab";
  options.fps = 0;
  options.apply_priorities = false;
  TabHost host(io, options);
  TaskManager tasks(host);
  CommandRunner runner(host, tasks);
  for (int i = 0; i < 3; ++i) {
    CommandResult opened = runner.Execute({"open", "sim://blank"});
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.status.error().message.find("exec /nonexistent/tabsim-tab"),
              std::string::npos) << opened.status.error().message;
  }
  ASSERT_EQ(host.tabs().size(), 3u);
  ASSERT_TRUE(host.Find(2)->finished());

  CommandResult one = runner.Execute({"forget", "2"});
  ASSERT_TRUE(one.ok()) << one.status.error().message;
  EXPECT_EQ(one.text, "tab 2: forgotten");
  EXPECT_EQ(one.tab_id, 0);
  EXPECT_EQ(host.Find(2), nullptr);
  EXPECT_EQ(host.tabs().size(), 2u);

  CommandResult again = runner.Execute({"forget", "2"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status.error().message, "no tab 2");
  EXPECT_EQ(runner.Execute({"forget", "99"}).status.error().message, "no tab 99");

  CommandResult all = runner.ExecuteLine("forget finished");
  ASSERT_TRUE(all.ok()) << all.status.error().message;
  EXPECT_EQ(all.text, "forgot 2 finished tabs");
  EXPECT_TRUE(host.tabs().empty());
  EXPECT_EQ(runner.ExecuteLine("forget finished").text, "forgot 0 finished tabs");
  // Ids are never reused after a forget.
  CommandResult next = runner.Execute({"open", "sim://blank"});
  EXPECT_NE(next.status.error().message.find("tab 4:"), std::string::npos)
      << next.status.error().message;
  EXPECT_EQ(runner.ExecuteLine("forget 4").text, "tab 4: forgotten");
  // The retired sessions are destroyed on a later turn of the loop.
  io.poll();
}

TEST(Command, ParsesFaults) {
  Command delay = Parse("fault 3 delay --ms 100 --direction to-tab");
  EXPECT_EQ(delay.fault.kind, FaultKind::kDelay);
  EXPECT_EQ(delay.fault.delay.count(), 100);
  EXPECT_EQ(delay.fault.direction, Direction::kToTab);
  EXPECT_EQ(delay.fault.rate, 1.0);
  Command drop = Parse("fault 3 drop --rate 0.25");
  EXPECT_EQ(drop.fault.direction, Direction::kFromTab);
  EXPECT_EQ(drop.fault.rate, 0.25);
  EXPECT_TRUE(Parse("fault 3 reorder --direction both").fault_both_directions);
  EXPECT_TRUE(Parse("fault 3 clear").clear_faults);
  EXPECT_EQ(Parse("fault 3 withhold-pong").fault.kind, FaultKind::kWithholdPong);
}

TEST(Command, RejectsMalformedShapes) {
  for (const char* text : {"", " ", "mouse", "kill", "kill ", " kill 1", "kill 1 ",
                           "kill  1", "kill 1 2", "KILL 1", "explode 1",
                           "mouse 1 down 0 10", "mouse 1 down 0 10 10 10",
                           "mouse 1 press 0 1 1", "wheel 1 1 1 1",
                           "key 1", "key 1 enter enter", "key 1 F13", "type",
                           "type 1", "type 1 ", "type x hello", "open",
                           "open a b", "open nocolon", "reload one",
                           "kill 1 --signal", "kill 1 --signal NOPE",
                           "kill 1 --sig KILL", "fault 1 explode",
                           "fault 1 delay", "fault 1 drop --ms 5",
                           "fault 1 drop --rate 0", "fault 1 drop --rate 1.5",
                           "fault 1 drop --direction sideways",
                           "fault 1 clear --rate 0.5", "resize 1 640",
                           "resize 1 0x10", "navigate 1", "click 1 2"})
    EXPECT_NE(Mistake(text), "") << "accepted: '" << text << "'";
}

TEST(Command, RejectsNumbersOutOfRangeOrOddlyWritten) {
  for (const char* text : {"kill 0", "kill -1", "kill 01", "kill +1", "kill 1.0",
                           "kill 0x10", "kill 2147483648", "kill 99999999999999",
                           "kill 1e3", "mouse 1 down 3 1 1", "mouse 1 down 0 65537 1",
                           "mouse 1 down 0 1 -0x1", "wheel 1 1 1 10001 0",
                           "wheel 1 1 1 0 -10001", "wheel 1 1 1 - 0",
                           "wheel 1 1 1 -01 0", "click 1 -0 4"})
    EXPECT_NE(Mistake(text), "") << "accepted: '" << text << "'";
}

TEST(Command, OneMessagePerMistake) {
  EXPECT_EQ(Mistake("frob 1"),
            "unknown command 'frob' (have: open, close, kill, crash, reload, "
            "hide, show, unpin, focus, discard, protect, unprotect, forget, "
            "navigate, resize, click, mouse, wheel, key, type, fault, timeline)");
  EXPECT_EQ(Mistake("kill x"), "kill: 'x' is not a tab id");
  EXPECT_EQ(Mistake("discard x"), "discard: 'x' is not a tab id");
  EXPECT_EQ(Mistake("protect"), "protect: missing ID (usage: protect ID)");
  EXPECT_EQ(Mistake("kill"), "kill: missing ID (usage: kill ID [--signal NAME])");
  EXPECT_EQ(Mistake("kill 1 2"),
            "kill: too many arguments (usage: kill ID [--signal NAME])");
  EXPECT_EQ(Mistake("kill 1 --signal NOPE"), "kill: unknown signal 'NOPE'");
  EXPECT_EQ(Mistake("open nocolon").rfind("open: bad URL", 0), 0u)
      << Mistake("open nocolon");
  EXPECT_EQ(Mistake("click 1 x 4"),
            "click: X 'x' is not a whole number from -65536 to 65536");
  EXPECT_EQ(Mistake("kill 1 "), "stray space in command");
  EXPECT_EQ(Mistake("type 1 " + std::string(kMaxTypeBytes + 1, 'a')),
            "type: TEXT must be 1 to 4096 bytes");
}

TEST(Command, HelpListsEveryVerbWithItsUsage) {
  const std::string help = CommandHelp(2);
  for (const CommandSpec& spec : CommandTable()) {
    const std::string line = "  " + std::string(spec.name) + " " + std::string(spec.usage);
    EXPECT_NE(help.find(line), std::string::npos) << line << "\n" << help;
    EXPECT_NE(help.find(std::string(spec.help)), std::string::npos) << spec.name;
  }
}

TEST(Command, SurvivesRandomBytes) {
  std::mt19937 random(6);
  const std::string seeds[] = {"mouse 1 down 0 10 10", "type 1 hello", "wheel 1 2 3 4 5",
                               "open sim://clock", "key 2 backspace",
                               "fault 1 delay --ms 5 --direction to-tab"};
  for (int i = 0; i < 20000; ++i) {
    std::string text = seeds[size_t(i) % 6];
    int edits = 1 + int(random() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0: text.insert(at, 1, char(random() % 256)); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = char(random() % 256); break;
      }
    }
    auto words = SplitCommandLine(text);  // must not crash either way
    if (!words.ok()) continue;
    auto command = ParseCommand(*words);
    if (command.ok() && command->spec->name != "open") {
      EXPECT_GE(command->tab_id, 1) << text;
    }
  }
}

}  // namespace
}  // namespace tabsim
