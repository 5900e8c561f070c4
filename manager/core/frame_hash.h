// The hash of a frame's pixels that recordings store and replay compares
// (docs/record.md): FNV-1a 64 taken over the frame's pixels as 64-bit
// words (two pixels at a time, in memory order, rows top to bottom),
// then over the width and height. An odd pixel count ends with one 32-bit
// word. Word-wise rather than byte-wise so hashing a 480x320 frame costs
// about a tenth of a millisecond; this is for spotting differences, not
// for security.
#ifndef TABSIM_MANAGER_CORE_FRAME_HASH_H_
#define TABSIM_MANAGER_CORE_FRAME_HASH_H_

#include <cstdint>

#include "manager/core/frame_view.h"

namespace tabsim {

uint64_t FrameHash(const FrameView& frame);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_FRAME_HASH_H_
