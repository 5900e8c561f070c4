#include "manager/core/fault_injector.h"

#include <gtest/gtest.h>

#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;

FaultSpec Spec(FaultKind kind, Direction direction, double rate = 1.0,
               int delay_ms = 0) {
  FaultSpec spec;
  spec.kind = kind;
  spec.direction = direction;
  spec.rate = rate;
  spec.delay = milliseconds(delay_ms);
  return spec;
}

TEST(FaultInjector, IdleAffectsNothingAndDecidesNothing) {
  FaultInjector faults;
  EXPECT_FALSE(faults.affects(Direction::kToTab));
  EXPECT_FALSE(faults.affects(Direction::kFromTab));
  auto d = faults.Decide(Direction::kFromTab);
  EXPECT_FALSE(d.drop || d.duplicate || d.corrupt || d.reorder);
  EXPECT_EQ(d.delay.count(), 0);
  EXPECT_TRUE(faults.Describe().empty());
}

TEST(FaultInjector, AFaultActsOnlyOnItsDirectionAndIsCounted) {
  FaultInjector faults;
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kDrop, Direction::kToTab)).ok());
  EXPECT_TRUE(faults.affects(Direction::kToTab));
  EXPECT_FALSE(faults.affects(Direction::kFromTab));
  EXPECT_TRUE(faults.Decide(Direction::kToTab).drop);
  EXPECT_FALSE(faults.Decide(Direction::kFromTab).drop);
  auto all = faults.Describe();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].injected, 1u);
  EXPECT_TRUE(all[0].active);
}

TEST(FaultInjector, RateIsAProbability) {
  FaultInjector faults;
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kDuplicate, Direction::kFromTab, 0.25)).ok());
  int hits = 0;
  for (int i = 0; i < 4000; ++i) hits += faults.Decide(Direction::kFromTab).duplicate;
  EXPECT_GT(hits, 800);
  EXPECT_LT(hits, 1200);
  EXPECT_EQ(faults.Describe()[0].injected, uint64_t(hits));
}

TEST(FaultInjector, BadSpecsAreRefused) {
  FaultInjector faults;
  EXPECT_FALSE(faults.Set(Spec(FaultKind::kDrop, Direction::kToTab, 0)).ok());
  EXPECT_FALSE(faults.Set(Spec(FaultKind::kDrop, Direction::kToTab, 1.5)).ok());
  EXPECT_FALSE(faults.Set(Spec(FaultKind::kDelay, Direction::kToTab, 1, 0)).ok());
  EXPECT_FALSE(faults.Set(Spec(FaultKind::kDelay, Direction::kToTab, 1, 61000)).ok());
  EXPECT_FALSE(faults.affects(Direction::kToTab));
}

TEST(FaultInjector, ADroppedMessageSuffersNothingElse) {
  FaultInjector faults;
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kDrop, Direction::kFromTab)).ok());
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kDelay, Direction::kFromTab, 1, 50)).ok());
  auto d = faults.Decide(Direction::kFromTab);
  EXPECT_TRUE(d.drop);
  EXPECT_EQ(d.delay.count(), 0);
}

TEST(FaultInjector, ClearTurnsEverythingOffButKeepsTheCounts) {
  FaultInjector faults;
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kDelay, Direction::kToTab, 1, 40)).ok());
  ASSERT_TRUE(faults.Set(Spec(FaultKind::kWithholdPong, Direction::kToTab)).ok());
  EXPECT_EQ(faults.Decide(Direction::kToTab).delay, milliseconds(40));
  faults.CountWithheldPong();
  EXPECT_TRUE(faults.withhold_pong());
  faults.Clear();
  EXPECT_FALSE(faults.affects(Direction::kToTab));
  EXPECT_FALSE(faults.withhold_pong());
  auto all = faults.Describe();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].spec.kind, FaultKind::kDelay);
  EXPECT_FALSE(all[0].active);
  EXPECT_EQ(all[0].injected, 1u);
  EXPECT_EQ(all[1].spec.kind, FaultKind::kWithholdPong);
  EXPECT_EQ(all[1].injected, 1u);
}

TEST(FaultInjector, CorruptMakesEveryMessageUnparsable) {
  std::vector<std::string> payloads;
  proto::TabToManager from_tab;
  from_tab.mutable_frame_ready()->set_frame_sequence(7);
  payloads.push_back(from_tab.SerializeAsString());
  from_tab.mutable_pong();  // nonce 0: the shortest message there is
  payloads.push_back(from_tab.SerializeAsString());
  from_tab.mutable_title_changed()->set_title("hello");
  payloads.push_back(from_tab.SerializeAsString());
  proto::ManagerToTab to_tab;
  to_tab.mutable_input()->set_sequence(3);
  payloads.push_back(to_tab.SerializeAsString());
  to_tab.mutable_shutdown();
  payloads.push_back(to_tab.SerializeAsString());
  payloads.push_back("");
  for (std::string payload : payloads) {
    FaultInjector::Corrupt(&payload);
    proto::TabToManager a;
    proto::ManagerToTab b;
    EXPECT_FALSE(a.ParseFromString(payload));
    EXPECT_FALSE(b.ParseFromString(payload));
  }
}

TEST(FaultInjector, KindsParseByName) {
  auto parsed = ParseFaultKind("withhold-release");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, FaultKind::kWithholdRelease);
  EXPECT_EQ(std::string(ToString(FaultKind::kReorder)), "reorder");
  auto bad = ParseFaultKind("explode");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("withhold-pong"), std::string::npos);
}

}  // namespace
}  // namespace tabsim
