// sim://bad-syscall: a hostile test page that makes a system call outside
// the sandbox's allowlist (uname(2), harmless in itself) to show that the
// seccomp policy kills the tab with SIGSYS. After its first frame it
// reports what it is about to do, waits kDelay so that the report reaches
// the manager, then makes the call. Without the sandbox the call succeeds
// and the page reports that instead.
#ifndef TABSIM_TAB_BAD_SYSCALL_PAGE_H_
#define TABSIM_TAB_BAD_SYSCALL_PAGE_H_

#include <chrono>
#include <string>

#include "tab/report_page.h"

namespace tabsim {

class BadSyscallPage final : public ReportPage {
 public:
  static constexpr std::chrono::milliseconds kDelay{50};

  BadSyscallPage(std::string url, PageHost* host);

  void Tick(Clock::time_point now) override;
  std::optional<Clock::time_point> NextWakeup() const override;

 private:
  Clock::time_point call_at_{};
  int step_ = 0;  // 0: not yet announced, 1: announced, 2: called
};

}  // namespace tabsim

#endif  // TABSIM_TAB_BAD_SYSCALL_PAGE_H_
