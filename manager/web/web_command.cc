#include "manager/web/web_command.h"

#include <cerrno>

#include "manager/base/text.h"

namespace tabsim {

namespace {

Error Bad(const std::string& why) {
  return Error{"bad dashboard command: " + why, EINVAL};
}

}  // namespace

Status CheckDashboardMessage(std::string_view message) {
  if (message.empty()) return Bad("empty message");
  if (message.size() > kMaxWebCommandBytes)
    return Bad("longer than " + std::to_string(kMaxWebCommandBytes) + " bytes");
  if (!IsValidUtf8(message)) return Bad("not UTF-8");
  for (unsigned char c : message)
    if (c < 0x20 || c == 0x7f) return Bad("control byte in message");
  return Status::Ok();
}

}  // namespace tabsim
