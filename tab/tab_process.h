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
#ifndef TABSIM_TAB_TAB_PROCESS_H_
#define TABSIM_TAB_TAB_PROCESS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/frame_codec.h"
#include "common/shared_memory.h"
#include "common/unique_fd.h"
#include "proto/tabsim.pb.h"
#include "tab/page.h"

namespace tabsim {

struct TabProcessOptions {
  int tab_id = 0;
  int manager_pid = 0;
  std::string url;
  uint32_t protocol_version;  // what this tab claims to speak
};

// Exit codes of the tab process.
inline constexpr int kTabExitOk = 0;
inline constexpr int kTabExitUsage = 2;
inline constexpr int kTabExitProtocol = 3;
inline constexpr int kTabExitChannel = 4;

class TabProcess {
 public:
  TabProcess(TabProcessOptions options, UniqueFd channel, UniqueFd region);
  // Runs until shutdown or a fatal error; returns the exit code.
  int Run();

 private:
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
  void MaybeRender();
  void Send(const proto::TabToManager& message);
  bool Flush();  // false on a fatal write error
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
  uint64_t last_input_acked_ = 0;
  bool running_ = true;
  int exit_code_ = kTabExitOk;
  proto::ManagerToTab incoming_;
  proto::TabToManager outgoing_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_TAB_PROCESS_H_
