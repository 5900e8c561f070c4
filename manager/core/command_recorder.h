// The hook `tabsim run --record` (manager/recorder.h) uses to hear every
// command a TabSession sends its tab on the user's behalf.
//
// Called on the loop thread, from inside the session, with the message as
// it is about to be queued: an input with its sequence number assigned
// (after coalescing, so exactly the events the tab will apply), a navigate
// with its navigation id, a resize with its region generation. Hello,
// releases, pings and Shutdown are plumbing and are not reported. Must not
// block or call back into the session.
//
// Ownership: not owned by the session; whoever sets it clears it (or ends
// the session) before it goes away.
#ifndef TABSIM_MANAGER_CORE_COMMAND_RECORDER_H_
#define TABSIM_MANAGER_CORE_COMMAND_RECORDER_H_

#include "proto/tabsim.pb.h"

namespace tabsim {

class TabSession;

class CommandRecorder {
 public:
  virtual ~CommandRecorder() = default;
  virtual void OnCommand(const TabSession& tab,
                         const proto::ManagerToTab& message) = 0;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_COMMAND_RECORDER_H_
