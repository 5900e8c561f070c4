// LoopPass: one number for everything a handler does, a new one once the
// loop has run the handlers queued before the pass began, and no harm
// when it goes away with its marker still queued.
#include "manager/core/loop_pass.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace tabsim {
namespace {

namespace asio = boost::asio;

TEST(LoopPassTest, OneHandlerIsOnePass) {
  asio::io_context io;
  LoopPass pass(io.get_executor());
  std::vector<uint64_t> seen;
  asio::post(io, [&] {
    for (int i = 0; i < 1000; ++i) seen.push_back(pass.Current());
  });
  io.run();
  ASSERT_EQ(seen.size(), 1000u);
  for (uint64_t n : seen) EXPECT_EQ(n, seen.front());
}

TEST(LoopPassTest, HandlersQueuedLaterAreALaterPass) {
  asio::io_context io;
  LoopPass pass(io.get_executor());
  uint64_t first = 0, queued_before_marker = 0, after_marker = 0;
  asio::post(io, [&] {
    // Queued before the marker: still this pass.
    asio::post(io, [&] { queued_before_marker = pass.Current(); });
    first = pass.Current();  // posts the marker
    // Queued after the marker: the next pass.
    asio::post(io, [&] { after_marker = pass.Current(); });
  });
  io.run();
  EXPECT_EQ(queued_before_marker, first);
  EXPECT_EQ(after_marker, first + 1);
}

TEST(LoopPassTest, EachRunOfTheLoopIsANewPass) {
  asio::io_context io;
  LoopPass pass(io.get_executor());
  uint64_t last = 0;
  for (int round = 0; round < 5; ++round) {
    uint64_t now = 0;
    asio::post(io, [&] { now = pass.Current(); });
    io.restart();
    io.run();
    EXPECT_GT(now, last) << "round " << round;
    last = now;
  }
}

TEST(LoopPassTest, GoingAwayWithTheMarkerQueuedIsSafe) {
  asio::io_context io;
  auto pass = std::make_unique<LoopPass>(io.get_executor());
  pass->Current();  // the marker is queued
  pass.reset();
  EXPECT_EQ(io.run(), 1u);  // the marker ran, touching no freed memory
}

}  // namespace
}  // namespace tabsim
