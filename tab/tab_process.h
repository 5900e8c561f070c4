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
// comparison path): pages render into one of two private buffers and every
// frame is sent whole: a FramePixels header, then the buffer's bytes raw,
// written from the buffer itself (sendmsg with iovecs, no copy); no
// FrameReady, no buffer ownership.
#ifndef TABSIM_TAB_TAB_PROCESS_H_
#define TABSIM_TAB_TAB_PROCESS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
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
  void SendWithRawBytes(const proto::TabToManager& header,
                        std::span<const char> raw) override;
  bool RawBytesQueued(const void* data) const override;
  void SendRawBytes(std::string_view bytes) override;
  void SendHelloReply(uint32_t protocol_version) override;
  void ShutdownWrite() override { shutdown_write_pending_ = true; }
  size_t QueuedBytes() const override { return queued_bytes_; }
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
  // The owned segment at the end of the outbox, to append bytes to.
  std::string& OutboxTail();
  // Drops `sent` bytes from the front of the outbox.
  void ConsumeOutbox(size_t sent);
  bool Flush();  // false on a fatal write error
  void CloseGracefully();
  int PollTimeoutMs();

  TabProcessOptions options_;
  UniqueFd channel_;
  UniqueFd initial_region_fd_;
  FrameDecoder decoder_;
  std::vector<UniqueFd> received_fds_;
  // What goes to the manager, in order: bytes we own (framed messages) and
  // raw frame bytes we send from the view's buffer without copying.
  // outbox_sent_ bytes of the front segment are already sent: a partial
  // send advances it instead of moving what is left.
  struct OutSegment {
    std::string owned;
    std::span<const char> raw;  // when non-empty, `owned` is empty
  };
  std::deque<OutSegment> outbox_;
  size_t outbox_sent_ = 0;
  size_t queued_bytes_ = 0;
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
  // The first block of each read's parsing arena, reused. Not zero-filled
  // (the arena writes before it reads): a page is touched only once a read
  // needs it, so an idle tab does not carry 256 KiB of private zeroes.
  static constexpr size_t kArenaBlockBytes = 256 * 1024;
  std::unique_ptr<char[]> arena_block_ =
      std::make_unique_for_overwrite<char[]>(kArenaBlockBytes);
  proto::TabToManager outgoing_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_TAB_PROCESS_H_
