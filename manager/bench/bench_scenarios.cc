#include "manager/bench/bench_scenarios.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <utility>

#include "common/protocol.h"
#include "manager/bench/bench_floor.h"
#include "manager/bench/bench_stats.h"
#include "manager/bench/bench_tabs.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;

// Events in flight over all tabs, split between them (what a user's input
// is: a fixed amount, whatever the number of tabs); each tab gets at least
// kMinWindow. Large enough to cover a tab's read batch (up to 1 MiB, ~80k
// events) and an ack round trip.
constexpr uint64_t kTotalWindow = 192 * 1024;
constexpr uint64_t kMinWindow = 32;
// The deep point (kInputDeepWindow a tab) exists so that each tab's round
// (a wake-up, a read, an ack) carries as many events as a few tabs' rounds
// do: it shows what the manager's loop costs per event apart from the
// per-round wake-ups. Only up to kDeepMaxTabs tabs (4,096 tabs: 8 M events,
// about 160 MB in the kernel's socket buffers). Its figure is taken only
// once every tab has finished a full round (MeasureInput): a fixed 0.3 s
// warm-up measured the first rounds' queueing instead.
constexpr int kDeepMaxTabs = 4096;

uint64_t SplitWindow(int tab_count) {
  return std::max<uint64_t>(kMinWindow, kTotalWindow / uint64_t(tab_count));
}

// The frames scenario measures at least this many frames per point.
constexpr uint64_t kMinFramesMeasured = 4;
// The longest the fairness scenario waits for a healthy tab's first ack.
constexpr double kFairnessMaxSeconds = 10;

// A wheel event: like a mouse move in size, but never coalesced under
// backpressure (TabSession drops superseded moves), so every event sent is
// an event the tab must decode and apply.
proto::InputEvent SampleEvent() {
  proto::InputEvent event;
  auto* wheel = event.mutable_wheel();
  wheel->set_x(123);
  wheel->set_y(45);
  wheel->set_delta_y(-3);
  return event;
}

// Throughput figures are unpaced: tabs draw (and acknowledge) as fast as
// they can, not at a display rate (bench_governance.cc measures pacing).
TabHost::Options HostOptions(const std::string& tab_exe, int width,
                             int height, bool frames_over_socket = false) {
  TabHost::Options options = BenchHostOptions(tab_exe, width, height, 0);
  options.frames_over_socket = frames_over_socket;
  return options;
}

bool AllLive(BenchTabs& tabs, const std::vector<int>& ids) {
  for (int id : ids) {
    TabSession* tab = tabs.Find(id);
    if (tab == nullptr || tab->state() != TabState::kLive) return false;
  }
  return true;
}

// Opens `count` tabs and waits until all are live; the error says why not.
Result<std::vector<int>> OpenTabs(BenchTabs& tabs, const std::string& url,
                                  int count) {
  std::vector<int> ids;
  if (Status opened = tabs.OpenMany(url, count, &ids); !opened.ok())
    return opened.error();
  // 60 s, and 20 ms more per tab past the first thousand.
  const auto timeout = milliseconds(60000 + 20 * std::max(0, count - 1000));
  if (!tabs.RunUntil([&] { return AllLive(tabs, ids); }, timeout))
    return Error{"tabs did not become live within " +
                     std::to_string(timeout.count() / 1000) + " s",
                 ETIMEDOUT};
  return ids;
}

// Keeps `window` events in flight to every tab in `ids`.
class InputPump {
 public:
  InputPump(BenchTabs& tabs, uint64_t window)
      : tabs_(tabs), window_(window), event_(SampleEvent()) {}
  void set_window(uint64_t window) { window_ = window; }
  uint64_t window() const { return window_; }
  void Fill(TabSession& tab) {
    const TabCounters c = tab.counters();
    uint64_t in_flight = c.inputs_sent - c.last_input_acked;
    if (in_flight > window_ / 2) return;
    // SendInput refuses (EAGAIN) past the session's queue limit.
    for (uint64_t i = in_flight; i < window_; ++i)
      if (!tab.SendInput(event_).ok()) return;
  }
  void Start(const std::vector<int>& ids) {
    for (int id : ids) Fill(*tabs_.Find(id));
  }

 private:
  BenchTabs& tabs_;
  uint64_t window_;
  proto::InputEvent event_;
};

uint64_t TotalAcked(BenchTabs& tabs, const std::vector<int>& ids) {
  uint64_t total = 0;
  for (int id : ids) total += tabs.Find(id)->counters().last_input_acked;
  return total;
}

}  // namespace

bool InputDeepPointMeasured(int tab_count) {
  return tab_count <= kDeepMaxTabs && SplitWindow(tab_count) < kInputDeepWindow;
}

namespace {

// One measured point of the input scenario.
struct InputPoint {
  uint64_t delivered = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // the manager's (this process's) CPU
};

// Keeps `pump`'s window in flight to every tab of `ids`, lets every tab
// finish a full window's round first (steady state: each tab has had
// `pump.window()` events acknowledged since the call), then measures for
// `seconds`. The error says what went wrong.
Result<InputPoint> MeasureInput(BenchTabs& tabs, const std::vector<int>& ids,
                                InputPump& pump, double seconds) {
  std::unordered_map<int, uint64_t> needed;  // tab id -> ack to reach
  needed.reserve(ids.size());
  for (int id : ids)
    needed[id] = tabs.Find(id)->counters().last_input_acked + pump.window();
  uint64_t acks = 0;  // ack messages: cheaper to test than TotalAcked
  tabs.on_ack = [&](TabSession& tab, uint64_t) {
    ++acks;
    if (auto it = needed.find(tab.id());
        it != needed.end() &&
        tab.counters().last_input_acked >= it->second)
      needed.erase(it);
    pump.Fill(tab);
  };
  pump.Start(ids);
  // Both windows also wait for acks (a slow build or a busy machine may
  // need longer than a --quick window for the first round trip).
  const double warmup = std::min(0.3, seconds / 2);
  auto start = BenchClock::now();
  const auto timeout = milliseconds(60000 + 20 * int(ids.size()));
  if (!tabs.RunUntil(
          [&] {
            return needed.empty() && SecondsSince(start) >= warmup;
          },
          timeout)) {
    tabs.on_ack = nullptr;
    return Error{std::to_string(needed.size()) +
                     " tabs did not acknowledge a full window within " +
                     std::to_string(timeout.count() / 1000) + " s",
                 ETIMEDOUT};
  }
  const uint64_t acked0 = TotalAcked(tabs, ids);
  const uint64_t acks0 = acks;
  const double cpu0 = ProcessCpuSeconds();
  start = BenchClock::now();
  tabs.RunUntil([&] { return SecondsSince(start) >= seconds && acks > acks0; },
                milliseconds(60000));
  InputPoint point;
  point.seconds = SecondsSince(start);
  point.cpu_seconds = ProcessCpuSeconds() - cpu0;
  point.delivered = TotalAcked(tabs, ids) - acked0;
  tabs.on_ack = nullptr;
  if (!AllLive(tabs, ids)) return Error{"a tab died during the run", EPIPE};
  if (point.delivered == 0)
    return Error{"no input delivered within 60 s", ETIMEDOUT};
  return point;
}

// Adds a measured point's two figures, input.<kind>events_per_s.tabs=N
// and input.<kind>cpu_ns_per_event.tabs=N, labelled with `text`; returns
// {events/s, ns/event} for the plot.
std::pair<double, double> AddInputFigures(BenchReport* report,
                                          const std::string& kind, int count,
                                          const std::string& text,
                                          const InputPoint& point) {
  const std::string tabs = ".tabs=" + std::to_string(count);
  const double rate = double(point.delivered) / point.seconds;
  report->AddFigure({"input", "input." + kind + "events_per_s" + tabs,
                     "delivered input events, " + text, rate, "events/s",
                     "floor.batched_protobuf"});
  const double ns_per_event =
      std::max(point.cpu_seconds, 1e-6) / double(point.delivered) * 1e9;
  report->AddFigure({"input", "input." + kind + "cpu_ns_per_event" + tabs,
                     "manager CPU per event, " + text, ns_per_event,
                     "ns/event", ""});
  return {rate, ns_per_event};
}

}  // namespace

void RunInputScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report) {
  BenchSeries series{"tabsim events/s", {}};
  BenchSeries cost{"manager CPU ns/event", {}};
  BenchSeries deep_series{"tabsim events/s, " +
                              std::to_string(kInputDeepWindow) +
                              " events a tab in flight",
                          {}};
  BenchSeries deep_cost{"manager CPU ns/event, " +
                            std::to_string(kInputDeepWindow) +
                            " events a tab in flight",
                        {}};
  for (int count : options.tab_counts) {
    std::fprintf(stderr, "bench: input: %d tab%s\n", count,
                 count == 1 ? "" : "s");
    const std::string key = "input.events_per_s.tabs=" + std::to_string(count);
    BenchTabs tabs(HostOptions(tab_exe, 64, 64));
    auto ids = OpenTabs(tabs, "sim://blank", count);
    if (!ids.ok()) {
      report->AddUnavailable("input", key, ids.error().message);
      continue;
    }
    const std::string tabs_text =
        std::to_string(count) + " tab" + (count == 1 ? "" : "s");
    InputPump pump(tabs, SplitWindow(count));
    auto point = MeasureInput(tabs, *ids, pump, options.seconds);
    if (!point.ok()) {
      report->AddUnavailable("input", key, point.error().message);
      continue;
    }
    auto [rate, ns_per_event] =
        AddInputFigures(report, "", count, tabs_text, *point);
    series.points.push_back({double(count), rate});
    cost.points.push_back({double(count), ns_per_event});

    // The same tabs again, with every tab's round as deep as a few tabs'.
    if (!InputDeepPointMeasured(count)) continue;
    std::fprintf(stderr, "bench: input: %d tabs, %llu events a tab in flight\n",
                 count, static_cast<unsigned long long>(kInputDeepWindow));
    pump.set_window(kInputDeepWindow);
    auto deep = MeasureInput(tabs, *ids, pump, options.seconds);
    if (!deep.ok()) {
      report->AddUnavailable(
          "input", "input.deep.events_per_s.tabs=" + std::to_string(count),
          deep.error().message);
      continue;
    }
    auto [deep_rate, deep_ns] = AddInputFigures(
        report, "deep.", count,
        tabs_text + ", " + std::to_string(kInputDeepWindow) + " a tab in flight",
        *deep);
    deep_series.points.push_back({double(count), deep_rate});
    deep_cost.points.push_back({double(count), deep_ns});
  }
  report->AddSeries("throughput", std::move(series));
  report->AddSeries("cost", std::move(cost));
  if (!deep_cost.points.empty()) {
    report->AddSeries("throughput", std::move(deep_series));
    report->AddSeries("cost", std::move(deep_cost));
  }
}

void RunFairnessScenario(const BenchOptions& options,
                         const std::string& tab_exe, BenchReport* report) {
  for (bool flood : {false, true}) {
    const std::string key = flood ? "fairness.beside_flood" : "fairness.alone";
    std::fprintf(stderr, "bench: fairness: healthy tab %s\n",
                 flood ? "beside sim://flood" : "alone");
    BenchTabs tabs(HostOptions(tab_exe, 64, 64));
    auto healthy = OpenTabs(tabs, "sim://blank", 1);
    if (!healthy.ok()) {
      report->AddUnavailable("fairness", key, healthy.error().message);
      continue;
    }
    std::vector<int> flooders;
    if (flood) {
      auto opened = OpenTabs(tabs, "sim://flood", 1);
      if (!opened.ok()) {
        report->AddUnavailable("fairness", key, opened.error().message);
        continue;
      }
      flooders = *opened;
    }
    InputPump pump(tabs, kTotalWindow);
    tabs.on_ack = [&](TabSession& tab, uint64_t) {
      if (tab.id() == healthy->front()) pump.Fill(tab);
    };
    pump.Start(*healthy);
    auto start = BenchClock::now();
    tabs.RunUntil([&] { return SecondsSince(start) >= 0.3; }, milliseconds(60000));
    uint64_t acked0 = TotalAcked(tabs, *healthy);
    uint64_t flood0 = flood ? tabs.Find(flooders[0])->counters().messages_in : 0;
    start = BenchClock::now();
    // At least one ack in the window, however slow the machine (a --quick
    // window under a sanitizer on a loaded machine can see none), up to
    // kFairnessMaxSeconds; a lost tab ends it at once.
    tabs.RunUntil(
        [&] {
          return !AllLive(tabs, *healthy) ||
                 (SecondsSince(start) >= options.seconds &&
                  TotalAcked(tabs, *healthy) > acked0);
        },
        milliseconds(int64_t(std::max(options.seconds, kFairnessMaxSeconds) * 1000)));
    double elapsed = SecondsSince(start);
    uint64_t delivered = TotalAcked(tabs, *healthy) - acked0;
    tabs.on_ack = nullptr;
    if (!AllLive(tabs, *healthy)) {
      // Not live: gone (with its cause) or, still there, unresponsive.
      const TabSession* tab = tabs.Find(healthy->front());
      std::string state = tab ? ToString(tab->state()) : "gone";
      if (tab && !tab->cause().empty()) state += ": " + tab->cause();
      report->AddUnavailable("fairness", key,
                             "the healthy tab stopped being live during the run (" +
                                 state + ")");
      continue;
    }
    if (delivered == 0) {
      report->AddUnavailable("fairness", key,
                             "no input delivered to the healthy tab within " +
                                 std::to_string(int(elapsed)) + " s");
      continue;
    }
    report->AddFigure({"fairness", key,
                       flood ? "healthy tab's input beside sim://flood"
                             : "healthy tab's input alone",
                       double(delivered) / elapsed, "events/s", ""});
    if (flood) {
      uint64_t flooded = tabs.Find(flooders[0])->counters().messages_in - flood0;
      report->AddFigure({"fairness", "fairness.flood_messages_per_s",
                         "messages/s the manager took from sim://flood",
                         double(flooded) / elapsed, "msg/s", ""});
    }
  }
}

void RunLatencyScenario(const BenchOptions& options,
                        const std::string& tab_exe, BenchReport* report) {
  for (bool busy : {false, true}) {
    const std::string mode = busy ? "busy" : "idle";
    std::fprintf(stderr, "bench: latency: %s\n", mode.c_str());
    const std::string key = "latency." + mode + ".p50";
    BenchTabs tabs(HostOptions(tab_exe, 64, 64));
    auto probe_ids = OpenTabs(tabs, "sim://blank", 1);
    // Busy: the same loop also serves four tabs flooded with input.
    auto background = OpenTabs(tabs, "sim://blank", busy ? 4 : 0);
    if (!probe_ids.ok() || !background.ok()) {
      report->AddUnavailable(
          "latency", key,
          (!probe_ids.ok() ? probe_ids.error() : background.error()).message);
      continue;
    }
    const int probe = probe_ids->front();
    InputPump pump(tabs, 16 * 1024);
    const int warmup = 200;
    const int total = warmup + options.latency_samples;
    std::vector<double> samples;
    samples.reserve(size_t(total));
    BenchClock::time_point sent_at;
    uint64_t waiting_for = 0;
    proto::InputEvent event = SampleEvent();
    auto send_probe = [&](TabSession& tab) {
      sent_at = BenchClock::now();
      if (tab.SendInput(event).ok()) waiting_for = tab.counters().inputs_sent;
    };
    tabs.on_ack = [&](TabSession& tab, uint64_t sequence) {
      if (tab.id() != probe) {
        pump.Fill(tab);
        return;
      }
      if (sequence < waiting_for) return;
      samples.push_back(SecondsSince(sent_at));
      if (int(samples.size()) < total) send_probe(tab);
    };
    pump.Start(*background);
    send_probe(*tabs.Find(probe));
    bool done = tabs.RunUntil([&] { return int(samples.size()) >= total; },
                              milliseconds(300000));
    tabs.on_ack = nullptr;
    if (!done) {
      report->AddUnavailable("latency", key,
                             "the probe tab stopped acknowledging");
      continue;
    }
    samples.erase(samples.begin(), samples.begin() + warmup);
    BenchSeries cdf{mode, {}};
    std::vector<double> sorted = samples;
    LatencySummary s = Summarize(&sorted);
    // A CDF for the plot, thinned to at most ~400 points.
    size_t step = std::max<size_t>(1, sorted.size() / 400);
    for (size_t i = 0; i < sorted.size(); i += step)
      cdf.points.push_back(
          {sorted[i] * 1e6, double(i + 1) / double(sorted.size())});
    cdf.points.push_back({sorted.back() * 1e6, 1.0});
    report->AddSeries("latency", std::move(cdf));
    std::string label = "input->ack " + mode;
    report->AddFigure({"latency", key, label + " p50", s.p50 * 1e6, "us",
                       "floor.pingpong_rtt_p50"});
    report->AddFigure({"latency", "latency." + mode + ".p99", label + " p99",
                       s.p99 * 1e6, "us", "floor.pingpong_rtt_p99"});
    report->AddFigure({"latency", "latency." + mode + ".p999",
                       label + " p99.9", s.p999 * 1e6, "us", ""});
  }
}

void RunFramesScenario(const BenchOptions& options, const std::string& tab_exe,
                       const std::vector<std::pair<int, int>>& sizes,
                       BenchReport* report) {
  for (auto [width, height] : sizes) {
    const std::string name = FrameSizeName(width, height);
    for (bool over_socket : {false, true}) {
      const std::string path = over_socket ? "socket" : "memfd";
      const std::string key = "frames." + path + ".fps." + name;
      std::fprintf(stderr, "bench: frames: %s via %s\n", name.c_str(),
                   path.c_str());
      BenchTabs tabs(HostOptions(tab_exe, width, height, over_socket));
      auto ids = OpenTabs(tabs, options.frames_page, 1);
      if (!ids.ok()) {
        report->AddUnavailable("frames", key, ids.error().message);
        continue;
      }
      uint64_t frames = 0;
      uint64_t checksum = 0;
      tabs.on_frame = [&](TabSession&, const FrameView& frame) {
        // The manager makes the whole frame available (validated, mapped,
        // held), as a compositor gets it; it does not read every pixel, on
        // either path. Over the socket every byte has already been copied
        // out by then; through memfd none has. The first and last pixel
        // prove the frame is there.
        checksum += frame.pixels[0] +
                    frame.pixels[size_t(frame.width) * frame.height - 1];
        ++frames;
      };
      const double warmup = std::min(0.2, options.seconds / 2);
      auto start = BenchClock::now();
      tabs.RunUntil([&] { return SecondsSince(start) >= warmup; },
                    milliseconds(60000));
      uint64_t frames0 = frames;
      double cpu0 = ProcessCpuSeconds();
      start = BenchClock::now();
      // At least a few frames, however slow the path (a 4K frame through
      // the socket can take longer than a --quick window).
      tabs.RunUntil(
          [&] {
            return SecondsSince(start) >= options.seconds &&
                   frames - frames0 >= kMinFramesMeasured;
          },
          milliseconds(60000));
      double elapsed = SecondsSince(start);
      uint64_t delivered = frames - frames0;
      double cpu = ProcessCpuSeconds() - cpu0;
      tabs.on_frame = nullptr;
      if (delivered == 0 || checksum == 0) {
        report->AddUnavailable(
            "frames", key,
            "no frames delivered (does " + options.frames_page +
                " render continuously?)");
        continue;
      }
      double fps = double(delivered) / elapsed;
      std::string label = name + " frames via " + path;
      // The socket path against the same bytes moved by a plain program
      // (floor.socket_frame); memfd against one memcpy of the frame.
      report->AddFigure({"frames", key, label, fps, "frames/s",
                         (over_socket ? "floor.socket_frame." : "floor.memcpy.") +
                             name});
      report->AddFigure({"frames", "frames." + path + ".gbps." + name,
                         label + ", frame bytes made available",
                         fps * double(FrameBytes(width, height)) / 1e9,
                         "GB/s", over_socket ? "floor.memcpy_bandwidth" : ""});
      report->AddFigure({"frames", "frames." + path + ".cpu_us_per_frame." + name,
                         "manager CPU per frame, " + label,
                         std::max(cpu, 1e-6) / double(delivered) * 1e6,
                         "us/frame", ""});
    }
  }
}

void RunLifecycleScenario(const BenchOptions& options,
                          const std::string& tab_exe, BenchReport* report) {
  std::fprintf(stderr, "bench: lifecycle: %d spawns and kills\n",
               options.lifecycle_samples);
  BenchTabs tabs(HostOptions(tab_exe, 480, 320));
  std::vector<double> spawn;
  std::vector<double> kill;
  int current = -1;
  bool framed = false;
  bool lost = false;
  BenchClock::time_point start;
  tabs.on_frame = [&](TabSession& tab, const FrameView&) {
    if (tab.id() == current && !framed) {
      spawn.push_back(SecondsSince(start));
      framed = true;
    }
  };
  tabs.on_lost = [&](TabSession& tab) {
    if (tab.id() == current && !lost) {
      kill.push_back(SecondsSince(start));
      lost = true;
    }
  };
  std::string failure;
  for (int i = 0; i < options.lifecycle_samples + 1 && failure.empty(); ++i) {
    framed = lost = false;
    start = BenchClock::now();
    auto tab = tabs.Open("sim://blank");
    if (!tab.ok()) {
      failure = tab.error().message;
      break;
    }
    current = (*tab)->id();
    if (!tabs.RunUntil([&] { return framed; }, milliseconds(10000))) {
      failure = "no first frame within 10 s";
      break;
    }
    start = BenchClock::now();
    Status killed = (*tab)->Kill(SIGKILL);
    if (!killed.ok()) {
      failure = killed.error().message;
      break;
    }
    if (!tabs.RunUntil([&] { return lost; }, milliseconds(10000))) {
      failure = "the kill was not noticed within 10 s";
      break;
    }
    if (i == 0) {  // the first spawn warms the page cache; not a sample
      spawn.clear();
      kill.clear();
    }
  }
  if (!failure.empty() || spawn.empty() || kill.empty()) {
    report->AddUnavailable("lifecycle", "lifecycle.spawn_first_frame.p50",
                           failure.empty() ? "no samples" : failure);
    return;
  }
  LatencySummary s = Summarize(&spawn);
  LatencySummary k = Summarize(&kill);
  report->AddFigure({"lifecycle", "lifecycle.spawn_first_frame.p50",
                     "spawn to first frame p50", s.p50 * 1e3, "ms", ""});
  report->AddFigure({"lifecycle", "lifecycle.spawn_first_frame.p99",
                     "spawn to first frame p99", s.p99 * 1e3, "ms", ""});
  report->AddFigure({"lifecycle", "lifecycle.kill_noticed.p50",
                     "SIGKILL to manager noticing p50", k.p50 * 1e3, "ms",
                     ""});
  report->AddFigure({"lifecycle", "lifecycle.kill_noticed.p99",
                     "SIGKILL to manager noticing p99", k.p99 * 1e3, "ms",
                     ""});
}

void RunOpenScenario(const BenchOptions& options, const std::string& tab_exe,
                     BenchReport* report) {
  std::fprintf(stderr, "bench: open: %d opens, cold and from a spare\n",
               options.lifecycle_samples);
  for (bool prelaunch : {false, true}) {
    const std::string mode = prelaunch ? "prelaunch" : "cold";
    const std::string key = "open.first_frame." + mode;
    TabHost::Options host_options = HostOptions(tab_exe, 480, 320);
    host_options.prelaunch = prelaunch ? 1 : 0;
    BenchTabs tabs(host_options);
    tabs.host().StartSpares();
    std::vector<double> samples;
    int current = -1;
    bool framed = false;
    bool lost = false;
    BenchClock::time_point start;
    tabs.on_frame = [&](TabSession& tab, const FrameView& frame) {
      // The first frame of the page opened, not a spare's blank one.
      if (tab.id() == current && !framed &&
          frame.navigation_id == tab.navigation_id()) {
        samples.push_back(SecondsSince(start));
        framed = true;
      }
    };
    tabs.on_lost = [&](TabSession& tab) {
      if (tab.id() == current) lost = true;
    };
    std::string failure;
    uint64_t from_spares = 0;
    for (int i = 0; i < options.lifecycle_samples + 1 && failure.empty(); ++i) {
      // Steady state for prelaunch: a user opens tabs no faster than a
      // spare is replaced, so one is ready at each open.
      if (prelaunch && !tabs.RunUntil([&] {
            return tabs.host().ready_spare_count() >= 1;
          }, milliseconds(10000))) {
        failure = "no spare ready within 10 s";
        break;
      }
      framed = lost = false;
      const uint64_t taken_before = tabs.host().spares_taken();
      start = BenchClock::now();
      auto tab = tabs.Open("sim://paint");
      if (!tab.ok()) {
        failure = tab.error().message;
        break;
      }
      current = (*tab)->id();
      from_spares += tabs.host().spares_taken() - taken_before;
      if (!tabs.RunUntil([&] { return framed; }, milliseconds(10000))) {
        failure = "no first frame within 10 s";
        break;
      }
      // Kill it so processes do not pile up; the next open starts clean.
      Status killed = (*tab)->Kill(SIGKILL);
      if (!killed.ok() ||
          !tabs.RunUntil([&] { return lost; }, milliseconds(10000))) {
        failure = "could not end the tab";
        break;
      }
      if (i == 0) {  // warms the page cache; not a sample
        samples.clear();
        from_spares = 0;
      }
    }
    if (failure.empty() && prelaunch &&
        from_spares != uint64_t(samples.size()))
      failure = "only " + std::to_string(from_spares) + " of " +
                std::to_string(samples.size()) + " opens took a spare";
    if (!failure.empty() || samples.empty()) {
      report->AddUnavailable("open", key + ".p50",
                             failure.empty() ? "no samples" : failure);
      continue;
    }
    LatencySummary s = Summarize(&samples);
    const std::string label =
        prelaunch ? "open to first frame, prelaunched spare"
                  : "open to first frame, spawning";
    report->AddFigure({"open", key + ".p50", label + " p50", s.p50 * 1e3, "ms",
                       prelaunch ? "open.first_frame.cold.p50" : ""});
    report->AddFigure({"open", key + ".p99", label + " p99", s.p99 * 1e3, "ms",
                       prelaunch ? "open.first_frame.cold.p99" : ""});
  }
}

}  // namespace tabsim
