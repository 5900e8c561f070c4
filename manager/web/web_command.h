// What a dashboard (the browser) may send over its WebSocket: one text
// message per command, a line of the command layer (manager/commands/
// command.h) such as "kill 3", "mouse 3 down 0 120 45" or "type 3 hello"
// (docs/web.md). The command layer checks and runs it, as it does for
// `tabsim ctl` and the terminal UI, and the dashboard gets the same answer
// they would.
//
// Before that, CheckDashboardMessage looks at the bytes as bytes: empty,
// more than kMaxWebCommandBytes, invalid UTF-8 or a control byte is not a
// mistake a person makes in a form but a broken or hostile client, and the
// server closes that client with the reason.
//
// One message is not a command: "viewing ..." (ParseViewingMessage).
#ifndef TABSIM_MANAGER_WEB_WEB_COMMAND_H_
#define TABSIM_MANAGER_WEB_WEB_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tabsim {

inline constexpr size_t kMaxWebCommandBytes = 4096;

// Ok for a message the command layer may read; an Error saying why not
// ("bad dashboard command: not UTF-8").
Status CheckDashboardMessage(std::string_view message);

// "viewing [ID ...]": the tabs this dashboard shows now (none while the
// browser hides the page). Not a command of the command layer: it is
// this client's view, like the terminal UI's page of the grid, and
// TabHost::SetViewerTabs takes it. std::nullopt for any other message;
// an Error for a malformed one (a broken client: the server closes it).
std::optional<Result<std::vector<int>>> ParseViewingMessage(
    std::string_view message);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_COMMAND_H_
