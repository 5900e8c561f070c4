#include "manager/tui/terminal_input.h"

#include <cstdlib>

namespace tabsim {
namespace {

TermEvent Key(TermKey key, std::string text = {}) {
  TermEvent event;
  event.key = key;
  event.text = std::move(text);
  return event;
}

size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// ESC [ < b ; x ; y (M|m), `body` being what lies between '<' and the final.
bool ParseSgrMouse(std::string_view body, char final, TermEvent* event) {
  int values[3] = {0, 0, 0};
  int index = 0;
  for (char c : body) {
    if (c == ';') {
      if (++index > 2) return false;
    } else if (c >= '0' && c <= '9') {
      if (values[index] > 100000) return false;
      values[index] = values[index] * 10 + (c - '0');
    } else {
      return false;
    }
  }
  if (index != 2) return false;
  int code = values[0];
  event->kind = TermEvent::Kind::kMouse;
  event->column = values[1] - 1;
  event->row = values[2] - 1;
  event->button = code & 3;
  if (code & 64) {
    event->mouse = (code & 1) ? TermEvent::MouseAction::kWheelDown
                              : TermEvent::MouseAction::kWheelUp;
  } else if (code & 32) {
    event->mouse = event->button == 3 ? TermEvent::MouseAction::kMove
                                      : TermEvent::MouseAction::kDrag;
  } else {
    event->mouse = final == 'M' ? TermEvent::MouseAction::kPress
                                : TermEvent::MouseAction::kRelease;
  }
  return true;
}

}  // namespace

std::vector<TermEvent> TerminalInputParser::Feed(std::string_view bytes) {
  pending_.append(bytes);
  std::vector<TermEvent> events;
  size_t position = 0;
  while (position < pending_.size()) {
    size_t used = ParseOne(std::string_view(pending_).substr(position), true,
                           &events);
    if (used == 0) break;
    position += used;
  }
  pending_.erase(0, position);
  if (pending_.size() > 256) pending_.clear();  // junk, not a sequence
  return events;
}

size_t TerminalInputParser::ParseOne(std::string_view in, bool at_end,
                                     std::vector<TermEvent>* out) {
  auto c = static_cast<unsigned char>(in[0]);
  if (c == 0x1b) {
    if (in.size() == 1) {
      if (at_end) out->push_back(Key(TermKey::kEscape));
      return at_end ? 1 : 0;
    }
    if (in[1] == 'O') {  // SS3: application cursor keys
      if (in.size() < 3) return 0;
      switch (in[2]) {
        case 'A': out->push_back(Key(TermKey::kUp)); break;
        case 'B': out->push_back(Key(TermKey::kDown)); break;
        case 'C': out->push_back(Key(TermKey::kRight)); break;
        case 'D': out->push_back(Key(TermKey::kLeft)); break;
        case 'H': out->push_back(Key(TermKey::kHome)); break;
        case 'F': out->push_back(Key(TermKey::kEnd)); break;
        default: break;
      }
      return 3;
    }
    if (in[1] != '[') {
      out->push_back(Key(TermKey::kEscape));  // then the byte on its own
      return 1;
    }
    // CSI: parameters and intermediates, then a final byte 0x40..0x7e.
    size_t end = 2;
    while (end < in.size() &&
           !(static_cast<unsigned char>(in[end]) >= 0x40 &&
             static_cast<unsigned char>(in[end]) <= 0x7e))
      ++end;
    if (end >= in.size()) return 0;  // incomplete
    std::string_view params = in.substr(2, end - 2);
    char final = in[end];
    size_t used = end + 1;
    if (!params.empty() && params[0] == '<' && (final == 'M' || final == 'm')) {
      TermEvent event;
      if (ParseSgrMouse(params.substr(1), final, &event)) out->push_back(event);
      return used;
    }
    switch (final) {
      case 'A': out->push_back(Key(TermKey::kUp)); break;
      case 'B': out->push_back(Key(TermKey::kDown)); break;
      case 'C': out->push_back(Key(TermKey::kRight)); break;
      case 'D': out->push_back(Key(TermKey::kLeft)); break;
      case 'H': out->push_back(Key(TermKey::kHome)); break;
      case 'F': out->push_back(Key(TermKey::kEnd)); break;
      case 'Z': break;  // shift-tab: unused
      case '~': {
        int number = std::atoi(std::string(params).c_str());
        if (number == 1 || number == 7) out->push_back(Key(TermKey::kHome));
        if (number == 4 || number == 8) out->push_back(Key(TermKey::kEnd));
        if (number == 3) out->push_back(Key(TermKey::kDelete));
        if (number == 5) out->push_back(Key(TermKey::kPageUp));
        if (number == 6) out->push_back(Key(TermKey::kPageDown));
        break;
      }
      default: break;  // focus reports and the like
    }
    return used;
  }
  if (c == '\r' || c == '\n') {
    out->push_back(Key(TermKey::kEnter));
    // A terminal sending CR LF means one Enter.
    return (c == '\r' && in.size() > 1 && in[1] == '\n') ? 2 : 1;
  }
  if (c == 0x7f || c == 0x08) {
    out->push_back(Key(TermKey::kBackspace));
    return 1;
  }
  if (c == '\t') {
    out->push_back(Key(TermKey::kTab));
    return 1;
  }
  if (c < 0x20) return 1;  // other controls: ignored
  size_t length = Utf8Length(c);
  if (in.size() < length) return at_end && in.size() > 8 ? 1 : 0;
  out->push_back(Key(TermKey::kCharacter, std::string(in.substr(0, length))));
  return length;
}

const char* ToString(TermKey key) {
  switch (key) {
    case TermKey::kNone: return "none";
    case TermKey::kCharacter: return "character";
    case TermKey::kEnter: return "enter";
    case TermKey::kEscape: return "escape";
    case TermKey::kBackspace: return "backspace";
    case TermKey::kTab: return "tab";
    case TermKey::kUp: return "up";
    case TermKey::kDown: return "down";
    case TermKey::kLeft: return "left";
    case TermKey::kRight: return "right";
    case TermKey::kHome: return "home";
    case TermKey::kEnd: return "end";
    case TermKey::kDelete: return "delete";
    case TermKey::kPageUp: return "page up";
    case TermKey::kPageDown: return "page down";
  }
  return "?";
}

}  // namespace tabsim
