#include "common/frame_codec.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/protocol.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

proto::TabToManager Title(const std::string& text) {
  proto::TabToManager message;
  message.mutable_title_changed()->set_title(text);
  return message;
}

void Feed(FrameDecoder& decoder, std::string_view bytes) {
  std::span<char> space = decoder.PrepareWrite(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  decoder.Commit(bytes.size());
}

std::string TitleOf(std::string_view payload) {
  proto::TabToManager message;
  EXPECT_TRUE(message.ParseFromArray(payload.data(), int(payload.size())));
  return message.title_changed().title();
}

TEST(FrameCodec, RoundTripsOneMessage) {
  std::string wire;
  AppendFrame(Title("hello"), kMaxMessageSize, &wire);
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, wire);
  std::string_view payload;
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  EXPECT_EQ(TitleOf(payload), "hello");
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kNeedMore);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameCodec, DecodesByteByByte) {
  std::string wire;
  // 300 bytes of title: a two-byte length varint.
  AppendFrame(Title(std::string(300, 'x')), kMaxMessageSize, &wire);
  AppendFrame(Title("second"), kMaxMessageSize, &wire);
  FrameDecoder decoder(kMaxMessageSize);
  std::vector<std::string> titles;
  for (char byte : wire) {
    Feed(decoder, std::string_view(&byte, 1));
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kMessage)
      titles.push_back(TitleOf(payload));
  }
  ASSERT_EQ(titles.size(), 2u);
  EXPECT_EQ(titles[0], std::string(300, 'x'));
  EXPECT_EQ(titles[1], "second");
}

TEST(FrameCodec, GrowingKeepsTheUnconsumedTail) {
  // The buffer is not zero-filled: growth must carry over exactly the
  // bytes not yet returned, slid to the front, and nothing else.
  std::string first;
  AppendFrame(Title("first"), kMaxMessageSize, &first);
  std::string second;
  AppendFrame(Title(std::string(5000, 'y')), kMaxMessageSize, &second);
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, first + second.substr(0, 100));
  std::string_view payload;
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  EXPECT_EQ(TitleOf(payload), "first");
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kNeedMore);
  EXPECT_EQ(decoder.buffered(), 100u);
  // More than the buffer holds: slide the 100 bytes, then grow.
  std::span<char> space = decoder.PrepareWrite(second.size());
  ASSERT_GE(space.size(), second.size());
  std::memcpy(space.data(), second.data() + 100, second.size() - 100);
  decoder.Commit(second.size() - 100);
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  EXPECT_EQ(TitleOf(payload), std::string(5000, 'y'));
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameCodec, DecodesManyMessagesFromOneRead) {
  std::string wire;
  for (int i = 0; i < 1000; ++i)
    AppendFrame(Title(std::to_string(i)), kMaxMessageSize, &wire);
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, wire);
  std::string_view payload;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
    EXPECT_EQ(TitleOf(payload), std::to_string(i));
  }
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kNeedMore);
}

TEST(FrameCodec, AcceptsEmptyMessage) {
  std::string wire;
  AppendFrame(proto::TabToManager(), kMaxMessageSize, &wire);
  EXPECT_EQ(wire, std::string(1, '\0'));
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, wire);
  std::string_view payload;
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  EXPECT_TRUE(payload.empty());
}

TEST(FrameCodec, AcceptsExactlyMaxSize) {
  std::string wire;
  proto::TabToManager message = Title("");
  // Grow the title until the message is exactly the maximum.
  std::string title(kMaxMessageSize - 4, 'y');
  message.mutable_title_changed()->set_title(title);
  while (message.ByteSizeLong() > kMaxMessageSize) title.pop_back(),
        message.mutable_title_changed()->set_title(title);
  ASSERT_EQ(message.ByteSizeLong(), kMaxMessageSize);
  AppendFrame(message, kMaxMessageSize, &wire);
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, wire);
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
}

TEST(FrameCodec, RejectsOversizedLengthBeforeTheBody) {
  FrameDecoder decoder(kMaxMessageSize);
  // Declares 2^31 bytes; only the 5-byte varint is sent.
  Feed(decoder, "\x80\x80\x80\x80\x08");
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kOversized);
  EXPECT_EQ(decoder.last_declared_length(), 1ull << 31);
  // Sticky: the stream is unusable afterwards.
  Feed(decoder, "\x01x");
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kOversized);
}

TEST(FrameCodec, RejectsOneByteOverMax) {
  FrameDecoder decoder(100);
  Feed(decoder, "\x65");  // 101
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kOversized);
}

TEST(FrameCodec, RejectsOverlongVarint) {
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, "\xff\xff\xff\xff\xff\x01");
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kBadLength);
}

TEST(FrameCodec, RejectsVarintOver32Bits) {
  FrameDecoder decoder(UINT32_MAX);
  Feed(decoder, "\xff\xff\xff\xff\x7f");  // 35 bits
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kBadLength);
}

TEST(FrameCodec, GarbageBodyFramesButDoesNotParse) {
  // Framing is fine; the protobuf layer must reject the body.
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, std::string("\x04\xff\xff\xff\xff", 5));
  std::string_view payload;
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  proto::TabToManager message;
  EXPECT_FALSE(message.ParseFromArray(payload.data(), int(payload.size())));
}

TEST(FrameCodec, PartialMessageNeedsMore) {
  std::string wire;
  AppendFrame(Title("truncated"), kMaxMessageSize, &wire);
  FrameDecoder decoder(kMaxMessageSize);
  Feed(decoder, std::string_view(wire).substr(0, wire.size() - 1));
  std::string_view payload;
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kNeedMore);
  EXPECT_EQ(decoder.buffered(), wire.size() - 1);
}

TEST(FrameCodecDeathTest, BuildingOversizedMessageIsABug) {
  std::string wire;
  EXPECT_DEATH(AppendFrame(Title(std::string(200, 'z')), 100, &wire),
               "CHECK failed");
}

}  // namespace
}  // namespace tabsim
