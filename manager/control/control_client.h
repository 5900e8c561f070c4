// The `tabsim ctl` end of the control socket: a small blocking client that
// sends ControlRequests and reads ControlReplies with the same framing as
// the tabs' channel. Move-only; owns its socket. Errors are values whose
// message is the line `tabsim ctl` prints.
#ifndef TABSIM_MANAGER_CONTROL_CONTROL_CLIENT_H_
#define TABSIM_MANAGER_CONTROL_CONTROL_CLIENT_H_

#include <string>

#include "common/frame_codec.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "proto/control.pb.h"

namespace tabsim {

// Transitional: the task manager's records moved from package
// tabsim.control to tabsim.records (proto/records.proto). ctl_command.cc,
// being rewritten separately, still names them control::X; remove these
// once it says records::X.
namespace control {
using records::ChannelStats;
using records::DirectionStats;
using records::Fault;
using records::LatencyHistogram;
using records::ManagerStats;
using records::TabInfo;
using records::TabList;
using records::TypeCount;
}  // namespace control

class ControlClient {
 public:
  // Connects to the manager listening on `path`; "no tabsim manager
  // running ..." when nobody is.
  static Result<ControlClient> Connect(const std::string& path);

  ControlClient(ControlClient&&) = default;
  ControlClient& operator=(ControlClient&&) = default;

  Status Send(const control::ControlRequest& request);
  // Blocks for the next reply. The manager hanging up is an error
  // ("the manager closed the connection"). A reply carrying an error is
  // returned as a reply; Call() turns it into an Error.
  Result<control::ControlReply> Receive();
  // Send + Receive, with a reply's error field as an Error.
  Result<control::ControlReply> Call(const control::ControlRequest& request);

 private:
  explicit ControlClient(UniqueFd fd);
  UniqueFd fd_;
  FrameDecoder decoder_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CONTROL_CLIENT_H_
