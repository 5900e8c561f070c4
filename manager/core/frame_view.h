// A read-only view of one whole frame in a tab's shared region.
//
// The pixels live in the manager's read-only mapping and are valid only
// while the manager holds the buffer: during TabObserver::OnFrame, or until
// the session accepts its next frame (TabSession::latest_frame()). Copy what
// you need to keep. Pixel format: see tab/canvas.h (BGRA bytes).
#ifndef TABSIM_MANAGER_CORE_FRAME_VIEW_H_
#define TABSIM_MANAGER_CORE_FRAME_VIEW_H_

#include <cstdint>

namespace tabsim {

struct FrameView {
  const uint32_t* pixels = nullptr;
  int width = 0;
  int height = 0;
  uint64_t sequence = 0;
  uint64_t last_input_sequence = 0;
  uint64_t navigation_id = 0;  // last Navigate applied; 0: the first page
  uint32_t region_generation = 0;  // 1 until the first resize
  uint64_t begin_frame_sequence = 0;  // the BeginFrame it answers; 0: unpaced
  int buffer_index = -1;  // which of the region's buffers (-1: over the socket)
  int damage_x = 0;
  int damage_y = 0;
  int damage_width = 0;
  int damage_height = 0;
  bool IsValid() const { return pixels != nullptr; }
  uint32_t at(int x, int y) const { return pixels[long(y) * width + x]; }
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_FRAME_VIEW_H_
