// sim://fork-bomb: a hostile test page that tries to multiply. After its
// first frame it calls fork() kMaxForks times, once only. Under the
// sandbox every call fails (EPERM from the seccomp policy). Even without
// the sandbox it cannot bomb the machine: it stops after kMaxForks, every
// child _exit(0)s at once and the page reaps it. It reports the outcome
// ("fork: 20 attempts, 0 succeeded, 20 failed (EPERM ...)") and idles.
#ifndef TABSIM_TAB_FORK_BOMB_PAGE_H_
#define TABSIM_TAB_FORK_BOMB_PAGE_H_

#include <string>

#include "tab/report_page.h"

namespace tabsim {

class ForkBombPage final : public ReportPage {
 public:
  static constexpr int kMaxForks = 20;

  ForkBombPage(std::string url, PageHost* host);

  void Tick(Clock::time_point now) override;

  int succeeded() const { return succeeded_; }
  bool done() const { return done_; }

 private:
  int succeeded_ = 0;
  bool done_ = false;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_FORK_BOMB_PAGE_H_
