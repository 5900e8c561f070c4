#include "manager/timeline/timeline.h"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include <algorithm>

#include "common/check.h"
#include "manager/base/json.h"
#include "manager/base/units.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/process_host.h"
#include "manager/core/process_priority.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/timeline/trace_event.h"

namespace tabsim {
namespace {

namespace json = boost::json;
namespace te = trace_event;

// The manager's threads (its pid is its own; these only need to differ).
constexpr int64_t kInputTid = 1;
// A tab's threads in its process: 2N and 2N+1 (no pid is that small).
int64_t TabTid(int tab_id) { return int64_t(tab_id) * 2; }
int64_t FramesTid(int tab_id) { return int64_t(tab_id) * 2 + 1; }
// Its buffers' threads, out of the way of the above: one per buffer, so
// each thread's hold slices follow one another.
int64_t BufferTid(int tab_id, uint32_t buffer) {
  return (int64_t(1) << 32) + int64_t(tab_id) * 2 + int64_t(buffer % 2);
}

std::string TabName(const TabSession& tab) {
  return "tab " + std::to_string(tab.id()) + " " + tab.url();
}

}  // namespace

Result<std::unique_ptr<Timeline>> Timeline::Start(
    boost::asio::any_io_executor executor, TabHost& host, Options options) {
  auto file = TimelineFile::Create(options.path, options.max_bytes);
  if (!file.ok()) return file.error();
  std::unique_ptr<Timeline> timeline(new Timeline(
      std::move(executor), host, std::move(file).value(), std::move(options)));
  timeline->WriteStart();
  host.SetTimeline(timeline.get());
  host.AddObserver(timeline.get());
  timeline->attached_ = true;
  timeline->last_sample_ = Clock::now();
  timeline->ArmSampler();
  return timeline;
}

Timeline::Timeline(boost::asio::any_io_executor executor, TabHost& host,
                   TimelineFile file, Options options)
    : executor_(executor),
      host_(host),
      file_(std::move(file)),
      options_(std::move(options)),
      manager_pid_(::getpid()),
      sampler_(executor) {}

Timeline::~Timeline() {
  *alive_ = false;
  if (!stopped_) (void)Stop("the timeline was destroyed");
  if (attached_) Detach();
}

std::string Timeline::FormatCap(uint64_t bytes) {
  if (bytes != 0 && bytes % (1 << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return FormatBytes(bytes);
}

int64_t Timeline::Now() const { return te::Micros(Clock::now()); }

void Timeline::WriteStart() {
  const int64_t now = Now();
  Emit(te::ProcessName(manager_pid_, now, "tabsim manager"));
  Emit(te::ThreadName(manager_pid_, manager_pid_, now, "main"));
  Emit(te::ThreadName(manager_pid_, kInputTid, now, "input"));
  Instant(manager_pid_, manager_pid_, "timeline started",
          {{"max_bytes", file_.max_bytes()}});
  for (const auto& process : host_.processes()) {
    if (!process->running() || process->pid() <= 0) continue;
    Track& track = TrackOf(*process);
    for (const TabSession* view : process->views()) {
      Lane& lane = LaneOf(track, view->id());
      Instant(track.pid, lane.tid, "running",
              {{"url", view->url()}, {"visible", view->visible()},
               {"state", ToString(view->state())}});
    }
  }
}

void Timeline::Emit(json::object event) {
  if (stopped_) return;
  const int64_t pid = event["pid"].as_int64();
  const int64_t tid = event["tid"].as_int64();
  Floor& floor = floors_[{pid, tid}];
  // A flow event binds to the slice around it: it may sit inside the last
  // one. Anything else starts after the last slice's end, so slices nest.
  const std::string_view phase = event["ph"].as_string();
  const bool flow = phase == "s" || phase == "t" || phase == "f";
  const int64_t ts = std::max(event["ts"].as_int64(),
                              flow ? floor.start : std::max(floor.start, floor.end));
  event["ts"] = ts;
  floor.start = ts;
  if (const json::value* dur = event.if_contains("dur"))
    floor.end = std::max(floor.end, ts + dur->as_int64());
  if (file_.Append(te::ToJson(event)) || ending_) return;
  EndByItself(file_.full() ? "size cap of " + FormatCap(file_.max_bytes()) +
                                 " reached"
                           : "write error");
}

void Timeline::Instant(int64_t pid, int64_t tid, std::string_view name,
                       json::object args) {
  json::object event = te::Instant(name, "lifecycle", pid, tid, Now());
  if (!args.empty()) event["args"] = std::move(args);
  Emit(std::move(event));
}

void Timeline::EndByItself(const std::string& why) {
  if (stopped_) return;
  // Inside a host or process call: detaching from the observer list has to
  // wait for a later turn; until then every call is a no-op (stopped_).
  Result<std::string> result = Close(why);
  host_.SetTimeline(nullptr);
  std::string line = why + ", stopped; " +
                     (result.ok() ? *result + " (complete JSON)"
                                  : result.error().message);
  boost::asio::post(executor_, [this, alive = std::weak_ptr<bool>(alive_),
                                line = std::move(line)] {
    if (alive.expired()) return;
    if (attached_) Detach();
    // A copy: the owner destroys this timeline from inside the call.
    const auto on_stopped = options_.on_stopped;
    if (on_stopped) on_stopped(line);
  });
}

void Timeline::Detach() {
  host_.SetTimeline(nullptr);
  host_.RemoveObserver(this);
  sampler_.cancel();
  attached_ = false;
}

Result<std::string> Timeline::Stop(std::string_view why) {
  if (stopped_) return stop_result_;
  // A stop from the owner (not from inside a host call): detach now.
  if (attached_) Detach();
  return Close(why);
}

Result<std::string> Timeline::Close(std::string_view why) {
  TABSIM_CHECK(!stopped_) << "Close() twice";
  ending_ = true;  // what does not fit now is dropped, not a second ending
  sampler_.cancel();
  CloseAll(why);
  stopped_ = true;
  json::object last = te::Instant("timeline stopped", "lifecycle", manager_pid_,
                                  manager_pid_, Now());
  const Floor& floor = floors_[{manager_pid_, manager_pid_}];
  last["ts"] = std::max({last["ts"].as_int64(), floor.start, floor.end});
  last["args"] = json::object{{"why", why.substr(0, 200)}};
  json::object metadata{{"tool", "tabsim"},
                        {"clock", "CLOCK_MONOTONIC microseconds"},
                        {"stopped", why.substr(0, 200)}};
  const uint64_t events = file_.events() + 1;
  Status closed = file_.Close(te::ToJson(last), te::ToJson(metadata));
  if (!closed.ok()) {
    stop_result_ = closed.error();
  } else {
    stop_result_ = file_.path() + ": " + std::to_string(events) + " events, " +
                   FormatBytes(file_.bytes());
  }
  return stop_result_;
}

void Timeline::CloseAll(std::string_view why) {
  for (auto& [process, track] : tracks_)
    for (auto& [id, lane] : track.lanes) CloseLane(track, lane, why);
}

// ------------------------------------------------------------ tracks, lanes

Timeline::Track* Timeline::FindTrack(const ProcessHost* process) {
  auto found = tracks_.find(process);
  return found == tracks_.end() ? nullptr : &found->second;
}

Timeline::Track& Timeline::TrackOf(const ProcessHost& process) {
  auto [it, added] = tracks_.try_emplace(&process);
  Track& track = it->second;
  if (added) {
    track.pid = process.pid();
    Emit(te::ThreadName(track.pid, track.pid, Now(), "process"));
    NameTrack(process, track);
  }
  return track;
}

Timeline::Lane& Timeline::LaneOf(Track& track, int tab_id) {
  auto [it, added] = track.lanes.try_emplace(tab_id);
  Lane& lane = it->second;
  if (added) {
    lane.tab_id = tab_id;
    lane.tid = TabTid(tab_id);
    lane.frames_tid = FramesTid(tab_id);
    const std::string name = "tab " + std::to_string(tab_id);
    Emit(te::ThreadName(track.pid, lane.tid, Now(), name));
    Emit(te::ThreadName(track.pid, lane.frames_tid, Now(), name + " frames"));
  }
  return lane;
}

Timeline::Lane* Timeline::FindLane(const TabSession& tab) {
  Track* track = FindTrack(tab.process());
  if (track == nullptr) return nullptr;
  auto lane = track->lanes.find(tab.id());
  return lane == track->lanes.end() ? nullptr : &lane->second;
}

void Timeline::NameTrack(const ProcessHost& process, Track& track) {
  std::string name;
  const auto spares = host_.spare_pids();
  if (std::find(spares.begin(), spares.end(), process.pid()) != spares.end()) {
    name = "spare (process " + std::to_string(process.id()) + ")";
  } else if (process.views().size() == 1) {
    name = TabName(*process.views()[0]);
  } else if (process.views().empty()) {
    name = "process " + std::to_string(process.id());
  } else {
    name = "tabs ";
    for (const TabSession* view : process.views())
      name += (name.size() > 5 ? ", " : "") + std::to_string(view->id()) + " " +
              view->url();
  }
  if (name == track.name) return;
  track.name = name;
  Emit(te::ProcessName(track.pid, Now(), name));
}

// ------------------------------------------------------------ TabObserver

void Timeline::OnTabSpawned(const TabSession& tab) {
  if (stopped_ || tab.process() == nullptr) return;
  Track& track = TrackOf(*tab.process());
  NameTrack(*tab.process(), track);
  Lane& lane = LaneOf(track, tab.id());
  Instant(track.pid, lane.tid, "spawned",
          {{"url", tab.url()}, {"visible", tab.visible()}});
}

void Timeline::OnTabLive(const TabSession& tab) {
  if (stopped_) return;
  if (Lane* lane = FindLane(tab))
    Instant(tab.pid(), lane->tid, "live");
}

void Timeline::OnFrame(const TabSession& tab, const FrameView& frame) {
  if (stopped_) return;
  Track* track = FindTrack(tab.process());
  Lane* lane = FindLane(tab);
  if (track == nullptr || lane == nullptr) return;
  ++track->frames;
  if (!lane->drew) {
    lane->drew = true;
    Instant(track->pid, lane->tid, "first frame",
            {{"frame_sequence", frame.sequence}});
  }
  const int64_t ts = Now();
  json::object slice = te::Complete("frame " + std::to_string(frame.sequence),
                                    "frame", track->pid, lane->frames_tid, ts, 1);
  slice["args"] = json::object{{"sequence", frame.sequence},
                               {"last_input_sequence", frame.last_input_sequence}};
  Emit(std::move(slice));
  FinishInputs(*track, *lane, frame.last_input_sequence, lane->frames_tid, ts);
  if (lane->begin_frame != 0) EndBeginFrame(*track, *lane, "frame");
  if (frame.buffer_index >= 0) {
    if (!lane->buffer_threads_named) {
      lane->buffer_threads_named = true;
      for (uint32_t b = 0; b < 2; ++b)
        Emit(te::ThreadName(track->pid, BufferTid(lane->tab_id, b), ts,
                            "tab " + std::to_string(lane->tab_id) + " buffer " +
                                std::to_string(b)));
    }
    lane->held[{frame.region_generation, uint32_t(frame.buffer_index)}] = {
        ts, frame.sequence};
  }
}

void Timeline::FrameReleased(Track& track, Lane& lane,
                             const proto::FrameRelease& release) {
  auto it = lane.held.find({release.region_generation(), release.buffer_index()});
  if (it == lane.held.end()) return;
  const int64_t now = Now();
  json::object slice = te::Complete(
      "held: frame " + std::to_string(it->second.sequence), "frame", track.pid,
      BufferTid(lane.tab_id, release.buffer_index()), it->second.since,
      std::max<int64_t>(1, now - it->second.since));
  slice["args"] = json::object{{"sequence", it->second.sequence},
                               {"buffer_index", release.buffer_index()},
                               {"region_generation", release.region_generation()}};
  lane.held.erase(it);
  Emit(std::move(slice));
}

void Timeline::OnTitleChanged(const TabSession& tab) {
  if (stopped_) return;
  if (Lane* lane = FindLane(tab))
    Instant(tab.pid(), lane->tid, "title", {{"title", tab.title()}});
}

void Timeline::OnTabStateChanged(const TabSession& tab) {
  if (stopped_) return;
  if (Lane* lane = FindLane(tab))
    Instant(tab.pid(), lane->tid, std::string("state: ") + ToString(tab.state()));
}

void Timeline::OnInputAcked(const TabSession& tab, uint64_t sequence) {
  if (stopped_) return;
  Track* track = FindTrack(tab.process());
  Lane* lane = FindLane(tab);
  if (track == nullptr || lane == nullptr) return;
  const int64_t ts = Now();
  json::object slice = te::Complete("input applied", "input", track->pid,
                                    lane->tid, ts, 1);
  slice["args"] = json::object{{"last_input_sequence", sequence}};
  Emit(std::move(slice));
  for (PendingInput& input : lane->inputs) {
    if (input.sequence > sequence) break;
    if (input.applied) continue;
    input.applied = true;
    Emit(te::Flow("t", "input", "input", input.flow, track->pid, lane->tid, ts));
  }
}

void Timeline::OnTabLost(const TabSession& tab) {
  if (stopped_) return;
  Track* track = FindTrack(tab.process());
  Lane* lane = FindLane(tab);
  if (track == nullptr || lane == nullptr) return;
  CloseLane(*track, *lane, "tab lost");
  Instant(track->pid, lane->tid, "lost",
          {{"cause", tab.cause()}, {"state", ToString(tab.state())}});
}

// ------------------------------------------------------------ TimelineSink

void Timeline::OnProcessSpawned(const ProcessHost& process) {
  if (stopped_) return;
  Track& track = TrackOf(process);
  Instant(track.pid, track.pid, "spawned",
          {{"process", process.id()}, {"pid", track.pid}});
}

void Timeline::OnSent(const ProcessHost& process,
                      const proto::ManagerToTab& message) {
  if (stopped_) return;
  Track* track = FindTrack(&process);
  if (track == nullptr) return;
  ++track->sent;
  using M = proto::ManagerToTab;
  const int view = int(message.view_id());
  switch (message.message_case()) {
    case M::kInput:
      InputSent(*track, message);
      break;
    case M::kBeginFrame:
      BeginFrameSent(*track, LaneOf(*track, view), message.begin_frame());
      break;
    case M::kFrameRelease:
      FrameReleased(*track, LaneOf(*track, view), message.frame_release());
      break;
    case M::kSetVisible:
      Instant(track->pid, LaneOf(*track, view).tid,
              message.set_visible().visible() ? "shown" : "hidden",
              {{"visible", message.set_visible().visible()}});
      break;
    case M::kNavigate:
      Instant(track->pid, LaneOf(*track, view).tid, "navigate",
              {{"url", message.navigate().url()},
               {"navigation_id", message.navigate().navigation_id()}});
      break;
    case M::kCreateView:
      Instant(track->pid, LaneOf(*track, int(message.create_view().view_id())).tid,
              "view created", {{"url", message.create_view().url()},
                               {"visible", message.create_view().visible()}});
      NameTrack(process, *track);
      break;
    case M::kHello:
      Instant(track->pid, LaneOf(*track, int(message.hello().view_id())).tid,
              "hello", {{"url", message.hello().url()},
                        {"visible", message.hello().visible()},
                        {"paced", message.hello().paced()}});
      break;
    case M::kShutdown:
      Instant(track->pid, track->pid, "shutdown sent");
      break;
    default:
      break;
  }
}

void Timeline::OnReceived(const ProcessHost& process,
                          const proto::TabToManager& message) {
  if (stopped_) return;
  Track* track = FindTrack(&process);
  if (track == nullptr) return;
  ++track->received;
  if (message.message_case() != proto::TabToManager::kDidNotProduceFrame) return;
  auto lane = track->lanes.find(int(message.view_id()));
  if (lane == track->lanes.end()) return;
  if (lane->second.begin_frame == message.did_not_produce_frame().sequence())
    EndBeginFrame(*track, lane->second, "DidNotProduceFrame");
}

void Timeline::OnPriorityChanged(const ProcessHost& process) {
  if (stopped_) return;
  Track* track = FindTrack(&process);
  if (track == nullptr) return;
  const ProcessPriority& priority = process.priority();
  Instant(track->pid, track->pid,
          std::string("priority: ") + ToString(priority.importance),
          {{"importance", ToString(priority.importance)},
           {"nice", priority.nice},
           {"oom_score_adj", priority.oom_score_adj}});
  NameTrack(process, *track);  // a spare taken for a tab gets its name
}

void Timeline::OnBadMessage(const ProcessHost& process, BadMessageReason reason) {
  if (stopped_) return;
  Track* track = FindTrack(&process);
  if (track == nullptr) return;
  Instant(track->pid, track->pid, "bad message", {{"reason", ToString(reason)}});
}

void Timeline::OnProcessGone(const ProcessHost& process) {
  if (stopped_) return;
  auto found = tracks_.find(&process);
  if (found == tracks_.end()) return;
  Track& track = found->second;
  for (auto& [id, lane] : track.lanes) CloseLane(track, lane, "process gone");
  Instant(track.pid, track.pid, "process ended", {{"cause", process.cause()}});
  tracks_.erase(found);
}

// ------------------------------------------------------------ slices, flows

void Timeline::InputSent(Track& track, const proto::ManagerToTab& message) {
  const uint64_t sequence = message.input().sequence();
  auto lane_it = track.lanes.find(int(message.view_id()));
  if (lane_it == track.lanes.end()) return;
  Lane& lane = lane_it->second;
  const int64_t ts = Now();
  json::object slice = te::Complete("input " + std::to_string(sequence), "input",
                                    manager_pid_, kInputTid, ts, 1);
  slice["args"] = json::object{{"sequence", sequence},
                               {"tab", lane.tab_id},
                               {"pid", track.pid}};
  Emit(std::move(slice));
  if (lane.inputs.size() >= kMaxPendingInputs) {
    // Bounded: the oldest input is given up on (its flow still ends).
    const uint64_t oldest = lane.inputs.front().sequence;
    const int64_t at = Now();
    Emit(te::Complete("input not followed", "input", track.pid, lane.tid, at, 1));
    FinishInputs(track, lane, oldest, lane.tid, at);
  }
  const uint64_t flow = next_flow_++;
  json::object start = te::Flow("s", "input", "input", flow, manager_pid_,
                                kInputTid, ts);
  start["args"] = json::object{{"sequence", sequence}};
  Emit(std::move(start));
  lane.inputs.push_back(PendingInput{sequence, flow, false});
}

void Timeline::BeginFrameSent(Track& track, Lane& lane,
                              const proto::BeginFrame& begin) {
  if (lane.begin_frame != 0) EndBeginFrame(track, lane, "no answer seen");
  json::object slice = te::Event("B", "BeginFrame", "frame", track.pid,
                                 lane.frames_tid, Now());
  slice["args"] = json::object{{"sequence", begin.sequence()},
                               {"frame_time_us", begin.frame_time_us()},
                               {"interval_us", begin.interval_us()}};
  Emit(std::move(slice));
  lane.begin_frame = begin.sequence();
}

void Timeline::EndBeginFrame(Track& track, Lane& lane, std::string_view result) {
  json::object end = te::Event("E", "BeginFrame", "frame", track.pid,
                               lane.frames_tid, Now());
  end["args"] = json::object{{"result", result}};
  Emit(std::move(end));
  lane.begin_frame = 0;
}

void Timeline::FinishInputs(Track& track, Lane& lane, uint64_t sequence,
                            int64_t tid, int64_t ts) {
  while (!lane.inputs.empty() && lane.inputs.front().sequence <= sequence) {
    const PendingInput input = lane.inputs.front();
    lane.inputs.pop_front();
    json::object end = te::Flow("f", "input", "input", input.flow, track.pid,
                                tid, ts);
    end["args"] = json::object{{"sequence", input.sequence}};
    Emit(std::move(end));
  }
}

void Timeline::CloseLane(Track& track, Lane& lane, std::string_view why) {
  if (lane.begin_frame != 0) EndBeginFrame(track, lane, why);
  if (lane.inputs.empty()) return;
  const int64_t ts = Now();
  json::object slice = te::Complete("inputs not shown", "input", track.pid,
                                    lane.tid, ts, 1);
  slice["args"] = json::object{{"why", why}};
  Emit(std::move(slice));
  FinishInputs(track, lane, lane.inputs.back().sequence, lane.tid, ts);
}

// ------------------------------------------------------------ counters

void Timeline::ArmSampler() {
  sampler_.expires_after(kSampleInterval);
  sampler_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                          const boost::system::error_code& error) {
    if (error || alive.expired() || stopped_) return;
    Sample();
    if (!stopped_) ArmSampler();
  });
}

void Timeline::Sample() {
  const Clock::time_point now = Clock::now();
  const double seconds =
      std::max(1e-3, std::chrono::duration<double>(now - last_sample_).count());
  last_sample_ = now;
  const bool memory = ++samples_ % kMemoryEvery == 0;
  const int64_t ts = te::Micros(now);
  uint64_t frames = 0, sent = 0, received = 0;
  for (auto& [process, track] : tracks_) {
    frames += track.frames;
    sent += track.sent;
    received += track.received;
    Emit(te::Counter("frames/s", track.pid, ts,
                     {{"frames/s", JsonNumber(double(track.frames) / seconds, 1)}}));
    Emit(te::Counter("messages/s", track.pid, ts,
                     {{"sent", JsonNumber(double(track.sent) / seconds, 1)},
                      {"received", JsonNumber(double(track.received) / seconds, 1)}}));
    Emit(te::Counter("bytes queued", track.pid, ts,
                     {{"to tab", process->QueuedBytes(Direction::kToTab)},
                      {"from tab", process->QueuedBytes(Direction::kFromTab)}}));
    if (memory) {
      auto bytes = ReadProcessMemory(pid_t(track.pid));
      if (bytes.ok())
        Emit(te::Counter("memory", track.pid, ts,
                         {{"MiB", JsonNumber(double(*bytes) / (1 << 20), 2)}}));
    }
    track.frames = track.sent = track.received = 0;
    if (stopped_) return;
  }
  Emit(te::Counter("frames/s", manager_pid_, ts,
                   {{"all tabs", JsonNumber(double(frames) / seconds, 1)}}));
  Emit(te::Counter("messages/s", manager_pid_, ts,
                   {{"sent", JsonNumber(double(sent) / seconds, 1)},
                    {"received", JsonNumber(double(received) / seconds, 1)}}));
  const PressureVerdict& pressure = host_.pressure();
  const int level = int(pressure.level);
  Emit(te::Counter("memory pressure", manager_pid_, ts, {{"level", level}}));
  if (level != pressure_level_) {
    pressure_level_ = level;
    Instant(manager_pid_, manager_pid_,
            std::string("memory pressure: ") + ToString(pressure.level),
            {{"level", level}, {"reason", pressure.reason}});
  }
  file_.Flush();  // the file grows while the run goes on
}

}  // namespace tabsim
