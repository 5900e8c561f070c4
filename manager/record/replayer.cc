#include "manager/record/replayer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <exception>

#include "common/check.h"
#include "manager/core/frame_hash.h"
#include "manager/core/tab_session.h"

namespace tabsim {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// With --speed 0: let the loop run (the writer, the other tabs) this often.
constexpr size_t kCommandsPerTurn = 64;
// How long to wait before trying again when a tab's queue is full.
constexpr auto kRetryAfter = std::chrono::milliseconds(2);
// Once the tab has applied everything up to the final key, how long its
// frame for that key may take before we conclude there is none (nothing
// changed since its previous frame, which then shows the same state).
// Scaled up with --timeout (a tenth of it), for loaded machines.
constexpr auto kNoRedrawGrace = std::chrono::milliseconds(500);

}  // namespace

struct Replayer::Tab {
  Tab(asio::io_context& io, const TabRecording& r, TabReplayResult& out,
      TabHost& h)
      : recording(r), result(out), host(h), wake(io) {}
  const TabRecording& recording;
  TabReplayResult& result;
  TabHost& host;
  TabSession* session = nullptr;
  // Every hash recorded for a key.
  std::map<FrameKey, std::vector<uint64_t>> recorded;
  bool lost = false;
  bool closing = false;  // the replayer closed it: not a loss
  // The latest replayed frame.
  bool has_latest = false;
  FrameKey latest_key;
  uint64_t latest_hash = 0;
  // Paced recordings: the hash recorded for the frame answering each
  // recorded BeginFrame, and the recorded sequence of each one replayed.
  bool paced = false;
  uint64_t final_begin_frame = 0;  // the one the last recorded frame answers
  std::map<uint64_t, std::pair<FrameKey, uint64_t>> frame_by_begin_frame;
  std::map<uint64_t, uint64_t> recorded_begin_frame;
  asio::steady_timer wake;
};

std::string ToString(const FrameKey& key) {
  return "navigation " + std::to_string(key.navigation) + ", generation " +
         std::to_string(key.generation) + ", input " +
         std::to_string(key.input);
}

bool TabReplayResult::Passed() const {
  return failure.empty() && (lost_cause.empty() || recorded_crash) &&
         compared > 0 && different == 0 && paced_identical == paced_compared &&
         final_reached && final_identical;
}

Replayer::Replayer(asio::io_context& io, ReplaySettings settings,
                   std::vector<TabRecording> recordings)
    : io_(io),
      settings_(std::move(settings)),
      recordings_(std::move(recordings)),
      all_done_(io, Clock::time_point::max()) {
  results_.resize(recordings_.size());
  for (size_t i = 0; i < recordings_.size(); ++i) {
    const TabRecording& recording = recordings_[i];
    const record::Header& header = recording.header;
    const bool paced = std::any_of(
        recording.commands.begin(), recording.commands.end(),
        [](const RecordedCommand& c) { return c.entry.has_begin_frame(); });
    std::unique_ptr<TabHost>& host =
        hosts_[{int(header.width()), int(header.height()), paced}];
    if (!host) {
      TabHost::Options options;
      options.tab_executable = settings_.tab_executable;
      options.width = int(header.width());
      options.height = int(header.height());
      options.manual_pacing = paced;
      // Every recorded event must reach the tab as it was recorded.
      options.coalesce_above_bytes = SIZE_MAX;
      host = std::make_unique<TabHost>(io_, options);
      host->AddObserver(this);
    }
    TabReplayResult& result = results_[i];
    result.file = recording.name;
    result.tab_id = int(header.tab_id());
    result.restarts = int(header.restarts());
    result.url = header.url();
    result.commands = recording.commands.size();
    result.recorded_frames = recording.frames.size();
    result.note = recording.note;
    if (recording.end) {
      result.recorded_end =
          recording.end->state() + ": " + recording.end->cause();
      result.recorded_crash = recording.end->state() != "closed";
    }
    auto tab = std::make_unique<Tab>(io_, recording, result, *host);
    tab->paced = paced;
    for (const RecordedFrame& f : recording.frames) {
      if (f.frame.begin_frame_sequence() != 0)
        tab->frame_by_begin_frame[f.frame.begin_frame_sequence()] = {
            FrameKey{f.frame.navigation(), f.frame.region_generation(),
                     f.frame.last_input_sequence()},
            f.frame.hash()};
      FrameKey key{f.frame.navigation(), f.frame.region_generation(),
                   f.frame.last_input_sequence()};
      tab->recorded[key].push_back(f.frame.hash());
      result.has_final = true;
      result.final_key = key;
      result.final_hash = f.frame.hash();
      tab->final_begin_frame = f.frame.begin_frame_sequence();
    }
    tabs_.push_back(std::move(tab));
  }
}

Replayer::~Replayer() {
  for (auto& [size, host] : hosts_) host->RemoveObserver(this);
}

bool Replayer::Passed() const {
  return std::all_of(results_.begin(), results_.end(),
                     [](const TabReplayResult& r) { return r.Passed(); });
}

Clock::duration Replayer::Scaled(uint64_t micros) const {
  if (settings_.speed <= 0) return Clock::duration::zero();
  // micros <= kMaxRecordMicros and speed >= 0.01 (the options check): no
  // overflow.
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::micro>(double(micros) /
                                                settings_.speed));
}

void Replayer::Progress(const char* format, ...) {
  if (settings_.progress == nullptr) return;
  double seconds =
      std::chrono::duration<double>(Clock::now() - started_at_).count();
  std::fprintf(settings_.progress, "[%8.3f] ", seconds);
  va_list args;
  va_start(args, format);
  std::vfprintf(settings_.progress, format, args);
  va_end(args);
  std::fputc('\n', settings_.progress);
  std::fflush(settings_.progress);
}

Replayer::Tab* Replayer::Find(const TabSession& session) {
  auto it = by_session_.find(&session);
  return it == by_session_.end() ? nullptr : it->second;
}

asio::awaitable<void> Replayer::Run() {
  started_at_ = Clock::now();
  running_ = tabs_.size();
  for (size_t i = 0; i < tabs_.size(); ++i) {
    asio::co_spawn(io_, ReplayTab(i), [this](std::exception_ptr error) {
      TABSIM_CHECK(!error) << "a replay coroutine threw";
      if (--running_ == 0) all_done_.cancel();
    });
  }
  while (running_ > 0) {
    all_done_.expires_at(Clock::time_point::max());
    co_await all_done_.async_wait(kNoThrow);
  }
  for (auto& [size, host] : hosts_) co_await host->Shutdown();
}

asio::awaitable<bool> Replayer::WaitFor(Tab& tab,
                                        const std::function<bool()>& done,
                                        Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    tab.wake.expires_at(deadline);
    co_await tab.wake.async_wait(kNoThrow);
  }
  co_return true;
}

asio::awaitable<void> Replayer::ReplayTab(size_t index) {
  Tab& tab = *tabs_[index];
  TabReplayResult& result = tab.result;
  const record::Header& header = tab.recording.header;
  co_await WaitFor(tab, [] { return false; },
                   started_at_ + Scaled(header.start_offset_us()));

  auto opened = tab.host.Open(header.url());
  if (!opened.ok()) {
    result.failure = "could not open the tab: " + opened.error().message;
    Progress("tab %d (%s): %s", result.tab_id, result.url.c_str(),
             result.failure.c_str());
    co_return;
  }
  tab.session = *opened;
  by_session_[tab.session] = &tab;
  Progress("tab %d (%s): replaying %s: %zu commands, %zu recorded frames",
           result.tab_id, result.url.c_str(), result.file.c_str(),
           result.commands, result.recorded_frames);

  // The handshake deadline bounds this wait: a tab that never goes live
  // is killed, and lost.
  co_await WaitFor(tab, [&] { return tab.session->live() || tab.lost; },
                   Clock::time_point::max());
  if (!tab.lost) co_await SendAll(tab);
  if (!tab.lost) {
    tab.closing = true;
    tab.session->Close();
    // The host's exit grace bounds this: it kills a tab that does not go.
    co_await WaitFor(tab, [&] { return tab.lost; }, Clock::time_point::max());
  }
  Progress("tab %d: ended: %zu of %zu commands sent, %llu frames (%llu "
           "compared, %llu at keys the recording lacks)%s%s",
           result.tab_id, result.commands_sent, result.commands,
           static_cast<unsigned long long>(result.replayed_frames),
           static_cast<unsigned long long>(result.compared),
           static_cast<unsigned long long>(result.unmatched),
           result.lost_cause.empty() ? "" : "; lost: ",
           result.lost_cause.c_str());
}

asio::awaitable<void> Replayer::SendAll(Tab& tab) {
  const std::vector<RecordedCommand>& commands = tab.recording.commands;
  const uint64_t base = tab.recording.header.navigation_base();
  // The distinct keys of the recorded frames, in order (the reader checked
  // that they never go backwards nor ahead of the commands).
  std::vector<FrameKey> keys;
  for (const RecordedFrame& f : tab.recording.frames) {
    FrameKey key{f.frame.navigation(), f.frame.region_generation(),
                 f.frame.last_input_sequence()};
    if (keys.empty() || keys.back() != key) keys.push_back(key);
  }
  size_t next_key = 0;
  FrameKey sent{0, 1, 0};  // the counters once the command is sent
  const Clock::time_point live_at = Clock::now();
  size_t since_turn = 0;
  for (const RecordedCommand& command : commands) {
    const record::Entry& entry = command.entry;
    if (entry.has_input()) sent.input = entry.input().sequence();
    if (entry.has_navigate())
      sent.navigation = entry.navigate().navigation_id() - base;
    if (entry.has_resize()) sent.generation = entry.resize().region_generation();
    // Lockstep: this command moves past the next recorded key, so the tab
    // has everything for that frame; wait for it before sending more, or
    // the tab could fold this command into it.
    while (next_key < keys.size() && !(sent.input <= keys[next_key].input &&
                                       sent.navigation <= keys[next_key].navigation &&
                                       sent.generation <= keys[next_key].generation)) {
      co_await AwaitKey(tab, keys[next_key]);
      if (tab.lost || !tab.result.failure.empty()) co_return;
      ++next_key;
    }
    if (settings_.speed > 0) {
      co_await WaitFor(tab, [&] { return tab.lost; },
                       live_at + Scaled(entry.t_us()));
    } else if (++since_turn == kCommandsPerTurn) {
      since_turn = 0;
      co_await asio::post(io_, asio::use_awaitable);
    }
    if (tab.lost) co_return;
    Status done = co_await Send(tab, command);
    if (!done.ok()) {
      if (!tab.lost)
        tab.result.failure = tab.recording.name + ":" +
                             std::to_string(command.line) + ": " +
                             done.error().message;
      co_return;
    }
    ++tab.result.commands_sent;
  }
  for (; next_key < keys.size(); ++next_key) {
    co_await AwaitKey(tab, keys[next_key]);
    if (tab.lost || !tab.result.failure.empty()) co_return;
  }
  // Paced: the answer to the last BeginFrame.
  if (tab.paced) co_await AwaitBeginFrameAnswered(tab);
  // At a real pace, the tab lives as long as the recorded one did (time-
  // driven pages go on drawing, and are compared).
  if (settings_.speed > 0 && tab.recording.end)
    co_await WaitFor(tab, [&] { return tab.lost; },
                     live_at + Scaled(tab.recording.end_t_us));
}

asio::awaitable<void> Replayer::AwaitKey(Tab& tab, const FrameKey& key) {
  TabReplayResult& result = tab.result;
  auto drawn = [&] { return tab.has_latest && tab.latest_key == key; };
  // Everything up to `key` applied: the inputs acknowledged, and a frame
  // of its page and region (navigations and resizes always redraw).
  auto applied = [&] {
    return tab.session->counters().last_input_acked >= key.input &&
           tab.has_latest && tab.latest_key.navigation == key.navigation &&
           tab.latest_key.generation == key.generation;
  };
  const Clock::time_point deadline = Clock::now() + settings_.timeout;
  bool done = co_await WaitFor(
      tab, [&] { return drawn() || tab.lost || applied(); }, deadline);
  if (done && !drawn() && !tab.lost) {
    co_await WaitFor(tab, [&] { return drawn() || tab.lost; },
                     std::min(deadline,
                              Clock::now() + std::max<Clock::duration>(
                                                 kNoRedrawGrace,
                                                 settings_.timeout / 10)));
    if (!drawn() && !tab.lost) {
      // No frame at the key: nothing changed since the latest frame, which
      // shows the same state. Judge that one.
      ++result.without_redraw;
      Compare(tab, key, tab.latest_hash);
    }
  }
  if (!done && !tab.lost)
    result.failure = "the frame at " + ToString(key) + " did not come within " +
                     std::to_string(settings_.timeout.count()) + " ms";
}

asio::awaitable<void> Replayer::AwaitBeginFrameAnswered(Tab& tab) {
  // The answer is a frame or a DidNotProduceFrame, which no observer hears
  // of: poll.
  const Clock::time_point give_up = Clock::now() + settings_.timeout;
  while (tab.session->begin_frame_outstanding() && !tab.lost &&
         Clock::now() < give_up)
    co_await WaitFor(tab, [&] { return tab.lost; }, Clock::now() + kRetryAfter);
}

void Replayer::Compare(Tab& tab, const FrameKey& key, uint64_t hash) {
  TabReplayResult& result = tab.result;
  auto it = tab.recorded.find(key);
  if (it == tab.recorded.end()) {
    ++result.unmatched;
  } else {
    ++result.compared;
    const std::vector<uint64_t>& hashes = it->second;
    if (std::find(hashes.begin(), hashes.end(), hash) != hashes.end()) {
      ++result.identical;
    } else {
      ++result.different;
      if (result.differences.size() < kMaxReportedDifferences)
        result.differences.push_back({key, hashes.back(), hash});
    }
  }
  // Paced, the final frame is the one answering the last BeginFrame
  // (CompareAnswer): an animation shows many frames at one key.
  if (result.has_final && key == result.final_key && !result.final_reached &&
      tab.final_begin_frame == 0) {
    result.final_reached = true;
    result.final_replayed_hash = hash;
    result.final_identical = hash == result.final_hash;
  }
}

bool Replayer::AnswersUnrecordedBeginFrame(const Tab& tab,
                                           uint64_t begin_frame) const {
  if (begin_frame == 0) return false;
  auto recorded = tab.recorded_begin_frame.find(begin_frame);
  return recorded != tab.recorded_begin_frame.end() &&
         tab.frame_by_begin_frame.count(recorded->second) == 0;
}

void Replayer::CompareAnswer(Tab& tab, const FrameKey& key,
                             uint64_t begin_frame, uint64_t hash) {
  // Frame for frame: the frame answering a replayed BeginFrame against the
  // one recorded for the same BeginFrame, when both show the same inputs,
  // navigation and size (the tab may batch input differently this time).
  TabReplayResult& result = tab.result;
  auto recorded = tab.recorded_begin_frame.find(begin_frame);
  if (recorded == tab.recorded_begin_frame.end()) return;
  if (recorded->second == tab.final_begin_frame && !result.final_reached) {
    result.final_reached = true;
    result.final_replayed_hash = hash;
    result.final_identical = hash == result.final_hash;
  }
  auto expected = tab.frame_by_begin_frame.find(recorded->second);
  // Recorded without a frame (DidNotProduceFrame), or at other inputs.
  if (expected == tab.frame_by_begin_frame.end()) return;
  const auto& [recorded_key, recorded_hash] = expected->second;
  if (recorded_key != key) return;
  ++result.paced_compared;
  if (recorded_hash == hash) {
    ++result.paced_identical;
  } else if (result.differences.size() < kMaxReportedDifferences) {
    result.differences.push_back({key, recorded_hash, hash});
  }
}

asio::awaitable<Status> Replayer::Send(Tab& tab,
                                       const RecordedCommand& command) {
  TabSession& session = *tab.session;
  const record::Entry& entry = command.entry;
  if (entry.has_input()) {
    proto::InputEvent event = entry.input();
    event.clear_sequence();  // the session numbers it
    const Clock::time_point give_up = Clock::now() + settings_.timeout;
    Status sent = session.SendInput(event);
    while (!sent.ok() && sent.error().error_number == EAGAIN &&
           Clock::now() < give_up) {
      // The tab's queue is full: as fast as the channel takes them.
      co_await WaitFor(tab, [&] { return tab.lost; }, Clock::now() + kRetryAfter);
      if (tab.lost) co_return sent;
      sent = session.SendInput(event);
    }
    if (sent.ok() && session.counters().inputs_sent != entry.input().sequence())
      co_return Error{"input numbered " +
                          std::to_string(session.counters().inputs_sent) +
                          ", recorded as " +
                          std::to_string(entry.input().sequence()),
                      EINVAL};
    co_return sent;
  }
  if (entry.has_navigate()) {
    Status sent = session.Navigate(entry.navigate().url());
    const uint64_t expected = entry.navigate().navigation_id() -
                              tab.recording.header.navigation_base();
    if (sent.ok() && session.navigation_id() != expected)
      co_return Error{"navigation numbered " +
                          std::to_string(session.navigation_id()) + ", expected " +
                          std::to_string(expected),
                      EINVAL};
    co_return sent;
  }
  if (entry.has_resize()) {
    co_return session.Resize(int(entry.resize().width()),
                             int(entry.resize().height()));
  }
  if (entry.has_begin_frame()) {
    // One outstanding at a time, as the display clock does.
    co_await AwaitBeginFrameAnswered(tab);
    if (tab.lost) co_return Error{"lost", EPIPE};
    const record::BeginFrame& begin = entry.begin_frame();
    Status sent = session.BeginFrame(
        session.time_origin() + std::chrono::microseconds(begin.frame_offset_us()),
        std::chrono::microseconds(begin.interval_us()));
    if (sent.ok())
      tab.recorded_begin_frame[session.last_begin_frame_sequence()] =
          begin.sequence();
    co_return sent;
  }
  co_return Error{"not a command", EINVAL};  // the reader lets none through
}

void Replayer::OnTabLive(const TabSession& session) {
  if (Tab* tab = Find(session)) tab->wake.cancel();
}

void Replayer::OnFrame(const TabSession& session, const FrameView& frame) {
  Tab* tab = Find(session);
  if (tab == nullptr) return;
  TabReplayResult& result = tab->result;
  ++result.replayed_frames;
  const uint64_t hash = FrameHash(frame);
  const FrameKey key{frame.navigation_id, frame.region_generation,
                     frame.last_input_sequence};
  tab->has_latest = true;
  tab->latest_key = key;
  tab->latest_hash = hash;
  if (tab->paced && AnswersUnrecordedBeginFrame(*tab, frame.begin_frame_sequence)) {
    // Drawn at a frame time the recording has no frame for: an animation's
    // frame there is new, not different.
    ++result.paced_not_recorded;
  } else {
    Compare(*tab, key, hash);
  }
  if (tab->paced) CompareAnswer(*tab, key, frame.begin_frame_sequence, hash);
  tab->wake.cancel();
}

void Replayer::OnInputAcked(const TabSession& session, uint64_t /*sequence*/) {
  if (Tab* tab = Find(session)) tab->wake.cancel();
}

void Replayer::OnTabLost(const TabSession& session) {
  Tab* tab = Find(session);
  if (tab == nullptr) return;
  tab->lost = true;
  if (!tab->closing) tab->result.lost_cause = session.cause();
  tab->wake.cancel();
}

}  // namespace tabsim
