// The text (JSON) messages the web dashboard receives: the tab strip and
// task-manager table ("state"), and the answer to a command ("reply").
// See docs/web.md for the fields. Free functions; no state.
//
// Strings that come from tabs (titles, causes, URLs) are escaped so the
// result is always valid JSON and valid UTF-8 (a browser drops a WebSocket
// whose text message is not UTF-8): bytes of an invalid sequence become
// \u00XX escapes.
#ifndef TABSIM_MANAGER_WEB_WEB_STATE_H_
#define TABSIM_MANAGER_WEB_WEB_STATE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tabsim {

class TabHost;
class TaskManager;

// "\"...\"" with JSON escapes.
std::string JsonString(std::string_view text);
// {"type":"state","manager":{...},"tabs":[{...}, ...]}
std::string WebStateJson(TabHost& host, const TaskManager& tasks,
                         size_t web_clients);
// {"type":"reply","ok":true|false,"text":"..."}
std::string WebReplyJson(bool ok, std::string_view text);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_STATE_H_
