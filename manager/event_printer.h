// Prints one line per tab lifecycle event to a FILE (stdout for
// `tabsim run --ui none`): spawned with pid, live, first frame, title, lost
// with cause. Times are seconds since the printer was made.
#ifndef TABSIM_MANAGER_EVENT_PRINTER_H_
#define TABSIM_MANAGER_EVENT_PRINTER_H_

#include <chrono>
#include <cstdio>
#include <set>

#include "manager/tab_observer.h"

namespace tabsim {

class EventPrinter : public TabObserver {
 public:
  explicit EventPrinter(std::FILE* out);
  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabLost(const TabSession& tab) override;

 private:
  void Print(const TabSession& tab, const std::string& text);

  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::set<int> first_frame_seen_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_EVENT_PRINTER_H_
