#include "tab/bad_message_page.h"

#include <algorithm>

#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "tab/page_host.h"

namespace tabsim {
namespace {

constexpr BadMessagePage::Kind kAllKinds[] = {
    BadMessagePage::Kind::kOversizedLength, BadMessagePage::Kind::kGarbage,
    BadMessagePage::Kind::kTruncated,       BadMessagePage::Kind::kUnknownType,
    BadMessagePage::Kind::kBadBufferIndex,  BadMessagePage::Kind::kHeldBuffer,
    BadMessagePage::Kind::kWrongVersion,    BadMessagePage::Kind::kShrinkMemfd,
    BadMessagePage::Kind::kGrowMemfd,       BadMessagePage::Kind::kForeignView,
    BadMessagePage::Kind::kUnaskedFrame,
};

constexpr uint32_t kOversizedLength = 1u << 20;
constexpr uint32_t kBadBufferIndex = 7;
constexpr uint32_t kWrongProtocolVersion = 99;

std::string Varint(uint32_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

}  // namespace

const char* BadMessagePage::KindName(Kind kind) {
  switch (kind) {
    case Kind::kOversizedLength: return "oversized-length";
    case Kind::kGarbage: return "garbage";
    case Kind::kTruncated: return "truncated";
    case Kind::kUnknownType: return "unknown-type";
    case Kind::kBadBufferIndex: return "bad-buffer-index";
    case Kind::kHeldBuffer: return "held-buffer";
    case Kind::kWrongVersion: return "wrong-version";
    case Kind::kShrinkMemfd: return "shrink-memfd";
    case Kind::kGrowMemfd: return "grow-memfd";
    case Kind::kForeignView: return "foreign-view";
    case Kind::kUnaskedFrame: return "unasked-frame";
  }
  return "?";
}

std::optional<BadMessagePage::Kind> BadMessagePage::ParseKind(
    std::string_view name) {
  for (Kind kind : kAllKinds)
    if (name == KindName(kind)) return kind;
  return std::nullopt;
}

std::string BadMessagePage::KindList() {
  std::string list;
  for (Kind kind : kAllKinds) {
    if (!list.empty()) list += ", ";
    list += KindName(kind);
  }
  return list;
}

std::string BadMessagePage::RawBytesFor(Kind kind) {
  using namespace std::string_literals;
  switch (kind) {
    case Kind::kOversizedLength:
      // The decoder must refuse as soon as the varint is complete; the
      // bytes after it are never looked at.
      return Varint(kOversizedLength) + "junk";
    case Kind::kGarbage:
      // A 4-byte message that is one unterminated varint tag.
      return "\x04\xff\xff\xff\xff"s;
    case Kind::kTruncated:
      // Announces 10 bytes, delivers the first 3 of a LogLine.
      return "\x0a\x32\x08\x0a"s;
    case Kind::kUnknownType:
      // Field 1000, varint 1: parses, but sets no oneof case.
      return "\x03\xc0\x3e\x01"s;
    default:
      return {};
  }
}

BadMessagePage::BadMessagePage(std::string url, Kind kind, PageHost* host)
    : ReportPage(std::move(url), "Bad message",
                 std::string("Breaks the protocol: ") + KindName(kind),
                 Rgb(150, 20, 90), host),
      kind_(kind) {}

void BadMessagePage::Tick(Clock::time_point /*now*/) {
  if (idle() || frames_rendered() == 0) return;
  SetIdle();
  PageHost* channel = host();
  if (channel == nullptr) {
    Report("no channel to the manager: nothing sent");
    return;
  }
  switch (kind_) {
    case Kind::kOversizedLength:
    case Kind::kGarbage:
    case Kind::kUnknownType:
      Report(std::string("sending ") + KindName(kind_) + " bytes");
      channel->SendRawBytes(RawBytesFor(kind_));
      return;
    case Kind::kTruncated:
      Report("sending half a message, then shutdown(SHUT_WR)");
      channel->SendRawBytes(RawBytesFor(kind_));
      channel->ShutdownWrite();
      return;
    case Kind::kBadBufferIndex:
      Report("sending FrameReady for buffer " +
             std::to_string(kBadBufferIndex));
      channel->SendFrameReady(kBadBufferIndex);
      return;
    case Kind::kHeldBuffer: {
      const int held = channel->LastFrameBuffer();
      if (held < 0) {
        Report("no frame announced yet: nothing sent");
        return;
      }
      Report("sending FrameReady again for buffer " + std::to_string(held) +
             ", which the manager holds");
      channel->SendFrameReady(static_cast<uint32_t>(held));
      return;
    }
    case Kind::kWrongVersion:
      Report("sending a second HelloReply, protocol version " +
             std::to_string(kWrongProtocolVersion));
      channel->SendHelloReply(kWrongProtocolVersion);
      return;
    case Kind::kShrinkMemfd:
      TruncateRegion(false);
      return;
    case Kind::kGrowMemfd:
      TruncateRegion(true);
      return;
    case Kind::kUnaskedFrame: {
      // The buffer it owns, announced as if it had drawn on its own clock:
      // fine unpaced, a frame nobody asked for when paced.
      const int held = channel->LastFrameBuffer();
      const uint32_t free_buffer = held == 0 ? 1 : 0;
      Report("sending FrameReady for buffer " + std::to_string(free_buffer) +
             ", unasked");
      channel->SendFrameReady(free_buffer);
      return;
    }
    case Kind::kForeignView: {
      // A frame of its own buffer, claimed for a neighbour: the view before
      // it (which shares the process under a shared process model), or
      // the next id when it is the first.
      const uint32_t own = channel->ViewId();
      const uint32_t other = own > 1 ? own - 1 : own + 1;
      Report("sending FrameReady for view " + std::to_string(other) +
             " (this is view " + std::to_string(own) + ")");
      channel->SendFrameReadyForView(
          other, static_cast<uint32_t>(std::max(channel->LastFrameBuffer(), 0)));
      return;
    }
  }
}

void BadMessagePage::TruncateRegion(bool grow) {
  const int fd = host()->RegionFd();
  const uint64_t size = host()->RegionSize();
  const uint64_t target = grow ? size * 2 : size / 2;
  const int rc = ::ftruncate(fd, static_cast<off_t>(target));
  const int error = errno;
  const std::string what = "ftruncate(fd " + std::to_string(fd) + ", " +
                           std::to_string(size) + " -> " +
                           std::to_string(target) + ")";
  if (rc == 0) {
    Report(what + ": SUCCEEDED, the region is not sealed");
    SetTitle("Bad message: NOT blocked");
    return;
  }
  Report(what + ": blocked: " + DescribeErrno(error));
  SetTitle(std::string("Bad message: blocked: ") + ErrnoName(error));
}

}  // namespace tabsim
