#include "manager/control/ctl_output.h"

#include <cstdio>

#include "manager/base/units.h"

namespace tabsim {
namespace {

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string Rate(double per_second, bool bytes) {
  if (!bytes) return Fixed(per_second, 1);
  return FormatBytes(uint64_t(per_second)) + "/s";
}

void PrintDirection(const char* name, const records::DirectionStats& d) {
  std::printf("  %-8s %8s msg/s %10s  total %llu msgs, %s  queued %s, socket %s\n",
              name, Rate(d.messages_per_second(), false).c_str(),
              Rate(d.bytes_per_second(), true).c_str(),
              (unsigned long long)d.messages(), FormatBytes(d.bytes()).c_str(),
              FormatBytes(d.queued_bytes()).c_str(),
              FormatBytes(d.socket_bytes()).c_str());
  std::string types;
  for (const records::TypeCount& t : d.types())
    types += (types.empty() ? "" : " ") + t.type() + "=" + std::to_string(t.count());
  if (!types.empty()) std::printf("           %s\n", types.c_str());
}

std::string JoinPids(const google::protobuf::RepeatedField<int32_t>& pids) {
  std::string out;
  for (int32_t pid : pids) out += (out.empty() ? "" : ", ") + std::to_string(pid);
  return out;
}

}  // namespace

void PrintTable(const records::TabList& list) {
  std::printf("%4s %4s %8s  %-20s %-12s %-8s %6s %8s %7s %7s %6s %5s %9s %3s %4s %4s  %s\n",
              "id", "proc", "pid", "page", "state", "view", "cpu%", "memory",
              "in/s", "out/s", "fps", "miss", "latency", "ni", "oom", "rst",
              "cause");
  for (const records::TabInfo& tab : list.tabs()) {
    bool running = tab.cause().empty();
    std::string page = tab.url().size() > 20 ? tab.url().substr(0, 19) + "~"
                                             : tab.url();
    std::string view = tab.visibility().empty() ? "-" : tab.visibility();
    if (tab.pinned() && running) view += "*";
    std::printf(
        "%4u %4u %8d  %-20s %-12s %-8s %6s %8s %7s %7s %6s %5s %9s %3s %4s %4u  %s\n",
        tab.id(), tab.process_id(), tab.pid(), page.c_str(),
        tab.state().c_str(), view.c_str(),
        running && tab.has_cpu_percent() ? Fixed(tab.cpu_percent(), 1).c_str() : "-",
        running && tab.rss_bytes() ? FormatBytes(tab.rss_bytes()).c_str() : "-",
        running ? Fixed(tab.messages_in_per_second(), 0).c_str() : "-",
        running ? Fixed(tab.messages_out_per_second(), 0).c_str() : "-",
        running ? Fixed(tab.frames_per_second(), 1).c_str() : "-",
        tab.paced() ? std::to_string(tab.begin_frames_missed()).c_str() : "-",
        tab.input_latency_ms() > 0
            ? (Fixed(tab.input_latency_ms(), 1) + " ms").c_str()
            : "-",
        tab.has_nice() ? std::to_string(tab.nice()).c_str() : "-",
        tab.has_oom_score_adj() ? std::to_string(tab.oom_score_adj()).c_str() : "-",
        tab.restarts(), tab.cause().empty() ? "-" : tab.cause().c_str());
  }
}

void PrintFaults(const records::ChannelStats& c) {
  if (c.faults_size() == 0) {
    std::printf("tab %u: no faults\n", c.tab_id());
    return;
  }
  for (const records::Fault& f : c.faults()) {
    std::printf("tab %u: fault %s%s%s%s%s, %s, injected %llu\n", c.tab_id(),
                f.kind().c_str(), f.direction().empty() ? "" : " ",
                f.direction().c_str(),
                f.rate() < 1 ? (" rate " + Fixed(f.rate(), 2)).c_str() : "",
                f.delay_ms() ? (" " + std::to_string(f.delay_ms()) + " ms").c_str()
                             : "",
                f.active() ? "active" : "cleared",
                (unsigned long long)f.injected());
  }
}

void PrintChannel(const records::ChannelStats& c) {
  std::printf("\ntab %u channel (%s)\n", c.tab_id(), c.state().c_str());
  PrintDirection("to-tab", c.to_tab());
  PrintDirection("from-tab", c.from_tab());
  std::printf("  frames   %llu accepted, %llu released, %u withheld; %llu moves coalesced\n",
              (unsigned long long)c.frames_accepted(),
              (unsigned long long)c.frames_released(), c.buffers_withheld(),
              (unsigned long long)c.coalesced_moves());
  const records::LatencyHistogram& h = c.input_to_frame();
  if (h.count() == 0) {
    std::printf("  input->frame latency: no input shown yet\n");
  } else {
    std::printf("  input->frame latency: %llu inputs, p50 <= %s ms, p99 <= %s ms, max %s ms\n",
                (unsigned long long)h.count(), Fixed(h.p50_ms(), 1).c_str(),
                Fixed(h.p99_ms(), 1).c_str(), Fixed(h.max_ms(), 1).c_str());
    std::string buckets;
    for (int i = 0; i < h.counts_size(); ++i) {
      if (h.counts(i) == 0) continue;
      std::string bound = h.upper_ms(i) > 0
                              ? "<" + Fixed(h.upper_ms(i), 0)
                              : ">=" + Fixed(h.upper_ms(i - 1), 0);
      buckets += (buckets.empty() ? "" : " ") + bound + "ms:" +
                 std::to_string(h.counts(i));
    }
    std::printf("           %s\n", buckets.c_str());
  }
  for (const records::Fault& f : c.faults()) {
    std::printf("  fault    %s%s%s, %s, injected %llu\n", f.kind().c_str(),
                f.direction().empty() ? "" : " ", f.direction().c_str(),
                f.active() ? "active" : "cleared",
                (unsigned long long)f.injected());
  }
}

std::string DescribeMemory(const records::ManagerStats& s) {
  std::string text = "memory pressure: " + s.memory_pressure();
  if (!s.memory_pressure_reason().empty())
    text += " (" + s.memory_pressure_reason() + ")";
  if (s.memory_pressure() != "off") {
    text += "; tabs " + FormatBytes(s.tabs_memory_bytes());
    if (s.has_memory_budget_bytes())
      text += " of a " + FormatBytes(s.memory_budget_bytes()) + " budget";
  }
  text += "; " + std::to_string(s.discards()) + " discard" +
          (s.discards() == 1 ? "" : "s");
  return text;
}

void PrintDiscards(const records::DiscardList& list) {
  std::printf("%s\n", DescribeMemory(list.manager()).c_str());
  std::printf("%5s %4s %8s %5s  %-20s %-10s %8s  %s\n", "order", "id", "pid",
              "proc", "page", "state", "memory", "why");
  int order = 0;
  for (const records::DiscardInfo& d : list.tabs()) {
    std::string page = d.url().size() > 20 ? d.url().substr(0, 19) + "~" : d.url();
    std::printf("%5s %4u %8d %5u  %-20s %-10s %8s  %s%s\n",
                d.discardable() ? std::to_string(++order).c_str() : "-",
                d.tab_id(), d.pid(), d.process_id(), page.c_str(),
                d.state().c_str(),
                d.memory_bytes() ? FormatBytes(d.memory_bytes()).c_str() : "-",
                d.discardable() ? "may go: " : "kept: ", d.reason().c_str());
  }
}

void PrintStats(const records::ManagerStats& s) {
  std::printf("manager pid %d, up %.1f s, %u threads\n", s.pid(),
              s.uptime_seconds(), s.threads());
  std::printf("tabs: %u (%u running, %u crashed)\n", s.tabs(), s.running(),
              s.crashed());
  std::printf("cpu %.1f%%, memory %s, frames %llu\n", s.cpu_percent(),
              FormatBytes(s.rss_bytes()).c_str(),
              (unsigned long long)s.frames());
  std::printf("control: %s, %u client%s\n", s.control_path().c_str(),
              s.control_clients(), s.control_clients() == 1 ? "" : "s");
  std::printf("%s\n", DescribeMemory(s).c_str());
  if (s.spares() > 0 || s.spares_taken() > 0)
    std::printf("spares: %u (%u ready; pids %s), %llu opens took one\n",
                s.spares(), s.spares_ready(), JoinPids(s.spare_pids()).c_str(),
                (unsigned long long)s.spares_taken());
  for (const records::ChannelStats& channel : s.channels())
    PrintChannel(channel);
}

}  // namespace tabsim
