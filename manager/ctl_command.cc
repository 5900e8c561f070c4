#include "manager/ctl_command.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "common/result.h"
#include "common/wait_status.h"
#include "manager/control_client.h"
#include "manager/control_path.h"
#include "manager/input_builder.h"
#include "manager/png_writer.h"
#include "manager/process_stats.h"
#include "manager/run_options.h"
#include "manager/summary.h"

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
    "  stats                    numbers about the manager itself\n"
    "  watch                    print lifecycle events until interrupted\n"
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

int Watch(ControlClient& client) {
  control::ControlRequest request;
  request.mutable_watch();
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
    if (!reply->has_event()) continue;
    const control::Event& event = reply->event();
    std::printf("[%8.3f] tab %u %s%s%s\n", event.time_seconds(), event.tab_id(),
                event.kind().c_str(), event.text().empty() ? "" : ": ",
                event.text().c_str());
    std::fflush(stdout);
  }
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
      {"watch", 0}};
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
  for (size_t i = 1; i < args.size(); ++i) {
    if (command == "list" && args[i] == "--json") {
      json = true;
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
  if (operands.size() != count->second)
    return usage("expects " + std::to_string(count->second) + " argument" +
                 (count->second == 1 ? "" : "s") + ", got " +
                 std::to_string(operands.size()) + " (see tabsim ctl --help)");

  control::ControlRequest request;
  uint32_t id = 0;
  if (command != "list" && command != "open" && command != "stats" &&
      command != "watch") {
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
    request.mutable_stats();
  }

  auto client = ControlClient::Connect(path);
  if (!client.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", client.error().message.c_str());
    return kFailed;
  }
  if (command == "snapshot") return Snapshot(*client, id, operands[1]);
  if (command == "watch") return Watch(*client);

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
