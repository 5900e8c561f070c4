// How important each tab process is, and what the kernel is told about it:
// the scheduler's nice value and the OOM killer's oom_score_adj, the way
// Chromium's browser process does for its renderers on Linux
// (content/browser/renderer_host/render_process_host_impl.cc,
// base/process/process_linux.cc, the zygote's oom_score_adj ranks).
//
//   importance   what makes it         nice   oom_score_adj
//   focused      its tab has focus        0   300 (kLowestOomScore)
//   visible      a tab on a screen        0   400
//   background   nothing shown            5   500..1000 by how long ago any
//                                             of its tabs was shown (least
//                                             recently used: highest), so
//                                             the kernel kills the
//                                             longest-hidden tab first
//   spare        a prelaunched process    5   1000
//
// The manager itself keeps oom_score_adj 0, below every tab: when memory
// runs out the kernel takes a background tab, never the manager or the
// focused tab. A process takes the most important of its tabs.
//
// Lowering a nice value again needs CAP_SYS_NICE or an RLIMIT_NICE of at
// least 20; without either, a tab reniced to 5 could never come back, so,
// like Chromium's Process::CanBackgroundProcesses(), nice values are then
// left alone (said once) and only oom_score_adj is applied.
//
// Free functions and a value type; the TabHost applies the result.
#ifndef TABSIM_MANAGER_CORE_PROCESS_PRIORITY_H_
#define TABSIM_MANAGER_CORE_PROCESS_PRIORITY_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

enum class Importance { kFocused, kVisible, kBackground, kSpare };
const char* ToString(Importance importance);

inline constexpr int kForegroundNice = 0;
inline constexpr int kBackgroundNice = 5;
inline constexpr int kLowestOomScore = 300;   // Chromium's renderer range
inline constexpr int kVisibleOomScore = 400;
inline constexpr int kHighestOomScore = 1000;

struct ProcessPriority {
  Importance importance = Importance::kVisible;
  int nice = kForegroundNice;
  int oom_score_adj = kVisibleOomScore;
  bool operator==(const ProcessPriority&) const = default;
};

// One process's standing, for Rank().
struct ProcessStanding {
  bool focused = false;   // one of its tabs has focus
  bool visible = false;   // one of its tabs is shown
  bool spare = false;
  std::chrono::steady_clock::time_point last_visible{};
};

// The priority of each process, in the order given. Background processes
// share 500..1000 by last_visible, the longest-hidden getting 1000.
std::vector<ProcessPriority> RankProcesses(
    const std::vector<ProcessStanding>& standings);

// True if this process may lower a nice value it raised (root,
// CAP_SYS_NICE, or RLIMIT_NICE >= 20).
bool CanReraisePriority();

// setpriority(PRIO_PROCESS, pid, nice).
Status SetNice(pid_t pid, int nice);
// Writes /proc/PID/oom_score_adj.
Status SetOomScoreAdj(pid_t pid, int score);
// Reads them back (for tests and the task manager); errors as values.
Result<int> ReadNice(pid_t pid);
Result<int> ReadOomScoreAdj(pid_t pid);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_PROCESS_PRIORITY_H_
