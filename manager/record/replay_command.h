// `tabsim replay DIR`: feeds a `tabsim run --record DIR` recording to fresh
// tabs and compares their frames with the recorded ones (docs/record.md).
#ifndef TABSIM_MANAGER_RECORD_REPLAY_COMMAND_H_
#define TABSIM_MANAGER_RECORD_REPLAY_COMMAND_H_

#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

struct ReplayOptions {
  std::string dir;
  double speed = 1.0;  // 0 or 0.01..1000
  std::string tab_executable;
  double timeout_seconds = 10;
  std::string json_path;
  // Not empty when --help was given: the text to print instead of running.
  std::string help;
};

// As the user types it; the start of every error line.
inline constexpr char kReplayCommand[] = "tabsim replay";

// `args`: the words after `tabsim replay`, parsed the house way
// (manager/base/cli.h). Never exits or prints: a mistake is the Error's
// one line.
Result<ReplayOptions> ParseReplayOptions(const std::vector<std::string>& args);

// Returns the exit code: 0 when every tab reproduced its recording, 1 when
// any did not (a frame differed, the final frame was not reached or
// differed, a tab was lost), 2 when the replay could not start (bad
// arguments, an unreadable or invalid recording, no tab program).
int ReplayCommand(const std::vector<std::string>& args);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RECORD_REPLAY_COMMAND_H_
