// Message framing on a byte stream: each message is its length as a base-128
// varint (at most 5 bytes, as for a uint32) followed by that many bytes of
// serialized protobuf.
//
// The encoder appends frames to a caller-owned std::string, so a sender can
// batch everything queued into one write. The decoder owns a growable input
// buffer; a length larger than the decoder's maximum is rejected as soon as
// its varint is complete, before any buffer growth, so a peer cannot make us
// allocate more than max_message_size plus one read. The buffer is not
// zeroed: only the bytes a read fills are ever touched, so a decoder that
// asks for 64 KiB of space and receives a 100-byte hello costs one page of
// memory, not sixteen (the manager has a decoder per tab, each tab one).
#ifndef TABSIM_COMMON_FRAME_CODEC_H_
#define TABSIM_COMMON_FRAME_CODEC_H_

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace google::protobuf {
class MessageLite;
}

namespace tabsim {

inline constexpr size_t kMaxVarintLength = 5;

// Appends varint(size) + serialized `message` to `out`. CHECKs that the
// message fits `max_message_size` (building a too-large message is our bug).
void AppendFrame(const google::protobuf::MessageLite& message,
                 size_t max_message_size, std::string* out);

class FrameDecoder {
 public:
  enum class Result {
    kMessage,    // *payload is a whole message, valid until PrepareWrite()
    kNeedMore,   // no whole message buffered yet
    kOversized,  // declared length > max_message_size
    kBadLength,  // the varint runs over 5 bytes or over 32 bits
  };

  explicit FrameDecoder(size_t max_message_size);

  // Space to read into: at least `min_bytes` long. Call Commit() with the
  // number of bytes actually read.
  std::span<char> PrepareWrite(size_t min_bytes);
  void Commit(size_t bytes);

  // Extracts the next message. After kOversized or kBadLength the stream is
  // unusable; the decoder keeps returning that error.
  Result Next(std::string_view* payload);

  // Moves up to into.size() buffered bytes, the next on the stream, into
  // `into` and consumes them; returns how many. For raw bytes that follow a
  // message (a FramePixels header) and were read along with it.
  size_t TakeBuffered(std::span<char> into);

  // Bytes buffered but not yet returned as messages.
  size_t buffered() const { return end_ - begin_; }
  // The declared length behind the last kOversized.
  size_t last_declared_length() const { return last_declared_length_; }

 private:
  size_t max_message_size_;
  std::unique_ptr<char[]> buffer_;  // capacity_ bytes, uninitialized
  size_t capacity_ = 0;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last committed byte
  Result sticky_error_ = Result::kNeedMore;
  size_t last_declared_length_ = 0;
};

const char* ToString(FrameDecoder::Result result);

}  // namespace tabsim

#endif  // TABSIM_COMMON_FRAME_CODEC_H_
