#include "manager/core/task_manager.h"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "manager/core/fault_injector.h"
#include "manager/core/process_host.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"

namespace tabsim {
namespace {

// Inputs remembered per tab; a page that never answers must not grow this.
constexpr size_t kMaxPendingInputs = 1024;

}  // namespace

TaskManager::TaskManager(TabHost& host)
    : host_(host), last_sample_(Clock::now()), started_(last_sample_) {}

void TaskManager::Sample(Clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - last_sample_).count();
  last_sample_ = now;
  // Tabs sharing a process (a process model) read its /proc/PID/stat once:
  // 10,000 tabs in 1,000 processes are 1,000 reads a sample, not 10,000.
  std::unordered_map<pid_t, std::optional<ProcessSample>> read;
  for (TabSession* tab : host_.tabs()) {
    PerTab& t = tabs_[tab->id()];
    const TabCounters c = tab->counters();
    if (t.counted_pid != tab->pid()) {
      // A new process (reload) starts its counters from zero.
      t.counted_pid = tab->pid();
      t.frames = t.messages_in = t.messages_out = 0;
    }
    t.rates.pid = tab->pid();
    if (tab->running()) tab->stats().Sample(now);
    if (tab->running() && elapsed > 0) {
      t.rates.frames_per_second = double(c.frames - t.frames) / elapsed;
      t.rates.messages_in_per_second =
          double(c.messages_in - t.messages_in) / elapsed;
      t.rates.messages_out_per_second =
          double(c.messages_out - t.messages_out) / elapsed;
      auto [at, fresh] = read.try_emplace(tab->pid());
      if (fresh)
        if (auto sampled = ReadProcessSample(tab->pid()); sampled.ok())
          at->second = *sampled;
      const std::optional<ProcessSample>& sample = at->second;
      if (sample) {
        t.rates.cpu_percent = t.cpu.Update(tab->pid(), *sample, now);
        t.rates.rss_bytes = sample->rss_bytes;
      }
    } else if (!tab->running()) {
      t.rates = TabRates{tab->pid()};
      t.rates.input_latency_ms = 0;
    }
    t.frames = c.frames;
    t.messages_in = c.messages_in;
    t.messages_out = c.messages_out;
  }
  // Records the host dropped (TabHost::Forget, max_finished_records).
  std::erase_if(tabs_, [this](const auto& entry) {
    return host_.Find(entry.first) == nullptr;
  });
  auto own = ReadProcessSample(::getpid());
  if (own.ok()) {
    own_sample_ = *own;
    double percent = own_cpu_.Update(::getpid(), *own, now);
    own_cpu_percent_ = percent < 0 ? 0 : percent;
  }
  ++generation_;
}

Status TaskManager::SendInput(TabSession& tab, proto::InputEvent event) {
  Status sent = tab.SendInput(std::move(event));
  if (!sent.ok()) return sent;
  PerTab& t = tabs_[tab.id()];
  if (t.sent.size() >= kMaxPendingInputs) t.sent.pop_front();
  t.sent.emplace_back(tab.counters().inputs_sent, Clock::now());
  return sent;
}

void TaskManager::OnFrame(const TabSession& tab, const FrameView& frame) {
  ++frames_total_;
  auto it = tabs_.find(tab.id());
  if (it == tabs_.end() || it->second.sent.empty()) return;
  // The latency of the newest input this frame shows.
  auto& sent = it->second.sent;
  std::optional<Clock::time_point> newest;
  while (!sent.empty() && sent.front().first <= frame.last_input_sequence) {
    newest = sent.front().second;
    sent.pop_front();
  }
  if (newest)
    it->second.rates.input_latency_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - *newest)
            .count();
}

void TaskManager::OnTabLost(const TabSession& tab) {
  auto it = tabs_.find(tab.id());
  if (it != tabs_.end()) it->second.sent.clear();
}

TaskManager::TabRates TaskManager::RatesOf(int id) const {
  auto it = tabs_.find(id);
  return it == tabs_.end() ? TabRates{} : it->second.rates;
}

std::string VisibilityOf(const TabHost& host, const TabSession& tab) {
  if (!tab.visible()) return "hidden";  // `ctl hide` works on it too
  return tab.id() == host.focused_id() ? "focused" : "shown";
}

std::vector<size_t> GroupedByProcess(const std::vector<int>& process_ids) {
  // Each row sorts under the position of its process's first row.
  std::map<int, size_t> first;
  std::vector<std::pair<size_t, size_t>> keyed;  // (group position, row)
  for (size_t i = 0; i < process_ids.size(); ++i) {
    const int process = process_ids[i];
    size_t group = i;
    if (process != 0) group = first.emplace(process, i).first->second;
    keyed.emplace_back(group, i);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<size_t> order;
  for (const auto& [group, row] : keyed) order.push_back(row);
  return order;
}

records::TabInfo TaskManager::Describe(const TabSession& tab) const {
  records::TabInfo info;
  info.set_id(static_cast<uint32_t>(tab.id()));
  info.set_pid(tab.pid());
  info.set_url(tab.url());
  info.set_title(tab.title());
  info.set_state(ToString(tab.state()));
  info.set_cause(tab.cause());
  info.set_restarts(static_cast<uint32_t>(tab.restarts()));
  const TabCounters& counters = tab.counters();
  info.set_frames(counters.frames);
  info.set_messages_in(counters.messages_in);
  info.set_messages_out(counters.messages_out);
  info.set_inputs_sent(counters.inputs_sent);
  info.set_last_input_acked(counters.last_input_acked);
  info.set_width(static_cast<uint32_t>(tab.width()));
  info.set_height(static_cast<uint32_t>(tab.height()));
  info.set_paced(tab.paced());
  info.set_begin_frames(counters.begin_frames);
  info.set_begin_frames_missed(counters.begin_frames_missed);
  info.set_did_not_produce(counters.did_not_produce);
  info.set_process_id(static_cast<uint32_t>(tab.process_id()));
  info.set_pinned(host_.pin_of(tab.id()) != TabHost::Pin::kNone);
  if (const ProcessHost* process = tab.process())
    info.set_containment(process->layers().Summary());
  if (tab.running()) {
    info.set_visibility(VisibilityOf(host_, tab));
    if (const ProcessHost* process = tab.process()) {
      info.set_process_tabs(static_cast<uint32_t>(process->views().size()));
      if (process->priority_known()) {
        info.set_nice(process->priority().nice);
        info.set_oom_score_adj(process->priority().oom_score_adj);
      }
    }
    TabRates rates = RatesOf(tab.id());
    if (rates.pid == tab.pid()) {
      if (rates.cpu_percent >= 0) info.set_cpu_percent(rates.cpu_percent);
      info.set_rss_bytes(rates.rss_bytes);
      info.set_messages_in_per_second(rates.messages_in_per_second);
      info.set_messages_out_per_second(rates.messages_out_per_second);
      info.set_frames_per_second(rates.frames_per_second);
      if (rates.input_latency_ms > 0)
        info.set_input_latency_ms(rates.input_latency_ms);
    }
  }
  return info;
}

records::TabList TaskManager::List() const {
  records::TabList list;
  for (TabSession* tab : host_.tabs()) *list.add_tabs() = Describe(*tab);
  return list;
}

records::ManagerStats TaskManager::ManagerStats() const {
  records::ManagerStats stats;
  stats.set_pid(::getpid());
  stats.set_uptime_seconds(
      std::chrono::duration<double>(Clock::now() - started_).count());
  uint32_t tabs = 0, running = 0, crashed = 0, discarded = 0;
  for (TabSession* tab : host_.tabs()) {
    ++tabs;
    if (tab->running()) ++running;
    if (tab->state() == TabState::kCrashed) ++crashed;
    if (tab->state() == TabState::kDiscarded) ++discarded;
  }
  stats.set_tabs(tabs);
  stats.set_running(running);
  stats.set_crashed(crashed);
  stats.set_cpu_percent(own_cpu_percent_);
  // Memory and threads are read now (cheap); CPU needs Sample()'s interval.
  auto own = ReadProcessSample(::getpid());
  const ProcessSample& sample = own.ok() ? *own : own_sample_;
  stats.set_rss_bytes(sample.rss_bytes);
  stats.set_threads(static_cast<uint32_t>(sample.threads));
  stats.set_frames(frames_total_);
  stats.set_spares(uint32_t(host_.spare_count()));
  stats.set_spares_ready(uint32_t(host_.ready_spare_count()));
  for (pid_t pid : host_.spare_pids()) stats.add_spare_pids(pid);
  stats.set_spares_taken(host_.spares_taken());
  const TabHost::Options& options = host_.options();
  stats.set_memory_pressure(options.memory_pressure
                                ? ToString(host_.pressure().level)
                                : "off");
  stats.set_memory_pressure_reason(host_.pressure().reason);
  stats.set_tabs_memory_bytes(host_.tabs_memory_bytes());
  if (options.memory_budget > 0)
    stats.set_memory_budget_bytes(options.memory_budget);
  stats.set_discards(host_.discards());
  stats.set_discarded(discarded);
  return stats;
}

records::DiscardList TaskManager::Discards() const {
  records::DiscardList list;
  for (const DiscardEntry& entry : host_.DiscardOrder()) {
    records::DiscardInfo* info = list.add_tabs();
    info->set_tab_id(uint32_t(entry.tab.tab_id));
    info->set_pid(entry.tab.pid);
    info->set_process_id(uint32_t(entry.tab.process_id));
    info->set_url(entry.tab.url);
    if (TabSession* tab = host_.Find(entry.tab.tab_id))
      info->set_state(ToString(tab->state()));
    info->set_discardable(entry.discardable);
    info->set_reason(entry.reason);
    info->set_memory_bytes(entry.tab.memory_bytes);
    info->set_is_protected(entry.tab.is_protected);
  }
  *list.mutable_manager() = ManagerStats();
  return list;
}

namespace {

void FillDirection(const TabSession& tab, Direction direction,
                   records::DirectionStats* out) {
  const ChannelStats::PerDirection& d = tab.stats().of(direction);
  out->set_messages(d.messages);
  out->set_bytes(d.bytes);
  out->set_messages_per_second(tab.running() ? d.messages_per_second : 0);
  out->set_bytes_per_second(tab.running() ? d.bytes_per_second : 0);
  out->set_queued_bytes(tab.QueuedBytes(direction));
  out->set_socket_bytes(tab.SocketBytes(direction));
  const auto* descriptor = direction == Direction::kToTab
                               ? proto::ManagerToTab::descriptor()
                               : proto::TabToManager::descriptor();
  for (int type = 0; type < ChannelStats::kTypeSlots; ++type) {
    if (d.by_type[size_t(type)] == 0) continue;
    const auto* field = descriptor->FindFieldByNumber(type);
    auto* count = out->add_types();
    count->set_type(type == 0 || field == nullptr ? "unparsable" : field->name());
    count->set_count(d.by_type[size_t(type)]);
  }
}

}  // namespace

records::ChannelStats TaskManager::DescribeChannel(const TabSession& tab) const {
  records::ChannelStats stats;
  stats.set_tab_id(uint32_t(tab.id()));
  stats.set_state(ToString(tab.state()));
  FillDirection(tab, Direction::kToTab, stats.mutable_to_tab());
  FillDirection(tab, Direction::kFromTab, stats.mutable_from_tab());
  const LatencyHistogram& latency = tab.stats().latency();
  auto* histogram = stats.mutable_input_to_frame();
  for (int b = 0; b < LatencyHistogram::kBuckets; ++b) {
    histogram->add_upper_ms(b == LatencyHistogram::kBuckets - 1
                                ? 0
                                : LatencyHistogram::UpperBoundMs(b));
    histogram->add_counts(latency.buckets()[size_t(b)]);
  }
  histogram->set_count(latency.count());
  histogram->set_max_ms(latency.max_ms());
  histogram->set_p50_ms(latency.PercentileMs(0.5));
  histogram->set_p99_ms(latency.PercentileMs(0.99));
  stats.set_frames_accepted(tab.counters().frames);
  stats.set_frames_released(tab.counters().releases_sent);
  stats.set_buffers_withheld(uint32_t(tab.withheld_releases()));
  stats.set_coalesced_moves(tab.counters().coalesced_moves);
  for (const FaultInjector::Status& status : tab.faults().Describe()) {
    auto* fault = stats.add_faults();
    fault->set_kind(ToString(status.spec.kind));
    if (status.spec.kind != FaultKind::kWithholdRelease &&
        status.spec.kind != FaultKind::kWithholdPong)
      fault->set_direction(ToString(status.spec.direction));
    fault->set_rate(status.spec.rate);
    fault->set_delay_ms(uint32_t(status.spec.delay.count()));
    fault->set_active(status.active);
    fault->set_injected(status.injected);
  }
  return stats;
}

}  // namespace tabsim
