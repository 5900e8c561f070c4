#include "manager/web/web_state.h"

#include "manager/base/json.h"
#include "manager/commands/records_json.h"
#include "manager/core/task_manager.h"

namespace tabsim {

boost::json::object WebStateDocument(const records::ManagerStats& manager,
                                     const records::TabList& tabs,
                                     size_t web_clients) {
  boost::json::object document = JsonDocument("state");
  boost::json::object numbers = ManagerStatsJson(manager);
  numbers["web_clients"] = web_clients;
  document["manager"] = std::move(numbers);
  document["tabs"] = TabRecordsJson(tabs);
  return document;
}

std::string WebStateJson(const TaskManager& tasks, size_t web_clients) {
  return ToJson(WebStateDocument(tasks.ManagerStats(), tasks.List(), web_clients),
                JsonStyle::kCompact);
}

std::string WebReplyJson(bool ok, std::string_view text) {
  boost::json::object document = JsonDocument("reply");
  document["ok"] = ok;
  document["text"] = boost::json::string_view(text.data(), text.size());
  return ToJson(document, JsonStyle::kCompact);
}

}  // namespace tabsim
