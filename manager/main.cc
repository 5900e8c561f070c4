// tabsim: the manager of a multi-process browser-architecture simulator.
// Dispatches subcommands; each lives in its own *_command.cc and parses its
// own arguments.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log.h"
#include "manager/base/cli.h"
#include "manager/bench/bench_command.h"
#include "manager/control/ctl_command.h"
#include "manager/record/replay_command.h"
#include "manager/run/run_command.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;  // one line in `tabsim --help`
  int (*run)(const std::vector<std::string>& args);
};

// The summaries fit the help's one line (52 columns).
constexpr Subcommand kSubcommands[] = {
    {"run", "start the manager and its tabs", tabsim::RunCommand},
    {"ctl", "drive a running manager: list, open, kill, watch...",
     tabsim::CtlCommand},
    {"bench", "measure the IPC beside floors from the same run",
     tabsim::BenchCommand},
    {"replay", "replay a `run --record` recording, compare frames",
     tabsim::ReplayCommand},
};

constexpr char kDescription[] =
    "A browser-architecture simulator: one manager process, one process per "
    "tab, protobuf messages over UNIX sockets, frames in sealed memfd shared "
    "memory, everything in the manager on one event loop.";

constexpr char kFooter[] =
    "Each command has its own --help (tabsim run --help).\n"
    "Environment: TABSIM_LOG_LEVEL=debug|info|warning|error|none,\n"
    "TABSIM_TAB_EXE=path to tabsim-tab.\n";

// `tabsim` without a command: --help, --version, or a mistake.
int WithoutCommand(const std::vector<std::string>& args) {
  tabsim::CommandLine cli("tabsim", kDescription);
  cli.SetFooter(kFooter);
  bool version = false;
  cli.AddFlag({.name = "--version", .help = "print the version and exit"},
              &version);
  for (const Subcommand& subcommand : kSubcommands)
    cli.AddCommand(subcommand.name, subcommand.summary);
  // `tabsim help` as well as `tabsim --help`.
  tabsim::Status parsed = !args.empty() && args[0] == "help"
                              ? cli.Parse({"--help"})
                              : cli.Parse(args);
  if (!parsed.ok()) return tabsim::ReportUsageError("tabsim", parsed.error());
  if (cli.help_requested()) return tabsim::PrintHelp(cli.Help());
  if (version) {
    std::printf("tabsim %s\n", TABSIM_VERSION);
    return 0;
  }
  return tabsim::ReportUsageError("tabsim", cli.UsageError("missing command"));
}

}  // namespace

int main(int argc, char** argv) {
  // An inherited SIGCHLD=SIG_IGN would make the kernel reap our tabs and
  // lose their exit status: the one thing we report.
  ::signal(SIGCHLD, SIG_DFL);
  tabsim::SetLogPrefix("tabsim");
  tabsim::InitLogLevelFromEnvironment();
  std::vector<std::string> args(argv + 1, argv + argc);
  // A command gets every word after its name, untouched: each parses its
  // own (and `tabsim ctl` has a grammar of its own).
  if (!args.empty())
    for (const Subcommand& subcommand : kSubcommands)
      if (args[0] == subcommand.name)
        return subcommand.run({args.begin() + 1, args.end()});
  return WithoutCommand(args);
}
