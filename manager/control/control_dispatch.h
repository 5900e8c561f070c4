// The control socket's requests that need nothing of the connection they
// came on: decoding one request, and answering the verbs of the command
// layer, list, stats and discards against the TabHost. ControlServer
// (control_server.h) reads its clients' bytes and answers through this;
// tests/fuzz/control_request_fuzzer.cc drives the same code with arbitrary
// bytes against a host whose tab program does not exist.
//
// Ownership: borrows the host and the task manager, which must outlive it.
// Threading: the manager's loop, like everything that touches the host.
#ifndef TABSIM_MANAGER_CONTROL_CONTROL_DISPATCH_H_
#define TABSIM_MANAGER_CONTROL_CONTROL_DISPATCH_H_

#include <optional>
#include <string_view>

#include "manager/commands/command_runner.h"
#include "proto/control.pb.h"

namespace tabsim {

class TabHost;
class TaskManager;

// One framed payload into `request`; false when it does not parse or names
// no request (a client sending that is dropped).
bool ParseControlRequest(std::string_view payload,
                         control::ControlRequest* request);

class ControlDispatch {
 public:
  ControlDispatch(TabHost& host, TaskManager& tasks);
  ControlDispatch(const ControlDispatch&) = delete;
  ControlDispatch& operator=(const ControlDispatch&) = delete;

  // The one reply to `request`: its result or its error ("no tab 99").
  // nullopt for the requests that stream (snapshot, trace, watch): the
  // server serves those on the connection itself. A stats reply lacks the
  // server's own numbers (control_clients, control_path).
  std::optional<control::ControlReply> Answer(
      const control::ControlRequest& request);

  CommandRunner& commands() { return commands_; }

 private:
  // A verb of the command layer, run as every front end runs it.
  control::ControlReply RunCommand(const control::CommandRequest& request);
  control::ControlReply Stats(uint32_t tab_id);

  TabHost& host_;
  TaskManager& tasks_;
  CommandRunner commands_;
};

control::ControlReply ErrorReply(const std::string& message);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CONTROL_DISPATCH_H_
