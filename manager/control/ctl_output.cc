#include "manager/control/ctl_output.h"

#include <cstdio>

#include "manager/base/units.h"
#include "manager/commands/summary.h"

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

void PrintDirection(const char* name, const control::DirectionStats& d) {
  std::printf("  %-8s %8s msg/s %10s  total %llu msgs, %s  queued %s, socket %s\n",
              name, Rate(d.messages_per_second(), false).c_str(),
              Rate(d.bytes_per_second(), true).c_str(),
              (unsigned long long)d.messages(), FormatBytes(d.bytes()).c_str(),
              FormatBytes(d.queued_bytes()).c_str(),
              FormatBytes(d.socket_bytes()).c_str());
  std::string types;
  for (const control::TypeCount& t : d.types())
    types += (types.empty() ? "" : " ") + t.type() + "=" + std::to_string(t.count());
  if (!types.empty()) std::printf("           %s\n", types.c_str());
}

std::string TabJson(const control::TabInfo& tab) {
  return "{\"id\": " + std::to_string(tab.id()) +
         ", \"pid\": " + std::to_string(tab.pid()) +
         ", \"url\": " + JsonEscape(tab.url()) +
         ", \"title\": " + JsonEscape(tab.title()) +
         ", \"state\": " + JsonEscape(tab.state()) +
         ", \"cause\": " + JsonEscape(tab.cause()) +
         ", \"cpu_percent\": " + Fixed(tab.cpu_percent(), 2) +
         ", \"rss_bytes\": " + std::to_string(tab.rss_bytes()) +
         ", \"messages_in_per_second\": " + Fixed(tab.messages_in_per_second(), 2) +
         ", \"messages_out_per_second\": " + Fixed(tab.messages_out_per_second(), 2) +
         ", \"frames_per_second\": " + Fixed(tab.frames_per_second(), 2) +
         ", \"input_latency_ms\": " + Fixed(tab.input_latency_ms(), 3) +
         ", \"restarts\": " + std::to_string(tab.restarts()) +
         ", \"frames\": " + std::to_string(tab.frames()) +
         ", \"width\": " + std::to_string(tab.width()) +
         ", \"height\": " + std::to_string(tab.height()) + "}";
}

std::string DirectionJson(const control::DirectionStats& d) {
  std::string types;
  for (const control::TypeCount& t : d.types())
    types += (types.empty() ? "" : ", ") + JsonEscape(t.type()) + ": " +
             std::to_string(t.count());
  return "{\"messages\": " + std::to_string(d.messages()) +
         ", \"bytes\": " + std::to_string(d.bytes()) +
         ", \"messages_per_second\": " + Fixed(d.messages_per_second(), 2) +
         ", \"bytes_per_second\": " + Fixed(d.bytes_per_second(), 1) +
         ", \"queued_bytes\": " + std::to_string(d.queued_bytes()) +
         ", \"socket_bytes\": " + std::to_string(d.socket_bytes()) +
         ", \"types\": {" + types + "}}";
}

std::string ChannelJson(const control::ChannelStats& c) {
  const control::LatencyHistogram& h = c.input_to_frame();
  std::string buckets;
  for (int i = 0; i < h.counts_size(); ++i)
    buckets += std::string(i ? ", " : "") + "{\"upper_ms\": " +
               (h.upper_ms(i) > 0 ? Fixed(h.upper_ms(i), 0) : "null") +
               ", \"count\": " + std::to_string(h.counts(i)) + "}";
  std::string faults;
  for (const control::Fault& f : c.faults())
    faults += std::string(faults.empty() ? "" : ", ") + "{\"kind\": " +
              JsonEscape(f.kind()) + ", \"direction\": " +
              JsonEscape(f.direction()) + ", \"rate\": " + Fixed(f.rate(), 3) +
              ", \"delay_ms\": " + std::to_string(f.delay_ms()) +
              ", \"active\": " + (f.active() ? "true" : "false") +
              ", \"injected\": " + std::to_string(f.injected()) + "}";
  return "{\"tab_id\": " + std::to_string(c.tab_id()) +
         ", \"state\": " + JsonEscape(c.state()) +
         ", \"to_tab\": " + DirectionJson(c.to_tab()) +
         ", \"from_tab\": " + DirectionJson(c.from_tab()) +
         ", \"input_to_frame\": {\"count\": " + std::to_string(h.count()) +
         ", \"p50_ms\": " + Fixed(h.p50_ms(), 3) +
         ", \"p99_ms\": " + Fixed(h.p99_ms(), 3) +
         ", \"max_ms\": " + Fixed(h.max_ms(), 3) + ", \"buckets\": [" +
         buckets + "]}" +
         ", \"frames_accepted\": " + std::to_string(c.frames_accepted()) +
         ", \"frames_released\": " + std::to_string(c.frames_released()) +
         ", \"buffers_withheld\": " + std::to_string(c.buffers_withheld()) +
         ", \"coalesced_moves\": " + std::to_string(c.coalesced_moves()) +
         ", \"faults\": [" + faults + "]}";
}

std::string JoinPids(const google::protobuf::RepeatedField<int32_t>& pids) {
  std::string out;
  for (int32_t pid : pids) out += (out.empty() ? "" : ", ") + std::to_string(pid);
  return out;
}

}  // namespace

std::string StatsJson(const control::ManagerStats& s) {
  std::string channels;
  for (const control::ChannelStats& c : s.channels())
    channels += std::string(channels.empty() ? "\n  " : ",\n  ") + ChannelJson(c);
  return "{\"pid\": " + std::to_string(s.pid()) +
         ", \"uptime_seconds\": " + Fixed(s.uptime_seconds(), 3) +
         ", \"tabs\": " + std::to_string(s.tabs()) +
         ", \"running\": " + std::to_string(s.running()) +
         ", \"crashed\": " + std::to_string(s.crashed()) +
         ", \"cpu_percent\": " + Fixed(s.cpu_percent(), 2) +
         ", \"rss_bytes\": " + std::to_string(s.rss_bytes()) +
         ", \"threads\": " + std::to_string(s.threads()) +
         ", \"frames\": " + std::to_string(s.frames()) +
         ", \"control_clients\": " + std::to_string(s.control_clients()) +
         ", \"spares\": " + std::to_string(s.spares()) +
         ", \"spares_ready\": " + std::to_string(s.spares_ready()) +
         ", \"spare_pids\": [" + JoinPids(s.spare_pids()) + "]" +
         ", \"spares_taken\": " + std::to_string(s.spares_taken()) +
         ", \"control_path\": " + JsonEscape(s.control_path()) +
         ",\n \"channels\": [" + channels + "]}";
}


std::string TabListJson(const control::TabList& list) {
  std::string out = "[";
  for (int i = 0; i < list.tabs_size(); ++i)
    out += std::string(i ? ",\n " : "\n ") + TabJson(list.tabs(i));
  return out + "\n]";
}

void PrintTable(const control::TabList& list) {
  std::printf("%4s %8s  %-20s %-12s %6s %8s %7s %7s %6s %9s %4s  %s\n", "id",
              "pid", "page", "state", "cpu%", "memory", "in/s", "out/s",
              "fps", "latency", "rst", "cause");
  for (const control::TabInfo& tab : list.tabs()) {
    bool running = tab.cause().empty();
    std::string page = tab.url().size() > 20 ? tab.url().substr(0, 19) + "~"
                                             : tab.url();
    std::printf(
        "%4u %8d  %-20s %-12s %6s %8s %7s %7s %6s %9s %4u  %s\n", tab.id(),
        tab.pid(), page.c_str(), tab.state().c_str(),
        running ? Fixed(tab.cpu_percent(), 1).c_str() : "-",
        running && tab.rss_bytes() ? FormatBytes(tab.rss_bytes()).c_str() : "-",
        running ? Fixed(tab.messages_in_per_second(), 0).c_str() : "-",
        running ? Fixed(tab.messages_out_per_second(), 0).c_str() : "-",
        running ? Fixed(tab.frames_per_second(), 1).c_str() : "-",
        tab.input_latency_ms() > 0
            ? (Fixed(tab.input_latency_ms(), 1) + " ms").c_str()
            : "-",
        tab.restarts(), tab.cause().empty() ? "-" : tab.cause().c_str());
  }
}

void PrintFaults(const control::ChannelStats& c) {
  if (c.faults_size() == 0) {
    std::printf("tab %u: no faults\n", c.tab_id());
    return;
  }
  for (const control::Fault& f : c.faults()) {
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

void PrintChannel(const control::ChannelStats& c) {
  std::printf("\ntab %u channel (%s)\n", c.tab_id(), c.state().c_str());
  PrintDirection("to-tab", c.to_tab());
  PrintDirection("from-tab", c.from_tab());
  std::printf("  frames   %llu accepted, %llu released, %u withheld; %llu moves coalesced\n",
              (unsigned long long)c.frames_accepted(),
              (unsigned long long)c.frames_released(), c.buffers_withheld(),
              (unsigned long long)c.coalesced_moves());
  const control::LatencyHistogram& h = c.input_to_frame();
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
  for (const control::Fault& f : c.faults()) {
    std::printf("  fault    %s%s%s, %s, injected %llu\n", f.kind().c_str(),
                f.direction().empty() ? "" : " ", f.direction().c_str(),
                f.active() ? "active" : "cleared",
                (unsigned long long)f.injected());
  }
}

void PrintStats(const control::ManagerStats& s) {
  std::printf("manager pid %d, up %.1f s, %u threads\n", s.pid(),
              s.uptime_seconds(), s.threads());
  std::printf("tabs: %u (%u running, %u crashed)\n", s.tabs(), s.running(),
              s.crashed());
  std::printf("cpu %.1f%%, memory %s, frames %llu\n", s.cpu_percent(),
              FormatBytes(s.rss_bytes()).c_str(),
              (unsigned long long)s.frames());
  std::printf("control: %s, %u client%s\n", s.control_path().c_str(),
              s.control_clients(), s.control_clients() == 1 ? "" : "s");
  if (s.spares() > 0 || s.spares_taken() > 0)
    std::printf("spares: %u (%u ready; pids %s), %llu opens took one\n",
                s.spares(), s.spares_ready(), JoinPids(s.spare_pids()).c_str(),
                (unsigned long long)s.spares_taken());
  for (const control::ChannelStats& channel : s.channels())
    PrintChannel(channel);
}

}  // namespace tabsim
