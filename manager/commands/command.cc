#include "manager/commands/command.h"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>

#include "common/protocol.h"
#include "common/wait_status.h"
#include "manager/base/units.h"
#include "manager/core/input_builder.h"

namespace tabsim {
namespace {

using Operands = std::vector<std::string>;
using Options = std::vector<std::pair<std::string, std::string>>;

Error Bad(const std::string& message) { return Error{message, EINVAL}; }

// A decimal integer as people and scripts type it: an optional '-' (only
// when min < 0), digits, no leading zeros or blanks, within [min, max].
bool ParseNumber(std::string_view word, long min, long max, long* out) {
  if (word.empty() || word.size() > 12) return false;
  std::string_view digits = word[0] == '-' ? word.substr(1) : word;
  if (word[0] == '-' && min >= 0) return false;
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return false;
  if (word[0] == '-' && digits == "0") return false;  // "-0"
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  long value = 0;
  auto [end, error] =
      std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc() || end != word.data() + word.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

Result<int> TabId(const std::string& word) {
  long id = 0;
  if (!ParseNumber(word, 1, INT_MAX, &id))
    return Bad("'" + word.substr(0, 32) + "' is not a tab id");
  return int(id);
}

Result<int> Number(const char* what, const std::string& word, long min,
                   long max) {
  long value = 0;
  if (!ParseNumber(word, min, max, &value))
    return Bad(std::string(what) + " '" + word.substr(0, 32) +
               "' is not a whole number from " + std::to_string(min) + " to " +
               std::to_string(max));
  return int(value);
}

Status Url(const std::string& word, std::string* url) {
  if (Status valid = ValidateUrl(word); !valid.ok()) return valid;
  *url = word;
  return Status::Ok();
}

// ---------------------------------------------------------------- verbs

Status ParseTabOnly(const Operands& operands, const Options&, Command* c) {
  auto id = TabId(operands[0]);
  if (!id.ok()) return id.error();
  c->tab_id = *id;
  return Status::Ok();
}

Status ParseOpen(const Operands& operands, const Options&, Command* c) {
  return Url(operands[0], &c->url);
}

Status ParseKill(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  c->signal = SIGKILL;
  for (const auto& [name, value] : options) {
    c->signal = SignalFromName(value);
    if (c->signal < 1 || c->signal >= NSIG)
      return Bad("unknown signal '" + value.substr(0, 32) + "'");
  }
  return Status::Ok();
}

Status ParseNavigate(const Operands& operands, const Options& options,
                     Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  return Url(operands[1], &c->url);
}

Status ParseResize(const Operands& operands, const Options& options,
                   Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  auto size = ParseSize(operands[1]);
  if (!size.ok()) {
    // ParseSize speaks of --size; here the operand is WxH.
    std::string message = size.error().message;
    if (message.rfind("--size: ", 0) == 0) message = message.substr(8);
    return Bad(message);
  }
  c->width = size->first;
  c->height = size->second;
  return Status::Ok();
}

Status ParsePoint(const std::string& x, const std::string& y, Command* c) {
  auto px = Number("X", x, -kMaxCoordinate, kMaxCoordinate);
  if (!px.ok()) return px.error();
  auto py = Number("Y", y, -kMaxCoordinate, kMaxCoordinate);
  if (!py.ok()) return py.error();
  c->x = *px;
  c->y = *py;
  return Status::Ok();
}

Status ParseClick(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  return ParsePoint(operands[1], operands[2], c);
}

Status ParseMouse(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  const std::string& action = operands[1];
  if (action == "down") c->mouse_action = proto::MouseEvent::DOWN;
  else if (action == "up") c->mouse_action = proto::MouseEvent::UP;
  else if (action == "move") c->mouse_action = proto::MouseEvent::MOVE;
  else return Bad("'" + action.substr(0, 32) + "' is not down, up or move");
  auto button = Number("BUTTON", operands[2], 0, 2);
  if (!button.ok()) return button.error();
  c->button = *button;
  return ParsePoint(operands[3], operands[4], c);
}

Status ParseWheel(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  if (Status point = ParsePoint(operands[1], operands[2], c); !point.ok())
    return point;
  auto dx = Number("DX", operands[3], -kMaxWheelDelta, kMaxWheelDelta);
  if (!dx.ok()) return dx.error();
  auto dy = Number("DY", operands[4], -kMaxWheelDelta, kMaxWheelDelta);
  if (!dy.ok()) return dy.error();
  c->delta_x = *dx;
  c->delta_y = *dy;
  return Status::Ok();
}

Status ParseKey(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  c->key = KeyCodeFromName(operands[1]);
  if (c->key == proto::KEY_UNKNOWN)
    return Bad("unknown key '" + operands[1].substr(0, 32) + "' (have: " +
               KeyNames() + ")");
  return Status::Ok();
}

Status ParseType(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  const std::string& text = operands[1];
  if (text.empty() || text.size() > kMaxTypeBytes)
    return Bad("TEXT must be 1 to " + std::to_string(kMaxTypeBytes) + " bytes");
  c->text = text;
  return Status::Ok();
}

Status ParseFault(const Operands& operands, const Options& options, Command* c) {
  if (Status id = ParseTabOnly(operands, options, c); !id.ok()) return id;
  const std::string& kind = operands[1];
  c->clear_faults = kind == "clear";
  if (c->clear_faults) {
    if (!options.empty()) return Bad("clear takes no options");
    return Status::Ok();
  }
  auto parsed = ParseFaultKind(kind);
  if (!parsed.ok()) return parsed.error();
  c->fault = FaultSpec{};
  c->fault.kind = *parsed;
  const bool message_fault = *parsed < FaultKind::kWithholdRelease;
  for (const auto& [name, value] : options) {
    if (name == "--rate") {
      char* end = nullptr;
      double rate = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(rate > 0 && rate <= 1))
        return Bad("--rate '" + value.substr(0, 32) +
                   "' is not a probability in (0, 1]");
      c->fault.rate = rate;
    } else if (name == "--ms") {
      auto ms = Number("--ms", value, 1,
                       FaultInjector::kMaxDelay.count());
      if (!ms.ok()) return ms.error();
      c->fault.delay = std::chrono::milliseconds(*ms);
    } else if (name == "--direction") {
      if (value == "from-tab") c->fault.direction = Direction::kFromTab;
      else if (value == "to-tab") c->fault.direction = Direction::kToTab;
      else if (value == "both") c->fault_both_directions = true;
      else return Bad("--direction '" + value.substr(0, 32) +
                      "' is not from-tab, to-tab or both");
    }
    if (!message_fault && name != "--rate")
      return Bad(name + " is for message faults, not " + kind);
  }
  const bool delay = c->fault.kind == FaultKind::kDelay;
  if (delay && c->fault.delay.count() == 0) return Bad("delay needs --ms N");
  if (!delay && c->fault.delay.count() != 0) return Bad("--ms is for delay only");
  return Status::Ok();
}

// "ID" or "finished" (every finished record: tab_id stays 0).
Status ParseForget(const Operands& operands, const Options& options,
                   Command* c) {
  if (operands[0] == "finished") return Status::Ok();
  if (Status id = ParseTabOnly(operands, options, c); !id.ok())
    return Bad(id.error().message + " (nor 'finished')");
  return Status::Ok();
}

// "start FILE [--max-mb N]" or "stop".
Status ParseTimeline(const Operands& operands, const Options& options,
                     Command* c) {
  const std::string& action = operands[0];
  if (action == "stop") {
    if (operands.size() > 1 || !options.empty())
      return Bad("stop takes nothing more");
    return Status::Ok();
  }
  if (action != "start")
    return Bad("'" + action.substr(0, 32) + "' is not start or stop");
  if (operands.size() < 2) return Bad("start needs a FILE");
  if (operands[1].empty()) return Bad("empty file name");
  c->timeline_start = true;
  c->path = operands[1];
  for (const auto& [name, value] : options) {
    auto mb = Number("--max-mb", value, 1, kMaxTimelineMb);
    if (!mb.ok()) return mb.error();
    c->max_bytes = uint64_t(*mb) << 20;
  }
  return Status::Ok();
}

}  // namespace

const std::vector<CommandSpec>& CommandTable() {
  static const std::vector<CommandSpec> table = {
      {"open", "URL", "open a tab showing URL (sim://clock, ...)", 1, false,
       {}, ParseOpen},
      {"close", "ID", "close a tab (it exits; SIGKILL after a grace period)",
       1, false, {}, ParseTabOnly},
      {"kill", "ID [--signal NAME]",
       "signal a tab's process, as kill(1) would (default KILL)", 1, false,
       {"--signal"}, ParseKill},
      {"crash", "ID", "navigate a tab to sim://crash", 1, false, {},
       ParseTabOnly},
      {"reload", "ID", "restart a gone tab: same id and URL, new process", 1,
       false, {}, ParseTabOnly},
      {"hide", "ID",
       "pin a tab hidden (no frames, timers once a second, lower priority)",
       1, false, {}, ParseTabOnly},
      {"show", "ID", "pin a tab shown, whatever the front ends show", 1,
       false, {}, ParseTabOnly},
      {"unpin", "ID", "let the front ends decide whether a tab is shown", 1,
       false, {}, ParseTabOnly},
      {"focus", "ID", "give a tab the focus (it comes first)", 1, false, {},
       ParseTabOnly},
      {"discard", "ID",
       "end a tab's process to free its memory (reload or focus brings it "
       "back)",
       1, false, {}, ParseTabOnly},
      {"protect", "ID", "never discard a tab under memory pressure", 1, false,
       {}, ParseTabOnly},
      {"unprotect", "ID", "let memory pressure discard a tab again", 1, false,
       {}, ParseTabOnly},
      {"forget", "ID|finished",
       "drop a gone tab's record from lists and summaries (finished: every "
       "gone tab's); a running tab is refused",
       1, false, {}, ParseForget},
      {"navigate", "ID URL", "load URL in a tab", 2, false, {}, ParseNavigate},
      {"resize", "ID WxH", "change a tab's frame size", 2, false, {},
       ParseResize},
      {"click", "ID X Y", "left click at (X, Y) in tab pixels, inside the frame",
       3, false, {}, ParseClick},
      {"mouse", "ID down|up|move BUTTON X Y",
       "one mouse event (BUTTON 0 left, 1 middle, 2 right)", 5, false, {},
       ParseMouse},
      {"wheel", "ID X Y DX DY", "a wheel event at (X, Y)", 5, false, {},
       ParseWheel},
      {"key", "ID NAME",
       "press a key: enter, backspace, tab, escape, left, right, up, down, "
       "delete, home, end",
       2, false, {}, ParseKey},
      {"type", "ID TEXT", "type TEXT into a tab, a key per character", 2,
       true, {}, ParseType},
      {"fault", "ID KIND [--rate P] [--ms N] [--direction from-tab|to-tab|both]",
       "inject a fault into a tab's channel: drop, delay (--ms), duplicate, "
       "corrupt, reorder, withhold-release, withhold-pong; or clear",
       2, false, {"--rate", "--ms", "--direction"}, ParseFault},
      {"timeline", "start FILE [--max-mb N] | stop",
       "write the run as Chrome Trace Event JSON to FILE (Perfetto, "
       "chrome://tracing); stop ends it",
       1, false, {"--max-mb"}, ParseTimeline, 1},
  };
  return table;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& spec : CommandTable())
    if (spec.name == name) return &spec;
  return nullptr;
}

Result<Command> ParseCommand(const std::vector<std::string>& words) {
  if (words.empty() || words[0].empty()) return Bad("empty command");
  const CommandSpec* spec = FindCommand(words[0]);
  if (spec == nullptr) {
    std::string names;
    for (const CommandSpec& s : CommandTable())
      names += (names.empty() ? "" : ", ") + std::string(s.name);
    return Bad("unknown command '" + words[0].substr(0, 32) + "' (have: " +
               names + ")");
  }
  const std::string verb(spec->name);
  const std::string usage = " (usage: " + verb + " " + std::string(spec->usage) + ")";
  Operands operands;
  Options options;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool is_text = spec->rest_of_line && int(operands.size()) == spec->operands - 1;
    if (!is_text && word.size() > 2 && word.rfind("--", 0) == 0) {
      bool known = false;
      for (std::string_view option : spec->options) known |= option == word;
      if (!known) return Bad(verb + ": unknown option " + word.substr(0, 32) + usage);
      if (i + 1 >= words.size()) return Bad(verb + ": " + word + " needs a value");
      options.emplace_back(word, words[++i]);
      continue;
    }
    if (is_text && i + 1 < words.size()) {
      // The rest of the line, as typed: argv words joined by single spaces.
      std::string text = word;
      while (++i < words.size()) text += " " + words[i];
      operands.push_back(std::move(text));
      break;
    }
    operands.push_back(word);
  }
  if (int(operands.size()) < spec->operands)
    return Bad(verb + ": missing " +
               (operands.empty() ? std::string(spec->usage.substr(0, spec->usage.find(' ')))
                                 : "arguments") +
               usage);
  if (int(operands.size()) > spec->operands + spec->optional_operands)
    return Bad(verb + ": too many arguments" + usage);
  Command command;
  command.spec = spec;
  if (Status parsed = spec->parse(operands, options, &command); !parsed.ok())
    return Bad(verb + ": " + parsed.error().message);
  return command;
}

Result<std::vector<std::string>> SplitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  if (line.empty()) return Bad("empty command");
  const CommandSpec* spec = nullptr;
  while (true) {
    // The last operand of a rest-of-line verb keeps the rest verbatim.
    if (spec != nullptr && spec->rest_of_line &&
        int(words.size()) == spec->operands) {
      words.emplace_back(line);
      return words;
    }
    size_t space = line.find(' ');
    std::string_view word = line.substr(0, space);
    if (word.empty()) return Bad("stray space in command");
    words.emplace_back(word);
    if (words.size() == 1) spec = FindCommand(word);
    if (space == std::string_view::npos) return words;
    line = line.substr(space + 1);
  }
}

std::string CommandHelp(int indent) {
  std::string text;
  for (const CommandSpec& spec : CommandTable()) {
    std::string left = std::string(indent, ' ') + std::string(spec.name) + " " +
                       std::string(spec.usage);
    const size_t column = size_t(indent) + 26;
    if (left.size() + 2 > column) {
      text += left + "\n" + std::string(column, ' ');
    } else {
      text += left + std::string(column - left.size(), ' ');
    }
    text += std::string(spec.help) + "\n";
  }
  return text;
}

}  // namespace tabsim
