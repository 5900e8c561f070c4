#include "manager/base/units.h"

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(Units, MemorySizesAcceptUnitsAndRejectJunk) {
  EXPECT_EQ(ParseMemorySize("x", "1G").value(), 1ull << 30);
  EXPECT_EQ(ParseMemorySize("x", "1gib").value(), 1ull << 30);
  EXPECT_EQ(ParseMemorySize("x", "64MB").value(), 64ull << 20);
  EXPECT_EQ(ParseMemorySize("x", "2048k").value(), 2ull << 20);
  EXPECT_EQ(ParseMemorySize("x", "1048576").value(), 1ull << 20);
  for (const char* bad : {"", "-1M", "12Q", "1T", "100", "0", "M", "1.5G",
                          "99999999999999999999G", "2048G"})
    EXPECT_FALSE(ParseMemorySize("--tab-memory-limit", bad).ok()) << bad;
}

TEST(Units, FrameSizesAreWidthByHeightWithinBounds) {
  EXPECT_EQ(ParseSize("640x480").value(), std::make_pair(640, 480));
  for (const char* bad : {"640", "x480", "640x", "0x10", "10x0", "-1x5",
                          "99999x10", "64 x 48", "64x48x2"})
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  EXPECT_EQ(ParseSize("640").error().message,
            "--size: '640' is not WIDTHxHEIGHT");
}

TEST(Units, IntegersAreBoundedAndWhole) {
  EXPECT_EQ(ParseInteger("--tabs", "12", 1, 16).value(), 12);
  for (const char* bad : {"", "0", "17", "1.5", "3x", " 3", "-"})
    EXPECT_FALSE(ParseInteger("--tabs", bad, 1, 16).ok()) << bad;
  EXPECT_EQ(ParseInteger("--tabs", "99", 1, 16).error().message,
            "--tabs: '99' is not a whole number from 1 to 16");
}

TEST(Units, FormatsBytes) {
  EXPECT_EQ(FormatBytes(512), "512B");
  EXPECT_EQ(FormatBytes(2048), "2K");
  EXPECT_EQ(FormatBytes(5 * 1048576 + 1048576 / 2), "5.5M");
  EXPECT_EQ(FormatBytes(3ull << 30), "3.00G");
}

}  // namespace
}  // namespace tabsim
