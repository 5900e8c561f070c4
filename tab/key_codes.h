// Key codes carried in KeyInput::key_code. They mirror enum KeyCode in
// proto/tabsim.proto so that pages need not depend on protobuf; keep the two
// in sync (the tab process passes the proto value through unchanged).
#ifndef TABSIM_TAB_KEY_CODES_H_
#define TABSIM_TAB_KEY_CODES_H_

#include <cstdint>

namespace tabsim {

enum KeyCode : uint32_t {
  kKeyUnknown = 0,
  kKeyEnter = 1,
  kKeyBackspace = 2,
  kKeyTab = 3,
  kKeyEscape = 4,
  kKeyLeft = 5,
  kKeyRight = 6,
  kKeyUp = 7,
  kKeyDown = 8,
  kKeyDelete = 9,
  kKeyHome = 10,
  kKeyEnd = 11,
  kKeyCharacter = 100,  // printable; the text is in KeyInput::text
};

}  // namespace tabsim

#endif  // TABSIM_TAB_KEY_CODES_H_
