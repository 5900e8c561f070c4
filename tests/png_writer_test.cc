#include "manager/base/png_writer.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

namespace tabsim {
namespace {

TEST(PngWriter, RoundTripsPixelsExactly) {
  std::vector<uint32_t> pixels(7 * 5);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = 0xFF000000u | uint32_t(i * 0x010305u & 0xFFFFFF);
  std::string path = "/tmp/tabsim-png-test-" + std::to_string(::getpid()) + ".png";
  ASSERT_TRUE(WritePng(path, pixels.data(), 7, 5).ok());
  auto image = ReadPng(path);
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->width, 7);
  EXPECT_EQ(image->height, 5);
  EXPECT_EQ(image->pixels, pixels);
  ::unlink(path.c_str());
}

TEST(PngWriter, ErrorsAreValues) {
  uint32_t pixel = 0xFFFFFFFF;
  EXPECT_FALSE(WritePng("/nonexistent-dir/x.png", &pixel, 1, 1).ok());
  EXPECT_FALSE(WritePng("/tmp/x.png", &pixel, 0, 1).ok());
  EXPECT_FALSE(ReadPng("/nonexistent-dir/x.png").ok());
  auto not_png = ReadPng("/proc/self/status");
  EXPECT_FALSE(not_png.ok());
}

}  // namespace
}  // namespace tabsim
