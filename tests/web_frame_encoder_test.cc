#include "manager/web/web_frame_encoder.h"

#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <vector>

namespace tabsim {
namespace {

uint32_t ReadU32(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= uint32_t(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

// Decodes the PNG after the header into 0xAARRGGBB pixels.
std::vector<uint32_t> DecodePng(const std::string& message, int* width, int* height) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(
      &image, message.data() + kWebFrameHeaderBytes,
      message.size() - kWebFrameHeaderBytes));
  image.format = PNG_FORMAT_BGRA;
  *width = int(image.width);
  *height = int(image.height);
  std::vector<uint32_t> pixels(size_t(image.width) * image.height);
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, pixels.data(),
                                    int(image.width) * 4, nullptr));
  return pixels;
}

struct TestFrame {
  std::vector<uint32_t> pixels;
  FrameView view;
  TestFrame(int width, int height, uint64_t sequence) : pixels(size_t(width) * height) {
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        pixels[size_t(y) * width + x] = 0xff000000u | uint32_t(x) << 16 | uint32_t(y) << 8 | 0x5a;
    view.pixels = pixels.data();
    view.width = width;
    view.height = height;
    view.sequence = sequence;
  }
};

TEST(WebFrameEncoder, EncodesTheRectangleWithItsHeader) {
  TestFrame frame(64, 48, 77);
  auto message = EncodeWebFrame(5, frame.view, {10, 20, 7, 3});
  ASSERT_TRUE(message.ok()) << message.error().message;
  ASSERT_GT(message->size(), kWebFrameHeaderBytes);
  EXPECT_EQ(message->substr(0, 4), "TSF1");
  EXPECT_EQ(ReadU32(*message, 4), 5u);
  EXPECT_EQ(ReadU32(*message, 8), 64u);
  EXPECT_EQ(ReadU32(*message, 12), 48u);
  EXPECT_EQ(ReadU32(*message, 16), 10u);
  EXPECT_EQ(ReadU32(*message, 20), 20u);
  EXPECT_EQ(ReadU32(*message, 24), 7u);
  EXPECT_EQ(ReadU32(*message, 28), 3u);
  EXPECT_EQ(ReadU32(*message, 32), 77u);
  int width = 0, height = 0;
  std::vector<uint32_t> pixels = DecodePng(*message, &width, &height);
  ASSERT_EQ(width, 7);
  ASSERT_EQ(height, 3);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 7; ++x)
      EXPECT_EQ(pixels[size_t(y) * 7 + x], frame.view.at(10 + x, 20 + y));
}

TEST(WebFrameEncoder, ClipsToTheFrameAndRefusesEmptyRectangles) {
  TestFrame frame(16, 16, 1);
  auto clipped = EncodeWebFrame(1, frame.view, {10, 12, 100, 100});
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(ReadU32(*clipped, 24), 6u);
  EXPECT_EQ(ReadU32(*clipped, 28), 4u);
  EXPECT_FALSE(EncodeWebFrame(1, frame.view, {16, 0, 4, 4}).ok());
  EXPECT_FALSE(EncodeWebFrame(1, frame.view, {0, 0, 0, 4}).ok());
  EXPECT_FALSE(EncodeWebFrame(1, frame.view, {-50, -50, 10, 10}).ok());
  EXPECT_FALSE(EncodeWebFrame(1, FrameView{}, {0, 0, 1, 1}).ok());
}

TEST(WebFrameEncoder, SharesOneEncodingPerTabSequenceAndRectangle) {
  TestFrame frame(32, 32, 9);
  WebFrameEncoder encoder;
  auto first = encoder.Encode(1, frame.view, {0, 0, 32, 32});
  auto again = encoder.Encode(1, frame.view, {0, 0, 32, 32});
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->get(), again->get());
  EXPECT_EQ(encoder.encodings(), 1u);
  auto other_rect = encoder.Encode(1, frame.view, {0, 0, 8, 8});
  ASSERT_TRUE(other_rect.ok());
  EXPECT_NE(other_rect->get(), first->get());
  frame.view.sequence = 10;
  ASSERT_TRUE(encoder.Encode(1, frame.view, {0, 0, 8, 8}).ok());
  EXPECT_EQ(encoder.encodings(), 3u);
  encoder.Forget(1);
  ASSERT_TRUE(encoder.Encode(1, frame.view, {0, 0, 8, 8}).ok());
  EXPECT_EQ(encoder.encodings(), 4u);
}

TEST(WebRect, UnionAndClip) {
  EXPECT_EQ(Union({}, {1, 2, 3, 4}), (WebRect{1, 2, 3, 4}));
  EXPECT_EQ(Union({1, 2, 3, 4}, {}), (WebRect{1, 2, 3, 4}));
  EXPECT_EQ(Union({0, 0, 2, 2}, {10, 10, 2, 2}), (WebRect{0, 0, 12, 12}));
  EXPECT_EQ(Clip({-5, -5, 10, 10}, 4, 4), (WebRect{0, 0, 4, 4}));
  EXPECT_TRUE(Clip({5, 5, 1, 1}, 4, 4).IsEmpty());
  EXPECT_TRUE(Clip({0, 0, 2147483647, 2147483647}, 4, 4) == (WebRect{0, 0, 4, 4}));
}

TEST(WebRect, DamageOfAFrameIsClipped) {
  FrameView frame;
  frame.width = 10;
  frame.height = 10;
  frame.damage_x = 8;
  frame.damage_y = -3;
  frame.damage_width = 5;
  frame.damage_height = 5;
  EXPECT_EQ(DamageOf(frame), (WebRect{8, 0, 2, 2}));
}

}  // namespace
}  // namespace tabsim
