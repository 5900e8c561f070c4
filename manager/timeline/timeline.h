// One run, or part of one, as a timeline that Perfetto's UI and
// chrome://tracing open (`tabsim run --timeline FILE`, `tabsim ctl
// timeline start FILE`; docs/inspect.md, "The timeline").
//
// What it draws (trace_event.h for the phases):
//   - the manager under its pid ("tabsim manager"): each input it sends
//     (a slice, where the input's flow arrow starts), and counters for all
//     tabs: frames/s, messages/s, tabs and processes, its own memory;
//   - each tab process under its real pid, named after its tabs ("tab 3
//     sim://bounce", "tabs 3, 5 (process 2)", "spare (process 4)"): a
//     "process" thread with its spawn, priority changes, bad message,
//     Shutdown and end (the cause), and one thread per tab in it with the
//     tab's life (spawned, live, first frame, visibility, navigations,
//     title, state changes, lost with the cause), each BeginFrame as a
//     slice from sent to answered (by a frame or DidNotProduceFrame), each
//     accepted frame, each input ack; each frame buffer the manager holds,
//     as an async slice from the frame until its FrameRelease; counters:
//     frames/s, messages/s and bytes queued per direction, memory (RSS, as
//     the task manager reads it);
//   - each input as a flow: sent (manager) -> applied (the tab's ack) ->
//     the first frame whose last_input_sequence covers it, with the input's
//     sequence number in its args. An input never shown ends its flow on
//     the tab's thread when the tab is lost or the timeline stops.
//
// It hears the TabHost as an observer and every tab process through the
// TimelineSink hook (manager/core/timeline_sink.h). Free when off: Start()
// attaches both and Stop() (or the destructor) detaches both; the hook is
// then a null pointer again.
//
// Bounded when on: the file has a size cap (TimelineFile). When it is
// reached the timeline ends itself: it writes a last instant "timeline
// stopped: size cap N reached", closes the file (valid JSON), and calls
// `on_stopped` on a later turn of the loop, where the owner destroys it.
// A write error ends it the same way. What it remembers per tab is bounded
// too (kMaxPendingInputs).
//
// Ownership: owns its file; borrows the host (and the task manager), which
// must outlive it. Single-threaded, on the manager's loop.
#ifndef TABSIM_MANAGER_TIMELINE_TIMELINE_H_
#define TABSIM_MANAGER_TIMELINE_TIMELINE_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/core/tab_observer.h"
#include "manager/core/timeline_sink.h"
#include "manager/timeline/timeline_file.h"

namespace tabsim {

class ProcessHost;
class TabHost;
class TabSession;
class TaskManager;

class Timeline final : public TabObserver, public TimelineSink {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint64_t kDefaultMaxBytes = 256ull << 20;
  // Counters are sampled this often; memory every kMemoryEvery samples.
  static constexpr std::chrono::milliseconds kSampleInterval{250};
  static constexpr int kMemoryEvery = 4;
  // Inputs a tab may have in flight (sent, not yet shown) before the
  // oldest one's flow is ended unshown.
  static constexpr size_t kMaxPendingInputs = 1024;

  struct Options {
    std::string path;
    uint64_t max_bytes = kDefaultMaxBytes;  // >= TimelineFile::kMinMaxBytes
    // Once, on a later turn of the loop, when the timeline ended by itself
    // (size cap, write error), with one line saying why; the owner
    // destroys it then.
    std::function<void(const std::string& why)> on_stopped;
  };

  // Opens the file, writes the tracks of everything running now, and
  // attaches to `host`. `tasks` (may be null: no memory counters) gives
  // the memory each tab uses.
  static Result<std::unique_ptr<Timeline>> Start(
      boost::asio::any_io_executor executor, TabHost& host,
      const TaskManager* tasks, Options options);
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;
  // Stops (and closes the file) if still running.
  ~Timeline() override;

  // Detaches from the host, ends what is open (BeginFrames, held buffers,
  // inputs in flight), writes the last instant "timeline stopped: <why>"
  // and closes the file. One line: "FILE: N events, SIZE", or the write
  // error. Again after that: the same line.
  Result<std::string> Stop(std::string_view why = "stopped");
  bool stopped() const { return stopped_; }
  const std::string& path() const { return file_.path(); }
  uint64_t bytes() const { return file_.bytes(); }
  uint64_t events() const { return file_.events(); }

  // TabObserver.
  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabStateChanged(const TabSession& tab) override;
  void OnTabLog(const TabSession& tab, const std::string& line) override;
  void OnInputAcked(const TabSession& tab, uint64_t sequence) override;
  void OnTabLost(const TabSession& tab) override;

  // TimelineSink.
  void OnProcessSpawned(const ProcessHost& process) override;
  void OnSent(const ProcessHost& process,
              const proto::ManagerToTab& message) override;
  void OnReceived(const ProcessHost& process,
                  const proto::TabToManager& message) override;
  void OnPriorityChanged(const ProcessHost& process) override;
  void OnBadMessage(const ProcessHost& process, BadMessageReason reason) override;
  void OnProcessGone(const ProcessHost& process) override;
  void OnMemoryPressure(int level, std::string_view name) override;

 private:
  struct PendingInput {
    uint64_t sequence = 0;
    uint64_t flow = 0;
    bool applied = false;
  };
  struct HeldBuffer {
    uint32_t generation = 0;
    uint32_t index = 0;
    uint64_t id = 0;
  };
  // A tab's thread in its process's track.
  struct View {
    int64_t tid = 0;
    std::string name;
    std::string state;
    uint64_t begin_frame = 0;  // the BeginFrame slice open; 0: none
    bool drew = false;
    // The FrameReady just received, for the buffer it names.
    uint64_t ready_sequence = 0;
    uint32_t ready_index = 0;
    uint32_t ready_generation = 0;
    std::deque<PendingInput> inputs;
    std::vector<HeldBuffer> held;
  };
  struct Process {
    int64_t pid = 0;
    int id = 0;
    std::string name;
    std::map<int, View> views;  // by tab id
    // Since the last sample.
    uint64_t frames = 0;
    uint64_t sent = 0;
    uint64_t received = 0;
  };

  Timeline(boost::asio::any_io_executor executor, TabHost& host,
           const TaskManager* tasks, TimelineFile file, Options options);
  // Metadata for the manager and everything running now.
  void WriteStart();
  void Emit(const boost::json::object& event);
  // The size cap or a write error: end now, tell the owner later.
  void EndByItself(const std::string& why);
  void Detach();
  int64_t Now() const;

  Process& Track(const ProcessHost& process);
  View& Lane(Process& process, int tab_id, std::string_view url);
  // The lane of view `view_id` of `process`; nullptr for one never seen.
  View* FindLane(const ProcessHost& process, uint32_t view_id);
  View* LaneOf(const TabSession& tab);
  void NameProcess(const ProcessHost& process, Process& track);
  void NameLane(Process& track, View& view, int tab_id, std::string_view url);
  void LaneInstant(const TabSession& tab, std::string_view name,
                   boost::json::object args);
  void ProcessInstant(const ProcessHost& process, std::string_view name,
                      boost::json::object args);

  void InputSent(const ProcessHost& process, const proto::ManagerToTab& message);
  void BeginFrameSent(Process& track, View& view, const proto::BeginFrame& begin);
  void EndBeginFrame(Process& track, View& view, std::string_view result);
  void BufferReleased(Process& track, View& view, uint32_t generation,
                      uint32_t index, std::string_view why);
  // Ends the flows of `view`'s inputs up to `sequence` on a slice named
  // `slice` (the frame that shows them, or why they never will be).
  void FinishInputs(Process& track, View& view, uint64_t sequence);
  // Ends whatever `view` has open: its BeginFrame, buffers and inputs.
  void CloseLane(Process& track, View& view, std::string_view why);

  void ArmSampler();
  void Sample();

  boost::asio::any_io_executor executor_;
  TabHost& host_;
  const TaskManager* tasks_;
  TimelineFile file_;
  Options options_;
  bool stopped_ = false;
  bool attached_ = false;
  std::string stop_line_;
  std::optional<Error> stop_error_;
  int64_t manager_pid_ = 0;
  std::map<const ProcessHost*, Process> processes_;
  int64_t next_tid_;
  uint64_t next_flow_ = 1;
  uint64_t next_async_ = 1;
  int memory_pressure_ = -1;
  boost::asio::steady_timer sampler_;
  Clock::time_point last_sample_{};
  int samples_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TIMELINE_TIMELINE_H_
