// What the manager's front ends (the line printer, the TUI, the control
// socket) hear about tabs. All calls come from the manager's one loop
// thread, synchronously from inside the session that changed; an observer
// must not block and must not destroy the TabHost from a callback.
#ifndef TABSIM_MANAGER_CORE_TAB_OBSERVER_H_
#define TABSIM_MANAGER_CORE_TAB_OBSERVER_H_

#include <cstdint>
#include <string>

#include "manager/core/frame_view.h"

namespace tabsim {

class TabSession;

class TabObserver {
 public:
  virtual ~TabObserver() = default;
  virtual void OnTabSpawned(const TabSession& /*tab*/) {}
  virtual void OnTabLive(const TabSession& /*tab*/) {}
  // Every accepted frame. `frame` is valid only during the call.
  virtual void OnFrame(const TabSession& /*tab*/, const FrameView& /*frame*/) {}
  virtual void OnTitleChanged(const TabSession& /*tab*/) {}
  // live <-> unresponsive (the hang monitor), and live -> closing.
  virtual void OnTabStateChanged(const TabSession& /*tab*/) {}
  // `line`, like tab.title(), is already cleaned (CleanTabText).
  virtual void OnTabLog(const TabSession& /*tab*/, const std::string& /*line*/) {}
  virtual void OnInputAcked(const TabSession& /*tab*/, uint64_t /*sequence*/) {}
  // The tab is gone; tab.cause() says why. Called once per process.
  virtual void OnTabLost(const TabSession& /*tab*/) {}
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_OBSERVER_H_
