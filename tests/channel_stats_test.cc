#include "manager/core/channel_stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tabsim {
namespace {

using Clock = ChannelStats::Clock;
using std::chrono::milliseconds;

TEST(LatencyHistogram, BucketsArePowersOfTwoMilliseconds) {
  LatencyHistogram h;
  h.Add(0.3);   // < 1
  h.Add(1.0);   // < 2
  h.Add(3.9);   // < 4
  h.Add(100);   // < 128
  h.Add(5000);  // the last bucket
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.buckets()[0], 1u);
  EXPECT_EQ(h.buckets()[1], 1u);
  EXPECT_EQ(h.buckets()[2], 1u);
  EXPECT_EQ(h.buckets()[7], 1u);
  EXPECT_EQ(h.buckets()[LatencyHistogram::kBuckets - 1], 1u);
  EXPECT_DOUBLE_EQ(h.max_ms(), 5000);
  EXPECT_TRUE(std::isinf(LatencyHistogram::UpperBoundMs(LatencyHistogram::kBuckets - 1)));
}

TEST(LatencyHistogram, PercentilesAreBucketBoundsCappedByTheMaximum) {
  LatencyHistogram h;
  EXPECT_EQ(h.PercentileMs(0.5), 0);
  for (int i = 0; i < 99; ++i) h.Add(0.5);
  h.Add(300);
  EXPECT_DOUBLE_EQ(h.PercentileMs(0.5), 1.0) << "the <1 ms bucket";
  EXPECT_DOUBLE_EQ(h.PercentileMs(0.99), 1.0);
  EXPECT_DOUBLE_EQ(h.PercentileMs(1.0), 300) << "the <512 bucket, capped at max";
}

TEST(ChannelStats, CountsMessagesBytesAndTypesPerDirection) {
  ChannelStats stats;
  stats.CountMessage(Direction::kToTab, 2, 10);
  stats.CountMessage(Direction::kToTab, 2, 12);
  stats.CountMessage(Direction::kFromTab, 0, 5);
  stats.CountMessage(Direction::kFromTab, 99, 5);  // out of range: slot 0
  EXPECT_EQ(stats.of(Direction::kToTab).messages, 2u);
  EXPECT_EQ(stats.of(Direction::kToTab).bytes, 22u);
  EXPECT_EQ(stats.of(Direction::kToTab).by_type[2], 2u);
  EXPECT_EQ(stats.of(Direction::kFromTab).by_type[0], 2u);
}

TEST(ChannelStats, SampleTurnsTotalsIntoRates) {
  ChannelStats stats;
  Clock::time_point t0 = Clock::now();
  stats.Sample(t0);
  for (int i = 0; i < 30; ++i) stats.CountMessage(Direction::kFromTab, 2, 20);
  stats.Sample(t0 + milliseconds(500));
  EXPECT_DOUBLE_EQ(stats.of(Direction::kFromTab).messages_per_second, 60);
  EXPECT_DOUBLE_EQ(stats.of(Direction::kFromTab).bytes_per_second, 1200);
  stats.Sample(t0 + milliseconds(1500));
  EXPECT_DOUBLE_EQ(stats.of(Direction::kFromTab).messages_per_second, 0);
}

TEST(ChannelStats, EveryInputAFrameCoversGetsItsLatency) {
  ChannelStats stats;
  Clock::time_point t0 = Clock::now();
  stats.InputSent(1, t0);
  stats.InputSent(2, t0 + milliseconds(10));
  stats.InputSent(3, t0 + milliseconds(20));
  stats.FrameShown(0, t0 + milliseconds(25));  // covers nothing
  EXPECT_EQ(stats.latency().count(), 0u);
  stats.FrameShown(2, t0 + milliseconds(30));
  EXPECT_EQ(stats.latency().count(), 2u);
  EXPECT_DOUBLE_EQ(stats.latency().max_ms(), 30);
  stats.FrameShown(3, t0 + milliseconds(21));
  EXPECT_EQ(stats.latency().count(), 3u);
  stats.FrameShown(3, t0 + milliseconds(40));  // already counted
  EXPECT_EQ(stats.latency().count(), 3u);
}

TEST(ChannelStats, PendingInputsAreBounded) {
  ChannelStats stats;
  Clock::time_point t0 = Clock::now();
  for (uint64_t i = 1; i <= ChannelStats::kMaxPendingInputs + 100; ++i)
    stats.InputSent(i, t0);
  stats.FrameShown(ChannelStats::kMaxPendingInputs + 100, t0);
  EXPECT_EQ(stats.latency().count(), ChannelStats::kMaxPendingInputs);
}

TEST(ChannelStats, FramedSizeCountsTheVarintPrefix) {
  EXPECT_EQ(ChannelStats::FramedSize(0), 1u);
  EXPECT_EQ(ChannelStats::FramedSize(127), 128u);
  EXPECT_EQ(ChannelStats::FramedSize(128), 130u);
  EXPECT_EQ(ChannelStats::FramedSize(16384), 16387u);
}

}  // namespace
}  // namespace tabsim
