#include "manager/base/process_stats.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(ProcessStats, ParsesNamesWithParenthesesAndSpaces) {
  long ticks = ::sysconf(_SC_CLK_TCK);
  std::string stat = "42 (we(i)rd) name) S 1 2 3 4 5 6 7 8 9 10 " +
                     std::to_string(3 * ticks) + " " + std::to_string(ticks) +
                     " 0 0 20 0 7 0 100";
  auto sample = ParseProcessSample(stat, "1000 250 10 1 0 100 0");
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  EXPECT_DOUBLE_EQ(sample->cpu_seconds, 4.0);
  EXPECT_EQ(sample->threads, 7);
  EXPECT_EQ(sample->rss_bytes, 250u * uint64_t(::sysconf(_SC_PAGESIZE)));
  EXPECT_FALSE(ParseProcessSample("garbage", "1 2").ok());
  EXPECT_FALSE(ParseProcessSample(stat, "").ok());
}

TEST(ProcessStats, ReadsOurselvesAndFailsForAMissingProcess) {
  auto self = ReadProcessSample(::getpid());
  ASSERT_TRUE(self.ok());
  EXPECT_GT(self->rss_bytes, 0u);
  EXPECT_GE(self->threads, 1);
  EXPECT_FALSE(ReadProcessSample(-1).ok());
  EXPECT_FALSE(ReadProcessSample(999999999).ok());
}

TEST(ProcessStats, CpuMeterNeedsTwoSamplesOfTheSamePid) {
  CpuMeter meter;
  auto t0 = CpuMeter::Clock::now();
  EXPECT_LT(meter.Update(10, ProcessSample{1.0, 0, 1}, t0), 0);
  EXPECT_NEAR(meter.Update(10, ProcessSample{1.5, 0, 1}, t0 + std::chrono::seconds(1)),
              50.0, 1e-6);
  EXPECT_LT(meter.Update(11, ProcessSample{0.1, 0, 1}, t0 + std::chrono::seconds(2)), 0)
      << "a new process starts over";
}


}  // namespace
}  // namespace tabsim
