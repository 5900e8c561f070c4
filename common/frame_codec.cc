#include "common/frame_codec.h"

#include <google/protobuf/message_lite.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include "common/check.h"

namespace tabsim {

void AppendFrame(const google::protobuf::MessageLite& message,
                 size_t max_message_size, std::string* out) {
  size_t size = message.ByteSizeLong();
  TABSIM_CHECK(size <= max_message_size)
      << "building a " << size << "-byte message, max " << max_message_size;
  char header[kMaxVarintLength];
  size_t header_length = 0;
  uint32_t value = static_cast<uint32_t>(size);
  while (value >= 0x80) {
    header[header_length++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  header[header_length++] = static_cast<char>(value);
  size_t old_size = out->size();
  out->resize(old_size + header_length + size);
  std::memcpy(out->data() + old_size, header, header_length);
  uint8_t* body = reinterpret_cast<uint8_t*>(out->data() + old_size +
                                             header_length);
  message.SerializeWithCachedSizesToArray(body);
}

FrameDecoder::FrameDecoder(size_t max_message_size)
    : max_message_size_(max_message_size) {}

std::span<char> FrameDecoder::PrepareWrite(size_t min_bytes) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (capacity_ - end_ < min_bytes) {
    // Slide the unconsumed bytes to the front before growing.
    if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (capacity_ - end_ < min_bytes) {
      // Not zero-filled (make_unique_for_overwrite): a read writes what it
      // reads, and nothing past end_ is ever looked at.
      auto grown = std::make_unique_for_overwrite<char[]>(end_ + min_bytes);
      if (end_ > 0) std::memcpy(grown.get(), buffer_.get(), end_);
      buffer_ = std::move(grown);
      capacity_ = end_ + min_bytes;
    }
  }
  return std::span<char>(buffer_.get() + end_, capacity_ - end_);
}

void FrameDecoder::Commit(size_t bytes) {
  TABSIM_CHECK(end_ + bytes <= capacity_);
  end_ += bytes;
}

FrameDecoder::Result FrameDecoder::Next(std::string_view* payload) {
  if (sticky_error_ != Result::kNeedMore) return sticky_error_;
  const auto* data = reinterpret_cast<const uint8_t*>(buffer_.get());
  uint64_t length = 0;
  size_t i = 0;
  for (;; ++i) {
    if (i == kMaxVarintLength) return sticky_error_ = Result::kBadLength;
    if (begin_ + i >= end_) return Result::kNeedMore;
    uint8_t byte = data[begin_ + i];
    length |= uint64_t{byte & 0x7Fu} << (7 * i);
    if ((byte & 0x80) == 0) break;
  }
  if (length > UINT32_MAX) return sticky_error_ = Result::kBadLength;
  if (length > max_message_size_) {
    last_declared_length_ = length;
    return sticky_error_ = Result::kOversized;
  }
  size_t header = i + 1;
  if (end_ - begin_ < header + length) return Result::kNeedMore;
  *payload = std::string_view(buffer_.get() + begin_ + header, length);
  begin_ += header + length;
  return Result::kMessage;
}

size_t FrameDecoder::TakeBuffered(std::span<char> into) {
  const size_t taken = std::min(into.size(), end_ - begin_);
  if (taken > 0) std::memcpy(into.data(), buffer_.get() + begin_, taken);
  begin_ += taken;
  return taken;
}

const char* ToString(FrameDecoder::Result result) {
  switch (result) {
    case FrameDecoder::Result::kMessage: return "message";
    case FrameDecoder::Result::kNeedMore: return "need more";
    case FrameDecoder::Result::kOversized: return "oversized length";
    case FrameDecoder::Result::kBadLength: return "malformed length";
  }
  return "?";
}

}  // namespace tabsim
