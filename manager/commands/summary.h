// The end-of-run record of every tab: a table for people, JSON for
// scripts. Both read the TabHost's sessions; neither changes them.
#ifndef TABSIM_MANAGER_COMMANDS_SUMMARY_H_
#define TABSIM_MANAGER_COMMANDS_SUMMARY_H_

#include <cstdio>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

class TabSession;

void PrintSummaryTable(const std::vector<TabSession*>& tabs, std::FILE* out);
std::string SummaryJson(const std::vector<TabSession*>& tabs,
                        double run_seconds);
// Writes SummaryJson to `path` (atomically: a temp file renamed over it).
Status WriteSummaryJson(const std::string& path,
                        const std::vector<TabSession*>& tabs,
                        double run_seconds);

// JSON string escaping for the hand-written JSON here and elsewhere.
std::string JsonEscape(const std::string& text);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_SUMMARY_H_
