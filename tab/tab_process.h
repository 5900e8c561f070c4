// The tab process: its channel to the manager, its frame regions, its page.
//
// Role: the content process. It runs a single-threaded poll(2) loop over
// the channel socket on fd 3 and the page's animation deadline. It renders
// only into buffers it owns: a buffer it announced with FrameReady belongs
// to the manager until a FrameRelease gives it back, so the manager never
// sees a half-written frame.
//
// Failure: the tab trusts the manager (its parent) but still checks what it
// must to stay memory-safe (region sizes and seals, buffer indices); on any
// protocol violation or channel error it logs to stderr and exits non-zero.
// End of stream from the manager means the manager is gone: exit 0.
//
// Sandbox: after the handshake (region mapped, HelloReply queued) and
// before the first page is created, the tab enters its sandbox
// (tab/sandbox.h) unless options.sandbox is false (--no-sandbox), in which
// case it warns on stderr and in a LogLine to the manager.
//
// Frames over the socket (options.frames_over_socket, the benchmark's
// comparison path): the page renders into a private buffer and every frame
// is sent whole as FramePixels chunks; no FrameReady, no buffer ownership.
// A new frame is rendered only while at most one frame's bytes are queued.
//
// Pages get the tab as their PageHost (tab/page_host.h), which the hostile
// pages use to misbehave on the wire.
#ifndef TABSIM_TAB_TAB_PROCESS_H_
#define TABSIM_TAB_TAB_PROCESS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "common/shared_memory.h"
#include "common/unique_fd.h"
#include "proto/tabsim.pb.h"
#include "tab/page.h"
#include "tab/page_host.h"

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

class TabProcess final : private PageHost {
 public:
  TabProcess(TabProcessOptions options, UniqueFd channel, UniqueFd region);
  // Runs until shutdown or a fatal error; returns the exit code.
  int Run();

 private:
  // PageHost.
  void SendLog(std::string_view text) override;
  void SendRawBytes(std::string_view bytes) override;
  void SendFrameReady(uint32_t buffer_index) override;
  void SendHelloReply(uint32_t protocol_version) override;
  void ShutdownWrite() override;
  size_t QueuedBytes() const override { return outbox_.size(); }
  int LastFrameBuffer() const override { return last_frame_buffer_; }
  int RegionFd() const override { return region_->memory.fd(); }
  uint64_t RegionSize() const override { return region_->memory.size(); }
  pid_t ManagerPid() const override { return options_.manager_pid; }
  bool Sandboxed() const override { return options_.sandbox; }

  struct Region {
    uint32_t generation = 0;
    int width = 0;
    int height = 0;
    SharedMemoryRegion memory;
    Mapping mapping;
    bool owned[2] = {true, true};  // false while the manager holds it
  };

  int Handshake();
  // Reads what is available; false on EOF or error (exit_code_ set).
  bool ReadAvailable();
  bool HandleMessage(const proto::ManagerToTab& message);
  bool AdoptRegion(UniqueFd fd, uint32_t generation, int width, int height,
                   uint64_t size);
  bool CanRender() const;
  void MaybeRender();
  void RenderToSocket();
  void Send(const proto::TabToManager& message,
            size_t max_message_size = kMaxMessageSize);
  bool Flush();  // false on a fatal write error
  void CloseGracefully();
  void Fatal(int code, const std::string& why);
  void LoadPage(const std::string& url);

  TabProcessOptions options_;
  UniqueFd channel_;
  UniqueFd initial_region_fd_;
  FrameDecoder decoder_;
  std::vector<UniqueFd> received_fds_;
  std::string outbox_;
  std::unique_ptr<Region> region_;
  std::unique_ptr<Page> page_;
  std::string last_title_;
  uint64_t frame_sequence_ = 0;
  uint64_t last_input_applied_ = 0;
  uint64_t navigation_applied_ = 0;  // last Navigate.navigation_id loaded
  uint64_t last_input_acked_ = 0;
  int last_frame_buffer_ = -1;
  std::vector<uint32_t> socket_frame_;  // --frames-over-socket only
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
