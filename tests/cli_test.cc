// CommandLine, the one way every `tabsim` command reads its arguments: the
// wording of each kind of mistake, which mistake is reported first, where
// the help goes and that it tells the truth, and the exit statuses.
#include "manager/base/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <sstream>

namespace tabsim {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStderr;
using ::testing::internal::GetCapturedStdout;

// A command line with one option of every kind, as a subcommand has them.
struct Example {
  Example()
      : cli("tabsim demo",
            "Does the demo: a sentence long enough to be "
            "wrapped at eighty columns in the help text.") {
    cli.SetFooter("Pages: sim://clock sim://paint\n");
    cli.AddInteger(
        {.name = "--tabs", .value_name = "N", .help = "number of tabs"}, &tabs,
        1, 1024);
    cli.AddNumber(
        {.name = "--speed", .value_name = "X", .help = "pace"}, &speed,
        {.min = 0.01, .max = 1000, .zero_too = true, .noun = "a factor"});
    cli.AddNumber({.name = "--duration",
                   .value_name = "SECONDS",
                   .help = "stop after this long",
                   .default_text = "never"},
                  &duration,
                  {.min = 0,
                   .max = 60,
                   .above_min = true,
                   .noun = "a number of seconds"});
    cli.AddMemorySize(
        {.name = "--memory", .value_name = "SIZE", .help = "limit"}, &memory);
    cli.AddText({.name = "--json", .value_name = "FILE", .help = "write JSON"},
                &json, "file name");
    cli.AddFlag({.name = "--quick", .help = "hurry"}, &quick);
    cli.AddValue(
        {.name = "--page", .value_name = "URL", .help = "a page, repeatable"},
        [this](const std::string& url) {
          if (url.find("://") == std::string::npos)
            return Status(Error{"--page: '" + url + "' is not a URL", EINVAL});
          pages.push_back(url);
          return Status::Ok();
        },
        /*repeatable=*/true);
  }
  std::string ErrorOf(const std::vector<std::string>& args) {
    Status parsed = cli.Parse(args);
    return parsed.ok() ? "(parsed)" : parsed.error().message;
  }

  int tabs = 3;
  double speed = 1;
  std::optional<double> duration;
  uint64_t memory = 0;
  std::string json;
  bool quick = false;
  std::vector<std::string> pages;
  CommandLine cli;
};

TEST(CommandLine, StoresWhatIsGivenAndLeavesTheRest) {
  Example e;
  ASSERT_TRUE(e.cli
                  .Parse({"--tabs", "7", "--quick", "--speed=0", "--memory",
                          "256M", "--page", "sim://a", "--page=sim://b"})
                  .ok());
  EXPECT_EQ(e.tabs, 7);
  EXPECT_TRUE(e.quick);
  EXPECT_EQ(e.speed, 0);
  EXPECT_EQ(e.memory, 256ull << 20);
  EXPECT_EQ(e.pages, (std::vector<std::string>{"sim://a", "sim://b"}));
  EXPECT_FALSE(e.duration.has_value());
  EXPECT_EQ(e.json, "");
  EXPECT_TRUE(e.cli.Given("--tabs"));
  EXPECT_FALSE(e.cli.Given("--json"));
  EXPECT_FALSE(e.cli.help_requested());
}

TEST(CommandLine, ATextIsCheckedForEmptinessThenByItsCheck) {
  std::string plot = "default.svg";
  auto error_of = [&](const std::vector<std::string>& args) {
    CommandLine cli("tabsim demo", "Demo.");
    cli.AddText({.name = "--plot", .value_name = "FILE", .help = "a plot"},
                &plot, "file name", [](const std::string& path) {
                  return path.ends_with(".svg")
                             ? Status::Ok()
                             : Status(Error{"--plot: '" + path + "' is not SVG",
                                            EINVAL});
                });
    Status parsed = cli.Parse(args);
    return parsed.ok() ? "(parsed)" : parsed.error().message;
  };
  EXPECT_EQ(error_of({"--plot", ""}), "--plot: empty file name");
  EXPECT_EQ(error_of({"--plot", "a.png"}), "--plot: 'a.png' is not SVG");
  EXPECT_EQ(plot, "default.svg");
  EXPECT_EQ(error_of({"--plot", "a.svg"}), "(parsed)");
  EXPECT_EQ(plot, "a.svg");
}

TEST(CommandLine, TheLastOfARepeatedValueCounts) {
  Example e;
  ASSERT_TRUE(e.cli.Parse({"--tabs", "2", "--tabs", "5"}).ok());
  EXPECT_EQ(e.tabs, 5);
}

TEST(CommandLine, ValueMistakesNameTheOptionInTheHouseWords) {
  EXPECT_EQ(Example().ErrorOf({"--tabs", "0"}),
            "--tabs: '0' is not a whole number from 1 to 1024");
  EXPECT_EQ(Example().ErrorOf({"--tabs=many"}),
            "--tabs: 'many' is not a whole number from 1 to 1024");
  EXPECT_EQ(Example().ErrorOf({"--speed", "-1"}),
            "--speed: '-1' is not 0 or a factor from 0.01 to 1000");
  for (const char* bad :
       {"0", "61", "nan", "inf", "0x10", " 5", "+5", "5s", ""})
    EXPECT_EQ(Example().ErrorOf({"--duration", bad}),
              std::string("--duration: '") + bad +
                  "' is not a number of seconds greater than 0 and at most 60");
  EXPECT_EQ(Example().ErrorOf({"--memory", "1k"}),
            "--memory: '1k' is not a size (bytes, or a number with K, M or G; "
            "from 1M to 1024G)");
  EXPECT_EQ(Example().ErrorOf({"--json", ""}), "--json: empty file name");
  EXPECT_EQ(Example().ErrorOf({"--page", "sim://a", "--page", "nope"}),
            "--page: 'nope' is not a URL");
}

TEST(CommandLine, UnknownOptionsAndStrayWordsPointAtTheHelp) {
  EXPECT_EQ(Example().ErrorOf({"--tbas", "3"}),
            "unknown option --tbas (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"--tbas=3"}),
            "unknown option --tbas (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"-x"}),
            "unknown option -x (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"stray"}),
            "unexpected argument 'stray' (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"--tabs"}),
            "--tabs needs a value (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"--quick", "--json"}),
            "--json needs a value (see tabsim demo --help)");
}

TEST(CommandLine, TheFirstMistakeOnTheLineIsTheOneReported) {
  EXPECT_EQ(Example().ErrorOf({"--tbas", "--tabs", "0"}),
            "unknown option --tbas (see tabsim demo --help)");
  EXPECT_EQ(Example().ErrorOf({"--tabs", "0", "--tbas"}),
            "--tabs: '0' is not a whole number from 1 to 1024");
}

TEST(CommandLine, AValueMayLookLikeAnOption) {
  Example e;
  ASSERT_TRUE(e.cli.Parse({"--json", "--quick"}).ok());
  EXPECT_EQ(e.json, "--quick");
  EXPECT_FALSE(e.quick);
}

TEST(CommandLine, OperandsAreCountedAndChecked) {
  std::string dir;
  double speed = 1;
  auto make = [&](CommandLine& cli) {
    cli.AddOperand({.name = "DIR", .help = "the recording"}, &dir,
                   "directory name", /*required=*/true);
    cli.AddNumber({.name = "--speed", .value_name = "X", .help = "pace"},
                  &speed, {.min = 1, .max = 2});
  };
  auto error_of = [&](const std::vector<std::string>& args) {
    CommandLine cli("tabsim replay", "Replays.");
    make(cli);
    Status parsed = cli.Parse(args);
    return parsed.ok() ? "(parsed)" : parsed.error().message;
  };
  EXPECT_EQ(error_of({}), "missing DIR (see tabsim replay --help)");
  EXPECT_EQ(error_of({"--speed", "2"}),
            "missing DIR (see tabsim replay --help)");
  EXPECT_EQ(error_of({"a", "b"}),
            "unexpected argument 'b' (see tabsim replay --help)");
  EXPECT_EQ(error_of({""}), "DIR: empty directory name");
  // An unknown option is the likelier mistake than the operand it hid.
  EXPECT_EQ(error_of({"--sped", "2"}),
            "unknown option --sped (see tabsim replay --help)");
  EXPECT_EQ(error_of({"--speed", "2", "rec"}), "(parsed)");
  EXPECT_EQ(dir, "rec");
  EXPECT_EQ(error_of({"--", "-rec"}), "(parsed)");
  EXPECT_EQ(dir, "-rec");

  CommandLine cli("tabsim replay", "Replays.");
  make(cli);
  ASSERT_TRUE(cli.Parse({"--help"}).ok());  // no DIR needed for the help
  EXPECT_TRUE(cli.help_requested());
  EXPECT_NE(cli.Help().find("usage: tabsim replay [options] DIR\n"),
            std::string::npos)
      << cli.Help();
}

TEST(CommandLine, AWordLeftBesideCommandsIsAnUnknownCommand) {
  CommandLine cli("tabsim", "The simulator.");
  cli.AddCommand("run", "start the manager and its tabs");
  cli.AddCommand("bench", "measure the IPC");
  Status parsed = cli.Parse({"frobnicate"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message,
            "unknown command 'frobnicate' (see tabsim --help)");
  std::string help = cli.Help();
  EXPECT_NE(help.find("usage: tabsim [options] COMMAND [ARGS]\n"),
            std::string::npos);
  EXPECT_NE(
      help.find(
          "\n  run                       start the manager and its tabs\n"),
      std::string::npos)
      << help;
  EXPECT_NE(help.find("\n  bench                     measure the IPC\n"),
            std::string::npos)
      << help;
}

TEST(CommandLine, HelpTellsEveryOptionWithItsRangeAndDefault) {
  Example asked;
  ASSERT_TRUE(asked.cli.Parse({"--quick", "--help"}).ok());
  ASSERT_TRUE(asked.cli.help_requested());
  const std::string help = asked.cli.Help();
  EXPECT_EQ(help.rfind("usage: tabsim demo [options]\n\nDoes the demo:", 0), 0u)
      << help;
  // The descriptions are wrapped: compare with the blanks folded.
  std::string flat;
  std::istringstream words(help);
  for (std::string word; words >> word;)
    flat += (flat.empty() ? "" : " ") + word;
  for (const char* expected :
       {"-h,--help print this help and exit",
        "--tabs N number of tabs (a whole number from 1 to 1024; default: 3)",
        "--speed X pace (0 or a factor from 0.01 to 1000; default: 1)",
        "--duration SECONDS stop after this long (a number of seconds "
        "greater than 0 and at most 60; default: never)",
        "--memory SIZE limit (bytes, or a number with K, M or G; from 1M to "
        "1024G)",
        "--json FILE write JSON --quick hurry --page URL a page, repeatable"}) {
    EXPECT_NE(flat.find(expected), std::string::npos) << expected << "\n"
                                                      << help;
  }
  EXPECT_NE(help.find("\n\nPages: sim://clock sim://paint\n"),
            std::string::npos);
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);)
    EXPECT_LE(line.size(), 80u) << line;
  EXPECT_EQ(help.find("\n\n\n"), std::string::npos) << help;
}

TEST(CommandLine, LaterMistakesAlsoPointAtTheHelp) {
  Example e;
  EXPECT_EQ(e.cli.UsageError("--a and --b do not go together").message,
            "--a and --b do not go together (see tabsim demo --help)");
}

TEST(CommandLine, NumbersAreWrittenWithoutExponents) {
  EXPECT_EQ(FormatNumber(31536000), "31536000");
  EXPECT_EQ(FormatNumber(0.05), "0.05");
  EXPECT_EQ(FormatNumber(2), "2");
  EXPECT_EQ(
      (NumberRange{.min = 0.1, .max = 3600, .noun = "a number of seconds"})
          .Describe(),
      "a number of seconds from 0.1 to 3600");
}

TEST(CommandLineDeathTest, AskingAboutAnOptionThatDoesNotExistIsABug) {
  Example e;
  EXPECT_DEATH((void)e.cli.Given("--nope"), "--nope is not an option");
}

TEST(ReportUsageError, OneLineOnStderrAndExitTwo) {
  CaptureStdout();
  CaptureStderr();
  int status = ReportUsageError(
      "tabsim run", Error{"--tabs: '0' is not a whole number", EINVAL});
  std::string err = GetCapturedStderr();
  std::string out = GetCapturedStdout();
  EXPECT_EQ(status, 2);
  EXPECT_EQ(status, kUsageExitStatus);
  EXPECT_EQ(err, "tabsim run: --tabs: '0' is not a whole number\n");
  EXPECT_EQ(out, "");
}

TEST(ReportUsageError, NeverMoreThanOneLine) {
  CaptureStderr();
  (void)ReportUsageError("tabsim run", Error{"two\nlines", EINVAL});
  EXPECT_EQ(GetCapturedStderr(), "tabsim run: two lines\n");
}

TEST(PrintHelp, HelpGoesToStdoutAndExitsZero) {
  Example e;
  ASSERT_TRUE(e.cli.Parse({"-h"}).ok());
  ASSERT_TRUE(e.cli.help_requested());
  CaptureStdout();
  CaptureStderr();
  int status = PrintHelp(e.cli.Help());
  std::string err = GetCapturedStderr();
  std::string out = GetCapturedStdout();
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, e.cli.Help());
  EXPECT_EQ(err, "");
}

}  // namespace
}  // namespace tabsim
