// One view of a tab process: a tab's page, its frame region and double
// buffer, its input sequence, navigation id and frame pacing state. A tab
// process hosts one view per tab it renders (one, unless the manager runs a
// shared process model: docs/architecture.md, "Process models"); every
// message about a view carries its id, and a view never touches another's
// buffers.
//
// Pacing (docs/protocol.md, "Frame pacing"): a paced view renders only in
// answer to a BeginFrame, for that BeginFrame's frame_time, and answers
// with FrameReady or DidNotProduceFrame; it tells the manager whether it
// wants BeginFrames at all (NeedsBeginFrames), so an idle page costs
// nothing per display tick. A hidden view gets no BeginFrames and its
// page's timers (Tick) run at most once a second, like a background tab's
// in Chromium. An unpaced view (the benchmark's mode) renders whenever its
// page has something new and a buffer is free.
//
// Ownership: the TabProcess owns its views; a view owns its page and its
// region's mapping. It sends through its owner (ViewOwner), which must
// outlive it. Single-threaded.
#ifndef TABSIM_TAB_TAB_VIEW_H_
#define TABSIM_TAB_TAB_VIEW_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol.h"
#include "common/shared_memory.h"
#include "common/unique_fd.h"
#include "proto/tabsim.pb.h"
#include "tab/page.h"
#include "tab/page_host.h"

namespace tabsim {

// What a view needs from its process.
class ViewOwner {
 public:
  // Queues `message` (its view_id already set) for the manager.
  virtual void SendToManager(const proto::TabToManager& message,
                             size_t max_message_size = kMaxMessageSize) = 0;
  // Queues `header` (its view_id already set) followed on the stream by
  // `raw`, which is sent from where it lies, not copied: the caller keeps
  // those bytes unchanged until RawBytesQueued(raw.data()) is false.
  virtual void SendWithRawBytes(const proto::TabToManager& header,
                                std::span<const char> raw) = 0;
  virtual bool RawBytesQueued(const void* data) const = 0;
  // Fatal protocol error: the process exits with `code`.
  virtual void Fail(int code, const std::string& why) = 0;
  // The process-wide parts of PageHost.
  virtual void SendRawBytes(std::string_view bytes) = 0;
  virtual void SendHelloReply(uint32_t protocol_version) = 0;
  virtual void ShutdownWrite() = 0;
  virtual size_t QueuedBytes() const = 0;
  virtual pid_t ManagerPid() const = 0;
  virtual bool Sandboxed() const = 0;
  virtual bool FramesOverSocket() const = 0;

 protected:
  ~ViewOwner() = default;
};

class TabView final : private PageHost {
 public:
  using Clock = std::chrono::steady_clock;
  // Hidden views' page timers run at most this often.
  static constexpr std::chrono::seconds kHiddenTimerPeriod{1};

  struct Config {
    uint32_t id = 0;
    bool paced = false;
    bool visible = true;
    Clock::time_point time_origin{};
  };

  TabView(ViewOwner& owner, Config config);
  TabView(const TabView&) = delete;
  TabView& operator=(const TabView&) = delete;
  ~TabView() override;

  // Maps the view's first region and loads `url`. False (and the owner
  // told why) if the region is unusable.
  bool Start(UniqueFd region, uint32_t generation, int width, int height,
             uint64_t size, const std::string& url);

  // Messages for this view. False on a fatal protocol error (the owner was
  // told).
  void OnInput(const proto::InputEvent& input);
  bool OnResize(const proto::Resize& resize, UniqueFd region);
  void OnNavigate(const proto::Navigate& navigate);
  void OnFrameRelease(const proto::FrameRelease& release);
  bool OnBeginFrame(const proto::BeginFrame& begin);
  void OnSetVisible(bool visible);

  // Once per turn of the process's loop: runs the page's timers, renders
  // (unpaced) or answers a pending BeginFrame (paced), reports the title,
  // input acks and whether the view wants BeginFrames.
  void Update(Clock::time_point now);
  // When Update() must run next for this view's sake; nullopt: only on a
  // message (a BeginFrame, input, a FrameRelease a full view waits for).
  std::optional<Clock::time_point> NextWakeup(Clock::time_point now) const;

  uint32_t id() const { return config_.id; }

 private:
  struct Region {
    uint32_t generation = 0;
    int width = 0;
    int height = 0;
    SharedMemoryRegion memory;
    Mapping mapping;
    bool owned[kBuffersPerRegion] = {true, true};  // false: the manager's
  };

  // PageHost (the hostile pages misbehave through it).
  void SendLog(std::string_view text) override;
  void SendRawBytes(std::string_view bytes) override { owner_.SendRawBytes(bytes); }
  void SendFrameReady(uint32_t buffer_index) override {
    SendFrameReadyForView(config_.id, buffer_index);
  }
  void SendFrameReadyForView(uint32_t view_id, uint32_t buffer_index) override;
  uint32_t ViewId() const override { return config_.id; }
  void SendHelloReply(uint32_t version) override { owner_.SendHelloReply(version); }
  void ShutdownWrite() override { owner_.ShutdownWrite(); }
  size_t QueuedBytes() const override { return owner_.QueuedBytes(); }
  int LastFrameBuffer() const override { return last_frame_buffer_; }
  int RegionFd() const override { return region_->memory.fd(); }
  uint64_t RegionSize() const override { return region_->memory.size(); }
  pid_t ManagerPid() const override { return owner_.ManagerPid(); }
  bool Sandboxed() const override { return owner_.Sandboxed(); }

  bool AdoptRegion(UniqueFd fd, uint32_t generation, int width, int height,
                   uint64_t size);
  void LoadPage(const std::string& url, Clock::time_point origin);
  void Send(proto::TabToManager& message,
            size_t max_message_size = kMaxMessageSize);
  // The page's timers: every turn while visible, once a second hidden.
  void TickPage(Clock::time_point now);
  bool HasFreeBuffer() const;
  // Renders for `time` into a free buffer and announces it; false when no
  // buffer is free.
  bool RenderToRegion(Clock::time_point time, uint64_t begin_frame_sequence);
  void RenderToSocket(Clock::time_point time);
  void AnswerBeginFrame();
  void UpdateBeginFrameSubscription(Clock::time_point now);

  ViewOwner& owner_;
  Config config_;
  std::unique_ptr<Region> region_;
  std::unique_ptr<Page> page_;
  std::string last_title_;
  uint64_t frame_sequence_ = 0;
  uint64_t last_input_applied_ = 0;
  uint64_t last_input_acked_ = 0;
  uint64_t navigation_applied_ = 0;
  int last_frame_buffer_ = -1;
  // Frames over the socket only: rendered into one while the other's bytes
  // may still be queued (sent from here, not copied).
  std::vector<uint32_t> socket_frames_[2];
  // Pacing.
  std::optional<proto::BeginFrame> pending_begin_;
  bool needs_begin_frames_sent_ = false;  // what the manager was told
  bool force_frame_ = true;  // shown again, resized: draw even if unchanged
  Clock::time_point last_tick_{};
  Clock::duration interval_ = std::chrono::microseconds(16667);
  proto::TabToManager outgoing_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_TAB_VIEW_H_
