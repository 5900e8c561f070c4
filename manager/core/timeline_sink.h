// The timeline's hook into the tab processes (`tabsim run --timeline`,
// `tabsim ctl timeline start`; the writer is manager/timeline/): the few
// points of a process's life that a TabObserver does not see. Every message
// the manager sends to a tab process or receives from one (with its type and
// view), the process's spawn, each change of its priority, a bad message,
// and its end. (Memory pressure needs no hook: the timeline reads
// TabHost::pressure() when it samples its counters.)
//
// Free when off: the TabHost holds a null TimelineSink pointer and gives a
// copy to every ProcessHost; each call site is one `if (timeline_)` branch,
// and nothing is copied, decoded or allocated unless it is set. It is a hook
// of its own, beside the per-tab MessageTracer of `ctl trace` (trace.h), so
// a timeline sees every tab without taking that slot.
//
// Calls come on the loop thread, synchronously, from inside the process's
// coroutine; a sink must not block and must not call back into the process
// or the host (a sink that wants to detach itself posts that to the loop).
// The sink is not owned: whoever sets it (TabHost::SetTimeline) clears it
// before it goes away.
#ifndef TABSIM_MANAGER_CORE_TIMELINE_SINK_H_
#define TABSIM_MANAGER_CORE_TIMELINE_SINK_H_

#include "manager/core/bad_message.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class ProcessHost;

class TimelineSink {
 public:
  // The process exists (pid known) with its first view attached; called
  // before its Hello is sent.
  virtual void OnProcessSpawned(const ProcessHost& process) = 0;
  // A message the manager sends, before any injected fault acts on it
  // (message.view_id() names the tab; 0: the whole process).
  virtual void OnSent(const ProcessHost& process,
                      const proto::ManagerToTab& message) = 0;
  // A message from the process that parsed, before it is judged: a
  // message that turns out bad is followed by OnBadMessage.
  virtual void OnReceived(const ProcessHost& process,
                          const proto::TabToManager& message) = 0;
  // process.priority() changed (ProcessHost::ApplyPriority).
  virtual void OnPriorityChanged(const ProcessHost& process) = 0;
  // The process sent a bad message and is about to be killed for it.
  virtual void OnBadMessage(const ProcessHost& process,
                            BadMessageReason reason) = 0;
  // The process is gone and reaped, after each of its tabs heard
  // OnTabLost; process.cause() says why. The last call for `process`.
  virtual void OnProcessGone(const ProcessHost& process) = 0;

 protected:
  ~TimelineSink() = default;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TIMELINE_SINK_H_
