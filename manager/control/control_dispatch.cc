#include "manager/control/control_dispatch.h"

#include <string>
#include <vector>

#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"

namespace tabsim {

control::ControlReply ErrorReply(const std::string& message) {
  control::ControlReply reply;
  reply.set_error(message);
  return reply;
}

bool ParseControlRequest(std::string_view payload,
                         control::ControlRequest* request) {
  return request->ParseFromArray(payload.data(), int(payload.size())) &&
         request->request_case() != control::ControlRequest::REQUEST_NOT_SET;
}

ControlDispatch::ControlDispatch(TabHost& host, TaskManager& tasks)
    : host_(host), tasks_(tasks), commands_(host, tasks) {}

std::optional<control::ControlReply> ControlDispatch::Answer(
    const control::ControlRequest& request) {
  using R = control::ControlRequest;
  control::ControlReply reply;
  switch (request.request_case()) {
    case R::kCommand:
      return RunCommand(request.command());
    case R::kList: {
      auto* list = reply.mutable_list();
      for (TabSession* t : host_.tabs()) *list->add_tabs() = tasks_.Describe(*t);
      return reply;
    }
    case R::kStats:
      return Stats(request.stats().tab_id());
    case R::kDiscards:
      *reply.mutable_discards() = tasks_.Discards();
      return reply;
    case R::kSnapshot:
    case R::kTrace:
    case R::kWatch:
      return std::nullopt;
    case R::REQUEST_NOT_SET:
      break;
  }
  return ErrorReply("empty request");
}

control::ControlReply ControlDispatch::RunCommand(
    const control::CommandRequest& request) {
  std::vector<std::string> words(request.words().begin(),
                                 request.words().end());
  CommandResult result = commands_.Execute(words);
  if (!result.ok()) return ErrorReply(result.status.error().message);
  control::ControlReply reply;
  reply.set_text(result.text);
  TabSession* tab = host_.Find(result.tab_id);
  if (tab != nullptr && words[0] == "fault") {
    *reply.mutable_channel() = tasks_.DescribeChannel(*tab);
  } else if (tab != nullptr) {
    *reply.mutable_tab() = tasks_.Describe(*tab);
  }
  return reply;
}

control::ControlReply ControlDispatch::Stats(uint32_t id) {
  if (id != 0 && host_.Find(int(id)) == nullptr)
    return ErrorReply("no tab " + std::to_string(id));
  control::ControlReply reply;
  *reply.mutable_stats() = tasks_.ManagerStats();
  for (TabSession* t : host_.tabs()) {
    if (id != 0 ? t->id() != int(id) : !t->running()) continue;
    *reply.mutable_stats()->add_channels() = tasks_.DescribeChannel(*t);
  }
  return reply;
}

}  // namespace tabsim
