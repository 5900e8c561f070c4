#include "manager/core/trace.h"

#include <gtest/gtest.h>

#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

TEST(Trace, DecodesTheKeyFieldsOfEachDirection) {
  proto::ManagerToTab input;
  input.mutable_input()->set_sequence(12);
  input.mutable_input()->mutable_mouse()->set_action(proto::MouseEvent::DOWN);
  input.mutable_input()->mutable_mouse()->set_x(100);
  input.mutable_input()->mutable_mouse()->set_y(120);
  auto decoded = DecodeMessage(Direction::kToTab, input.SerializeAsString());
  EXPECT_EQ(decoded.type, "input");
  EXPECT_EQ(decoded.fields, "seq=12 mouse down (100,120) button=0");

  proto::TabToManager frame;
  auto* f = frame.mutable_frame_ready();
  f->set_buffer_index(1);
  f->set_frame_sequence(55);
  f->set_last_input_sequence(12);
  f->set_region_generation(1);
  f->set_navigation_id(2);
  f->mutable_damage()->set_width(10);
  f->mutable_damage()->set_height(20);
  f->mutable_damage()->set_x(3);
  f->mutable_damage()->set_y(4);
  decoded = DecodeMessage(Direction::kFromTab, frame.SerializeAsString());
  EXPECT_EQ(decoded.type, "frame_ready");
  EXPECT_EQ(decoded.fields, "buf=1 seq=55 input=12 damage=10x20+3+4 gen=1 nav=2");
}

TEST(Trace, TitlesAreQuotedPrintableAndShort) {
  proto::TabToManager title;
  title.mutable_title_changed()->set_title(std::string("a\x1b[2Jb") +
                                           std::string(100, 'x'));
  auto decoded = DecodeMessage(Direction::kFromTab, title.SerializeAsString());
  EXPECT_EQ(decoded.type, "title_changed");
  EXPECT_EQ(decoded.fields.find('\x1b'), std::string::npos);
  EXPECT_LT(decoded.fields.size(), 50u);
}

TEST(Trace, GarbageIsUnparsableWithItsFirstBytes) {
  auto decoded = DecodeMessage(Direction::kFromTab, std::string("\x07\x01\x02", 3));
  EXPECT_EQ(decoded.type, "unparsable");
  EXPECT_EQ(decoded.fields, "bytes=070102");
}

TEST(Trace, TypeNamesAreTheOneofNames) {
  EXPECT_TRUE(IsMessageTypeName("input"));
  EXPECT_TRUE(IsMessageTypeName("frame_ready"));
  EXPECT_TRUE(IsMessageTypeName("unparsable"));
  EXPECT_FALSE(IsMessageTypeName("FrameReady"));
  EXPECT_NE(MessageTypeNames().find("pong"), std::string::npos);
}

}  // namespace
}  // namespace tabsim
