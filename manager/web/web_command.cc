#include "manager/web/web_command.h"

#include <cerrno>

namespace tabsim {

namespace {

Error Bad(const std::string& why) {
  return Error{"bad dashboard command: " + why, EINVAL};
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t code;
    if (byte < 0x80) { ++i; continue; }
    if (byte >= 0xC2 && byte <= 0xDF) { length = 2; code = byte & 0x1F; }
    else if (byte >= 0xE0 && byte <= 0xEF) { length = 3; code = byte & 0x0F; }
    else if (byte >= 0xF0 && byte <= 0xF4) { length = 4; code = byte & 0x07; }
    else return false;
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
        code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

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
