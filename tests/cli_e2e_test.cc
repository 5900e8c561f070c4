// The real `tabsim` binary, as a user mistypes it: every command's usage
// errors are one line on stderr and exit 2, and every --help goes to stdout,
// exits 0 and lists exactly the options the command knows.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "tests/e2e_util.h"

namespace tabsim {
namespace {

using testing::CommandResult;
using testing::RunTabsim;

class CliE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tabsim-cli-test");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override { testing::RemoveTree(dir_); }
  CommandResult Run(const std::vector<std::string>& args) {
    return RunTabsim(args, dir_);
  }
  std::string dir_;
};

struct Mistake {
  std::vector<std::string> args;
  std::string line;  // all of stderr
};

TEST_F(CliE2eTest, EachMistakeIsOneLineOnStderrAndExitTwo) {
  const std::vector<Mistake> mistakes = {
      {{"run", "--tabs", "0"},
       "tabsim run: --tabs: '0' is not a whole number from 1 to 100000\n"},
      {{"run", "--tbas", "3"},
       "tabsim run: unknown option --tbas (see tabsim run --help)\n"},
      {{"run", "--timeline-max-mb", "8"},
       "tabsim run: --timeline-max-mb is for --timeline: add --timeline FILE\n"},
      {{"run", "--timeline", "t.json", "--timeline-max-mb", "0"},
       "tabsim run: --timeline-max-mb: '0' is not a whole number from 1 to "
       "65536\n"},
      {{"bench", "--bogus"},
       "tabsim bench: unknown option --bogus (see tabsim bench --help)\n"},
      {{"bench", "--tabs", "1,0"},
       "tabsim bench: --tabs: '0' is not a whole number from 1 to 100000\n"},
      {{"replay"}, "tabsim replay: missing DIR (see tabsim replay --help)\n"},
      {{"replay", "--bogus", "x"},
       "tabsim replay: unknown option --bogus (see tabsim replay --help)\n"},
      {{"frobnicate"},
       "tabsim: unknown command 'frobnicate' (see tabsim --help)\n"},
      {{}, "tabsim: missing command (see tabsim --help)\n"},
      {{"--bogus"}, "tabsim: unknown option --bogus (see tabsim --help)\n"},
  };
  for (const Mistake& mistake : mistakes) {
    CommandResult result = Run(mistake.args);
    std::string what = mistake.args.empty() ? "(none)" : mistake.args[0];
    EXPECT_EQ(result.exit_code, 2) << what;
    EXPECT_EQ(result.err, mistake.line) << what;
    EXPECT_EQ(result.out, "") << what;
  }
}

TEST_F(CliE2eTest, TheSameMistakeIsWordedTheSameInEveryCommand) {
  for (const char* command : {"run", "bench", "replay"}) {
    std::vector<std::string> args = {command, "--json", ""};
    if (std::string(command) == "replay") args.push_back("rec");
    CommandResult empty = Run(args);
    EXPECT_EQ(empty.exit_code, 2) << command;
    EXPECT_EQ(empty.err,
              "tabsim " + std::string(command) + ": --json: empty file name\n");
    CommandResult unfinished = Run({command, "--json"});
    EXPECT_EQ(unfinished.exit_code, 2) << command;
    EXPECT_EQ(unfinished.err, "tabsim " + std::string(command) +
                                  ": --json needs a value (see tabsim " +
                                  command + " --help)\n");
  }
}

// The option names a --help lists, from its option lines.
std::set<std::string> ListedOptions(const std::string& help) {
  std::set<std::string> names;
  std::regex option_line("\n  (-h,)?(--[a-z-]+)");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), option_line);
       it != std::sregex_iterator(); ++it)
    names.insert((*it)[2]);
  return names;
}

// The help with its wrapped lines joined: runs of blanks become one space.
std::string Folded(const std::string& text) {
  return std::regex_replace(text, std::regex("\\s+"), " ");
}

struct HelpCase {
  std::string command;
  std::set<std::string> options;   // every option its parser knows
  std::vector<std::string> words;  // and other things it must say
};

TEST_F(CliE2eTest, EveryHelpIsOnStdoutAndListsEveryOption) {
  const std::vector<HelpCase> cases = {
      {"run",
       {"--help", "--tabs", "--page", "--size", "--duration", "--ui",
        "--listen", "--json", "--tab-exe", "--control", "--no-sandbox",
        "--tab-memory-limit", "--no-tab-namespaces", "--record", "--prelaunch", "--unresponsive-after",
        "--timeline", "--timeline-max-mb",
        "--process-model", "--fps", "--hidden", "--memory-budget",
        "--discard-settle", "--no-memory-pressure",
        "--kill-unresponsive-after"},
       {"usage: tabsim run [options] ", "from 1 to 100000",
        "default: one per --page, else 3", "default: 480x320",
        "default: 127.0.0.1:0", "default: 3000", "default: 20000",
        "from 0 to 16", "tui|none|web", "sim://bad-message?kind="}},
      {"bench",
       {"--help", "--quick", "--tabs", "--seconds", "--latency-samples",
        "--lifecycle-samples", "--frames-page", "--json", "--plot", "--only",
        "--tab-exe"},
       {"usage: tabsim bench [options] ", "default: 1,4,16,64,256",
        "1,4,16,64 with --quick", "from 0.05 to 600", "default: sim://stamp"}},
      {"replay",
       {"--help", "--speed", "--timeout", "--json", "--tab-exe"},
       {"usage: tabsim replay [options] DIR ",
        "0 or a factor from 0.01 to 1000", "from 0.1 to 3600", "default: 10",
        "Exit status: 0"}},
  };
  for (const HelpCase& c : cases) {
    CommandResult help = Run({c.command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << c.command;
    EXPECT_EQ(help.err, "") << c.command;
    EXPECT_EQ(ListedOptions(help.out), c.options) << c.command << "\n"
                                                  << help.out;
    for (const std::string& word : c.words)
      EXPECT_NE(Folded(help.out).find(word), std::string::npos)
          << c.command << ": " << word << "\n"
          << help.out;
    // And the parser knows each one. (An unknown word stays after any
    // option's value, so nothing ever starts.)
    for (const std::string& option : c.options) {
      CommandResult tried = Run({c.command, option, "--zz", "--zz"});
      EXPECT_EQ(tried.err.find("unknown option " + option), std::string::npos)
          << c.command << " " << option << ": " << tried.err;
      EXPECT_NE(tried.exit_code, 1) << c.command << " " << option;
    }
    CommandResult unknown = Run({c.command, "--zz-not", "--zz", "--zz"});
    EXPECT_NE(unknown.err.find("unknown option --zz-not"), std::string::npos)
        << unknown.err;
  }
}

TEST_F(CliE2eTest, TopLevelHelpListsEachCommandOnOneLine) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    CommandResult help = Run(args);
    EXPECT_EQ(help.exit_code, 0) << args[0];
    EXPECT_EQ(help.err, "");
    // A line each: no summary goes on in the next line.
    for (const char* command : {"run", "ctl", "bench", "replay"})
      EXPECT_TRUE(std::regex_search(
          help.out, std::regex(std::string("\n  ") + command +
                               " +[a-z][^\n]+\n(?! {20})")))
          << command << "\n"
          << help.out;
    EXPECT_NE(help.out.find("--version"), std::string::npos);
  }
  CommandResult version = Run({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(
      std::regex_match(version.out, std::regex("tabsim \\d+\\.\\d+\\.\\d+\n")))
      << version.out;
}

TEST_F(CliE2eTest, CtlGetsItsWordsUntouched) {
  // `tabsim ctl` has its own grammar: what follows `ctl` reaches it as is,
  // --help and `--` included.
  CommandResult help = Run({"ctl", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: tabsim ctl"), std::string::npos) << help.out;
  CommandResult unknown = Run({"ctl", "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("tabsim ctl: unknown command 'frobnicate'"),
            std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace tabsim
