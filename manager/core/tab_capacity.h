// How many tabs this machine lets one manager run, and, for a number of
// tabs asked for, the first limit it would hit, said in one line before
// anything is spawned ("tabsim run --tabs 10000").
//
// Each running tab process costs the manager kFdsPerTab file descriptors
// (its socket and its pidfd; its output comes back through one socket for
// all tabs, TabOutputHub; its frame regions' memfds go to the tab, the
// manager keeps their mappings), or kFdsPerTabInit in namespaces, where no
// pidfd is held while the tab runs (its end is its tabsim-init's, which
// ends the channel: ProcessHost::Start), the system one process (two in
// namespaces: the tab and its tabsim-init), and memory: the
// process's own pages (kTabProcessBytes, an upper bound of its PSS as
// measured by `tabsim bench --only scale`). Each tab costs its frame
// region (two frames), and, when it shares a process another tab has (a
// process model), kSharedViewBytes for its view; no fd of its own.
//
// The facts are read once (ReadCapacityFacts) and judged by pure functions
// (tests feed them facts). The caller raises RLIMIT_NOFILE's soft limit to
// the hard one first (RaiseFdLimit); MakeRoomForTabs alone raises the hard
// limit, when a count needs it and this process may (CAP_SYS_RESOURCE).
#ifndef TABSIM_MANAGER_CORE_TAB_CAPACITY_H_
#define TABSIM_MANAGER_CORE_TAB_CAPACITY_H_

#include <cstdint>
#include <string>

#include "common/result.h"

namespace tabsim {

inline constexpr long kFdsPerTab = 2;
inline constexpr long kFdsPerTabInit = 1;
// Fds the manager keeps for itself beyond its tabs and what it has open at
// the check (listening sockets, a few control and dashboard clients, files
// it writes); past them a client or a `ctl open` gets a clear EMFILE
// error (common/fd_limit.h), never the manager's end.
inline constexpr long kFdsReserved = 16;
inline constexpr uint64_t kTabProcessBytes = 2ull << 20;
// A tab in a process another tab already has: its view (page state, its
// share of the arena), an upper bound of what `tabsim bench --only
// models,scale` measures (50-110 KiB of PSS a tab beyond its frames).
inline constexpr uint64_t kSharedViewBytes = 256ull << 10;

struct CapacityFacts {
  long fd_limit = -1;       // RLIMIT_NOFILE soft limit; -1: unlimited
  long fd_hard_limit = -1;  // its hard limit; -1: unlimited
  long fds_open = 0;        // this process's open fds
  long pid_max = -1;        // /proc/sys/kernel/pid_max
  long threads_max = -1;    // /proc/sys/kernel/threads-max
  long tasks_running = 0;   // every thread on the system (/proc/loadavg)
  long nproc_limit = -1;    // RLIMIT_NPROC soft limit; -1: unlimited or exempt
  long cgroup_pids_max = -1;  // this cgroup's pids.max; -1: none
  long cgroup_pids_current = 0;
  uint64_t mem_available = 0;  // MemAvailable; 0: unknown
  // What one tab costs here (namespaces: its init, one more process).
  long fds_per_tab = kFdsPerTab;
  long processes_per_tab = 1;
};

// Reads the facts of this process and machine. Unknown values stay at
// their "no limit" defaults: a missing /proc file never blocks a run.
// `tabs_under_init`: tabs run in namespaces under tabsim-init
// (DecideContainment().namespaces), each costing a process more.
CapacityFacts ReadCapacityFacts(bool tabs_under_init);

// The most tabs the facts allow, each with `region_bytes` of frames, and
// the limit that binds first ("file descriptors", "processes", "memory").
struct TabCapacity {
  long tabs = 0;
  std::string limit;
};
TabCapacity MaxTabs(const CapacityFacts& facts, uint64_t region_bytes);

// Ok when `tabs` more tabs, in `processes` tab processes, fit; otherwise
// one line naming the first limit hit, the numbers, and what would lift
// it, e.g. "10,000 tabs need about 20,026 file descriptors (2 per tab);
// RLIMIT_NOFILE allows 20,000 (hard limit 20,000; ...)". A process model
// that shares processes (ProcessesFor in process_model.h) makes
// `processes` < `tabs`: fds and processes are counted per process, memory
// per process (kTabProcessBytes) and per further tab (kSharedViewBytes),
// and every tab's frames.
Status CheckTabCapacity(const CapacityFacts& facts, long tabs, long processes,
                        uint64_t region_bytes);
// One process per tab.
inline Status CheckTabCapacity(const CapacityFacts& facts, long tabs,
                               uint64_t region_bytes) {
  return CheckTabCapacity(facts, tabs, tabs, region_bytes);
}

// The fds `processes` more tab processes need on top of what is open now
// and kFdsReserved.
long FdsNeeded(const CapacityFacts& facts, long processes);

// What `tabsim run --tabs` and the bench's scale counts do before spawning:
// reads the facts; when the fds needed are above RLIMIT_NOFILE's hard limit,
// raises it to them if this process may (RaiseFdHardLimit: CAP_SYS_RESOURCE,
// up to fs.nr_open; the raise is logged, a refusal is not an error here);
// then checks the count against the facts as they are now (CheckTabCapacity),
// whose error names the limit that still binds.
Status MakeRoomForTabs(bool tabs_under_init, long tabs, long processes,
                       uint64_t region_bytes);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_CAPACITY_H_
