#include "tab/fork_bomb_page.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace tabsim {

ForkBombPage::ForkBombPage(std::string url, PageHost* host)
    : ReportPage(std::move(url), "Fork bomb",
                 "Tries fork() " + std::to_string(kMaxForks) +
                     " times; children exit at once.",
                 Rgb(160, 30, 30), host) {}

void ForkBombPage::Tick(Clock::time_point /*now*/) {
  if (done_ || frames_rendered() == 0) return;
  done_ = true;
  SetIdle();
  int failed = 0;
  int last_error = 0;
  for (int i = 0; i < kMaxForks; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    if (pid < 0) {
      ++failed;
      last_error = errno;
      continue;
    }
    ++succeeded_;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  std::string line = "fork: " + std::to_string(kMaxForks) + " attempts, " +
                     std::to_string(succeeded_) + " succeeded, " +
                     std::to_string(failed) + " failed";
  if (failed > 0) line += " (" + DescribeErrno(last_error) + ")";
  Report(line);
  SetTitle(succeeded_ == 0 ? "Fork bomb: blocked" : "Fork bomb: NOT blocked");
}

}  // namespace tabsim
