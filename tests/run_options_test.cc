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
  EXPECT_FALSE(ParseRunOptions({"--control", ""}).ok());
  EXPECT_FALSE(ParseRunOptions({"--control"}).ok());
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
  EXPECT_FALSE(ParseRunOptions({"--record", ""}).ok());
  EXPECT_FALSE(ParseRunOptions({"--record"}).ok());
}

}  // namespace
}  // namespace tabsim
