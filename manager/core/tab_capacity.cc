#include "manager/core/tab_capacity.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/fd_limit.h"
#include "common/log.h"
#include "manager/core/memory_pressure.h"

namespace tabsim {
namespace {

constexpr long kNoLimit = std::numeric_limits<long>::max();

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A whole number, "max" as -1, anything else as `otherwise`.
long ParseLimit(const std::string& text, long otherwise) {
  if (text == "max") return -1;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  return end != text.c_str() && value >= 0 ? value : otherwise;
}

long RlimitSoft(int resource, long* hard = nullptr) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0) return -1;
  auto value = [](rlim_t v) {
    return v == RLIM_INFINITY || v > rlim_t(kNoLimit) ? -1L : long(v);
  };
  if (hard) *hard = value(limit.rlim_max);
  return value(limit.rlim_cur);
}

// "20000" -> "20,000".
std::string Grouped(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (value < 0 ? "-" : "") + out;
}

std::string Mib(uint64_t bytes) { return Grouped(static_cast<long long>(bytes >> 20)) + " MiB"; }

// How many more tabs fit under `limit` given `used` of it already, at
// `per_tab` each (kNoLimit for none).
long Room(long limit, long used, long per_tab) {
  if (limit < 0) return kNoLimit;
  return std::max(0L, (limit - used) / per_tab);
}

}  // namespace

CapacityFacts ReadCapacityFacts(bool tabs_under_init) {
  CapacityFacts facts;
  facts.fd_limit = RlimitSoft(RLIMIT_NOFILE, &facts.fd_hard_limit);
  facts.fds_open = std::max(0, CountOpenFds());
  facts.pid_max = ParseLimit(FirstLine("/proc/sys/kernel/pid_max"), -1);
  facts.threads_max = ParseLimit(FirstLine("/proc/sys/kernel/threads-max"), -1);
  // /proc/loadavg: "0.33 0.50 0.40 2/687 1234": 687 threads exist.
  std::istringstream loadavg(FirstLine("/proc/loadavg"));
  std::string skip, runnable;
  loadavg >> skip >> skip >> skip >> runnable;
  if (size_t slash = runnable.find('/'); slash != std::string::npos)
    facts.tasks_running = ParseLimit(runnable.substr(slash + 1), 0);
  // Root (CAP_SYS_RESOURCE) is not held to RLIMIT_NPROC.
  if (::geteuid() != 0) facts.nproc_limit = RlimitSoft(RLIMIT_NPROC);
  // The pids controller: cgroup v1 ("8:pids:/path", mounted at
  // /sys/fs/cgroup/pids) or v2 ("0::/path"); the first that has a pids.max.
  std::ifstream cgroups("/proc/self/cgroup");
  for (std::string line; std::getline(cgroups, line);) {
    std::string dir;
    if (size_t at = line.find(":pids:"); at != std::string::npos)
      dir = "/sys/fs/cgroup/pids" + line.substr(at + 6);
    else if (line.rfind("0::", 0) == 0)
      dir = "/sys/fs/cgroup" + line.substr(3);
    else
      continue;
    const std::string max = FirstLine(dir + "/pids.max");
    if (max.empty()) continue;
    facts.cgroup_pids_max = ParseLimit(max, -1);
    facts.cgroup_pids_current = ParseLimit(FirstLine(dir + "/pids.current"), 0);
    break;
  }
  if (auto info = ReadMemInfo(); info.ok())
    facts.mem_available = info->available_bytes;
  // Init costs a process, and saves the tab's pidfd while it runs.
  if (tabs_under_init) {
    facts.processes_per_tab = 2;
    facts.fds_per_tab = kFdsPerTabInit;
  }
  return facts;
}

TabCapacity MaxTabs(const CapacityFacts& facts, uint64_t region_bytes) {
  TabCapacity best{kNoLimit, ""};
  auto consider = [&](long room, const char* limit) {
    if (room < best.tabs) best = {room, limit};
  };
  const long per = facts.processes_per_tab;
  consider(Room(facts.fd_limit, facts.fds_open + kFdsReserved, facts.fds_per_tab),
           "file descriptors");
  consider(Room(facts.pid_max, facts.tasks_running, per), "processes");
  consider(Room(facts.threads_max, facts.tasks_running, per), "processes");
  consider(Room(facts.nproc_limit, facts.tasks_running, per), "processes");
  consider(Room(facts.cgroup_pids_max, facts.cgroup_pids_current, per),
           "processes");
  if (facts.mem_available > 0) {
    const uint64_t per_tab = kTabProcessBytes + region_bytes;
    consider(long(std::min<uint64_t>(facts.mem_available / per_tab, kNoLimit)),
             "memory");
  }
  return best;
}

Status CheckTabCapacity(const CapacityFacts& facts, long tabs, long processes,
                        uint64_t region_bytes) {
  const bool shared = processes != tabs;
  const std::string count =
      Grouped(tabs) + (tabs == 1 ? " tab" : " tabs") +
      (shared ? " in " + Grouped(processes) +
                    (processes == 1 ? " process" : " processes")
              : "");
  const long fds_needed = FdsNeeded(facts, processes);
  if (facts.fd_limit >= 0 && fds_needed > facts.fd_limit) {
    std::string hard = facts.fd_hard_limit < 0
                           ? "unlimited"
                           : Grouped(facts.fd_hard_limit);
    return Error{count + " need about " + Grouped(fds_needed) +
                     " file descriptors (" + std::to_string(facts.fds_per_tab) +
                     (shared ? " per process" : " per tab") +
                     "); RLIMIT_NOFILE allows " +
                     Grouped(facts.fd_limit) + " (hard limit " + hard +
                     ", which only a process with CAP_SYS_RESOURCE may "
                     "raise (tabsim does, up to fs.nr_open, when it has "
                     "it); or raise nofile in limits.conf)",
                 EMFILE};
  }
  auto over = [&](long limit, long used, const std::string& what) -> Status {
    const long needed = processes * facts.processes_per_tab;
    if (limit < 0 || used + needed <= limit) return Status::Ok();
    return Error{count + " need " + Grouped(needed) + " more processes; " +
                     what + " is " + Grouped(limit) + " and " +
                     Grouped(used) + " are in use",
                 EAGAIN};
  };
  for (Status status :
       {over(facts.pid_max, facts.tasks_running, "kernel.pid_max"),
        over(facts.threads_max, facts.tasks_running, "kernel.threads-max"),
        over(facts.nproc_limit, facts.tasks_running, "RLIMIT_NPROC"),
        over(facts.cgroup_pids_max, facts.cgroup_pids_current,
             "this cgroup's pids.max")})
    if (!status.ok()) return status;
  const long shared_tabs = std::max(0L, tabs - processes);
  const uint64_t memory_needed =
      uint64_t(tabs - shared_tabs) * (kTabProcessBytes + region_bytes) +
      uint64_t(shared_tabs) * (kSharedViewBytes + region_bytes);
  const std::string per =
      shared_tabs == 0
          ? Mib(kTabProcessBytes + region_bytes) + " per tab with its frames"
          : Mib(kTabProcessBytes) + " per process, " +
                Grouped(long(kSharedViewBytes >> 10)) +
                " KiB per further tab, and its frames";
  if (facts.mem_available > 0 && memory_needed > facts.mem_available)
    return Error{count + " need about " + Mib(memory_needed) + " (" + per +
                     "); MemAvailable is " +
                     Mib(facts.mem_available) +
                     " (run fewer tabs, or smaller ones with --size)",
                 ENOMEM};
  return Status::Ok();
}

long FdsNeeded(const CapacityFacts& facts, long processes) {
  return facts.fds_open + kFdsReserved + processes * facts.fds_per_tab;
}

Status MakeRoomForTabs(bool tabs_under_init, long tabs, long processes,
                       uint64_t region_bytes) {
  CapacityFacts facts = ReadCapacityFacts(tabs_under_init);
  const long needed = FdsNeeded(facts, processes);
  if (facts.fd_hard_limit >= 0 && needed > facts.fd_hard_limit) {
    const long before = facts.fd_hard_limit;
    if (auto raised = RaiseFdHardLimit(needed); raised.ok()) {
      TABSIM_LOG(kWarning) << "raised RLIMIT_NOFILE's hard limit from "
                           << Grouped(before) << " to " << Grouped(*raised)
                           << " for "
                           << Grouped(tabs) << (tabs == 1 ? " tab" : " tabs")
                           << " (this process may: CAP_SYS_RESOURCE)";
      facts.fd_limit = facts.fd_hard_limit = *raised;  // both, to `needed`
    }
  }
  return CheckTabCapacity(facts, tabs, processes, region_bytes);
}

}  // namespace tabsim
