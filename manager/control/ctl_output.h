// What `tabsim ctl` prints: the task-manager table, the IPC inspector's
// channel view, faults. (Their JSON forms are manager/commands/records_json.h.)
// Printing only; nothing here talks to the manager.
#ifndef TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_
#define TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_

#include <string>

#include "proto/records.pb.h"

namespace tabsim {

// The task manager: one row per tab.
void PrintTable(const records::TabList& list);
// The manager's numbers, then each channel (PrintChannel).
void PrintStats(const records::ManagerStats& stats);
// One tab's channel: both directions, frames, input-to-frame latency.
void PrintChannel(const records::ChannelStats& channel);
// The memory line of PrintStats: "memory pressure: critical (tabs 612 MiB
// over a 512 MiB budget); tabs 612M of a 512M budget; 2 discards".
std::string DescribeMemory(const records::ManagerStats& stats);
// The discard order (`ctl discards`), one row per tab, the first to go
// first, like about:unloads.
void PrintDiscards(const records::DiscardList& list);
// A line per fault ever set on the tab ("tab 3: no faults" for none).
void PrintFaults(const records::ChannelStats& channel);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CTL_OUTPUT_H_
