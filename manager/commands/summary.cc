#include "manager/commands/summary.h"

#include <cstdio>

#include "manager/base/json.h"
#include "manager/commands/records_json.h"

namespace tabsim {

void PrintSummaryTable(const records::TabList& tabs, std::FILE* out) {
  std::fprintf(out, "%4s %8s  %-22s %-8s %8s %9s %9s  %s\n", "id", "pid", "page",
               "state", "frames", "msgs in", "msgs out", "cause");
  for (const records::TabInfo& tab : tabs.tabs()) {
    std::string page = tab.url().size() > 22 ? tab.url().substr(0, 21) + "~"
                                             : tab.url();
    std::fprintf(out, "%4u %8d  %-22s %-8s %8llu %9llu %9llu  %s\n", tab.id(),
                 tab.pid(), page.c_str(), tab.state().c_str(),
                 (unsigned long long)tab.frames(),
                 (unsigned long long)tab.messages_in(),
                 (unsigned long long)tab.messages_out(),
                 tab.cause().empty() ? "-" : tab.cause().c_str());
  }
  std::fflush(out);
}

boost::json::object SummaryJson(const records::TabList& tabs,
                                double run_seconds) {
  boost::json::object document = JsonDocument("summary");
  document["run_seconds"] = JsonNumber(run_seconds, 3);
  document["tabs"] = TabRecordsJson(tabs);
  return document;
}

Status WriteSummaryJson(const std::string& path, const records::TabList& tabs,
                        double run_seconds) {
  return WriteJsonFile(path, SummaryJson(tabs, run_seconds));
}

}  // namespace tabsim
