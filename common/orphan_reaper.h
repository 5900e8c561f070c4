// The fallback containment where namespaces are not available
// (common/namespaces.h): the manager makes itself a child subreaper, so a
// process a tab forked and abandoned (double fork, setsid()) is reparented
// to the manager instead of init, and KillOrphans() then kills and reaps it.
//
// What counts as an orphan: a child of this process that Spawn() did not
// make (IsSpawnedChild) and that is not in this process's own process
// group. Tabs are spawned into groups of their own and their descendants
// keep that group or make new sessions; a helper the manager forks itself
// (fork() without setpgid, e.g. the benchmark's peers) stays in the
// manager's group and is left alone.
//
// Children are found in /proc/self/task/*/children (each thread's list:
// orphans go to any thread of a subreaper). A pass kills every orphan it
// finds (SIGKILL; a zombie ignores it) and reaps those already dead with
// waitid(P_PID, WNOHANG), so it never blocks and never reaps a pid someone
// else owns; an orphan killed in one pass is reaped by the next.
#ifndef TABSIM_COMMON_ORPHAN_REAPER_H_
#define TABSIM_COMMON_ORPHAN_REAPER_H_

#include <sys/types.h>

#include <vector>

#include "common/result.h"

namespace tabsim {

// prctl(PR_SET_CHILD_SUBREAPER, 1) for the whole process.
Status BecomeSubreaper();
bool IsSubreaper();

struct OrphanPass {
  std::vector<pid_t> killed;  // alive when found, SIGKILLed
  std::vector<pid_t> reaped;  // dead, reaped now
};

// One pass over our children as described above. Errors reading /proc
// leave the pass empty.
OrphanPass KillOrphans();

// The children of this process (every thread's), zombies included.
std::vector<pid_t> ChildrenOfSelf();

}  // namespace tabsim

#endif  // TABSIM_COMMON_ORPHAN_REAPER_H_
