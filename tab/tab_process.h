// The tab process: its channel to the manager and its views.
//
// Role: the content process (Chromium's renderer, Firefox's
// -contentproc). It runs a single-threaded poll(2) loop over the channel
// socket on fd 3 and its views' timers. Each view (tab/tab_view.h) is a tab
// the manager asked it to render: the first comes with the Hello (its
// region is fd 4), more with CreateView when the manager shares processes
// between tabs (docs/architecture.md, "Process models"). Messages carry the
// view they are for; a message for a view that does not exist is a
// protocol error.
//
// Failure: the tab trusts the manager (its parent) but still checks what it
// must to stay memory-safe (region sizes and seals, buffer indices, view
// ids); on any protocol violation or channel error it logs to stderr and
// exits non-zero. End of stream from the manager means the manager is
// gone: exit 0.
//
// Sandbox: after the handshake (HelloReply queued) and before the first
// page is created, the tab enters its sandbox (tab/sandbox.h) unless
// options.sandbox is false (--no-sandbox), in which case it warns on stderr
// and in a LogLine to the manager.
//
// Frames over the socket (options.frames_over_socket, the benchmark's
// comparison path): pages render into a private buffer and every frame is
// sent whole as FramePixels chunks; no FrameReady, no buffer ownership.
#ifndef TABSIM_TAB_TAB_PROCESS_H_
#define TABSIM_TAB_TAB_PROCESS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "common/unique_fd.h"
#include "proto/tabsim.pb.h"
#include "tab/tab_view.h"

namespace tabsim {

struct TabProcessOptions {
  int tab_id = 0;
  int manager_pid = 0;
  std::string url;
  uint32_t protocol_version;  // what this tab claims to speak
  bool sandbox = true;
  uint64_t memory_limit_bytes = 0;  // RLIMIT_AS under the sandbox, 0 = none
  bool frames_over_socket = false;
};

// Exit codes of the tab process.
inline constexpr int kTabExitOk = 0;
inline constexpr int kTabExitUsage = 2;
inline constexpr int kTabExitProtocol = 3;
inline constexpr int kTabExitChannel = 4;
inline constexpr int kTabExitSandbox = 5;

class TabProcess final : public ViewOwner {
 public:
  TabProcess(TabProcessOptions options, UniqueFd channel, UniqueFd region);
  // Runs until shutdown or a fatal error; returns the exit code.
  int Run();

 private:
  // ViewOwner.
  void SendToManager(const proto::TabToManager& message,
                     size_t max_message_size) override;
  void Fail(int code, const std::string& why) override;
  void SendRawBytes(std::string_view bytes) override;
  void SendHelloReply(uint32_t protocol_version) override;
  void ShutdownWrite() override { shutdown_write_pending_ = true; }
  size_t QueuedBytes() const override { return outbox_.size(); }
  pid_t ManagerPid() const override { return options_.manager_pid; }
  bool Sandboxed() const override { return options_.sandbox; }
  bool FramesOverSocket() const override { return options_.frames_over_socket; }

  int Handshake();
  // Reads what is available; false on EOF or error (exit_code_ set).
  bool ReadAvailable();
  bool HandleMessage(const proto::ManagerToTab& message);
  bool CreateView(uint32_t view_id, const proto::CreateView& create);
  // The view a message names; nullptr (and a fatal error) for none.
  TabView* FindView(uint32_t view_id);
  // The fd that came with a Resize or CreateView; invalid (and a fatal
  // error) when none did.
  UniqueFd TakeReceivedFd(const char* what);
  void SendLog(std::string_view text);
  bool Flush();  // false on a fatal write error
  void CloseGracefully();
  int PollTimeoutMs();

  TabProcessOptions options_;
  UniqueFd channel_;
  UniqueFd initial_region_fd_;
  FrameDecoder decoder_;
  std::vector<UniqueFd> received_fds_;
  std::string outbox_;
  std::map<uint32_t, std::unique_ptr<TabView>> views_;
  bool paced_ = false;
  int hello_width_ = 0;
  int hello_height_ = 0;
  bool shutdown_write_pending_ = false;
  bool write_shut_ = false;
  bool shutdown_received_ = false;
  bool running_ = true;
  int exit_code_ = kTabExitOk;
  proto::ManagerToTab incoming_;  // the handshake's messages
  // The first block of each read's parsing arena, reused.
  std::vector<char> arena_block_ = std::vector<char>(256 * 1024);
  proto::TabToManager outgoing_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_TAB_PROCESS_H_
