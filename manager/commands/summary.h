// The end-of-run record of every tab: a table for people, JSON for
// scripts (docs/json.md, kind "summary"). Both read the task manager's
// records (TaskManager::List()), nothing else of the sessions.
#ifndef TABSIM_MANAGER_COMMANDS_SUMMARY_H_
#define TABSIM_MANAGER_COMMANDS_SUMMARY_H_

#include <boost/json/object.hpp>

#include <cstdio>
#include <string>

#include "common/result.h"
#include "proto/records.pb.h"

namespace tabsim {

void PrintSummaryTable(const records::TabList& tabs, std::FILE* out);
// {"schema": 1, "kind": "summary", "run_seconds": S, "tabs": [tab, ...]},
// each tab a TabRecordJson (manager/commands/records_json.h).
boost::json::object SummaryJson(const records::TabList& tabs,
                                double run_seconds);
// Writes SummaryJson to `path` (atomically: a temp file renamed over it).
Status WriteSummaryJson(const std::string& path, const records::TabList& tabs,
                        double run_seconds);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_SUMMARY_H_
