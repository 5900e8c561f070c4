// sim://bad-message?kind=K: a hostile test page that breaks the protocol
// in one specific way, once, right after its first frame (so the manager
// has seen a working tab first). It first sends a LogLine saying what it is
// about to do. Kinds and what the manager should conclude:
//
//   oversized-length  a length prefix of 1 MiB      -> OVERSIZED_LENGTH
//   garbage           a frame of bytes that do not parse -> UNPARSABLE_MESSAGE
//   truncated         half a message, then shutdown(SHUT_WR); the tab keeps
//                     running                      -> TRUNCATED_MESSAGE
//   unknown-type      a TabToManager holding only field 1000
//                                                  -> UNKNOWN_MESSAGE_TYPE
//   bad-buffer-index  FrameReady for buffer 7      -> BUFFER_INDEX_OUT_OF_RANGE
//   held-buffer       FrameReady again for the buffer of its last frame,
//                     which the manager still holds -> BUFFER_STILL_HELD
//   wrong-version     a second HelloReply claiming protocol 99
//                                                  -> DUPLICATE_HANDSHAKE
//   shrink-memfd      ftruncate() of its frame region to half / to twice
//   grow-memfd        its size: the seals make it fail with EPERM; the page
//                     reports "blocked: EPERM" and carries on.
//
// The raw bytes are encoded by hand here (this library does not link the
// generated protobuf code); docs/protocol.md describes the framing.
#ifndef TABSIM_TAB_BAD_MESSAGE_PAGE_H_
#define TABSIM_TAB_BAD_MESSAGE_PAGE_H_

#include <optional>
#include <string>
#include <string_view>

#include "tab/report_page.h"

namespace tabsim {

class BadMessagePage final : public ReportPage {
 public:
  enum class Kind {
    kOversizedLength,
    kGarbage,
    kTruncated,
    kUnknownType,
    kBadBufferIndex,
    kHeldBuffer,
    kWrongVersion,
    kShrinkMemfd,
    kGrowMemfd,
    kForeignView,  // a FrameReady naming another view of the process
    kUnaskedFrame, // a FrameReady of the free buffer, no BeginFrame asked
  };

  // The URL spelling of each kind, e.g. "held-buffer", and back.
  static const char* KindName(Kind kind);
  static std::optional<Kind> ParseKind(std::string_view name);
  // "oversized-length, garbage, ..." for error messages.
  static std::string KindList();

  // The wire bytes for the kinds that are raw bytes (the first four).
  static std::string RawBytesFor(Kind kind);

  BadMessagePage(std::string url, Kind kind, PageHost* host);

  void Tick(Clock::time_point now) override;

  Kind kind() const { return kind_; }

 private:
  void TruncateRegion(bool grow);

  Kind kind_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_BAD_MESSAGE_PAGE_H_
