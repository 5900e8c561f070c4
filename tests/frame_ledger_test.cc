#include "manager/core/frame_ledger.h"

#include <gtest/gtest.h>

#include "common/protocol.h"

namespace tabsim {
namespace {

proto::FrameReady Frame(uint32_t generation, uint32_t index, uint64_t sequence) {
  proto::FrameReady frame;
  frame.set_region_generation(generation);
  frame.set_buffer_index(index);
  frame.set_frame_sequence(sequence);
  return frame;
}

BadMessageReason Rejects(FrameLedger& ledger, const proto::FrameReady& frame,
                         uint64_t inputs_sent = 0,
                         uint64_t navigations_sent = 0) {
  auto verdict = ledger.OnFrameReady(frame, inputs_sent, navigations_sent);
  EXPECT_TRUE(std::holds_alternative<BadMessageReason>(verdict));
  return std::holds_alternative<BadMessageReason>(verdict)
             ? std::get<BadMessageReason>(verdict)
             : BadMessageReason::kUnknownMessageType;
}

class FrameLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto generation = ledger_.AddRegion("tabsim-ledger-test", 64, 32);
    ASSERT_TRUE(generation.ok());
    ASSERT_EQ(*generation, 1u);
  }
  FrameLedger ledger_;
};

TEST_F(FrameLedgerTest, AcceptsAlternatingBuffersAndReleasesTheOldOne) {
  auto first = ledger_.OnFrameReady(Frame(1, 0, 1), 0, 0);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(first));
  EXPECT_FALSE(std::get<FrameLedger::Accepted>(first).release.has_value());
  auto second = ledger_.OnFrameReady(Frame(1, 1, 2), 0, 0);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(second));
  auto& accepted = std::get<FrameLedger::Accepted>(second);
  ASSERT_TRUE(accepted.release.has_value());
  EXPECT_EQ(accepted.release->index, 0u);
  EXPECT_EQ(accepted.view.width, 64);
  // Buffer 1 starts 64*32 pixels into the region.
  auto first_view = std::get<FrameLedger::Accepted>(first).view;
  EXPECT_EQ(accepted.view.pixels - first_view.pixels, 64 * 32);
}

TEST_F(FrameLedgerTest, RejectsIndexOutOfRange) {
  EXPECT_EQ(Rejects(ledger_, Frame(1, 2, 1)),
            BadMessageReason::kBufferIndexOutOfRange);
  EXPECT_EQ(Rejects(ledger_, Frame(1, UINT32_MAX, 1)),
            BadMessageReason::kBufferIndexOutOfRange);
}

TEST_F(FrameLedgerTest, RejectsTheBufferTheManagerHolds) {
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(
      ledger_.OnFrameReady(Frame(1, 0, 1), 0, 0)));
  EXPECT_EQ(Rejects(ledger_, Frame(1, 0, 2)), BadMessageReason::kBufferStillHeld);
}

TEST_F(FrameLedgerTest, RejectsUnknownGenerationAndOldSequences) {
  EXPECT_EQ(Rejects(ledger_, Frame(7, 0, 1)),
            BadMessageReason::kUnknownRegionGeneration);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(
      ledger_.OnFrameReady(Frame(1, 0, 5), 0, 0)));
  EXPECT_EQ(Rejects(ledger_, Frame(1, 1, 5)),
            BadMessageReason::kFrameSequenceNotIncreasing);
}

TEST_F(FrameLedgerTest, RejectsInputNeverSentAndDamageOutside) {
  proto::FrameReady frame = Frame(1, 0, 1);
  frame.set_last_input_sequence(4);
  EXPECT_EQ(Rejects(ledger_, frame, 3), BadMessageReason::kInputSequenceFromFuture);
  frame.set_last_input_sequence(3);
  frame.mutable_damage()->set_x(60);
  frame.mutable_damage()->set_width(5);
  EXPECT_EQ(Rejects(ledger_, frame, 3), BadMessageReason::kDamageOutOfBounds);
  // Overflow does not wrap around into bounds.
  frame.mutable_damage()->set_x(UINT32_MAX);
  frame.mutable_damage()->set_width(2);
  EXPECT_EQ(Rejects(ledger_, frame, 3), BadMessageReason::kDamageOutOfBounds);
}

TEST_F(FrameLedgerTest, FrameOfANewRegionRetiresTheOldOnes) {
  auto second = ledger_.AddRegion("tabsim-ledger-test", 32, 16);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ledger_.region_count(), 2u);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(
      ledger_.OnFrameReady(Frame(1, 0, 1), 0, 0)));
  auto verdict = ledger_.OnFrameReady(Frame(*second, 0, 2), 0, 0);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(verdict));
  EXPECT_EQ(std::get<FrameLedger::Accepted>(verdict).view.width, 32);
  EXPECT_EQ(ledger_.region_count(), 1u);
  EXPECT_EQ(Rejects(ledger_, Frame(1, 1, 3)),
            BadMessageReason::kUnknownRegionGeneration);
}

TEST_F(FrameLedgerTest, LimitsRegionsWaitingForTheTab) {
  for (size_t i = 1; i < FrameLedger::kMaxRegions; ++i)
    ASSERT_TRUE(ledger_.AddRegion("tabsim-ledger-test", 8, 8).ok());
  EXPECT_FALSE(ledger_.AddRegion("tabsim-ledger-test", 8, 8).ok());
}

TEST_F(FrameLedgerTest, RejectedFramesChangeNothing) {
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(
      ledger_.OnFrameReady(Frame(1, 0, 1), 0, 0)));
  Rejects(ledger_, Frame(1, 9, 2));
  // Sequence 2 is still free and buffer 1 still the tab's.
  EXPECT_TRUE(std::holds_alternative<FrameLedger::Accepted>(
      ledger_.OnFrameReady(Frame(1, 1, 2), 0, 0)));
}

TEST_F(FrameLedgerTest, RejectsANavigationNeverSentOrGoingBack) {
  proto::FrameReady frame = Frame(1, 0, 1);
  frame.set_navigation_id(3);
  EXPECT_EQ(Rejects(ledger_, frame, 0, /*navigations_sent=*/2),
            BadMessageReason::kNavigationFromFuture);
  auto accepted = ledger_.OnFrameReady(frame, 0, /*navigations_sent=*/3);
  ASSERT_TRUE(std::holds_alternative<FrameLedger::Accepted>(accepted));
  EXPECT_EQ(std::get<FrameLedger::Accepted>(accepted).view.navigation_id, 3u);
  EXPECT_EQ(std::get<FrameLedger::Accepted>(accepted).view.region_generation, 1u);
  proto::FrameReady older = Frame(1, 1, 2);
  older.set_navigation_id(2);
  EXPECT_EQ(Rejects(ledger_, older, 0, 3), BadMessageReason::kNavigationWentBack);
  EXPECT_EQ(ledger_.CheckNavigation(2, 3), BadMessageReason::kNavigationWentBack);
  EXPECT_EQ(ledger_.CheckNavigation(4, 3), BadMessageReason::kNavigationFromFuture);
  EXPECT_EQ(ledger_.CheckNavigation(3, 3), std::nullopt);
}

}  // namespace
}  // namespace tabsim
