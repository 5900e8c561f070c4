// Runs parsed commands (manager/commands/command.h) against the tab host,
// on the manager's loop: the one place where a verb acts on tabs. Every
// front end (control socket, dashboard, terminal UI) calls Execute() and
// shows the result; none of them touches a TabSession for a verb itself.
//
// Results are values: an error is one line for the user ("no tab 99", "tab
// 3 is crashed: killed by signal 9 (SIGKILL)"); success carries the tab the
// command acted on and one line saying what happened ("tab 3: sent SIGKILL
// to pid 1234").
//
// Ownership: borrows the host, the task manager and the timeline switch,
// which must outlive it.
#ifndef TABSIM_MANAGER_COMMANDS_COMMAND_RUNNER_H_
#define TABSIM_MANAGER_COMMANDS_COMMAND_RUNNER_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/commands/command.h"
#include "manager/commands/timeline_switch.h"
#include "manager/core/tab_host.h"

namespace tabsim {

class TabSession;
class TaskManager;

struct CommandResult {
  Status status;    // an error: the message to show, one line
  int tab_id = 0;   // the tab acted on (open: the new one); 0 for none
  std::string text; // on success: what happened, one line
  bool ok() const { return status.ok(); }
};

class CommandRunner {
 public:
  CommandRunner(TabHost& host, TaskManager& tasks);
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;

  // Parses and runs `words` (words[0] is the verb).
  CommandResult Execute(const std::vector<std::string>& words);
  // Splits a typed line (SplitCommandLine) and runs it.
  CommandResult ExecuteLine(std::string_view line);
  CommandResult Run(const Command& command);
  // What the `timeline` verb starts and stops; not owned, may be null (the
  // verb then fails: not available here).
  void set_timeline(TimelineSwitch* timeline) { timeline_ = timeline; }

 private:
  // The tab `id`, or an error result ("no tab 99").
  Result<TabSession*> FindTab(int id);
  // The tab `id` if it is live (or unresponsive): input and navigation go
  // only there.
  Result<TabSession*> LiveTab(int id);
  CommandResult SendInputs(TabSession& tab,
                           const std::vector<proto::InputEvent>& events,
                           std::string text);

  CommandResult Open(const Command& c);
  CommandResult Close(const Command& c);
  CommandResult Kill(const Command& c);
  CommandResult Crash(const Command& c);
  CommandResult Navigate(const Command& c);
  CommandResult NavigateTo(int id, const std::string& url);
  CommandResult Reload(const Command& c);
  CommandResult Resize(const Command& c);
  CommandResult Hide(const Command& c);
  CommandResult Show(const Command& c);
  CommandResult Unpin(const Command& c);
  CommandResult Pin(const Command& c, TabHost::Pin pin);
  CommandResult Focus(const Command& c);
  CommandResult Discard(const Command& c);
  CommandResult Protect(const Command& c);
  CommandResult Unprotect(const Command& c);
  CommandResult Forget(const Command& c);
  CommandResult Click(const Command& c);
  CommandResult Mouse(const Command& c);
  CommandResult Wheel(const Command& c);
  CommandResult Key(const Command& c);
  CommandResult Type(const Command& c);
  CommandResult Fault(const Command& c);
  CommandResult Timeline(const Command& c);

  TabHost& host_;
  TaskManager& tasks_;
  TimelineSwitch* timeline_ = nullptr;
};

// "tab 3 is crashed: killed by signal 9 (SIGKILL)".
std::string DescribeNotLive(const TabSession& tab);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_COMMAND_RUNNER_H_
