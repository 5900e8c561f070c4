// The task manager's records (proto/records.proto) as JSON: the ONE place
// that decides the keys, units and nulls of a tab record, the manager's
// numbers and a channel's statistics, for every document tabsim writes
// (docs/json.md). A field added to a record appears in `run --json`, `ctl
// list --json`, `ctl stats --json` and the dashboard by adding it to
// records.proto, filling it in TaskManager, and adding one line here.
//
// Free functions on plain records; no state, no TabSession.
#ifndef TABSIM_MANAGER_COMMANDS_RECORDS_JSON_H_
#define TABSIM_MANAGER_COMMANDS_RECORDS_JSON_H_

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "proto/records.pb.h"

namespace tabsim {

// The parts, for documents that embed them.
//
// A tab (schema 1): id, pid, url, title, state, cause (null while running),
// cpu_percent (null until measured), rss_bytes, frames, frames_per_second,
// messages_in, messages_out, messages_in_per_second,
// messages_out_per_second, input_latency_ms (null when none yet),
// restarts, width, height, inputs_sent, last_input_acked.
boost::json::object TabRecordJson(const records::TabInfo& tab);
// TabRecordJson of each tab, in order.
boost::json::array TabRecordsJson(const records::TabList& list);
// The manager's numbers, without its channels (see ChannelStatsJson).
boost::json::object ManagerStatsJson(const records::ManagerStats& stats);
boost::json::object ChannelStatsJson(const records::ChannelStats& channel);

// Whole documents ({"schema": 1, "kind": ...}):
// "list": {"tabs": [tab, ...]}, what `tabsim ctl list --json` prints.
boost::json::object TabListJson(const records::TabList& list);
// "stats": {"manager": {...}, "channels": [...]}, what `tabsim ctl stats
// [ID] --json` prints.
boost::json::object StatsJson(const records::ManagerStats& stats);
// "discards": {"manager": {...}, "tabs": [{tab_id, pid, process_id, url,
// state, discardable, reason, memory_bytes, protected}, ...]} in discard
// order, what `tabsim ctl discards --json` prints.
boost::json::object DiscardListJson(const records::DiscardList& list);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_RECORDS_JSON_H_
