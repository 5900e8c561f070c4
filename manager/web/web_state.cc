#include "manager/web/web_state.h"

#include <cmath>
#include <cstdio>

#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"
#include "manager/web/web_command.h"

namespace tabsim {

namespace {

std::string Number(double value) {
  if (!std::isfinite(value)) return "0";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", value);
  return text;
}

}  // namespace

std::string JsonString(std::string_view text) {
  const bool utf8 = IsValidUtf8(text);
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (byte < 0x20 || byte == 0x7f || (byte >= 0x80 && !utf8)) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\u%04x", byte);
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string WebStateJson(TabHost& host, const TaskManager& tasks,
                         size_t web_clients) {
  control::ManagerStats stats = tasks.ManagerStats();
  std::string out = "{\"type\":\"state\",\"manager\":{";
  out += "\"pid\":" + std::to_string(stats.pid());
  out += ",\"threads\":" + std::to_string(stats.threads());
  out += ",\"cpu\":" + Number(stats.cpu_percent());
  out += ",\"rss\":" + std::to_string(stats.rss_bytes());
  out += ",\"uptime\":" + Number(stats.uptime_seconds());
  out += ",\"frames\":" + std::to_string(stats.frames());
  out += ",\"running\":" + std::to_string(stats.running());
  out += ",\"crashed\":" + std::to_string(stats.crashed());
  out += ",\"web_clients\":" + std::to_string(web_clients);
  out += "},\"tabs\":[";
  bool first = true;
  for (TabSession* tab : host.tabs()) {
    control::TabInfo info = tasks.Describe(*tab);
    out += first ? "{" : ",{";
    first = false;
    out += "\"id\":" + std::to_string(info.id());
    out += ",\"pid\":" + std::to_string(info.pid());
    out += ",\"url\":" + JsonString(info.url());
    out += ",\"title\":" + JsonString(info.title());
    out += ",\"state\":" + JsonString(info.state());
    out += ",\"cause\":" + JsonString(info.cause());
    out += ",\"width\":" + std::to_string(info.width());
    out += ",\"height\":" + std::to_string(info.height());
    out += ",\"frames\":" + std::to_string(info.frames());
    out += ",\"fps\":" + Number(info.frames_per_second());
    out += ",\"cpu\":" + Number(info.cpu_percent());
    out += ",\"rss\":" + std::to_string(info.rss_bytes());
    out += ",\"msgs_in\":" + Number(info.messages_in_per_second());
    out += ",\"msgs_out\":" + Number(info.messages_out_per_second());
    out += ",\"latency_ms\":" + Number(info.input_latency_ms());
    out += ",\"restarts\":" + std::to_string(info.restarts());
    out += "}";
  }
  return out + "]}";
}

std::string WebReplyJson(bool ok, std::string_view text) {
  return std::string("{\"type\":\"reply\",\"ok\":") + (ok ? "true" : "false") +
         ",\"text\":" + JsonString(text) + "}";
}

}  // namespace tabsim
