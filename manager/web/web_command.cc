#include "manager/web/web_command.h"

#include <cerrno>
#include <charconv>
#include <climits>

#include "common/protocol.h"
#include "manager/base/text.h"
#include "manager/core/input_builder.h"

namespace tabsim {

namespace {

Error Bad(const std::string& why) {
  return Error{"bad dashboard command: " + why, EINVAL};
}

// Splits on single spaces; an empty word (two spaces, a leading or
// trailing space) makes the message malformed.
bool SplitWords(std::string_view text, std::vector<std::string_view>* words) {
  while (true) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (word.empty()) return false;
    words->push_back(word);
    if (space == std::string_view::npos) return true;
    text = text.substr(space + 1);
  }
}

// A decimal integer: an optional '-' (only when min < 0), digits, no
// leading zeros, within [min, max].
bool ParseNumber(std::string_view word, long min, long max, long* out) {
  if (word.empty() || word.size() > 12) return false;
  std::string_view digits = word[0] == '-' ? word.substr(1) : word;
  if (word[0] == '-' && min >= 0) return false;
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  long value = 0;
  auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc() || end != word.data() + word.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

}  // namespace

Result<WebCommand> ParseWebCommand(std::string_view message) {
  if (message.empty()) return Bad("empty message");
  if (message.size() > kMaxWebCommandBytes)
    return Bad("longer than " + std::to_string(kMaxWebCommandBytes) + " bytes");
  if (!IsValidUtf8(message)) return Bad("not UTF-8");
  for (unsigned char c : message)
    if (c < 0x20 || c == 0x7f) return Bad("control byte in message");

  WebCommand command;
  size_t first_space = message.find(' ');
  std::string_view verb = message.substr(0, first_space);

  // `type` keeps the rest of the message verbatim, spaces included.
  if (verb == "type") {
    std::string_view rest = first_space == std::string_view::npos
                                ? std::string_view{}
                                : message.substr(first_space + 1);
    size_t second = rest.find(' ');
    long tab = 0;
    if (second == std::string_view::npos ||
        !ParseNumber(rest.substr(0, second), 1, INT_MAX, &tab))
      return Bad("usage: type TAB TEXT");
    std::string_view text = rest.substr(second + 1);
    if (text.empty() || text.size() > kMaxWebTypeBytes)
      return Bad("type: text must be 1.." + std::to_string(kMaxWebTypeBytes) +
                 " bytes");
    command.tab_id = int(tab);
    command.inputs = TypeText(std::string(text));
    return command;
  }

  std::vector<std::string_view> words;
  if (!SplitWords(message, &words)) return Bad("stray space");
  auto tab_at = [&](size_t index) -> bool {
    long tab = 0;
    if (!ParseNumber(words[index], 1, INT_MAX, &tab)) return false;
    command.tab_id = int(tab);
    return true;
  };
  constexpr long kMaxCoordinate = kMaxFrameDimension - 1;

  if (verb == "mouse") {
    long button = 0, x = 0, y = 0;
    if (words.size() != 6 || !tab_at(1) ||
        !ParseNumber(words[3], 0, 2, &button) ||
        !ParseNumber(words[4], 0, kMaxCoordinate, &x) ||
        !ParseNumber(words[5], 0, kMaxCoordinate, &y))
      return Bad("usage: mouse TAB down|up|move BUTTON X Y");
    proto::MouseEvent::Action action;
    if (words[2] == "down") action = proto::MouseEvent::DOWN;
    else if (words[2] == "up") action = proto::MouseEvent::UP;
    else if (words[2] == "move") action = proto::MouseEvent::MOVE;
    else return Bad("mouse: action must be down, up or move");
    command.inputs.push_back(MouseInput(action, int(button), int(x), int(y)));
    return command;
  }
  if (verb == "wheel") {
    long x = 0, y = 0, dx = 0, dy = 0;
    if (words.size() != 6 || !tab_at(1) ||
        !ParseNumber(words[2], 0, kMaxCoordinate, &x) ||
        !ParseNumber(words[3], 0, kMaxCoordinate, &y) ||
        !ParseNumber(words[4], -10000, 10000, &dx) ||
        !ParseNumber(words[5], -10000, 10000, &dy))
      return Bad("usage: wheel TAB X Y DX DY");
    command.inputs.push_back(WheelInput(int(x), int(y), int(dx), int(dy)));
    return command;
  }
  if (verb == "key") {
    if (words.size() != 3 || !tab_at(1)) return Bad("usage: key TAB NAME");
    proto::KeyCode code = KeyCodeFromName(std::string(words[2]));
    if (code == proto::KEY_UNKNOWN)
      return Bad(std::string("key: unknown key name (have: ") + KeyNames() + ")");
    command.inputs.push_back(KeyInput(proto::KeyEvent::DOWN, code));
    command.inputs.push_back(KeyInput(proto::KeyEvent::UP, code));
    return command;
  }
  if (verb == "open") {
    if (words.size() != 2) return Bad("usage: open URL");
    Status valid = ValidateUrl(std::string(words[1]));
    if (!valid.ok()) return Bad(valid.error().message);
    command.kind = WebCommand::Kind::kOpen;
    command.url = std::string(words[1]);
    return command;
  }
  struct TabVerb {
    std::string_view name;
    WebCommand::Kind kind;
  };
  static constexpr TabVerb kTabVerbs[] = {
      {"kill", WebCommand::Kind::kKill},
      {"crash", WebCommand::Kind::kCrash},
      {"reload", WebCommand::Kind::kReload},
      {"close", WebCommand::Kind::kClose},
  };
  for (const TabVerb& tab_verb : kTabVerbs) {
    if (verb != tab_verb.name) continue;
    if (words.size() != 2 || !tab_at(1))
      return Bad("usage: " + std::string(tab_verb.name) + " TAB");
    command.kind = tab_verb.kind;
    return command;
  }
  return Bad("unknown command '" + std::string(verb.substr(0, 32)) + "'");
}

}  // namespace tabsim
