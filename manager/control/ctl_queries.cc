#include "manager/control/ctl_queries.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <functional>
#include <optional>

#include "manager/base/png_writer.h"
#include "manager/base/json.h"
#include "manager/commands/records_json.h"
#include "manager/control/ctl_output.h"
#include "manager/core/trace.h"

namespace tabsim {
namespace {

// "3" -> 3; a usage error naming `query` otherwise.
Result<uint32_t> ParseTabId(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) ||
      *end != '\0' || errno != 0 || value < 1 || value > 1000000000)
    return Error{"'" + text + "' is not a tab id", EINVAL};
  return uint32_t(value);
}

// Calls `request` and prints the error if any; nullopt on failure.
std::optional<control::ControlReply> Call(const std::string& path,
                                          const control::ControlRequest& request) {
  auto client = CtlConnect(path);
  if (!client.ok()) return std::nullopt;
  auto reply = client->Call(request);
  if (!reply.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", reply.error().message.c_str());
    return std::nullopt;
  }
  return std::move(reply).value();
}

int Snapshot(ControlClient& client, uint32_t id, const std::string& path) {
  control::ControlRequest request;
  request.mutable_snapshot()->set_tab_id(id);
  if (Status sent = client.Send(request); !sent.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", sent.error().message.c_str());
    return kCtlFailed;
  }
  std::string pixels;
  uint32_t width = 0, height = 0;
  for (;;) {
    auto reply = client.Receive();
    if (!reply.ok() || !reply->error().empty()) {
      std::fprintf(stderr, "tabsim ctl: %s\n",
                   reply.ok() ? reply->error().c_str()
                              : reply.error().message.c_str());
      return kCtlFailed;
    }
    const control::SnapshotChunk& chunk = reply->snapshot();
    if (pixels.empty()) {
      width = chunk.width();
      height = chunk.height();
      if (width == 0 || height == 0 || width > 8192 || height > 8192) {
        std::fprintf(stderr, "tabsim ctl: bad snapshot size %ux%u\n", width,
                     height);
        return kCtlFailed;
      }
    }
    if (chunk.offset() != pixels.size() || chunk.width() != width ||
        chunk.height() != height ||
        pixels.size() + chunk.pixels().size() > size_t(width) * height * 4) {
      std::fprintf(stderr, "tabsim ctl: inconsistent snapshot chunks\n");
      return kCtlFailed;
    }
    pixels += chunk.pixels();
    if (chunk.last()) break;
  }
  if (pixels.size() != size_t(width) * height * 4) {
    std::fprintf(stderr, "tabsim ctl: snapshot is short\n");
    return kCtlFailed;
  }
  std::vector<uint32_t> frame(size_t(width) * height);
  std::memcpy(frame.data(), pixels.data(), pixels.size());
  Status written = WritePng(path, frame.data(), int(width), int(height));
  if (!written.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", written.error().message.c_str());
    return kCtlFailed;
  }
  std::printf("tab %u: %ux%u frame saved to %s\n", id, width, height,
              path.c_str());
  return 0;
}

// Sends `request`, then hands each streamed reply to `on_reply` until it
// returns an exit code. The manager closing the stream ends it with 0; a
// send, receive or manager-reported error with kCtlFailed.
int Stream(ControlClient& client, const control::ControlRequest& request,
           const std::function<std::optional<int>(const control::ControlReply&)>&
               on_reply) {
  if (Status sent = client.Send(request); !sent.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", sent.error().message.c_str());
    return kCtlFailed;
  }
  for (;;) {
    auto reply = client.Receive();
    if (!reply.ok()) {
      std::fprintf(stderr, "tabsim ctl: %s\n", reply.error().message.c_str());
      return reply.error().error_number == ECONNRESET ? 0 : kCtlFailed;
    }
    if (!reply->error().empty()) {
      std::fprintf(stderr, "tabsim ctl: %s\n", reply->error().c_str());
      return kCtlFailed;
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


int RunList(const std::string& path, const std::vector<std::string>& args) {
  bool json = false;
  for (const std::string& arg : args) {
    if (arg != "--json") return CtlUsageError("list", "unexpected '" + arg + "'");
    json = true;
  }
  control::ControlRequest request;
  request.mutable_list();
  auto reply = Call(path, request);
  if (!reply) return kCtlFailed;
  if (json) {
    std::printf("%s\n", ToJson(TabListJson(reply->list())).c_str());
  } else {
    PrintTable(reply->list());
  }
  return 0;
}

int RunStats(const std::string& path, const std::vector<std::string>& args) {
  bool json = false;
  uint32_t id = 0;
  for (const std::string& arg : args) {
    if (arg == "--json") {
      json = true;
      continue;
    }
    auto parsed = ParseTabId(arg);
    if (!parsed.ok() || id != 0)
      return CtlUsageError("stats", parsed.ok() ? "one ID at most"
                                                 : parsed.error().message);
    id = *parsed;
  }
  control::ControlRequest request;
  request.mutable_stats()->set_tab_id(id);
  auto reply = Call(path, request);
  if (!reply) return kCtlFailed;
  if (json) {
    std::printf("%s\n", ToJson(StatsJson(reply->stats())).c_str());
  } else {
    PrintStats(reply->stats());
  }
  return 0;
}

int RunDiscards(const std::string& path, const std::vector<std::string>& args) {
  bool json = false;
  for (const std::string& arg : args) {
    if (arg != "--json")
      return CtlUsageError("discards", "unexpected '" + arg + "'");
    json = true;
  }
  control::ControlRequest request;
  request.mutable_discards();
  auto reply = Call(path, request);
  if (!reply) return kCtlFailed;
  if (json) {
    std::printf("%s\n", ToJson(DiscardListJson(reply->discards())).c_str());
  } else {
    PrintDiscards(reply->discards());
  }
  return 0;
}

int RunSnapshot(const std::string& path, const std::vector<std::string>& args) {
  if (args.size() != 2) return CtlUsageError("snapshot", "expects ID FILE.png");
  auto id = ParseTabId(args[0]);
  if (!id.ok()) return CtlUsageError("snapshot", id.error().message);
  if (args[1].empty()) return CtlUsageError("snapshot", "empty file name");
  auto client = CtlConnect(path);
  if (!client.ok()) return kCtlFailed;
  return Snapshot(*client, *id, args[1]);
}

int RunWatch(const std::string& path, const std::vector<std::string>& args) {
  if (!args.empty()) return CtlUsageError("watch", "takes no arguments");
  auto client = CtlConnect(path);
  if (!client.ok()) return kCtlFailed;
  return Watch(*client);
}

int RunTrace(const std::string& path, const std::vector<std::string>& args) {
  control::ControlRequest request;
  uint64_t count = 0;
  uint32_t id = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--types") {
      if (i + 1 >= args.size() || args[i + 1].empty())
        return CtlUsageError("trace", "--types needs a list");
      const std::string& value = args[++i];
      size_t start = 0;
      for (;;) {
        size_t comma = value.find(',', start);
        std::string type = value.substr(start, comma - start);
        if (!IsMessageTypeName(type))
          return CtlUsageError("trace", "unknown message type '" + type +
                                            "' (have: " + MessageTypeNames() + ")");
        request.mutable_trace()->add_types(type);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (args[i] == "--count") {
      char* end = nullptr;
      errno = 0;
      const std::string* value = i + 1 < args.size() ? &args[++i] : nullptr;
      long long n = value ? std::strtoll(value->c_str(), &end, 10) : 0;
      if (!value || value->empty() || *end != '\0' || errno || n < 1)
        return CtlUsageError("trace", "--count needs a positive number");
      count = uint64_t(n);
    } else if (id == 0) {
      auto parsed = ParseTabId(args[i]);
      if (!parsed.ok()) return CtlUsageError("trace", parsed.error().message);
      id = *parsed;
    } else {
      return CtlUsageError("trace", "unexpected '" + args[i] + "'");
    }
  }
  if (id == 0) return CtlUsageError("trace", "missing ID");
  request.mutable_trace()->set_tab_id(id);
  auto client = CtlConnect(path);
  if (!client.ok()) return kCtlFailed;
  return Trace(*client, request, count);
}

}  // namespace

int CtlUsageError(std::string_view name, const std::string& message) {
  std::fprintf(stderr, "tabsim ctl %.*s: %s\n", int(name.size()), name.data(),
               message.c_str());
  return kCtlUsage;
}

Result<ControlClient> CtlConnect(const std::string& control_path) {
  auto client = ControlClient::Connect(control_path);
  if (!client.ok())
    std::fprintf(stderr, "tabsim ctl: %s\n", client.error().message.c_str());
  return client;
}

const std::vector<CtlQuery>& CtlQueries() {
  static const std::vector<CtlQuery> queries = {
      {"list", "[--json]", "the task manager: every tab and its numbers", RunList},
      {"stats", "[ID] [--json]",
       "the manager's numbers and the IPC inspector: per tab and direction, "
       "messages/s, bytes/s, queues, input-to-frame latency, faults",
       RunStats},
      {"discards", "[--json]",
       "memory pressure and the discard order: each tab's memory, whether "
       "it may be discarded and why (like about:unloads)",
       RunDiscards},
      {"snapshot", "ID FILE.png", "save the tab's last whole frame as PNG",
       RunSnapshot},
      {"watch", "", "print lifecycle events until interrupted", RunWatch},
      {"trace", "ID [--types T,...] [--count N]",
       "print the messages crossing a tab's channel", RunTrace},
  };
  return queries;
}

const CtlQuery* FindCtlQuery(std::string_view name) {
  for (const CtlQuery& query : CtlQueries())
    if (query.name == name) return &query;
  return nullptr;
}

}  // namespace tabsim
