// Replayer: the engine of `tabsim replay DIR` (docs/record.md). Feeds each
// recorded tab process's commands to a fresh tab and compares the frames
// that come back with the recorded ones.
//
// A frame is identified by its key: (navigation, region generation, last
// input sequence), that is by how much of the command stream the tab had
// applied when it rendered it. Commands are replayed in the recorded order
// and each one moves one of the three counters, so a key names exactly one
// prefix of the stream; a page whose rendering depends only on its input
// and size (sim://paint) must then draw the same pixels for it. How input is
// batched differs between runs, so the replay may show keys the recording
// never did and skip some it did: those are counted, not compared. A key
// may occur several times in a recording only when the page redrew without
// input (time-driven pages); a replayed frame counts as identical if its
// hash equals any recorded hash for its key.
//
// The replay runs in lockstep with the recording: a command that moves
// past the next recorded key is held back until the tab has drawn its
// frame at that key, so the tab cannot fold later commands into it and
// every recorded key gets compared. If the tab applied everything up to a
// key (inputs acknowledged, a frame of its page and region) but draws
// nothing for a tenth of the timeout (at least half a second), nothing changed, and its previous frame,
// which shows the same state, is compared instead. The final frame (the
// last recorded one) must be identical.
//
// Each recording gets a fresh tab, opened at its recorded start offset
// (scaled by the speed), on a TabHost whose frame size is the recording's
// header size (one host per distinct size), so every tab starts at region
// generation 1 as the recorded one did. Coalescing is off.
//
// Ownership: the replayer owns its hosts and their tabs. Everything on the
// io_context's one thread; Run() never throws.
#ifndef TABSIM_MANAGER_RECORD_REPLAYER_H_
#define TABSIM_MANAGER_RECORD_REPLAYER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "manager/record/recording.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_observer.h"

namespace tabsim {

struct ReplaySettings {
  std::string tab_executable;  // required
  double speed = 1.0;  // 0: every command as soon as the channel takes it
  // How long to wait for the frame at a recorded key once the commands up
  // to it are sent. Also how long a tab may refuse input (its queue full)
  // before giving up.
  std::chrono::milliseconds timeout{10000};
  std::FILE* progress = nullptr;  // a line per tab start and end; or none
};

struct FrameKey {
  uint64_t navigation = 0;
  uint32_t generation = 0;
  uint64_t input = 0;
  auto operator<=>(const FrameKey&) const = default;
};
// "navigation 1, generation 2, input 17"
std::string ToString(const FrameKey& key);

struct FrameDifference {
  FrameKey key;
  uint64_t recorded = 0;  // the last recorded hash for the key
  uint64_t replayed = 0;
};

struct TabReplayResult {
  std::string file;  // the recording's file name
  int tab_id = 0;
  int restarts = 0;
  std::string url;
  size_t commands = 0;
  size_t commands_sent = 0;
  size_t recorded_frames = 0;
  uint64_t replayed_frames = 0;
  uint64_t compared = 0;
  uint64_t identical = 0;
  uint64_t different = 0;
  uint64_t unmatched = 0;  // replayed frames whose key the recording lacks
  // Paced recordings, frame for frame: replayed frames compared with the
  // frame recorded for the same BeginFrame (same frame time, same inputs),
  // and how many of those were identical.
  uint64_t paced_compared = 0;
  uint64_t paced_identical = 0;
  // Paced: frames drawn for a BeginFrame the recorded tab answered with
  // DidNotProduceFrame (it had no free buffer then: the manager had not
  // yet given one back). Nothing was recorded to compare them with, so
  // they are counted, not judged.
  uint64_t paced_not_recorded = 0;
  // Recorded keys the tab applied everything for but drew no frame at
  // (nothing changed): its previous frame was compared in its place.
  uint64_t without_redraw = 0;
  bool has_final = false;  // the recording has a frame at all
  FrameKey final_key;
  uint64_t final_hash = 0;
  bool final_reached = false;
  bool final_identical = false;
  uint64_t final_replayed_hash = 0;  // the replayed frame at final_key
  std::vector<FrameDifference> differences;  // the first few
  // Why the replay of this tab stopped short; empty when it did not.
  std::string failure;
  // The replayed tab died before the replayer closed it.
  std::string lost_cause;
  // The recording's End, if it has one: "closed: exited with code 0".
  std::string recorded_end;
  bool recorded_crash = false;  // the recorded process was lost too
  std::string note;  // from the reader (a line cut short)

  // Every check held: at least one frame compared, none different, the
  // final frame reached and identical, no failure, and no loss unless the
  // recorded tab was lost too.
  bool Passed() const;
};

inline constexpr size_t kMaxReportedDifferences = 5;

class Replayer : private TabObserver {
 public:
  Replayer(boost::asio::io_context& io, ReplaySettings settings,
           std::vector<TabRecording> recordings);
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;
  ~Replayer() override;

  // Replays everything, closes every tab, shuts the hosts down.
  boost::asio::awaitable<void> Run();

  const std::vector<TabReplayResult>& results() const { return results_; }
  bool Passed() const;

 private:
  struct Tab;

  boost::asio::awaitable<void> ReplayTab(size_t index);
  boost::asio::awaitable<void> SendAll(Tab& tab);
  // Waits for the replayed frame at `key` (or the timeout; or, if the tab
  // applied everything up to it and drew nothing more, takes its latest
  // frame for it).
  boost::asio::awaitable<void> AwaitKey(Tab& tab, const FrameKey& key);
  // Until the tab's BeginFrame is answered, it is lost, or --timeout.
  boost::asio::awaitable<void> AwaitBeginFrameAnswered(Tab& tab);
  // Whether replayed BeginFrame `begin_frame` stands for a recorded one
  // the recorded tab answered without a frame.
  bool AnswersUnrecordedBeginFrame(const Tab& tab, uint64_t begin_frame) const;
  // Judges a replayed frame's hash at `key` against the recording.
  void Compare(Tab& tab, const FrameKey& key, uint64_t hash);
  // Paced: the frame answering replayed BeginFrame `begin_frame` against
  // the one recorded for the same recorded BeginFrame.
  void CompareAnswer(Tab& tab, const FrameKey& key, uint64_t begin_frame,
                     uint64_t hash);
  boost::asio::awaitable<Status> Send(Tab& tab, const RecordedCommand& command);
  // Waits until `done()` or `deadline`; false on the deadline. Woken by
  // the tab's events (live, frame, lost).
  boost::asio::awaitable<bool> WaitFor(Tab& tab, const std::function<bool()>& done,
                                       std::chrono::steady_clock::time_point deadline);
  std::chrono::steady_clock::duration Scaled(uint64_t micros) const;
  void Progress(const char* format, ...) __attribute__((format(printf, 2, 3)));
  Tab* Find(const TabSession& session);

  // TabObserver.
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnInputAcked(const TabSession& tab, uint64_t sequence) override;
  void OnTabLost(const TabSession& tab) override;

  boost::asio::io_context& io_;
  ReplaySettings settings_;
  std::vector<TabRecording> recordings_;
  std::vector<TabReplayResult> results_;
  std::vector<std::unique_ptr<Tab>> tabs_;
  // By size and pacing (a paced recording is replayed with manual pacing:
  // the replayer sends the recorded BeginFrames itself).
  std::map<std::tuple<int, int, bool>, std::unique_ptr<TabHost>> hosts_;
  std::map<const TabSession*, Tab*> by_session_;
  std::chrono::steady_clock::time_point started_at_{};
  size_t running_ = 0;
  boost::asio::steady_timer all_done_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RECORD_REPLAYER_H_
