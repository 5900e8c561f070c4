// The input fast path: one InputEvent, inside its ManagerToTab envelope,
// encoded straight to framed wire bytes without building or serializing a
// protobuf message per event.
//
// The bytes are exactly those AppendFrame(ManagerToTab{input, view_id})
// produces: varint length, then every field in field-number order, proto3
// defaults left out, enums as sign-extended int32 varints, sint32 as
// zigzag, a set oneof sub-message always present (even when empty).
// tests/input_event_encoder_test.cc holds it to SerializeToString.
//
// What it cannot encode it refuses, writing nothing: an event carrying
// unknown fields (from a newer recording; protobuf would keep them) or one
// larger than the framing limit. The caller then takes the general path.
#ifndef TABSIM_COMMON_INPUT_EVENT_ENCODER_H_
#define TABSIM_COMMON_INPUT_EVENT_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "proto/tabsim.pb.h"

namespace tabsim {

// Appends the framed ManagerToTab{input: `event` with its sequence replaced
// by `sequence`, view_id: `view_id`} to `out`. Returns the number of bytes
// appended, or 0 (nothing appended) when the event must go the general way
// (see above) or the frame would exceed `max_message_size`.
size_t AppendInputEventFrame(const proto::InputEvent& event, uint64_t sequence,
                             uint32_t view_id, size_t max_message_size,
                             std::string* out);

}  // namespace tabsim

#endif  // TABSIM_COMMON_INPUT_EVENT_ENCODER_H_
