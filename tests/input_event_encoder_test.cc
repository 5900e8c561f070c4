#include "common/input_event_encoder.h"

#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

const std::vector<uint64_t> kSequences = {0, 1, 127, 128, 16384, UINT32_MAX,
                                          UINT64_MAX};
const std::vector<uint32_t> kViews = {0, 1, 127, 128, UINT32_MAX};
const std::vector<int32_t> kInts = {0, 1, -1, 63, -64, 64, 8191, -8192,
                                    123, -123, INT32_MAX, INT32_MIN};

// What the general path sends: the envelope serialized by protobuf.
std::string ProtobufFrame(const proto::InputEvent& event, uint64_t sequence,
                          uint32_t view_id) {
  proto::ManagerToTab message;
  *message.mutable_input() = event;
  message.mutable_input()->set_sequence(sequence);
  message.set_view_id(view_id);
  std::string out;
  AppendFrame(message, kMaxMessageSize, &out);
  return out;
}

std::string FastFrame(const proto::InputEvent& event, uint64_t sequence,
                      uint32_t view_id) {
  std::string out;
  size_t appended =
      AppendInputEventFrame(event, sequence, view_id, kMaxMessageSize, &out);
  EXPECT_EQ(appended, out.size());
  return out;
}

// Every sequence and view id with `event`: the bytes must be protobuf's.
void ExpectSameBytes(const proto::InputEvent& event) {
  for (uint64_t sequence : kSequences) {
    for (uint32_t view : kViews) {
      ASSERT_EQ(FastFrame(event, sequence, view),
                ProtobufFrame(event, sequence, view))
          << event.ShortDebugString() << " sequence " << sequence << " view "
          << view;
    }
  }
}

TEST(InputEventEncoder, MouseMatchesProtobufForEveryActionAndEdgeValue) {
  const auto* actions = proto::MouseEvent::Action_descriptor();
  for (int a = 0; a < actions->value_count(); ++a) {
    for (uint32_t button : {0u, 1u, 2u, 128u, UINT32_MAX}) {
      for (int32_t x : kInts) {
        for (int32_t y : {0, -1, INT32_MIN, INT32_MAX, 45}) {
          proto::InputEvent event;
          auto* mouse = event.mutable_mouse();
          mouse->set_action(
              proto::MouseEvent::Action(actions->value(a)->number()));
          mouse->set_button(button);
          mouse->set_x(x);
          mouse->set_y(y);
          ExpectSameBytes(event);
        }
      }
    }
  }
}

TEST(InputEventEncoder, KeyMatchesProtobufForEveryCodeActionAndText) {
  const std::string texts[] = {"",
                               "a",
                               "\xc3\xa9",  // é, two bytes
                               std::string(127, 'k'),
                               std::string(128, 'k'),
                               std::string(300, 'k'),
                               std::string(kMaxInputEventBytes - 40, 'k')};
  const auto* codes = proto::KeyCode_descriptor();
  const auto* actions = proto::KeyEvent::Action_descriptor();
  for (int c = 0; c < codes->value_count(); ++c) {
    for (int a = 0; a < actions->value_count(); ++a) {
      for (const std::string& text : texts) {
        proto::InputEvent event;
        auto* key = event.mutable_key();
        key->set_action(proto::KeyEvent::Action(actions->value(a)->number()));
        key->set_key_code(proto::KeyCode(codes->value(c)->number()));
        key->set_text(text);
        ExpectSameBytes(event);
      }
    }
  }
}

TEST(InputEventEncoder, WheelMatchesProtobufForEdgeValuesInEveryField) {
  for (int field = 0; field < 4; ++field) {
    for (int32_t value : kInts) {
      proto::InputEvent event;
      auto* wheel = event.mutable_wheel();
      wheel->set_x(field == 0 ? value : 123);
      wheel->set_y(field == 1 ? value : 0);
      wheel->set_delta_x(field == 2 ? value : 0);
      wheel->set_delta_y(field == 3 ? value : -3);
      ExpectSameBytes(event);
    }
  }
}

// Proto3 enums are open: a recording may hold a value we have no name for,
// and protobuf writes a negative one as a ten-byte varint.
TEST(InputEventEncoder, UnnamedAndNegativeEnumValuesMatchProtobuf) {
  for (int32_t value : {-1, -100, 3, 1000, INT32_MIN, INT32_MAX}) {
    proto::InputEvent mouse;
    mouse.mutable_mouse()->set_action(proto::MouseEvent::Action(value));
    ExpectSameBytes(mouse);
    proto::InputEvent key;
    key.mutable_key()->set_action(proto::KeyEvent::Action(value));
    key.mutable_key()->set_key_code(proto::KeyCode(value));
    ExpectSameBytes(key);
  }
  proto::InputEvent negative;
  negative.mutable_mouse()->set_action(proto::MouseEvent::Action(-1));
  // varint(len), 0x12 len, 0x12 len, 0x08 + ten bytes.
  EXPECT_EQ(FastFrame(negative, 0, 0).size(), 1u + 2u + 2u + 11u);
}

// A set oneof member is written even when all its fields are defaults; an
// event with no member set is still an (empty) input.
TEST(InputEventEncoder, EmptyMembersAndNoMemberMatchProtobuf) {
  proto::InputEvent none;
  ExpectSameBytes(none);
  proto::InputEvent mouse;
  mouse.mutable_mouse();
  ExpectSameBytes(mouse);
  proto::InputEvent key;
  key.mutable_key();
  ExpectSameBytes(key);
  proto::InputEvent wheel;
  wheel.mutable_wheel();
  ExpectSameBytes(wheel);
  EXPECT_EQ(FastFrame(none, 0, 0), std::string("\x02\x12\x00", 3));
}

// The event's own sequence is replaced, as SendInputNow does.
TEST(InputEventEncoder, IgnoresTheEventsOwnSequence) {
  proto::InputEvent event;
  event.set_sequence(99);
  event.mutable_wheel()->set_delta_y(-3);
  proto::InputEvent expected = event;
  expected.set_sequence(0);
  EXPECT_EQ(FastFrame(event, 7, 2), ProtobufFrame(expected, 7, 2));
}

TEST(InputEventEncoder, AppendsAfterWhatIsQueuedAndDecodesBack) {
  std::string out = "queued";
  proto::InputEvent event;
  event.mutable_mouse()->set_x(-5);
  event.mutable_mouse()->set_y(7);
  size_t appended = AppendInputEventFrame(event, 42, 3, kMaxMessageSize, &out);
  ASSERT_EQ(out.size(), 6 + appended);
  EXPECT_EQ(out.substr(0, 6), "queued");

  FrameDecoder decoder(kMaxMessageSize);
  std::string_view frames(out);
  frames.remove_prefix(6);
  std::span<char> space = decoder.PrepareWrite(frames.size());
  std::memcpy(space.data(), frames.data(), frames.size());
  decoder.Commit(frames.size());
  std::string_view payload;
  ASSERT_EQ(decoder.Next(&payload), FrameDecoder::Result::kMessage);
  proto::ManagerToTab message;
  ASSERT_TRUE(message.ParseFromArray(payload.data(), int(payload.size())));
  EXPECT_EQ(message.view_id(), 3u);
  EXPECT_EQ(message.input().sequence(), 42u);
  EXPECT_EQ(message.input().mouse().x(), -5);
  EXPECT_EQ(message.input().mouse().y(), 7);
  EXPECT_EQ(decoder.Next(&payload), FrameDecoder::Result::kNeedMore);
}

void AddUnknownField(google::protobuf::Message* message) {
  message->GetReflection()->MutableUnknownFields(message)->AddVarint(99, 1);
}

// Unknown fields would be dropped by us and kept by protobuf: refused.
TEST(InputEventEncoder, RefusesEventsWithUnknownFields) {
  proto::InputEvent event;
  AddUnknownField(event.mutable_mouse());
  std::string out = "x";
  EXPECT_EQ(AppendInputEventFrame(event, 1, 1, kMaxMessageSize, &out), 0u);
  EXPECT_EQ(out, "x");
  proto::InputEvent outer;
  outer.mutable_wheel();
  AddUnknownField(&outer);
  EXPECT_EQ(AppendInputEventFrame(outer, 1, 1, kMaxMessageSize, &out), 0u);
  EXPECT_EQ(out, "x");
}

TEST(InputEventEncoder, RefusesFramesOverTheLimit) {
  proto::InputEvent event;
  event.mutable_key()->set_text(std::string(100, 'k'));
  std::string out;
  EXPECT_EQ(AppendInputEventFrame(event, 1, 1, 50, &out), 0u);
  EXPECT_TRUE(out.empty());
  EXPECT_GT(AppendInputEventFrame(event, 1, 1, 200, &out), 0u);
}

}  // namespace
}  // namespace tabsim
