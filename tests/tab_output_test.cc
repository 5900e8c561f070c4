// TabOutput: a tab's stdout/stderr become bounded, cleaned log lines.
#include "manager/core/tab_output.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace tabsim {
namespace {

using namespace std::chrono_literals;

class TabOutputTest : public ::testing::Test {
 protected:
  TabOutputTest() {
    output_.emplace([this](const std::string& line) { lines_.push_back(line); });
  }
  std::optional<TabOutput> output_;
  std::vector<std::string> lines_;
  const TabOutput::Clock::time_point t0_ = TabOutput::Clock::now();
};

TEST_F(TabOutputTest, SplitsLinesAndCleansThem) {
  output_->Consume("a\x1b[1mb\r\nc\xc2\x9b" "d\xe2\x80\xae!\npart", t0_);
  EXPECT_EQ(lines_, (std::vector<std::string>{"a[1mb", "cd!"}));
  output_->Finish();  // the partial line at the end
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

// The dropped count is said when its second is over, even if nothing
// more is written (the hub asks), and at the end.
TEST_F(TabOutputTest, SaysTheDroppedCountWhenItsSecondIsOver) {
  std::string many;
  for (int i = 0; i < TabOutput::kLinesPerSecond + 3; ++i) many += "x\n";
  output_->Consume(many, t0_);
  EXPECT_TRUE(output_->dropped_pending());
  EXPECT_TRUE(output_->FlushDroppedIfDue(t0_ + 500ms));  // not yet
  EXPECT_EQ(lines_.size(), size_t(TabOutput::kLinesPerSecond));
  EXPECT_FALSE(output_->FlushDroppedIfDue(t0_ + 1s));
  EXPECT_EQ(lines_.back(), "... 3 lines dropped");
  EXPECT_FALSE(output_->dropped_pending());
  output_->Consume(many, t0_ + 2s);
  output_->Finish();
  EXPECT_EQ(lines_.back(), "... 3 lines dropped");
  output_->Finish();  // idempotent
  EXPECT_EQ(lines_.size(), 2 * size_t(TabOutput::kLinesPerSecond) + 2);
}

}  // namespace
}  // namespace tabsim
