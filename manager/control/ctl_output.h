// What `tabsim ctl` prints: the task-manager table, the IPC inspector's
// channel view, faults, and the JSON forms of the same records. Printing
// only; nothing here talks to the manager.
#ifndef TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_
#define TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_

#include <string>

#include "proto/control.pb.h"

namespace tabsim {

// The task manager: one row per tab.
void PrintTable(const control::TabList& list);
// The manager's numbers, then each channel (PrintChannel).
void PrintStats(const control::ManagerStats& stats);
// One tab's channel: both directions, frames, input-to-frame latency.
void PrintChannel(const control::ChannelStats& channel);
// A line per fault ever set on the tab ("tab 3: no faults" for none).
void PrintFaults(const control::ChannelStats& channel);

std::string TabListJson(const control::TabList& list);
std::string StatsJson(const control::ManagerStats& stats);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_
