// Which sandbox layers a tab process really has, for the task manager,
// `ctl list --json` and docs/security.md.
//
// The manager knows what it did at spawn (namespaces, or the subreaper and
// process-group fallback; whether it passed --no-sandbox). What the tab did
// to itself (tabsim-tab installs its seccomp filter, no_new_privs and
// rlimits after its handshake; a --tab-exe program may do anything or
// nothing) is read from the kernel: /proc/PID/status (Seccomp, NoNewPrivs,
// CapEff) and /proc/PID/limits of the host pid, compared with the
// manager's own limits. That is the honest evidence, and it holds for any
// tab program.
#ifndef TABSIM_MANAGER_CORE_TAB_LAYERS_H_
#define TABSIM_MANAGER_CORE_TAB_LAYERS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace tabsim {

struct TabLayers {
  // Set by the manager at spawn.
  bool namespaces = false;        // new user, PID, net and IPC namespaces
  bool group_fallback = false;    // subreaper + process-group kill instead
  bool no_sandbox_flag = false;   // the manager passed --no-sandbox
  // Read from the kernel (false until a reading succeeded).
  bool read = false;
  int seccomp_mode = 0;           // 0 off, 1 strict, 2 filter
  int seccomp_filters = 0;        // Seccomp_filters: (0 where not shown)
  bool no_new_privs = false;
  bool no_capabilities = false;   // CapEff is empty
  // RLIMIT_AS or RLIMIT_NOFILE lower than the manager's own, or no core
  // dumps where the manager may dump core.
  bool rlimits = false;

  bool seccomp() const { return seccomp_mode != 0; }
  // "userns+pidns+netns+ipcns, seccomp, rlimits", "pgroup+subreaper,
  // rlimits", "none": TabInfo.containment (proto/records.proto).
  std::string Summary() const;
};

// Fills the kernel's half of `layers` from /proc/PID/*. Errors (the
// process is gone: ENOENT/ESRCH) leave `layers` as it was.
Status ReadTabLayers(pid_t pid, TabLayers* layers);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_LAYERS_H_
