// One run, or part of one, as a timeline that Perfetto's UI and
// chrome://tracing open (`tabsim run --timeline FILE`, `tabsim ctl
// timeline start FILE`; docs/inspect.md, "The timeline").
//
// What it draws (trace_event.h for the phases):
//   - the manager under its own pid ("tabsim manager"): a "main" thread
//     (timeline started/stopped, memory-pressure changes), an "input"
//     thread with each input it sends (where the input's flow starts), and
//     counters for all tabs: frames/s, messages/s, memory-pressure level;
//   - each tab process under its real pid, named after its tabs ("tab 3
//     sim://bounce", "tabs 3 sim://a, 5 sim://b" for a shared process,
//     "spare (process 4)"): a "process" thread (tid = pid) with its spawn,
//     priority changes, a bad message with its reason, Shutdown and its end
//     with the cause; per tab in it a thread "tab N" (spawned, live, first
//     frame, visibility, navigations, title, state changes, input applied,
//     lost with the cause) and a thread "tab N frames" (each BeginFrame as
//     a B/E slice until its frame or DidNotProduceFrame, each accepted
//     frame as a slice) and threads "tab N buffer 0|1" (each frame the
//     manager holds in that buffer, from its FrameReady to its
//     FrameRelease); counters: frames/s, messages/s, bytes queued per
//     direction, memory (PSS MiB);
//   - each input as a flow (id, the sequence number in args): sent
//     (manager "input") -> applied (the tab's InputAck, a step when it
//     comes before the frame; a tab usually sends the frame first) ->
//     shown (the first frame whose last_input_sequence covers it). An input never shown ends
//     its flow on the tab's thread when the tab is lost or the timeline
//     stops, so every flow start has its end.
//
// Timestamps never go back on one thread (pid, tid), and slices there nest
// or follow each other: an event that would start before the end of the
// last slice is moved to it (a microsecond or so); a flow event may sit
// inside the slice just written, which is the slice it binds to.
//
// It hears the TabHost as an observer and every tab process through the
// TimelineSink hook (manager/core/timeline_sink.h). Free when off: Start()
// attaches both and Stop() (or the destructor) detaches both; the hook is
// then a null pointer again.
//
// Bounded when on: the file has a size cap (TimelineFile). When it is
// reached the timeline ends itself: it writes a last instant "timeline
// stopped" with the reason, closes the file (valid JSON), detaches, and
// calls `on_stopped` on a later turn of the loop, where the owner destroys
// it. A write error ends it the same way. What it remembers per tab is
// bounded too (kMaxPendingInputs).
//
// Ownership: owns its file; borrows the host, which must outlive it.
// Single-threaded, on the manager's loop.
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
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "manager/core/tab_observer.h"
#include "manager/core/timeline_sink.h"
#include "manager/timeline/timeline_file.h"

namespace tabsim {

class ProcessHost;
class TabHost;
class TabSession;

class Timeline final : public TabObserver, public TimelineSink {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint64_t kDefaultMaxBytes = 64ull << 20;
  // Counters are sampled this often; memory every kMemoryEvery samples
  // (reading smaps_rollup costs more than counting).
  static constexpr std::chrono::milliseconds kSampleInterval{500};
  static constexpr int kMemoryEvery = 2;
  // Inputs a tab may have in flight (sent, not yet shown) before the
  // oldest one's flow is ended unshown.
  static constexpr size_t kMaxPendingInputs = 1024;

  struct Options {
    std::string path;
    uint64_t max_bytes = kDefaultMaxBytes;  // >= TimelineFile::kMinMaxBytes
    // Once, on a later turn of the loop, when the timeline ended by itself
    // (size cap, write error), with one line saying why and where the
    // (complete) file is; the owner destroys the timeline then.
    std::function<void(const std::string& line)> on_stopped;
  };

  // "64 MiB" for a whole number of MiB, else FormatBytes's "1.5M".
  static std::string FormatCap(uint64_t bytes);

  // Opens the file (the error names it), writes the tracks of everything
  // running now, and attaches to `host`.
  static Result<std::unique_ptr<Timeline>> Start(
      boost::asio::any_io_executor executor, TabHost& host, Options options);
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;
  // Stops (and closes the file) if still running.
  ~Timeline() override;

  // Detaches from the host, ends what is open (BeginFrames, inputs in
  // flight), writes the last instant "timeline stopped" {why} and closes
  // the file. One line: "FILE: N events, SIZE", or the write error. Again
  // after that: the same answer.
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

 private:
  struct PendingInput {
    uint64_t sequence = 0;
    uint64_t flow = 0;
    bool applied = false;
  };
  // A tab's two threads in its process's track.
  struct Lane {
    int tab_id = 0;
    int64_t tid = 0;         // lifecycle, visibility, input applied
    int64_t frames_tid = 0;  // BeginFrames and frames
    bool drew = false;
    uint64_t begin_frame = 0;  // the BeginFrame slice open; 0: none
    std::deque<PendingInput> inputs;
    // Buffers the manager holds, by (region generation, buffer index):
    // since when, and which frame. Drawn as a slice when released.
    struct Held {
      int64_t since = 0;
      uint64_t sequence = 0;
    };
    std::map<std::pair<uint32_t, uint32_t>, Held> held;
    bool buffer_threads_named = false;
  };
  struct Track {
    int64_t pid = 0;
    std::string name;
    std::map<int, Lane> lanes;  // by tab id
    // Since the last sample.
    uint64_t frames = 0;
    uint64_t sent = 0;
    uint64_t received = 0;
  };

  Timeline(boost::asio::any_io_executor executor, TabHost& host,
           TimelineFile file, Options options);
  // Metadata for the manager and everything running now.
  void WriteStart();
  // Writes `event` (its ts moved up to its thread's last end if need be).
  void Emit(boost::json::object event);
  void Instant(int64_t pid, int64_t tid, std::string_view name,
               boost::json::object args = {});
  // Ends what is open, writes the last event and closes the file; does
  // not detach (Stop() does, EndByItself() posts it).
  Result<std::string> Close(std::string_view why);
  // The size cap or a write error: end now, tell the owner later.
  void EndByItself(const std::string& why);
  void Detach();
  // Ends every track's open slices and flows (the timeline stops).
  void CloseAll(std::string_view why);
  int64_t Now() const;

  Track& TrackOf(const ProcessHost& process);
  Track* FindTrack(const ProcessHost* process);
  Lane& LaneOf(Track& track, int tab_id);
  // The lane of `tab` in its process's track; nullptr when not drawn.
  Lane* FindLane(const TabSession& tab);
  // (Re)names the track after the tabs the process hosts now.
  void NameTrack(const ProcessHost& process, Track& track);

  void InputSent(Track& track, const proto::ManagerToTab& message);
  void BeginFrameSent(Track& track, Lane& lane, const proto::BeginFrame& begin);
  // The manager gives a buffer back: the hold slice of the frame in it.
  void FrameReleased(Track& track, Lane& lane, const proto::FrameRelease& release);
  void EndBeginFrame(Track& track, Lane& lane, std::string_view result);
  // Ends the flows of `lane`'s inputs up to `sequence` at `ts` on `tid`
  // (inside the slice just written there).
  void FinishInputs(Track& track, Lane& lane, uint64_t sequence, int64_t tid,
                    int64_t ts);
  // Ends whatever `lane` has open: its BeginFrame and its inputs.
  void CloseLane(Track& track, Lane& lane, std::string_view why);

  void ArmSampler();
  void Sample();

  boost::asio::any_io_executor executor_;
  TabHost& host_;
  TimelineFile file_;
  Options options_;
  bool stopped_ = false;
  bool ending_ = false;  // inside Close(): a refused event is dropped
  bool attached_ = false;
  Result<std::string> stop_result_ = std::string();
  int64_t manager_pid_ = 0;
  std::map<const ProcessHost*, Track> tracks_;
  // Per (pid, tid): the start of the last event written there and the
  // end of the latest slice.
  struct Floor {
    int64_t start = 0;
    int64_t end = 0;
  };
  std::map<std::pair<int64_t, int64_t>, Floor> floors_;
  uint64_t next_flow_ = 1;
  int pressure_level_ = -1;
  boost::asio::steady_timer sampler_;
  Clock::time_point last_sample_{};
  int samples_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TIMELINE_TIMELINE_H_
