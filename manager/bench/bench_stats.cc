#include "manager/bench/bench_stats.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "common/check.h"

namespace tabsim {

double SecondsSince(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

double ProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return double(tv.tv_sec) + double(tv.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Result<double> ProcessCpuSecondsOf(pid_t pid) {
  clockid_t clock;
  if (int error = ::clock_getcpuclockid(pid, &clock); error != 0)
    return Error::FromErrno("clock_getcpuclockid", error);
  timespec now{};
  if (::clock_gettime(clock, &now) != 0) return Error::FromErrno("clock_gettime");
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

LatencySummary Summarize(std::vector<double>* samples) {
  TABSIM_CHECK(!samples->empty()) << "no latency samples";
  std::sort(samples->begin(), samples->end());
  auto at = [&](double q) {
    size_t index = static_cast<size_t>(
        std::ceil(q * double(samples->size())) - 1);
    return (*samples)[std::min(index, samples->size() - 1)];
  };
  LatencySummary summary;
  summary.count = samples->size();
  summary.p50 = at(0.50);
  summary.p99 = at(0.99);
  summary.p999 = at(0.999);
  summary.min = samples->front();
  summary.max = samples->back();
  return summary;
}

ForkedPeer::ForkedPeer(ForkedPeer&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)) {}

ForkedPeer& ForkedPeer::operator=(ForkedPeer&& other) noexcept {
  if (this != &other) {
    this->~ForkedPeer();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

ForkedPeer::~ForkedPeer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

Result<ForkedPeer> ForkedPeer::Start(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid < 0) return Error::FromErrno("fork");
  if (pid == 0) {
    int code = body();
    ::_exit(code);
  }
  return ForkedPeer(pid);
}

int ForkedPeer::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace tabsim
