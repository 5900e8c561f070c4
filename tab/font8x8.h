// The built-in 8x8 bitmap font (printable ASCII 0x20..0x7E) that
// Canvas::DrawText renders with. Kept apart from canvas.cc so the glyph
// table does not drown the drawing code.
#ifndef TABSIM_TAB_FONT8X8_H_
#define TABSIM_TAB_FONT8X8_H_

#include <cstdint>

#include "tab/canvas.h"

namespace tabsim {

// Returns kGlyphHeight row bytes for `c`, top row first. In each row bit 0
// is the leftmost pixel (bit i = column i). Characters outside 0x20..0x7E
// map to '?'. The pointer refers to static storage and is never null.
const uint8_t* GlyphRows(char c);

}  // namespace tabsim

#endif  // TABSIM_TAB_FONT8X8_H_
