#include "manager/core/input_builder.h"

#include <cstdio>

#include <cctype>
#include <cerrno>

namespace tabsim {

proto::InputEvent MouseInput(proto::MouseEvent::Action action, int button,
                             int x, int y) {
  proto::InputEvent event;
  auto* mouse = event.mutable_mouse();
  mouse->set_action(action);
  mouse->set_button(static_cast<uint32_t>(button));
  mouse->set_x(x);
  mouse->set_y(y);
  return event;
}

proto::InputEvent WheelInput(int x, int y, int delta_x, int delta_y) {
  proto::InputEvent event;
  auto* wheel = event.mutable_wheel();
  wheel->set_x(x);
  wheel->set_y(y);
  wheel->set_delta_x(delta_x);
  wheel->set_delta_y(delta_y);
  return event;
}

proto::InputEvent KeyInput(proto::KeyEvent::Action action, proto::KeyCode code,
                           const std::string& text) {
  proto::InputEvent event;
  auto* key = event.mutable_key();
  key->set_action(action);
  key->set_key_code(code);
  key->set_text(text);
  return event;
}

std::vector<proto::InputEvent> TypeText(const std::string& text) {
  std::vector<proto::InputEvent> events;
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3
                                    : byte >= 0xC0 ? 2 : 1;
    std::string character = text.substr(i, length);
    i += length;
    proto::KeyCode code = proto::KEY_CHARACTER;
    if (character == "\n" || character == "\r") code = proto::KEY_ENTER;
    else if (character == "\t") code = proto::KEY_TAB;
    else if (character == "\b" || character == "\x7f") code = proto::KEY_BACKSPACE;
    else if (byte < 0x20) continue;  // other controls are not keys
    std::string key_text = code == proto::KEY_CHARACTER ? character : "";
    events.push_back(KeyInput(proto::KeyEvent::DOWN, code, key_text));
    events.push_back(KeyInput(proto::KeyEvent::UP, code, key_text));
  }
  return events;
}

proto::KeyCode KeyCodeFromName(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "enter" || lower == "return") return proto::KEY_ENTER;
  if (lower == "backspace") return proto::KEY_BACKSPACE;
  if (lower == "tab") return proto::KEY_TAB;
  if (lower == "escape" || lower == "esc") return proto::KEY_ESCAPE;
  if (lower == "left") return proto::KEY_LEFT;
  if (lower == "right") return proto::KEY_RIGHT;
  if (lower == "up") return proto::KEY_UP;
  if (lower == "down") return proto::KEY_DOWN;
  if (lower == "delete" || lower == "del") return proto::KEY_DELETE;
  if (lower == "home") return proto::KEY_HOME;
  if (lower == "end") return proto::KEY_END;
  return proto::KEY_UNKNOWN;
}

const char* KeyNames() {
  return "enter, backspace, tab, escape, left, right, up, down, delete, home, "
         "end";
}

Status ValidateUrl(const std::string& url) {
  if (url.empty()) return Error{"bad URL: empty", EINVAL};
  if (url.size() > 2048)
    return Error{"bad URL: longer than 2048 bytes", EINVAL};
  for (size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f) {
      // Not echoed: the URL may carry terminal escape sequences.
      char byte[8];
      std::snprintf(byte, sizeof(byte), "0x%02x", c);
      return Error{std::string("bad URL: byte ") + byte + " at offset " +
                       std::to_string(i) +
                       " (only printable ASCII without spaces is allowed)",
                   EINVAL};
    }
  }
  auto colon = url.find(':');
  bool scheme_ok = colon != std::string::npos && colon > 0 &&
                   std::isalpha(static_cast<unsigned char>(url[0]));
  for (size_t i = 0; scheme_ok && i < colon; ++i) {
    char c = url[i];
    scheme_ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
                c == '-' || c == '.';
  }
  if (!scheme_ok || colon + 1 >= url.size())
    return Error{"bad URL '" + url + "': expected SCHEME:... such as sim://clock",
                 EINVAL};
  return Status::Ok();
}

}  // namespace tabsim
