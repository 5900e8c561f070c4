#include "manager/web/web_command.h"

#include <algorithm>
#include <cerrno>

#include "manager/base/text.h"
#include "manager/base/units.h"

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

std::optional<Result<std::vector<int>>> ParseViewingMessage(
    std::string_view message) {
  constexpr std::string_view kVerb = "viewing";
  if (message.substr(0, kVerb.size()) != kVerb ||
      (message.size() > kVerb.size() && message[kVerb.size()] != ' '))
    return std::nullopt;
  std::vector<int> ids;
  std::string_view rest = message.substr(kVerb.size());
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the space
    const std::string word(rest.substr(0, rest.find(' ')));
    rest.remove_prefix(std::min(rest.size(), word.size()));
    auto id = ParseInteger("viewing", word, 1, 1 << 30);
    if (!id.ok()) return Result<std::vector<int>>(Bad(id.error().message));
    if (ids.size() >= 4096) return Result<std::vector<int>>(Bad("viewing: too many tabs"));
    ids.push_back(int(*id));
  }
  return Result<std::vector<int>>(std::move(ids));
}

}  // namespace tabsim
