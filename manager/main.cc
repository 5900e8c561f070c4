// tabsim: the manager of a multi-process browser-architecture simulator.
// Dispatches subcommands; each lives in its own *_command.cc.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "common/log.h"
#include "manager/bench/bench_command.h"
#include "manager/control/ctl_command.h"
#include "manager/record/replay_command.h"
#include "manager/run/run_command.h"

namespace {

constexpr char kUsage[] =
    "usage: tabsim COMMAND [options]\n"
    "\n"
    "A browser-architecture simulator: one manager process, one process per\n"
    "tab, protobuf messages over UNIX sockets, frames in sealed memfd shared\n"
    "memory, everything in the manager on one event loop.\n"
    "\n"
    "Commands:\n"
    "  run     start the manager and its tabs (tabsim run --help)\n"
    "  ctl     drive a running manager: list, open, kill, snapshot, watch...\n"
    "          (tabsim ctl --help)\n"
    "  bench   measure the IPC against floors taken in the same run\n"
    "          (tabsim bench --help)\n"
    "  replay  replay a recording of `run --record DIR` on fresh tabs and\n"
    "          compare their frames (tabsim replay --help)\n"
    "  help    this text\n"
    "\n"
    "Environment: TABSIM_LOG_LEVEL=debug|info|warning|error|none,\n"
    "TABSIM_TAB_EXE=path to tabsim-tab.\n";

}  // namespace

int main(int argc, char** argv) {
  // An inherited SIGCHLD=SIG_IGN would make the kernel reap our tabs and
  // lose their exit status: the one thing we report.
  ::signal(SIGCHLD, SIG_DFL);
  tabsim::SetLogPrefix("tabsim");
  tabsim::InitLogLevelFromEnvironment();
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "run") return tabsim::RunCommand(args);
  if (command == "ctl") return tabsim::CtlCommand(args);
  if (command == "bench") return tabsim::BenchCommand(args);
  if (command == "replay") return tabsim::ReplayCommand(args);
  std::fprintf(stderr, "tabsim: unknown command '%s' (see tabsim --help)\n",
               command.c_str());
  return 2;
}
