#include "common/fd_limit.h"

#include <dirent.h>
#include <sys/resource.h>

#include <cerrno>

#include "common/log.h"

namespace tabsim {

void RaiseFdLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Result<long> RaiseFdHardLimit(long needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return Error::FromErrno("getrlimit(RLIMIT_NOFILE)");
  if (limit.rlim_max == RLIM_INFINITY || needed <= 0 ||
      rlim_t(needed) <= limit.rlim_max)
    return long(limit.rlim_max == RLIM_INFINITY ? -1 : limit.rlim_max);
  const rlimit raised{rlim_t(needed), rlim_t(needed)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0)
    return Error::FromErrno("setrlimit(RLIMIT_NOFILE, " +
                            std::to_string(needed) + ")");
  return needed;
}

int CountOpenFds() {
  // opendir itself needs an fd; at the limit there is none, and the count
  // is then the limit.
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) {
    long limit = FdSoftLimit();
    return errno == EMFILE && limit > 0 ? int(limit) : -1;
  }
  int count = 0;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count - 1;  // the directory's own fd
}

long FdSoftLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return -1;
  return long(limit.rlim_cur);
}

bool IsFdExhaustion(int error_number) {
  return error_number == EMFILE || error_number == ENFILE;
}

std::string DescribeFdExhaustion(int error_number) {
  if (!IsFdExhaustion(error_number)) return {};
  if (error_number == ENFILE) return "; the system's file table is full";
  return "; this process has " + std::to_string(CountOpenFds()) + " of its " +
         std::to_string(FdSoftLimit()) + " fds open";
}

bool FdExhaustionLog::Failed(int error_number) {
  if (!IsFdExhaustion(error_number)) return false;
  if (failures_++ == 0) {
    ++episodes_;
    TABSIM_LOG(kError) << what_ << ": out of file descriptors ("
                       << CountOpenFds() << " open, limit " << FdSoftLimit()
                       << (error_number == ENFILE ? ", system-wide table full"
                                                  : "")
                       << "); further failures are counted, not logged, "
                          "until one succeeds";
  }
  return true;
}

void FdExhaustionLog::Succeeded() {
  if (failures_ == 0) return;
  TABSIM_LOG(kWarning) << what_ << ": file descriptors available again after "
                       << failures_ << " failed attempt"
                       << (failures_ == 1 ? "" : "s");
  failures_ = 0;
}

}  // namespace tabsim
