// Prints one line per tab lifecycle event to a FILE (stdout for
// `tabsim run --ui none`): spawned with pid, live, first frame, title, log
// lines the tab sent, lost with cause. Times are seconds since the printer was made.
#ifndef TABSIM_MANAGER_RUN_EVENT_PRINTER_H_
#define TABSIM_MANAGER_RUN_EVENT_PRINTER_H_

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "manager/core/tab_observer.h"

namespace tabsim {

class EventPrinter : public TabObserver {
 public:
  explicit EventPrinter(std::FILE* out);
  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabLost(const TabSession& tab) override;
  // A tab's LogLine, control characters replaced, at most kLogBurst lines
  // per tab per second (the rest are counted and reported once per second),
  // so a flooding tab cannot flood the terminal.
  void OnTabLog(const TabSession& tab, const std::string& line) override;

  static constexpr int kLogBurst = 20;

 private:
  struct LogBudget {
    std::chrono::steady_clock::time_point window_start{};
    int printed = 0;
    long suppressed = 0;
  };
  void Print(const TabSession& tab, const std::string& text);

  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  // (tab id, pid): a tab prints its first frame once per process it runs
  // in (a reload starts another), and tabs sharing a process each print.
  std::set<std::pair<int, int>> first_frame_seen_;
  std::map<int, LogBudget> log_budget_;  // by pid
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RUN_EVENT_PRINTER_H_
