// What the `timeline` verb (manager/commands/command.h) turns on and off:
// the run's timeline export, which lives above the command layer
// (manager/timeline/timeline_controller.h implements this for `tabsim
// run`). A front end whose runner has no switch answers the verb with
// "timeline: not available here".
//
// Results are values: one line for the user either way ("timeline: already
// recording to /tmp/a.json", "timeline: not started").
#ifndef TABSIM_MANAGER_COMMANDS_TIMELINE_SWITCH_H_
#define TABSIM_MANAGER_COMMANDS_TIMELINE_SWITCH_H_

#include <cstdint>
#include <string>

#include "common/result.h"

namespace tabsim {

class TimelineSwitch {
 public:
  // Starts writing `path` (created or truncated; max_bytes 0: the
  // default cap). Fails when one is already running or the file cannot be
  // created.
  virtual Result<std::string> StartTimeline(const std::string& path,
                                            uint64_t max_bytes) = 0;
  // Ends the running one; its file is then complete JSON. Fails when none
  // runs.
  virtual Result<std::string> StopTimeline() = 0;

 protected:
  ~TimelineSwitch() = default;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_TIMELINE_SWITCH_H_
