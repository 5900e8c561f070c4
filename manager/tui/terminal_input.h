// Turns the bytes a terminal sends in raw mode into keys and mouse events:
// UTF-8 text, control keys, CSI/SS3 cursor keys, and SGR mouse reports
// (ESC [ < b ; x ; y M|m). Pure parsing, no I/O, so it is unit-tested.
//
// A sequence split across reads is kept until the rest arrives, except a
// lone ESC at the end of a read, which is the Escape key (terminals send a
// whole sequence in one write).
#ifndef TABSIM_MANAGER_TUI_TERMINAL_INPUT_H_
#define TABSIM_MANAGER_TUI_TERMINAL_INPUT_H_

#include <string>
#include <string_view>
#include <vector>

namespace tabsim {

enum class TermKey {
  kNone,
  kCharacter,  // printable; TermEvent::text holds its UTF-8
  kEnter,
  kEscape,
  kBackspace,
  kTab,
  kUp,
  kDown,
  kLeft,
  kRight,
  kHome,
  kEnd,
  kDelete,
  kPageUp,
  kPageDown,
};

struct TermEvent {
  enum class Kind { kKey, kMouse };
  enum class MouseAction { kPress, kRelease, kDrag, kMove, kWheelUp, kWheelDown };
  Kind kind = Kind::kKey;
  TermKey key = TermKey::kNone;
  std::string text;
  MouseAction mouse = MouseAction::kPress;
  int button = 0;  // 0 left, 1 middle, 2 right
  int column = 0;  // 0-based cell
  int row = 0;
};

class TerminalInputParser {
 public:
  std::vector<TermEvent> Feed(std::string_view bytes);

 private:
  // Returns bytes consumed from the start of `input`, 0 when incomplete.
  size_t ParseOne(std::string_view input, bool at_end,
                  std::vector<TermEvent>* out);
  std::string pending_;
};

const char* ToString(TermKey key);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TUI_TERMINAL_INPUT_H_
