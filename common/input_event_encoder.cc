#include "common/input_event_encoder.h"

#include <cstring>

#include "common/check.h"

namespace tabsim {
namespace {

// Wire types and the tags, (field << 3) | wire type, of the fields we write.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) {
  return (field << 3) | wire_type;
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Protobuf writes an int32 (and an enum) sign-extended to 64 bits, so a
// negative one takes ten bytes.
uint64_t Int32Wire(int32_t value) {
  return static_cast<uint64_t>(static_cast<int64_t>(value));
}

uint64_t ZigZag32(int32_t value) {
  return (static_cast<uint32_t>(value) << 1) ^
         static_cast<uint32_t>(value >> 31);
}

// A varint field's bytes, 0 when it holds the default (and is left out).
size_t VarintFieldSize(uint32_t tag, uint64_t wire) {
  return wire == 0 ? 0 : VarintSize(tag) + VarintSize(wire);
}

size_t LengthDelimitedSize(uint32_t tag, size_t length) {
  return VarintSize(tag) + VarintSize(length) + length;
}

class Writer {
 public:
  explicit Writer(char* at) : at_(reinterpret_cast<uint8_t*>(at)) {}
  void Varint(uint64_t value) {
    while (value >= 0x80) {
      *at_++ = static_cast<uint8_t>(value | 0x80);
      value >>= 7;
    }
    *at_++ = static_cast<uint8_t>(value);
  }
  void VarintField(uint32_t tag, uint64_t wire) {
    if (wire == 0) return;
    Varint(tag);
    Varint(wire);
  }
  void Header(uint32_t tag, size_t length) {
    Varint(tag);
    Varint(length);
  }
  void Bytes(const std::string& bytes) {
    std::memcpy(at_, bytes.data(), bytes.size());
    at_ += bytes.size();
  }
  uint8_t* at() const { return at_; }

 private:
  uint8_t* at_;
};

// MouseEvent: action = 1 (enum), button = 2, x = 3, y = 4 (sint32).
size_t MouseSize(const proto::MouseEvent& m) {
  return VarintFieldSize(Tag(1, kVarint), Int32Wire(m.action())) +
         VarintFieldSize(Tag(2, kVarint), m.button()) +
         VarintFieldSize(Tag(3, kVarint), ZigZag32(m.x())) +
         VarintFieldSize(Tag(4, kVarint), ZigZag32(m.y()));
}
void WriteMouse(const proto::MouseEvent& m, Writer* w) {
  w->VarintField(Tag(1, kVarint), Int32Wire(m.action()));
  w->VarintField(Tag(2, kVarint), m.button());
  w->VarintField(Tag(3, kVarint), ZigZag32(m.x()));
  w->VarintField(Tag(4, kVarint), ZigZag32(m.y()));
}

// KeyEvent: action = 1, key_code = 2 (enums), text = 3 (string).
size_t KeySize(const proto::KeyEvent& k) {
  return VarintFieldSize(Tag(1, kVarint), Int32Wire(k.action())) +
         VarintFieldSize(Tag(2, kVarint), Int32Wire(k.key_code())) +
         (k.text().empty()
              ? 0
              : LengthDelimitedSize(Tag(3, kLengthDelimited), k.text().size()));
}
void WriteKey(const proto::KeyEvent& k, Writer* w) {
  w->VarintField(Tag(1, kVarint), Int32Wire(k.action()));
  w->VarintField(Tag(2, kVarint), Int32Wire(k.key_code()));
  if (!k.text().empty()) {
    w->Header(Tag(3, kLengthDelimited), k.text().size());
    w->Bytes(k.text());
  }
}

// WheelEvent: x = 1, y = 2, delta_x = 3, delta_y = 4 (sint32).
size_t WheelSize(const proto::WheelEvent& e) {
  return VarintFieldSize(Tag(1, kVarint), ZigZag32(e.x())) +
         VarintFieldSize(Tag(2, kVarint), ZigZag32(e.y())) +
         VarintFieldSize(Tag(3, kVarint), ZigZag32(e.delta_x())) +
         VarintFieldSize(Tag(4, kVarint), ZigZag32(e.delta_y()));
}
void WriteWheel(const proto::WheelEvent& e, Writer* w) {
  w->VarintField(Tag(1, kVarint), ZigZag32(e.x()));
  w->VarintField(Tag(2, kVarint), ZigZag32(e.y()));
  w->VarintField(Tag(3, kVarint), ZigZag32(e.delta_x()));
  w->VarintField(Tag(4, kVarint), ZigZag32(e.delta_y()));
}

// The oneof case's field number in InputEvent (mouse = 2, key = 3,
// wheel = 4) and its encoded size; field 0 when no case is set.
struct Case {
  uint32_t field = 0;
  size_t size = 0;
};

template <typename M>
bool HasUnknown(const M& message) {
  // The type's reflection, looked up once: looking it up per event (a
  // virtual call and a call_once) cost more than encoding the event.
  static const google::protobuf::Reflection* const reflection =
      M::GetReflection();
  return !reflection->GetUnknownFields(message).empty();
}

// True when a message carries unknown fields: protobuf would write them
// back out and we would not.
bool HasUnknownFields(const proto::InputEvent& event) {
  if (HasUnknown(event)) return true;
  switch (event.event_case()) {
    case proto::InputEvent::kMouse: return HasUnknown(event.mouse());
    case proto::InputEvent::kKey: return HasUnknown(event.key());
    case proto::InputEvent::kWheel: return HasUnknown(event.wheel());
    case proto::InputEvent::EVENT_NOT_SET: return false;
  }
  return true;
}

Case CaseOf(const proto::InputEvent& event) {
  switch (event.event_case()) {
    case proto::InputEvent::kMouse: return {2, MouseSize(event.mouse())};
    case proto::InputEvent::kKey: return {3, KeySize(event.key())};
    case proto::InputEvent::kWheel: return {4, WheelSize(event.wheel())};
    case proto::InputEvent::EVENT_NOT_SET: return {};
  }
  return {};
}

void WriteCase(const proto::InputEvent& event, Writer* w) {
  switch (event.event_case()) {
    case proto::InputEvent::kMouse: WriteMouse(event.mouse(), w); return;
    case proto::InputEvent::kKey: WriteKey(event.key(), w); return;
    case proto::InputEvent::kWheel: WriteWheel(event.wheel(), w); return;
    case proto::InputEvent::EVENT_NOT_SET: return;
  }
}

}  // namespace

size_t AppendInputEventFrame(const proto::InputEvent& event, uint64_t sequence,
                             uint32_t view_id, size_t max_message_size,
                             std::string* out) {
  if (HasUnknownFields(event)) return 0;
  const Case event_case = CaseOf(event);
  // InputEvent: sequence = 1, then the oneof.
  const size_t input_size =
      VarintFieldSize(Tag(1, kVarint), sequence) +
      (event_case.field == 0
           ? 0
           : LengthDelimitedSize(Tag(event_case.field, kLengthDelimited),
                                 event_case.size));
  // ManagerToTab: input = 2 (present even when empty), view_id = 20.
  const size_t message_size =
      LengthDelimitedSize(Tag(2, kLengthDelimited), input_size) +
      VarintFieldSize(Tag(20, kVarint), view_id);
  if (message_size > max_message_size) return 0;
  const size_t frame_size = VarintSize(message_size) + message_size;

  const size_t old_size = out->size();
  out->resize(old_size + frame_size);
  Writer w(out->data() + old_size);
  w.Varint(message_size);
  w.Header(Tag(2, kLengthDelimited), input_size);
  w.VarintField(Tag(1, kVarint), sequence);
  if (event_case.field != 0) {
    w.Header(Tag(event_case.field, kLengthDelimited), event_case.size);
    WriteCase(event, &w);
  }
  w.VarintField(Tag(20, kVarint), view_id);
  TABSIM_CHECK(reinterpret_cast<char*>(w.at()) == out->data() + out->size())
      << "input frame sizes and bytes disagree";
  return frame_size;
}

}  // namespace tabsim
