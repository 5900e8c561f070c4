#include "manager/commands/summary.h"

#include <cstdio>
#include <fstream>

#include "manager/core/tab_session.h"

namespace tabsim {

std::string JsonEscape(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void PrintSummaryTable(const std::vector<TabSession*>& tabs, std::FILE* out) {
  std::fprintf(out, "%4s %8s  %-22s %-8s %8s %9s %9s  %s\n", "id", "pid", "page",
               "state", "frames", "msgs in", "msgs out", "cause");
  for (const TabSession* tab : tabs) {
    std::string page = tab->url().size() > 22 ? tab->url().substr(0, 21) + "~"
                                              : tab->url();
    const TabCounters c = tab->counters();
    std::fprintf(out, "%4d %8d  %-22s %-8s %8llu %9llu %9llu  %s\n", tab->id(),
                 int(tab->pid()), page.c_str(), ToString(tab->state()),
                 (unsigned long long)c.frames,
                 (unsigned long long)c.messages_in,
                 (unsigned long long)c.messages_out,
                 tab->cause().empty() ? "-" : tab->cause().c_str());
  }
  std::fflush(out);
}

std::string SummaryJson(const std::vector<TabSession*>& tabs,
                        double run_seconds) {
  std::string json = "{\n  \"run_seconds\": " + std::to_string(run_seconds) +
                     ",\n  \"tabs\": [";
  bool first = true;
  for (const TabSession* tab : tabs) {
    const TabCounters c = tab->counters();
    json += first ? "\n" : ",\n";
    first = false;
    json += "    {\"id\": " + std::to_string(tab->id()) +
            ", \"pid\": " + std::to_string(tab->pid()) +
            ", \"page\": " + JsonEscape(tab->url()) +
            ", \"title\": " + JsonEscape(tab->title()) +
            ", \"state\": " + JsonEscape(ToString(tab->state())) +
            ", \"frames\": " + std::to_string(c.frames) +
            ", \"messages_in\": " + std::to_string(c.messages_in) +
            ", \"messages_out\": " + std::to_string(c.messages_out) +
            ", \"inputs_sent\": " + std::to_string(c.inputs_sent) +
            ", \"last_input_acked\": " + std::to_string(c.last_input_acked) +
            ", \"cause\": " + JsonEscape(tab->cause()) + "}";
  }
  json += "\n  ]\n}\n";
  return json;
}

Status WriteSummaryJson(const std::string& path,
                        const std::vector<TabSession*>& tabs,
                        double run_seconds) {
  std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::trunc);
    if (!file) return Error::FromErrno("open " + temp);
    file << SummaryJson(tabs, run_seconds);
    if (!file.flush()) return Error::FromErrno("write " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    return Error::FromErrno("rename " + temp + " to " + path);
  return Status::Ok();
}

}  // namespace tabsim
