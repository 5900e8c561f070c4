// TabOutput: a tab's stdout/stderr become bounded, cleaned log lines.
#include "manager/core/tab_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tabsim {
namespace {

using namespace std::chrono_literals;

class TabOutputTest : public ::testing::Test {
 protected:
  TabOutputTest() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    write_end_.reset(fds[1]);
    output_.emplace(io_.get_executor(), UniqueFd(fds[0]),
                    [this](const std::string& line) { lines_.push_back(line); });
  }
  boost::asio::io_context io_;
  UniqueFd write_end_;
  std::optional<TabOutput> output_;
  std::vector<std::string> lines_;
  const TabOutput::Clock::time_point t0_ = TabOutput::Clock::now();
};

TEST_F(TabOutputTest, SplitsLinesAndCleansThem) {
  output_->Consume("a\x1b[1mb\r\nc\xc2\x9b" "d\xe2\x80\xae!\npart", t0_);
  EXPECT_EQ(lines_, (std::vector<std::string>{"a[1mb", "cd!"}));
  output_->Drain();  // the partial line at the end
  EXPECT_EQ(lines_.back(), "part");
}

TEST_F(TabOutputTest, CutsLongLinesAndSkipsTheirRest) {
  output_->Consume(std::string(1000, 'x') + "\nnext\n", t0_);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0].size(), TabOutput::kMaxLineBytes);
  EXPECT_EQ(lines_[0].substr(lines_[0].size() - 6), " [cut]");
  EXPECT_EQ(lines_[1], "next");
}

TEST_F(TabOutputTest, RateLimitsAndReportsWhatItDropped) {
  std::string many;
  for (int i = 0; i < TabOutput::kLinesPerSecond + 5; ++i)
    many += "line " + std::to_string(i) + "\n";
  output_->Consume(many, t0_);
  EXPECT_EQ(lines_.size(), size_t(TabOutput::kLinesPerSecond));
  EXPECT_EQ(output_->lines_dropped(), 5u);
  output_->Consume("late\n", t0_ + 1s);
  ASSERT_EQ(lines_.size(), size_t(TabOutput::kLinesPerSecond) + 2);
  EXPECT_EQ(lines_[lines_.size() - 2], "... 5 lines dropped");
  EXPECT_EQ(lines_.back(), "late");
}

TEST_F(TabOutputTest, DrainReadsWhatIsLeftWithoutWaiting) {
  ASSERT_EQ(::write(write_end_.get(), "one\ntwo", 7), 7);
  // The writer stays open (a descendant holding the pipe): no waiting.
  output_->Drain();
  EXPECT_EQ(lines_, (std::vector<std::string>{"one", "two"}));
  output_->Drain();  // idempotent
  EXPECT_EQ(lines_.size(), 2u);
}

}  // namespace
}  // namespace tabsim
