// Frames for the web dashboard: one binary WebSocket message per update of
// one tab, carrying a PNG of the changed rectangle only (docs/web.md):
//
//   offset  size  field (little-endian)
//        0     4  magic "TSF1"
//        4     4  tab id
//        8     4  frame width      (the whole frame: the canvas size)
//       12     4  frame height
//       16     4  x                (the rectangle inside the frame)
//       20     4  y
//       24     4  rect width
//       28     4  rect height
//       32     8  frame sequence
//       40     -  PNG (8-bit RGBA) of the rectangle
//
// Bounded: at most one message per tab per client in flight, never more
// than a whole frame's PNG. The encoder keeps the last message per tab so
// several browsers watching the same tab share one encoding.
//
// Ownership: messages are shared_ptr<const string>, kept alive by whoever
// is writing them. The FrameView must be valid during Encode() only.
// Failure: a libpng error comes back as an Error (then nothing is sent).
#ifndef TABSIM_MANAGER_WEB_WEB_FRAME_ENCODER_H_
#define TABSIM_MANAGER_WEB_WEB_FRAME_ENCODER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/core/frame_view.h"

namespace tabsim {

inline constexpr size_t kWebFrameHeaderBytes = 40;
inline constexpr char kWebFrameMagic[4] = {'T', 'S', 'F', '1'};

struct WebRect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool IsEmpty() const { return width <= 0 || height <= 0; }
  bool operator==(const WebRect&) const = default;
};
// The smallest rectangle holding both; an empty operand is ignored.
WebRect Union(const WebRect& a, const WebRect& b);
// `rect` clipped to a width x height frame (empty if outside).
WebRect Clip(const WebRect& rect, int width, int height);
// The damage a frame announced, clipped to the frame.
WebRect DamageOf(const FrameView& frame);

// Header + PNG of `rect` (clipped to the frame; an empty result is an
// error) of `frame`. `scratch`, if given, is reused compression space.
Result<std::string> EncodeWebFrame(int tab_id, const FrameView& frame,
                                   const WebRect& rect,
                                   std::vector<unsigned char>* scratch = nullptr);

class WebFrameEncoder {
 public:
  using Message = std::shared_ptr<const std::string>;

  // The cached message when tab, sequence and rectangle match the last
  // encoding for that tab; else a new encoding (which replaces it).
  Result<Message> Encode(int tab_id, const FrameView& frame,
                         const WebRect& rect);
  void Forget(int tab_id) { cache_.erase(tab_id); }
  uint64_t encodings() const { return encodings_; }

 private:
  struct Cached {
    uint64_t sequence = 0;
    int width = 0;
    int height = 0;
    WebRect rect;
    Message message;
  };
  std::map<int, Cached> cache_;
  std::vector<unsigned char> scratch_;
  uint64_t encodings_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_FRAME_ENCODER_H_
