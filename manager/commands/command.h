// The one command layer, in the role of tmux's cmd.c and cmd-*.c: every
// verb a user can aim at tabs (open, close, kill, crash, reload, navigate,
// resize, click, mouse, wheel, key, type, fault, ...) is defined once, here,
// with its syntax, its argument checks and its error messages. Front ends
// only turn their input into words and show the result:
//   - `tabsim ctl kill 3`   the words are its argv (checked here before the
//                           manager is even contacted, then again there);
//   - the dashboard         one line per command ("kill 3"), split by
//                           SplitCommandLine;
//   - the terminal UI       keys become words ({"kill", "3"}), and its ':'
//                           prompt takes a typed line like the dashboard.
// So the same mistake gets the same one-line message everywhere ("no tab
// 99", "kill: 'x' is not a tab id", "click: (900, 10) is outside tab 3's
// 480x320 frame").
//
// Two steps: ParseCommand() checks syntax only (no manager state needed, so
// a client can use it), and CommandRunner (command_runner.h) runs a parsed
// command against the tab host. Free functions and plain data; no state.
#ifndef TABSIM_MANAGER_COMMANDS_COMMAND_H_
#define TABSIM_MANAGER_COMMANDS_COMMAND_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/core/fault_injector.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

struct CommandSpec;

// A command that passed its syntax checks. Only the fields its verb uses
// are set.
struct Command {
  const CommandSpec* spec = nullptr;
  int tab_id = 0;                               // forget finished: 0
  std::string url;                              // open, navigate
  int signal = 0;                               // kill
  int width = 0, height = 0;                    // resize
  int x = 0, y = 0;                             // click, mouse, wheel
  int delta_x = 0, delta_y = 0;                 // wheel
  int button = 0;                               // mouse
  proto::MouseEvent::Action mouse_action = proto::MouseEvent::MOVE;
  proto::KeyCode key = proto::KEY_UNKNOWN;      // key
  std::string text;                             // type
  bool clear_faults = false;                    // fault ID clear
  FaultSpec fault;                              // fault
  bool fault_both_directions = false;           // fault --direction both
  bool timeline_start = false;                  // timeline start (else stop)
  std::string path;                             // timeline start FILE
  uint64_t max_bytes = 0;                       // timeline --max-mb; 0: default
};

// One verb. `usage` is what follows the verb ("ID [--signal NAME]");
// `help` a one-line description.
struct CommandSpec {
  std::string_view name;
  std::string_view usage;
  std::string_view help;
  // Operands after the verb (options not counted). With rest_of_line the
  // last operand takes the rest of a typed line, spaces included.
  int operands = 0;
  bool rest_of_line = false;
  // Options the verb takes, each with a value ("--signal").
  std::vector<std::string_view> options;
  // Checks the operands and options; fills `command`.
  Status (*parse)(const std::vector<std::string>& operands,
                  const std::vector<std::pair<std::string, std::string>>& options,
                  Command* command) = nullptr;
  // Operands that may follow the required ones ("timeline start FILE" and
  // "timeline stop" are one verb).
  int optional_operands = 0;
};

// Every verb, in the order help lists them.
const std::vector<CommandSpec>& CommandTable();
const CommandSpec* FindCommand(std::string_view name);

// `words[0]` is the verb. Errors are one line, prefixed with the verb
// ("kill: 'x' is not a tab id"), or "unknown command 'frob' (...)".
Result<Command> ParseCommand(const std::vector<std::string>& words);

// A typed line ("kill 3", "type 3 hello world") into words: separated by
// single spaces, and for a verb whose last operand takes the rest of the
// line, that rest verbatim. Errors: an empty line, a stray space.
Result<std::vector<std::string>> SplitCommandLine(std::string_view line);

// "  kill ID [--signal NAME]   send a signal to a tab's process ..." lines
// for --help texts, each indented by `indent`.
std::string CommandHelp(int indent);

// Limits on what a command may carry.
inline constexpr size_t kMaxTypeBytes = 4096;
inline constexpr int kMaxCoordinate = 1 << 16;  // either sign
inline constexpr int kMaxWheelDelta = 10000;
inline constexpr int kMaxTimelineMb = 1 << 16;  // timeline --max-mb

}  // namespace tabsim

#endif  // TABSIM_MANAGER_COMMANDS_COMMAND_H_
