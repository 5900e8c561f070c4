#include "manager/core/bad_message.h"

namespace tabsim {

const char* ToString(BadMessageReason reason) {
  switch (reason) {
    case BadMessageReason::kOversizedLength: return "OVERSIZED_LENGTH";
    case BadMessageReason::kMalformedLength: return "MALFORMED_LENGTH";
    case BadMessageReason::kUnparsableMessage: return "UNPARSABLE_MESSAGE";
    case BadMessageReason::kUnknownMessageType: return "UNKNOWN_MESSAGE_TYPE";
    case BadMessageReason::kUnexpectedBeforeHandshake:
      return "UNEXPECTED_BEFORE_HANDSHAKE";
    case BadMessageReason::kDuplicateHandshake: return "DUPLICATE_HANDSHAKE";
    case BadMessageReason::kHandshakeTabIdMismatch:
      return "HANDSHAKE_TAB_ID_MISMATCH";
    case BadMessageReason::kHandshakeSizeMismatch:
      return "HANDSHAKE_SIZE_MISMATCH";
    case BadMessageReason::kBufferIndexOutOfRange:
      return "BUFFER_INDEX_OUT_OF_RANGE";
    case BadMessageReason::kBufferStillHeld: return "BUFFER_STILL_HELD";
    case BadMessageReason::kUnknownRegionGeneration:
      return "UNKNOWN_REGION_GENERATION";
    case BadMessageReason::kFrameSequenceNotIncreasing:
      return "FRAME_SEQUENCE_NOT_INCREASING";
    case BadMessageReason::kInputSequenceFromFuture:
      return "INPUT_SEQUENCE_FROM_FUTURE";
    case BadMessageReason::kDamageOutOfBounds: return "DAMAGE_OUT_OF_BOUNDS";
    case BadMessageReason::kTruncatedMessage: return "TRUNCATED_MESSAGE";
    case BadMessageReason::kUnsolicitedPong: return "UNSOLICITED_PONG";
    case BadMessageReason::kFramePixelsOutOfOrder:
      return "FRAME_PIXELS_OUT_OF_ORDER";
    case BadMessageReason::kFramePixelsOutOfBounds:
      return "FRAME_PIXELS_OUT_OF_BOUNDS";
    case BadMessageReason::kFramePixelsRawLength:
      return "FRAME_PIXELS_RAW_LENGTH";
    case BadMessageReason::kNavigationFromFuture:
      return "NAVIGATION_FROM_FUTURE";
    case BadMessageReason::kNavigationWentBack: return "NAVIGATION_WENT_BACK";
    case BadMessageReason::kUnknownView: return "UNKNOWN_VIEW";
    case BadMessageReason::kFrameWithoutBeginFrame: return "FRAME_WITHOUT_BEGIN_FRAME";
    case BadMessageReason::kUnsolicitedDidNotProduceFrame:
      return "UNSOLICITED_DID_NOT_PRODUCE_FRAME";
    case BadMessageReason::kBeginFrameSequenceMismatch:
      return "BEGIN_FRAME_SEQUENCE_MISMATCH";
  }
  return "UNKNOWN_REASON";
}

}  // namespace tabsim
