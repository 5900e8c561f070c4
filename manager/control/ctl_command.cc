#include "manager/control/ctl_command.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

#include "common/result.h"
#include "common/wait_status.h"
#include "manager/control/control_client.h"
#include "manager/control/control_path.h"
#include "manager/core/fault_injector.h"
#include "manager/core/input_builder.h"
#include "manager/base/png_writer.h"
#include "manager/base/process_stats.h"
#include "manager/base/units.h"
#include "manager/commands/summary.h"
#include "manager/core/trace.h"

namespace tabsim {

const char kCtlUsage[] =
    "usage: tabsim ctl [--control PATH] COMMAND [ARGS]\n"
    "\n"
    "Drives a running `tabsim run` through its control socket (default\n"
    "$XDG_RUNTIME_DIR/tabsim/control, else /tmp/tabsim-UID/control).\n"
    "\n"
    "  list [--json]            the task manager: every tab and its numbers\n"
    "  open URL                 open a new tab (prints its id)\n"
    "  close ID                 close a tab\n"
    "  kill ID [--signal NAME]  signal a tab's process (default KILL)\n"
    "  reload ID                restart a gone tab (same id, new process)\n"
    "  navigate ID URL          load URL in a tab\n"
    "  click ID X Y             left click at (X, Y) in tab pixels\n"
    "  type ID TEXT             type TEXT into a tab\n"
    "  key ID NAME              press a key: enter, backspace, tab, escape,\n"
    "                           left, right, up, down, delete, home, end\n"
    "  resize ID WxH            change a tab's frame size\n"
    "  snapshot ID FILE.png     save the tab's last whole frame as PNG\n"
    "  stats [ID] [--json]      the manager's numbers and the IPC inspector:\n"
    "                           per tab and direction, messages/s, bytes/s,\n"
    "                           queues, input-to-frame latency, faults\n"
    "  watch                    print lifecycle events until interrupted\n"
    "  trace ID [--types T,...] [--count N]\n"
    "                           print the messages crossing a tab's channel\n"
    "  fault ID KIND [--rate P] [--ms N] [--direction D]\n"
    "                           inject a fault: drop, delay (--ms), duplicate,\n"
    "                           corrupt, reorder (D: from-tab, to-tab, both;\n"
    "                           default from-tab), withhold-release,\n"
    "                           withhold-pong; or clear them all\n"
    "\n"
    "Exit status: 0 done, 1 failed (no manager, unknown tab, ...), 2 usage.\n";

namespace {

struct UsageError {
  std::string message;
};

constexpr int kUsage = 2;
constexpr int kFailed = 1;

Result<uint32_t> ParseId(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < 1 ||
      value > 1000000000)
    return Error{"'" + text + "' is not a tab id (a positive number)", EINVAL};
  return uint32_t(value);
}

Result<int> ParseCoordinate(const std::string& what, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < 0 || value > 100000)
    return Error{what + " '" + text + "' is not a pixel coordinate", EINVAL};
  return int(value);
}

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
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

void PrintTab(const char* verb, const control::TabInfo& tab) {
  std::printf("tab %u %s: pid %d, %s, %s\n", tab.id(), verb, tab.pid(),
              tab.url().c_str(), tab.state().c_str());
}

int Snapshot(ControlClient& client, uint32_t id, const std::string& path) {
  control::ControlRequest request;
  request.mutable_snapshot()->set_tab_id(id);
  if (Status sent = client.Send(request); !sent.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", sent.error().message.c_str());
    return kFailed;
  }
  std::string pixels;
  uint32_t width = 0, height = 0;
  for (;;) {
    auto reply = client.Receive();
    if (!reply.ok() || !reply->error().empty()) {
      std::fprintf(stderr, "tabsim ctl: %s\n",
                   reply.ok() ? reply->error().c_str()
                              : reply.error().message.c_str());
      return kFailed;
    }
    const control::SnapshotChunk& chunk = reply->snapshot();
    if (pixels.empty()) {
      width = chunk.width();
      height = chunk.height();
      if (width == 0 || height == 0 || width > 8192 || height > 8192) {
        std::fprintf(stderr, "tabsim ctl: bad snapshot size %ux%u\n", width,
                     height);
        return kFailed;
      }
    }
    if (chunk.offset() != pixels.size() || chunk.width() != width ||
        chunk.height() != height ||
        pixels.size() + chunk.pixels().size() > size_t(width) * height * 4) {
      std::fprintf(stderr, "tabsim ctl: inconsistent snapshot chunks\n");
      return kFailed;
    }
    pixels += chunk.pixels();
    if (chunk.last()) break;
  }
  if (pixels.size() != size_t(width) * height * 4) {
    std::fprintf(stderr, "tabsim ctl: snapshot is short\n");
    return kFailed;
  }
  std::vector<uint32_t> frame(size_t(width) * height);
  std::memcpy(frame.data(), pixels.data(), pixels.size());
  Status written = WritePng(path, frame.data(), int(width), int(height));
  if (!written.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", written.error().message.c_str());
    return kFailed;
  }
  std::printf("tab %u: %ux%u frame saved to %s\n", id, width, height,
              path.c_str());
  return 0;
}

// Sends `request`, then hands each streamed reply to `on_reply` until it
// returns an exit code. The manager closing the stream ends it with 0; a
// send, receive or manager-reported error with kFailed.
int Stream(ControlClient& client, const control::ControlRequest& request,
           const std::function<std::optional<int>(const control::ControlReply&)>&
               on_reply) {
  if (Status sent = client.Send(request); !sent.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", sent.error().message.c_str());
    return kFailed;
  }
  for (;;) {
    auto reply = client.Receive();
    if (!reply.ok()) {
      std::fprintf(stderr, "tabsim ctl: %s\n", reply.error().message.c_str());
      return reply.error().error_number == ECONNRESET ? 0 : kFailed;
    }
    if (!reply->error().empty()) {
      std::fprintf(stderr, "tabsim ctl: %s\n", reply->error().c_str());
      return kFailed;
    }
    if (std::optional<int> done = on_reply(*reply)) return *done;
  }
}

int Watch(ControlClient& client) {
  control::ControlRequest request;
  request.mutable_watch();
  return Stream(client, request,
                [](const control::ControlReply& reply) -> std::optional<int> {
                  if (!reply.has_event()) return std::nullopt;
                  const control::Event& event = reply.event();
                  std::printf("[%8.3f] tab %u %s%s%s\n", event.time_seconds(),
                              event.tab_id(), event.kind().c_str(),
                              event.text().empty() ? "" : ": ",
                              event.text().c_str());
                  std::fflush(stdout);
                  return std::nullopt;
                });
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

// One line per message: time, direction, type, size, key fields, note.
int Trace(ControlClient& client, const control::ControlRequest& request,
          uint64_t count) {
  uint64_t printed = 0;
  return Stream(
      client, request,
      [&](const control::ControlReply& reply) -> std::optional<int> {
        if (!reply.has_trace()) return std::nullopt;
        const control::TraceRecord& r = reply.trace();
        if (r.end()) {
          std::printf("[%8.3f] tab %u ended: %s\n", r.time_seconds(),
                      r.tab_id(), r.fields().c_str());
          return 0;
        }
        std::printf("[%8.3f] %s %-13s %5u  %s%s%s\n", r.time_seconds(),
                    r.direction() == "to-tab" ? "M>T" : "T>M", r.type().c_str(),
                    r.size(), r.fields().c_str(),
                    r.note().empty() ? "" : "  # ", r.note().c_str());
        std::fflush(stdout);
        if (count && ++printed >= count) return 0;
        return std::nullopt;
      });
}

}  // namespace

int CtlCommand(const std::vector<std::string>& all_args) {
  std::string path = DefaultControlPath();
  std::vector<std::string> args;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "-h" || all_args[i] == "--help") {
      std::fputs(kCtlUsage, stdout);
      return 0;
    }
    if (all_args[i] == "--control" && args.empty()) {
      if (i + 1 >= all_args.size() || all_args[i + 1].empty()) {
        std::fprintf(stderr, "tabsim ctl: --control needs a path\n");
        return kUsage;
      }
      path = all_args[++i];
      continue;
    }
    args.push_back(all_args[i]);
  }
  if (args.empty()) {
    std::fprintf(stderr, "tabsim ctl: missing command (see tabsim ctl --help)\n");
    return kUsage;
  }
  const std::string command = args[0];
  auto usage = [&](const std::string& message) {
    std::fprintf(stderr, "tabsim ctl %s: %s\n", command.c_str(), message.c_str());
    return kUsage;
  };
  static const std::map<std::string, size_t> kArgCounts = {
      {"list", 0}, {"open", 1},  {"close", 1},    {"kill", 1},
      {"reload", 1}, {"navigate", 2}, {"click", 3}, {"type", 2},
      {"key", 2},  {"resize", 2}, {"snapshot", 2}, {"stats", 0},
      {"watch", 0}, {"trace", 1}, {"fault", 2}};
  auto count = kArgCounts.find(command);
  if (count == kArgCounts.end()) {
    std::fprintf(stderr, "tabsim ctl: unknown command '%s' (see tabsim ctl --help)\n",
                 command.c_str());
    return kUsage;
  }
  // Options after the command: list --json, kill --signal NAME.
  bool json = false;
  int signal_number = SIGKILL;
  std::vector<std::string> operands;
  std::vector<std::string> trace_types;
  uint64_t trace_count = 0;
  double fault_rate = 1.0;
  uint32_t fault_ms = 0;
  std::string fault_direction;
  auto value_of = [&](size_t* i) -> const std::string* {
    if (*i + 1 >= args.size()) return nullptr;
    return &args[++*i];
  };
  for (size_t i = 1; i < args.size(); ++i) {
    if ((command == "list" || command == "stats") && args[i] == "--json") {
      json = true;
    } else if (command == "trace" && args[i] == "--types") {
      const std::string* value = value_of(&i);
      if (!value || value->empty()) return usage("--types needs a list");
      size_t start = 0;
      for (;;) {
        size_t comma = value->find(',', start);
        std::string type = value->substr(start, comma - start);
        if (!IsMessageTypeName(type))
          return usage("unknown message type '" + type + "' (have: " +
                       MessageTypeNames() + ")");
        trace_types.push_back(type);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (command == "trace" && args[i] == "--count") {
      const std::string* value = value_of(&i);
      char* end = nullptr;
      errno = 0;
      long long n = value ? std::strtoll(value->c_str(), &end, 10) : 0;
      if (!value || value->empty() || *end != '\0' || errno || n < 1)
        return usage("--count needs a positive number");
      trace_count = uint64_t(n);
    } else if (command == "fault" && args[i] == "--rate") {
      const std::string* value = value_of(&i);
      char* end = nullptr;
      double rate = value ? std::strtod(value->c_str(), &end) : 0;
      if (!value || value->empty() || *end != '\0' || !(rate > 0 && rate <= 1))
        return usage("--rate needs a probability in (0, 1]");
      fault_rate = rate;
    } else if (command == "fault" && args[i] == "--ms") {
      const std::string* value = value_of(&i);
      char* end = nullptr;
      errno = 0;
      long n = value ? std::strtol(value->c_str(), &end, 10) : 0;
      if (!value || value->empty() || *end != '\0' || errno || n < 1 ||
          n > 60000)
        return usage("--ms needs milliseconds from 1 to 60000");
      fault_ms = uint32_t(n);
    } else if (command == "fault" && args[i] == "--direction") {
      const std::string* value = value_of(&i);
      if (!value || (*value != "from-tab" && *value != "to-tab" && *value != "both"))
        return usage("--direction is from-tab, to-tab or both");
      fault_direction = *value;
    } else if (command == "kill" && args[i] == "--signal") {
      if (i + 1 >= args.size()) return usage("--signal needs a name");
      signal_number = SignalFromName(args[++i]);
      if (signal_number < 0) return usage("unknown signal '" + args[i] + "'");
    } else if (args[i].rfind("--", 0) == 0 && args[i].size() > 2 &&
               command != "type") {
      return usage("unknown option '" + args[i] + "'");
    } else {
      operands.push_back(args[i]);
    }
  }
  // stats takes an optional tab id.
  const bool optional_id = command == "stats" && operands.size() == 1;
  if (operands.size() != count->second && !optional_id)
    return usage("expects " + std::to_string(count->second) + " argument" +
                 (count->second == 1 ? "" : "s") + ", got " +
                 std::to_string(operands.size()) + " (see tabsim ctl --help)");

  control::ControlRequest request;
  uint32_t id = 0;
  if ((command != "list" && command != "open" && command != "stats" &&
       command != "watch") || optional_id) {
    auto parsed = ParseId(operands[0]);
    if (!parsed.ok()) return usage(parsed.error().message);
    id = *parsed;
  }
  if (command == "list") {
    request.mutable_list();
  } else if (command == "open") {
    if (Status v = ValidateUrl(operands[0]); !v.ok()) return usage(v.error().message);
    request.mutable_open()->set_url(operands[0]);
  } else if (command == "close") {
    request.mutable_close()->set_tab_id(id);
  } else if (command == "kill") {
    request.mutable_kill()->set_tab_id(id);
    request.mutable_kill()->set_signal(signal_number);
  } else if (command == "reload") {
    request.mutable_reload()->set_tab_id(id);
  } else if (command == "navigate") {
    if (Status v = ValidateUrl(operands[1]); !v.ok()) return usage(v.error().message);
    request.mutable_navigate()->set_tab_id(id);
    request.mutable_navigate()->set_url(operands[1]);
  } else if (command == "click") {
    auto x = ParseCoordinate("X", operands[1]);
    if (!x.ok()) return usage(x.error().message);
    auto y = ParseCoordinate("Y", operands[2]);
    if (!y.ok()) return usage(y.error().message);
    request.mutable_click()->set_tab_id(id);
    request.mutable_click()->set_x(*x);
    request.mutable_click()->set_y(*y);
  } else if (command == "type") {
    if (operands[1].empty()) return usage("empty TEXT");
    request.mutable_type()->set_tab_id(id);
    request.mutable_type()->set_text(operands[1]);
  } else if (command == "key") {
    proto::KeyCode code = KeyCodeFromName(operands[1]);
    if (code == proto::KEY_UNKNOWN)
      return usage("unknown key '" + operands[1] + "' (have: " + KeyNames() + ")");
    request.mutable_key()->set_tab_id(id);
    request.mutable_key()->set_key_code(code);
  } else if (command == "resize") {
    auto size = ParseSize(operands[1]);
    if (!size.ok()) {
      std::string message = size.error().message;
      if (message.rfind("--size: ", 0) == 0) message = message.substr(8);
      return usage(message);
    }
    request.mutable_resize()->set_tab_id(id);
    request.mutable_resize()->set_width(uint32_t(size->first));
    request.mutable_resize()->set_height(uint32_t(size->second));
  } else if (command == "snapshot") {
    if (operands[1].empty()) return usage("empty file name");
  } else if (command == "stats") {
    request.mutable_stats()->set_tab_id(id);
  } else if (command == "trace") {
    request.mutable_trace()->set_tab_id(id);
    for (const std::string& type : trace_types)
      request.mutable_trace()->add_types(type);
  } else if (command == "fault") {
    const std::string& kind = operands[1];
    if (kind != "clear") {
      auto parsed_kind = ParseFaultKind(kind);
      if (!parsed_kind.ok()) return usage(parsed_kind.error().message);
      if (*parsed_kind == FaultKind::kDelay && fault_ms == 0)
        return usage("delay needs --ms N");
      if (*parsed_kind != FaultKind::kDelay && fault_ms != 0)
        return usage("--ms is for delay only");
    }
    auto* fault = request.mutable_fault();
    fault->set_tab_id(id);
    fault->set_kind(kind);
    fault->set_direction(fault_direction);
    fault->set_rate(fault_rate);
    fault->set_delay_ms(fault_ms);
  }

  auto client = ControlClient::Connect(path);
  if (!client.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", client.error().message.c_str());
    return kFailed;
  }
  if (command == "snapshot") return Snapshot(*client, id, operands[1]);
  if (command == "watch") return Watch(*client);
  if (command == "trace") return Trace(*client, request, trace_count);

  auto reply = client->Call(request);
  if (!reply.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", reply.error().message.c_str());
    return kFailed;
  }
  if (command == "list") {
    if (json) {
      std::string out = "[";
      for (int i = 0; i < reply->list().tabs_size(); ++i)
        out += std::string(i ? ",\n " : "\n ") + TabJson(reply->list().tabs(i));
      std::printf("%s\n]\n", out.c_str());
    } else {
      PrintTable(reply->list());
    }
  } else if (command == "stats" && json) {
    std::printf("%s\n", StatsJson(reply->stats()).c_str());
  } else if (command == "fault") {
    PrintFaults(reply->channel());
  } else if (command == "stats") {
    const control::ManagerStats& s = reply->stats();
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
                  s.spares(), s.spares_ready(),
                  JoinPids(s.spare_pids()).c_str(),
                  (unsigned long long)s.spares_taken());
    for (const control::ChannelStats& channel : s.channels())
      PrintChannel(channel);
  } else if (command == "open") {
    PrintTab("opened", reply->tab());
  } else if (command == "reload") {
    PrintTab("reloaded", reply->tab());
  } else if (command == "kill") {
    std::printf("tab %u: sent %s to pid %d\n", id,
                SignalName(signal_number).c_str(), reply->tab().pid());
  } else if (command == "close") {
    std::printf("tab %u: closing\n", id);
  }
  return 0;
}

}  // namespace tabsim
