// The display clock: ticks on a fixed grid, one interval apart, only while
// someone subscribes; late ticks keep their nominal frame time and missed
// ones are skipped, not delivered in a burst.
#include "manager/core/frame_scheduler.h"

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;

struct Recorder final : BeginFrameClient {
  void OnBeginFrame(const BeginFrameArgs& args) override {
    ticks.push_back(args);
    if (on_tick) on_tick();
  }
  std::vector<BeginFrameArgs> ticks;
  std::function<void()> on_tick;
};

TEST(FrameScheduler, TicksOnAGridOneIntervalApart) {
  boost::asio::io_context io(1);
  FrameScheduler scheduler(io.get_executor(), 100);  // 10 ms
  EXPECT_EQ(scheduler.interval(), std::chrono::nanoseconds(10'000'000));
  Recorder client;
  scheduler.Add(&client);
  scheduler.Add(&client);  // idempotent
  ASSERT_TRUE(testing::RunUntil(io, [&] { return client.ticks.size() >= 10; },
                                milliseconds(2000)));
  for (size_t i = 1; i < client.ticks.size(); ++i) {
    EXPECT_EQ(client.ticks[i].tick, client.ticks[i - 1].tick + 1);
    // Frame times are grid points: an exact multiple of the interval
    // apart, whenever the timer really fired.
    const auto step = client.ticks[i].frame_time - client.ticks[i - 1].frame_time;
    EXPECT_EQ(step % scheduler.interval(), std::chrono::nanoseconds(0));
    EXPECT_GE(step, scheduler.interval());
  }
}

TEST(FrameScheduler, NoClientsNoTicks) {
  boost::asio::io_context io(1);
  FrameScheduler scheduler(io.get_executor(), 200);
  Recorder client;
  scheduler.Add(&client);
  ASSERT_TRUE(testing::RunUntil(io, [&] { return client.ticks.size() >= 2; },
                                milliseconds(2000)));
  scheduler.Remove(&client);
  const uint64_t ticks = scheduler.ticks();
  testing::RunUntil(io, [] { return false; }, milliseconds(100));
  EXPECT_EQ(scheduler.ticks(), ticks) << "ticking with nobody to tell";
  EXPECT_FALSE(scheduler.Has(&client));
  // Back again: ticks resume.
  scheduler.Add(&client);
  const size_t seen = client.ticks.size();
  EXPECT_TRUE(testing::RunUntil(io, [&] { return client.ticks.size() > seen; },
                                milliseconds(2000)));
}

TEST(FrameScheduler, ABusyLoopSkipsTicksInsteadOfBursting) {
  boost::asio::io_context io(1);
  FrameScheduler scheduler(io.get_executor(), 100);
  Recorder client;
  // The first tick blocks the loop for 5 intervals.
  client.on_tick = [&] {
    if (client.ticks.size() == 1) std::this_thread::sleep_for(milliseconds(55));
  };
  scheduler.Add(&client);
  ASSERT_TRUE(testing::RunUntil(io, [&] { return client.ticks.size() >= 3; },
                                milliseconds(2000)));
  EXPECT_GE(scheduler.ticks_skipped(), 4u);
  const auto gap = client.ticks[1].frame_time - client.ticks[0].frame_time;
  EXPECT_GE(gap, 5 * scheduler.interval()) << "the missed ones were not delivered";
}

TEST(FrameScheduler, AClientMayLeaveOrJoinInsideATick) {
  boost::asio::io_context io(1);
  FrameScheduler scheduler(io.get_executor(), 200);
  Recorder first, second;
  first.on_tick = [&] {
    scheduler.Remove(&first);
    scheduler.Add(&second);
  };
  scheduler.Add(&first);
  ASSERT_TRUE(testing::RunUntil(io, [&] { return second.ticks.size() >= 2; },
                                milliseconds(2000)));
  EXPECT_EQ(first.ticks.size(), 1u);
}

TEST(FrameScheduler, AClientJoiningMidFrameGetsTheCurrentFrameAtOnce) {
  boost::asio::io_context io(1);
  FrameScheduler scheduler(io.get_executor(), 10);  // 100 ms: room to join
  Recorder first, late;
  // Right after the first tick (well within its 100 ms), a second client.
  first.on_tick = [&] {
    if (first.ticks.size() == 1)
      boost::asio::post(io, [&] { scheduler.Add(&late); });
  };
  scheduler.Add(&first);  // the clock was idle: the first tick comes now
  ASSERT_TRUE(testing::RunUntil(io, [&] { return !late.ticks.empty(); },
                                milliseconds(2000)));
  // At once (synchronously in Add), the current frame's args, marked missed.
  EXPECT_EQ(first.ticks.size(), 1u) << "came before the next tick";
  EXPECT_TRUE(late.ticks[0].missed);
  EXPECT_EQ(late.ticks[0].tick, first.ticks[0].tick);
  EXPECT_EQ(late.ticks[0].frame_time, first.ticks[0].frame_time);
  // Then the regular ticks, not missed.
  ASSERT_TRUE(testing::RunUntil(io, [&] { return late.ticks.size() >= 2; },
                                milliseconds(2000)));
  EXPECT_FALSE(late.ticks[1].missed);
  EXPECT_EQ(late.ticks[1].tick, late.ticks[0].tick + 1);
  // After the clock stopped (nobody subscribed), a client added gets the
  // frame of now at once: a grid point not yet ticked, a new number.
  scheduler.Remove(&first);
  scheduler.Remove(&late);
  testing::RunUntil(io, [] { return false; }, milliseconds(250));
  const uint64_t ticks = scheduler.ticks();
  const size_t seen = late.ticks.size();
  const auto added_at = std::chrono::steady_clock::now();
  scheduler.Add(&late);
  ASSERT_EQ(late.ticks.size(), seen + 1);
  const BeginFrameArgs& now = late.ticks.back();
  EXPECT_TRUE(now.missed);
  EXPECT_EQ(now.tick, ticks + 1);
  EXPECT_LE(now.frame_time, added_at + milliseconds(1));
  EXPECT_GT(now.frame_time, added_at - scheduler.interval() - milliseconds(1));
  EXPECT_EQ((now.frame_time - first.ticks[0].frame_time) % scheduler.interval(),
            std::chrono::nanoseconds(0))
      << "on the grid";
  // And a second client in the same frame gets the same args.
  Recorder same;
  scheduler.Add(&same);
  ASSERT_EQ(same.ticks.size(), 1u);
  EXPECT_EQ(same.ticks[0].tick, now.tick);
}

}  // namespace
}  // namespace tabsim
