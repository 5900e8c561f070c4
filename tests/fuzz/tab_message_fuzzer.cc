// libFuzzer target: every byte a tab can send, through everything in the
// manager that decodes and validates it: framing (FrameDecoder), protobuf
// parsing of TabToManager, and the frame ledger's FrameReady checks, then a
// read of every pixel of each accepted frame (which must lie inside the
// manager's own read-only mapping). A crash, a sanitizer report or a read
// outside the mapping is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "manager/core/frame_ledger.h"
#include "proto/tabsim.pb.h"

namespace {

volatile uint32_t g_sink;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tabsim;
  // Each input starts from fresh bookkeeping with two small regions, so
  // frames may name either generation (and retire the first).
  FrameLedger fresh;
  if (!fresh.AddRegion("tabsim-fuzz", 16, 8).ok() ||
      !fresh.AddRegion("tabsim-fuzz", 4, 2).ok())
    __builtin_trap();

  FrameDecoder decoder(kMaxMessageSize);
  proto::TabToManager message;
  size_t offset = 0;
  while (offset < size) {
    // Feed in uneven pieces to exercise partial reads.
    size_t piece = std::min<size_t>(size - offset, 1 + (data[offset] % 61));
    std::span<char> space = decoder.PrepareWrite(piece);
    std::memcpy(space.data(), data + offset, piece);
    decoder.Commit(piece);
    offset += piece;
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder.Next(&payload)) == FrameDecoder::Result::kMessage) {
      if (!message.ParseFromArray(payload.data(), int(payload.size()))) continue;
      if (!message.has_frame_ready()) continue;
      auto verdict = fresh.OnFrameReady(message.frame_ready(), /*inputs_sent=*/8,
                                          /*navigations_sent=*/2);
      if (auto* accepted = std::get_if<FrameLedger::Accepted>(&verdict)) {
        const FrameView& view = accepted->view;
        uint32_t sum = 0;
        for (int i = 0; i < view.width * view.height; ++i) sum += view.pixels[i];
        g_sink = sum;
      }
    }
    if (result != FrameDecoder::Result::kNeedMore) return 0;  // stream dead
  }
  return 0;
}
