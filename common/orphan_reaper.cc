#include "common/orphan_reaper.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "common/child_process.h"

namespace tabsim {

Status BecomeSubreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return Error::FromErrno("prctl(PR_SET_CHILD_SUBREAPER)");
  return Status::Ok();
}

bool IsSubreaper() {
  int value = 0;
  return ::prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0) == 0 && value != 0;
}

std::vector<pid_t> ChildrenOfSelf() {
  std::vector<pid_t> children;
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return children;
  while (dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream list(std::string("/proc/self/task/") + entry->d_name +
                       "/children");
    pid_t pid;
    while (list >> pid) children.push_back(pid);
  }
  ::closedir(tasks);
  std::sort(children.begin(), children.end());
  children.erase(std::unique(children.begin(), children.end()), children.end());
  return children;
}

OrphanPass KillOrphans() {
  OrphanPass pass;
  const std::vector<pid_t> children = ChildrenOfSelf();
  if (children.empty()) return pass;
  const pid_t own_group = ::getpgrp();
  // Spawn() waits while we decide, so a tab cannot be taken for an orphan
  // between its fork and its registration.
  auto guard = GuardSpawnedChildren();
  for (pid_t pid : children) {
    if (IsSpawnedChild(pid, guard)) continue;
    // A zombie keeps its group: getpgid works until it is reaped.
    const pid_t group = ::getpgid(pid);
    if (group < 0 || group == own_group) continue;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG) == 0 &&
        info.si_pid == pid) {
      pass.reaped.push_back(pid);
      continue;
    }
    // Our unreaped child: its pid cannot have been reused.
    if (::kill(pid, SIGKILL) == 0) pass.killed.push_back(pid);
  }
  return pass;
}

}  // namespace tabsim
