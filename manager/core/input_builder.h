// Building the input events and checking the URLs that front ends (the TUI,
// `tabsim ctl`) send to tabs. Free functions; no state.
#ifndef TABSIM_MANAGER_CORE_INPUT_BUILDER_H_
#define TABSIM_MANAGER_CORE_INPUT_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

proto::InputEvent MouseInput(proto::MouseEvent::Action action, int button,
                             int x, int y);
proto::InputEvent WheelInput(int x, int y, int delta_x, int delta_y);
proto::InputEvent KeyInput(proto::KeyEvent::Action action,
                           proto::KeyCode code, const std::string& text = {});
// Down and up of a key per UTF-8 character of `text`: '\n' is Enter, '\t'
// Tab, '\b' and DEL Backspace, anything else a KEY_CHARACTER.
std::vector<proto::InputEvent> TypeText(const std::string& text);

// "enter", "Backspace", "esc", "left", ... -> the code; KEY_UNKNOWN if none.
proto::KeyCode KeyCodeFromName(const std::string& name);
// The names KeyCodeFromName accepts, for messages.
const char* KeyNames();

// A URL we pass to a tab: 1..2048 printable ASCII bytes without spaces, in
// the form SCHEME:REST (sim://clock, https://example.org, about:blank).
Status ValidateUrl(const std::string& url);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_INPUT_BUILDER_H_
