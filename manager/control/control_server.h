// The manager's end of the control socket (`tabsim ctl`), in the role of
// tmux's server-client.c: accepts connections on the listening socket from
// control_path.h, checks each peer's SO_PEERCRED, and serves requests
// (proto/control.proto) against the TabHost, one coroutine per client on
// the manager's loop. The verbs that act on tabs (open, kill, click, fault,
// ...) arrive as words and run through the command layer
// (manager/commands/command_runner.h), as the other front ends' do.
//
// A client may send several requests; each gets its reply (or, for
// snapshot, a series of chunks) in order. `watch` turns the connection into
// a stream of lifecycle events until the client hangs up; `trace` into a
// stream of one tab's decoded messages, ending when that tab's process is
// gone (the server is the session's MessageTracer only while someone
// traces it). `fault` injects faults into a tab's channel; `stats` carries
// the IPC inspector's per-channel numbers. A client that
// sends bytes we cannot parse, or stops reading its replies, watch stream
// or trace until more than kMaxClientBacklog bytes pile up, is dropped (the
// log names it, its pid and the bound); the manager carries on.
//
// Ownership: the server owns the listening socket, every client connection
// and the socket's path (unlinked by Stop() and the destructor). It does
// not own the host or the task manager, which must outlive it. Register it
// as a TabHost observer for `watch`.
#ifndef TABSIM_MANAGER_CONTROL_CONTROL_SERVER_H_
#define TABSIM_MANAGER_CONTROL_CONTROL_SERVER_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "common/unique_fd.h"
#include "manager/commands/command_runner.h"
#include "manager/control/control_dispatch.h"
#include "manager/core/tab_observer.h"
#include "manager/core/trace.h"
#include "proto/control.pb.h"

namespace tabsim {

class TabHost;
class TabSession;
class TaskManager;

// Largest control request, and largest reply a client must take: a
// request is a few words; a reply to list or stats grows with the tabs
// (some 100 and 300 bytes a tab: the limit is some 14,000 tabs' stats).
// A reply over it is refused with an error naming its size, never sent
// (and never a CHECK). Snapshots travel in chunks of kSnapshotChunkBytes.
inline constexpr size_t kMaxControlMessageSize = 512 * 1024;
inline constexpr size_t kMaxControlReplySize = 4 * 1024 * 1024;
inline constexpr size_t kSnapshotChunkBytes = 256 * 1024;
inline constexpr size_t kMaxClientBacklog = 8 * 1024 * 1024;
static_assert(kMaxControlReplySize <= kMaxClientBacklog);

// `reply`, or when it would be over `limit` bytes, an error reply naming
// its size, the limit and what to ask for instead.
control::ControlReply BoundControlReply(control::ControlReply reply,
                                        size_t limit = kMaxControlReplySize);

class ControlServer : public TabObserver, private MessageTracer {
 public:
  // `listening` comes from ListenControlSocket(path).
  ControlServer(boost::asio::any_io_executor executor, TabHost& host,
                TaskManager& tasks, UniqueFd listening, std::string path);
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer() override;

  // Accepts clients until Stop(). Never throws.
  boost::asio::awaitable<void> Run();
  // What the `timeline` verb starts and stops (command_runner.h); not
  // owned, must outlive this.
  void set_timeline(TimelineSwitch* timeline) {
    dispatch_.commands().set_timeline(timeline);
  }
  // Stops accepting, hangs up on every client and removes the socket file.
  void Stop();

  const std::string& path() const { return path_; }
  size_t client_count() const { return clients_.size(); }

  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabLost(const TabSession& tab) override;

 private:
  struct Client;
  void OnMessage(const TabSession& tab, Direction direction,
                 std::string_view payload, std::string_view note) override;
  control::ControlReply StartTrace(Client& client,
                                   const control::TraceRequest& request);
  // Detaches `client` from its trace; the session loses its tracer when
  // nobody traces it any more.
  void StopTrace(Client& client);
  double Now() const;
  boost::asio::awaitable<void> Serve(std::shared_ptr<Client> client);
  boost::asio::awaitable<void> ReadRequests(Client& client);
  // Over kMaxClientBacklog queued bytes: logs it ("control client 3 (pid
  // 1234) is not reading its replies (N bytes queued, limit 8388608);
  // dropping it"), closes the channel and returns true (also once dropped).
  bool DropIfBacklogged(Client& client, const char* what);
  // Answers one request on `client`'s channel.
  void Handle(Client& client, const control::ControlRequest& request);
  control::ControlReply Snapshot(Client& client, int tab_id);
  void Broadcast(const TabSession& tab, const std::string& kind,
                 const std::string& text);

  boost::asio::local::stream_protocol::acceptor acceptor_;
  TabHost& host_;
  ControlDispatch dispatch_;  // the requests that need no connection
  std::string path_;
  bool stopped_ = false;
  std::set<Client*> clients_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CONTROL_SERVER_H_
