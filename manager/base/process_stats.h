// CPU time and resident memory of a process, from /proc, for the task
// manager. Reading never throws or logs: a process that is gone (or a
// /proc we cannot parse) yields an error the caller shows as "-".
#ifndef TABSIM_MANAGER_BASE_PROCESS_STATS_H_
#define TABSIM_MANAGER_BASE_PROCESS_STATS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace tabsim {

struct ProcessSample {
  double cpu_seconds = 0;  // user + system, from /proc/PID/stat
  uint64_t rss_bytes = 0;  // resident pages from /proc/PID/statm
  int threads = 0;         // field 20 of /proc/PID/stat
};

Result<ProcessSample> ReadProcessSample(pid_t pid);

// Parses the text of /proc/PID/stat and /proc/PID/statm (split out so the
// parsing is testable with odd process names: "(a) b)").
Result<ProcessSample> ParseProcessSample(const std::string& stat,
                                         const std::string& statm);

// CPU use between two samples of one process as a percentage of one core.
// Turns successive samples into a rate; restarts when the pid changes.
class CpuMeter {
 public:
  using Clock = std::chrono::steady_clock;
  // Returns the percentage since the previous Update() for the same pid, or
  // a negative number when there is no previous sample yet.
  double Update(pid_t pid, const ProcessSample& sample, Clock::time_point now);

 private:
  pid_t pid_ = -1;
  double cpu_seconds_ = 0;
  Clock::time_point time_{};
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_PROCESS_STATS_H_
