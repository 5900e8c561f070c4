// Why a tab was judged to have sent a bad message, in the manner of
// Chromium's content/browser/bad_message.h. Append-only: the numbers appear
// in logs and JSON and must keep their meaning.
//
// A bad message is never our bug and never fatal to the manager: the
// session logs tab, reason and the offending bytes, SIGKILLs the tab and
// drops its session (TabSession::ReportBadMessage).
#ifndef TABSIM_MANAGER_CORE_BAD_MESSAGE_H_
#define TABSIM_MANAGER_CORE_BAD_MESSAGE_H_

namespace tabsim {

enum class BadMessageReason {
  kOversizedLength = 0,         // a length prefix over kMaxMessageSize
  kMalformedLength = 1,         // a varint over 5 bytes / 32 bits
  kUnparsableMessage = 2,       // bytes that do not parse as TabToManager
  kUnknownMessageType = 3,      // parses, but no oneof case we know
  kUnexpectedBeforeHandshake = 4,
  kDuplicateHandshake = 5,
  kHandshakeTabIdMismatch = 6,
  kHandshakeSizeMismatch = 7,
  kBufferIndexOutOfRange = 8,   // FrameReady.buffer_index >= 2
  kBufferStillHeld = 9,         // FrameReady for a buffer the manager holds
  kUnknownRegionGeneration = 10,
  kFrameSequenceNotIncreasing = 11,
  kInputSequenceFromFuture = 12,  // acks input the manager never sent
  kDamageOutOfBounds = 13,
  kTruncatedMessage = 14,       // the stream ended inside a message
  kUnsolicitedPong = 15,
  kFramePixelsOutOfOrder = 16,  // FramePixels offset != 0 or last unset
  kFramePixelsOutOfBounds = 17, // FramePixels with inline pixels (v4: raw only)
  kNavigationFromFuture = 18,   // a frame of a Navigate never sent
  kNavigationWentBack = 19,     // a frame of an older Navigate than before
  kUnknownView = 20,            // names a view the process was never given
  kFrameWithoutBeginFrame = 21, // a paced view's frame nobody asked for
  kUnsolicitedDidNotProduceFrame = 22,  // answers a BeginFrame not outstanding
  kBeginFrameSequenceMismatch = 23,     // a frame for another BeginFrame
  kFramePixelsRawLength = 24,   // raw bytes announced != the frame's size
};

const char* ToString(BadMessageReason reason);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_BAD_MESSAGE_H_
