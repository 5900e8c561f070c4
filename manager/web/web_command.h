// What a dashboard (the browser) may ask for over its WebSocket: one text
// message per command, words separated by single spaces (docs/web.md):
//
//   mouse TAB down|up|move BUTTON X Y   button 0..2, X/Y in tab pixels
//   wheel TAB X Y DX DY                  DX/DY in -10000..10000
//   key TAB NAME                         a press (down + up) of a named key:
//                                        enter, backspace, tab, escape, left,
//                                        right, up, down, delete, home, end
//   type TAB TEXT                        printable UTF-8, 1..64 bytes; the
//                                        rest of the message, spaces included
//   open URL | kill TAB | crash TAB | reload TAB | close TAB
//
// ParseWebCommand is the only place that reads browser bytes: it rejects
// anything else (unknown verbs, extra or missing words, numbers out of
// range, leading zeros or signs where none belong, control bytes, invalid
// UTF-8, more than kMaxWebCommandBytes) with an Error saying why; the
// server then closes that client. Coordinates are only range-checked here;
// the server clamps them into the tab, whose size can change.
#ifndef TABSIM_MANAGER_WEB_WEB_COMMAND_H_
#define TABSIM_MANAGER_WEB_WEB_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

inline constexpr size_t kMaxWebCommandBytes = 4096;
inline constexpr size_t kMaxWebTypeBytes = 64;

struct WebCommand {
  enum class Kind { kInput, kOpen, kKill, kCrash, kReload, kClose };
  Kind kind = Kind::kInput;
  int tab_id = 0;                        // every kind but kOpen
  std::vector<proto::InputEvent> inputs;  // kInput, in order
  std::string url;                        // kOpen, already ValidateUrl()ed
};

Result<WebCommand> ParseWebCommand(std::string_view message);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_COMMAND_H_
