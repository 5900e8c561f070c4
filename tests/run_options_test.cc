#include "manager/run/run_options.h"

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(RunOptions, UiDefaultsToAutoAndAcceptsTuiAndNone) {
  EXPECT_EQ(ParseRunOptions({}).value().ui, UiMode::kAuto);
  EXPECT_EQ(ParseRunOptions({"--ui", "tui"}).value().ui, UiMode::kTui);
  EXPECT_EQ(ParseRunOptions({"--ui", "none"}).value().ui, UiMode::kNone);
  auto bad = ParseRunOptions({"--ui", "gtk"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("tui, none"), std::string::npos);
}

TEST(RunOptions, NoSandboxAndMemoryLimitBecomeTabArguments) {
  auto options = ParseRunOptions({"--no-sandbox", "--tab-memory-limit", "256M"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_TRUE(options->no_sandbox);
  EXPECT_EQ(options->tab_memory_limit, 256ull << 20);
  EXPECT_EQ(options->ExtraTabArgs(),
            (std::vector<std::string>{"--no-sandbox", "--memory-limit",
                                      std::to_string(256ull << 20)}));
  EXPECT_TRUE(ParseRunOptions({}).value().ExtraTabArgs().empty());
}


TEST(RunOptions, ControlPathOption) {
  EXPECT_EQ(ParseRunOptions({"--control", "/tmp/x"}).value().control_path, "/tmp/x");
  EXPECT_EQ(ParseRunOptions({"--control", "none"}).value().control_path, "none");
  EXPECT_EQ(ParseRunOptions({"--control", ""}).error().message,
            "--control: empty path");
  EXPECT_EQ(ParseRunOptions({"--control"}).error().message,
            "--control needs a value (see tabsim run --help)");
}

TEST(RunOptions, PrelaunchAndRecord) {
  EXPECT_EQ(ParseRunOptions({}).value().prelaunch, 0);
  EXPECT_EQ(ParseRunOptions({"--prelaunch", "2"}).value().prelaunch, 2);
  for (const char* bad : {"-1", "17", "two", ""}) {
    auto parsed = ParseRunOptions({"--prelaunch", bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message,
              std::string("--prelaunch: '") + bad +
                  "' is not a whole number from 0 to 16");
  }
  EXPECT_EQ(ParseRunOptions({"--record", "/tmp/r"}).value().record_dir, "/tmp/r");
  EXPECT_EQ(ParseRunOptions({"--record", ""}).error().message,
            "--record: empty directory name");
  EXPECT_EQ(ParseRunOptions({"--record"}).error().message,
            "--record needs a value (see tabsim run --help)");
}

TEST(RunOptions, DefaultsWithoutArguments) {
  RunOptions options = ParseRunOptions({}).value();
  EXPECT_EQ(options.pages, (std::vector<std::string>{"sim://clock", "sim://bounce",
                                                     "sim://paint"}));
  EXPECT_EQ(options.tabs, 3);
  EXPECT_EQ(options.width, 480);
  EXPECT_EQ(options.height, 320);
  EXPECT_FALSE(options.duration_seconds.has_value());
  EXPECT_EQ(options.unresponsive_after_ms, 3000);
  EXPECT_EQ(options.kill_unresponsive_after_ms, 20000);
  EXPECT_EQ(options.help, "");
}

TEST(RunOptions, PagesRepeatInOrderAndSetTheTabCount) {
  auto options = ParseRunOptions({"--page", "sim://paint", "--page", "sim://blank",
                                  "--size", "64x48", "--duration", "0.5"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->pages, (std::vector<std::string>{"sim://paint", "sim://blank"}));
  EXPECT_EQ(options->tabs, 2);
  EXPECT_EQ(options->width, 64);
  EXPECT_EQ(options->height, 48);
  EXPECT_EQ(options->duration_seconds, 0.5);
  EXPECT_EQ(ParseRunOptions({"--tabs", "5", "--page", "sim://paint"})->tabs, 5);
  EXPECT_EQ(ParseRunOptions({"--page", "bad url"}).error().message.rfind("--page: bad URL", 0),
            0u);
}

TEST(RunOptions, MistakesAreWordedTheHouseWay) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--tabs", "0"}, "--tabs: '0' is not a whole number from 1 to 100000"},
      {{"--tabs", "100001"}, "--tabs: '100001' is not a whole number from 1 to 100000"},
      {{"--tbas", "3"}, "unknown option --tbas (see tabsim run --help)"},
      {{"stray"}, "unexpected argument 'stray' (see tabsim run --help)"},
      {{"--tabs"}, "--tabs needs a value (see tabsim run --help)"},
      {{"--size", "10"}, "--size: '10' is not WIDTHxHEIGHT"},
      {{"--duration", "0"},
       "--duration: '0' is not a number of seconds greater than 0 and at most "
       "31536000"},
      {{"--json", ""}, "--json: empty file name"},
      {{"--tab-exe", ""}, "--tab-exe: empty path"},
      {{"--unresponsive-after", "99"},
       "--unresponsive-after: '99' is not a whole number from 100 to 3600000"},
      {{"--unresponsive-after", "500", "--kill-unresponsive-after", "400"},
       "--kill-unresponsive-after must be longer than --unresponsive-after (or "
       "0: never)"},
      {{"--listen", "127.0.0.1:0"}, "--listen is for the web dashboard: add --ui web"},
  };
  for (const auto& [args, message] : cases) {
    auto parsed = ParseRunOptions(args);
    ASSERT_FALSE(parsed.ok()) << args[0];
    EXPECT_EQ(parsed.error().message, message);
  }
  EXPECT_EQ(ParseRunOptions({"--kill-unresponsive-after", "0"})->kill_unresponsive_after_ms,
            0);
}

TEST(RunOptions, HelpIsTheTextToPrint) {
  auto parsed = ParseRunOptions({"--tabs", "3", "--help"});
  ASSERT_TRUE(parsed.ok());
  const std::string& help = parsed->help;
  EXPECT_EQ(help.rfind("usage: tabsim run [options]\n", 0), 0u) << help;
  for (const char* text : {"--tabs N", "--page URL", "--size WxH",
                           "--duration SECONDS", "--ui tui|none|web",
                           "--listen ADDR:PORT", "--json FILE", "--tab-exe PATH",
                           "--control PATH", "--no-sandbox",
                           "--tab-memory-limit SIZE", "--record DIR",
                           "--prelaunch N", "--unresponsive-after MS",
                           "--kill-unresponsive-after MS", "Pages: sim://blank",
                           "Try: kill -9"})
    EXPECT_NE(help.find(text), std::string::npos) << text << "\n" << help;
}

}  // namespace
}  // namespace tabsim
