// The text (JSON) messages the web dashboard receives: the tab strip and
// task-manager table (kind "state"), and the answer to a command (kind
// "reply"). docs/json.md has the keys; the tabs and the manager's numbers
// are the task manager's records as every JSON document shows them
// (manager/commands/records_json.h). Free functions; no state.
//
// The messages are always valid JSON and valid UTF-8 (a browser drops a
// WebSocket whose text message is not UTF-8): tab text is cleaned where it
// enters the manager, and the JSON writer replaces any invalid sequence
// left elsewhere.
#ifndef TABSIM_MANAGER_WEB_WEB_STATE_H_
#define TABSIM_MANAGER_WEB_WEB_STATE_H_

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/records.pb.h"

namespace tabsim {

class TaskManager;

// {"schema": 1, "kind": "state", "manager": {ManagerStatsJson...,
// "web_clients": N}, "tabs": [TabRecordJson, ...]}
boost::json::object WebStateDocument(const records::ManagerStats& manager,
                                     const records::TabList& tabs,
                                     size_t web_clients);
// WebStateDocument of `tasks` now, as one line.
std::string WebStateJson(const TaskManager& tasks, size_t web_clients);
// {"schema": 1, "kind": "reply", "ok": true|false, "text": "..."}, one line.
std::string WebReplyJson(bool ok, std::string_view text);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_STATE_H_
