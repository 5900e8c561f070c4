// `tabsim run` options and their parser (through CommandLine, the house
// way: manager/base/cli.h). Parsing never exits or prints: a bad argument
// comes back as an Error whose message is the one line the user sees,
// --help as the text to print.
#ifndef TABSIM_MANAGER_RUN_RUN_OPTIONS_H_
#define TABSIM_MANAGER_RUN_RUN_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/core/process_model.h"

namespace tabsim {

// kAuto: the TUI when stdin and stdout are terminals, else none.
// kWeb: the web dashboard (docs/web.md), with event lines on stdout.
enum class UiMode { kAuto, kNone, kTui, kWeb };

struct RunOptions {
  int tabs = 0;                    // 0: one per --page, or 3
  std::vector<std::string> pages;  // cycled over the tabs
  int width = 480;
  int height = 320;
  std::optional<double> duration_seconds;
  UiMode ui = UiMode::kAuto;
  // --listen ADDRESS:PORT of the web dashboard (--ui web only); port 0
  // picks a free one.
  std::string listen = "127.0.0.1:0";  // kDefaultWebListen
  std::string json_path;
  std::string tab_executable;  // empty: next to this binary
  // The control socket: empty for the default path (see control_path.h),
  // "none" for no control socket.
  std::string control_path;
  bool no_sandbox = false;
  bool no_tab_namespaces = false;
  uint64_t tab_memory_limit = 0;  // bytes; 0: the tab's default
  // The hang monitor (docs/security.md): no pong for this long marks a tab
  // unresponsive; for the second, kills it (0: never).
  int unresponsive_after_ms = 3000;
  int kill_unresponsive_after_ms = 20000;
  // --record DIR (docs/record.md): empty for no recording.
  std::string record_dir;
  // --timeline FILE (docs/inspect.md): Chrome Trace Event JSON of the run;
  // empty for none. --timeline-max-mb: its size cap.
  std::string timeline_path;
  int timeline_max_mb = 64;
  // --prelaunch N: spare tab processes kept ready (TabHost::Options).
  int prelaunch = 0;
  // --process-model: per-tab (default), per-site or limit:N.
  ProcessModel process_model;
  // --fps HZ: the display rate of frame pacing; 0: unpaced.
  double fps = 60;
  // --hidden N: the last N of the initial tabs start hidden (pinned).
  int hidden = 0;
  // Memory pressure (docs/memory.md): --memory-budget SIZE for the tabs'
  // total PSS (0: none), --discard-settle MS between two discards, and
  // --no-memory-pressure to turn the monitor off.
  uint64_t memory_budget = 0;
  int discard_settle_ms = 1000;
  bool no_memory_pressure = false;
  // Arguments for every tab process (--no-sandbox, --memory-limit N), in
  // the form TabHost::Options::extra_tab_args wants.
  std::vector<std::string> ExtraTabArgs() const;
  // Not empty when --help was given: the text to print instead of running.
  std::string help;
};

// What --tabs accepts as a number; what the machine allows (fds, processes,
// memory) is checked before anything is spawned (manager/core/tab_capacity.h).
inline constexpr int kMaxTabs = 100000;
inline constexpr int kMaxPrelaunch = 16;
// As the user types it; the start of every error line.
inline constexpr char kRunCommand[] = "tabsim run";

// `args`: the words after `tabsim run`.
Result<RunOptions> ParseRunOptions(const std::vector<std::string>& args);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RUN_RUN_OPTIONS_H_
