#include "tab/bad_syscall_page.h"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace tabsim {

BadSyscallPage::BadSyscallPage(std::string url, PageHost* host)
    : ReportPage(std::move(url), "Bad syscall",
                 "Calls uname(2), which is not in the sandbox's allowlist.",
                 Rgb(90, 90, 90), host) {}

void BadSyscallPage::Tick(Clock::time_point now) {
  if (frames_rendered() == 0 || step_ == 2) return;
  if (step_ == 0) {
    Report("calling uname(2): the sandbox should kill this tab with SIGSYS");
    call_at_ = now + kDelay;
    step_ = 1;
    return;
  }
  if (now < call_at_) return;
  step_ = 2;
  utsname name{};
  // The raw system call: libc could answer from a cache some day.
  const long rc = ::syscall(SYS_uname, &name);
  const int error = errno;
  Report(rc == 0 ? std::string("uname succeeded (") + name.sysname +
                       "): this tab is NOT sandboxed"
                 : "uname failed: " + DescribeErrno(error));
  SetTitle("Bad syscall: survived");
}

std::optional<Clock::time_point> BadSyscallPage::NextWakeup() const {
  if (step_ == 0) return start();
  if (step_ == 1) return call_at_;
  return std::nullopt;
}

}  // namespace tabsim
