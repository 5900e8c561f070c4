// Constants both ends of the manager <-> tab channel agree on. The wire
// format itself is proto/tabsim.proto; docs/protocol.md explains it.
#ifndef TABSIM_COMMON_PROTOCOL_H_
#define TABSIM_COMMON_PROTOCOL_H_

#include <cstddef>
#include <cstdint>

namespace tabsim {

// Bump on any change in the meaning of a message.
inline constexpr uint32_t kProtocolVersion = 4;

// In the tab process: the channel socket and the first frame region.
inline constexpr int kChannelFd = 3;
inline constexpr int kRegionFd = 4;

// Largest serialized message either side accepts. Input events are tens of
// bytes; the largest legitimate message is a log line or a title.
inline constexpr size_t kMaxMessageSize = 16 * 1024;
// The largest InputEvent the manager sends: room for the ManagerToTab
// wrapper within kMaxMessageSize.
inline constexpr size_t kMaxInputEventBytes = kMaxMessageSize - 64;

// With --frames-over-socket a FramePixels message is a small header and
// the frame's FrameBytes() follow it raw on the stream (docs/protocol.md,
// "Frames over the socket"): the message limit stays kMaxMessageSize.

// Two frame buffers per region: the tab renders into the one it owns while
// the manager reads the other.
inline constexpr int kBuffersPerRegion = 2;
inline constexpr int kBytesPerPixel = 4;

// Frame sizes we accept from users (and so allocate for a tab).
inline constexpr int kMaxFrameDimension = 8192;

inline constexpr size_t FrameBytes(int width, int height) {
  return size_t(width) * size_t(height) * kBytesPerPixel;
}
inline constexpr size_t RegionBytes(int width, int height) {
  return kBuffersPerRegion * FrameBytes(width, height);
}

}  // namespace tabsim

#endif  // TABSIM_COMMON_PROTOCOL_H_
