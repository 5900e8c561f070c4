// The process's own open-file limit: raising it, and saying clearly (once)
// when it is reached anyway.
#ifndef TABSIM_COMMON_FD_LIMIT_H_
#define TABSIM_COMMON_FD_LIMIT_H_

#include <string>
#include <string_view>

#include "common/result.h"

namespace tabsim {

// Every tab costs the manager a few fds while it runs
// (manager/core/tab_capacity.h): raises RLIMIT_NOFILE's soft limit to the
// hard limit, as servers do. Best effort; the limit stays as it was if
// that fails.
void RaiseFdLimit();

// Makes RLIMIT_NOFILE allow `needed` fds when its hard limit does not:
// raises the hard limit, and the soft one with it, to `needed`. Only a
// process with CAP_SYS_RESOURCE (root, usually) may raise a hard limit,
// and only up to /proc/sys/fs/nr_open; otherwise this returns setrlimit's
// error (EPERM) and the limits stay as they were. Ok, changing nothing,
// when the hard limit already allows `needed` (RaiseFdLimit lifts the soft
// one).
// Returns the hard limit in force afterwards.
Result<long> RaiseFdHardLimit(long needed);

// The fds this process has open (entries of /proc/self/fd); -1 if unknown.
int CountOpenFds();
// RLIMIT_NOFILE's soft limit; -1 if unknown or unlimited.
long FdSoftLimit();

// True for the errors that mean "no fd to be had": EMFILE (this process)
// and ENFILE (the system).
bool IsFdExhaustion(int error_number);

// "; the manager has 37 of its 40 fds open" for fd exhaustion (appended to
// the error a user sees), "" for any other error.
std::string DescribeFdExhaustion(int error_number);

// Says once per episode that a kind of work (spawning tabs, accepting
// control clients) fails for lack of fds, with the numbers, instead of a
// line per attempt: the first failure of an episode logs
//   "<what>: out of file descriptors (1024 open, limit 1024); ..."
// and later ones only count, until Succeeded() ends the episode (it logs
// how many attempts failed meanwhile). Not thread-safe; one per loop.
class FdExhaustionLog {
 public:
  explicit FdExhaustionLog(std::string what) : what_(std::move(what)) {}
  // Returns true (and logs at most once per episode) when `error_number`
  // is fd exhaustion; false, doing nothing, for any other error.
  bool Failed(int error_number);
  void Succeeded();
  bool in_episode() const { return failures_ > 0; }
  // Episodes so far (for tests).
  int episodes() const { return episodes_; }

 private:
  std::string what_;
  long failures_ = 0;
  int episodes_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_COMMON_FD_LIMIT_H_
