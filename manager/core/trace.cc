#include "manager/core/trace.h"

#include <cstdio>

#include "manager/base/text.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

namespace {

std::string Num(uint64_t value) { return std::to_string(value); }
std::string Num(uint32_t value) { return std::to_string(value); }
std::string Num(int32_t value) { return std::to_string(value); }

// Printable and short: a title or URL in a trace line. The bytes are a
// tab's, raw (the trace sees them before the session does), and the line
// travels in a proto string: CleanTabText keeps it valid UTF-8.
std::string Quoted(const std::string& text, size_t max = 40) {
  std::string out = CleanTabText(text, 3 * text.size());  // no cut yet
  const bool cut = out.size() > max;
  if (cut) out = CleanTabText(out, max);
  for (char& c : out)
    if (c == '"') c = '?';
  return "\"" + out + (cut ? "...\"" : "\"");
}

const char* MouseAction(proto::MouseEvent::Action action) {
  switch (action) {
    case proto::MouseEvent::MOVE: return "move";
    case proto::MouseEvent::DOWN: return "down";
    case proto::MouseEvent::UP: return "up";
    default: return "?";
  }
}

std::string Input(const proto::InputEvent& input) {
  std::string out = "seq=" + Num(input.sequence());
  if (input.has_mouse()) {
    const auto& m = input.mouse();
    out += " mouse " + std::string(MouseAction(m.action())) + " (" +
           Num(m.x()) + "," + Num(m.y()) + ") button=" + Num(m.button());
  } else if (input.has_key()) {
    const auto& k = input.key();
    out += std::string(" key ") +
           (k.action() == proto::KeyEvent::DOWN ? "down" : "up") +
           " code=" + Num(int32_t(k.key_code()));
    if (!k.text().empty()) out += " text=" + Quoted(k.text(), 8);
  } else if (input.has_wheel()) {
    const auto& w = input.wheel();
    out += " wheel (" + Num(w.x()) + "," + Num(w.y()) + ") delta=" +
           Num(w.delta_x()) + "," + Num(w.delta_y());
  }
  return out;
}

DecodedMessage ToTab(const proto::ManagerToTab& m) {
  using M = proto::ManagerToTab;
  switch (m.message_case()) {
    case M::kHello: {
      const auto& h = m.hello();
      return {"hello", "version=" + Num(h.protocol_version()) + " tab=" +
                           Num(h.tab_id()) + " " + Num(h.width()) + "x" +
                           Num(h.height()) + " gen=" +
                           Num(h.region_generation()) + " url=" +
                           Quoted(h.url())};
    }
    case M::kInput: return {"input", Input(m.input())};
    case M::kResize: {
      const auto& r = m.resize();
      return {"resize", Num(r.width()) + "x" + Num(r.height()) +
                            " gen=" + Num(r.region_generation()) + " +fd"};
    }
    case M::kNavigate:
      return {"navigate", "nav=" + Num(m.navigate().navigation_id()) +
                              " url=" + Quoted(m.navigate().url())};
    case M::kFrameRelease:
      return {"frame_release", "buf=" + Num(m.frame_release().buffer_index()) +
                                   " gen=" +
                                   Num(m.frame_release().region_generation())};
    case M::kPing: return {"ping", "nonce=" + Num(m.ping().nonce())};
    case M::kShutdown: return {"shutdown", ""};
    case M::kCreateView: {
      const auto& c = m.create_view();
      return {"create_view", Num(c.width()) + "x" + Num(c.height()) + " gen=" +
                                 Num(c.region_generation()) + " url=" +
                                 Quoted(c.url()) + " +fd"};
    }
    case M::kDestroyView: return {"destroy_view", ""};
    case M::kBeginFrame: {
      const auto& b = m.begin_frame();
      return {"begin_frame", "seq=" + Num(b.sequence()) + " time=" +
                                 Num(b.frame_time_us()) + "us interval=" +
                                 Num(b.interval_us()) + "us"};
    }
    case M::kSetVisible:
      return {"set_visible", m.set_visible().visible() ? "shown" : "hidden"};
    case M::MESSAGE_NOT_SET: break;
  }
  return {"empty", "no known message type"};
}

DecodedMessage FromTab(const proto::TabToManager& m) {
  using M = proto::TabToManager;
  switch (m.message_case()) {
    case M::kHelloReply: {
      const auto& h = m.hello_reply();
      return {"hello_reply", "version=" + Num(h.protocol_version()) +
                                 " tab=" + Num(h.tab_id()) + " " +
                                 Num(h.width()) + "x" + Num(h.height()) +
                                 " pid=" + Num(h.pid())};
    }
    case M::kFrameReady: {
      const auto& f = m.frame_ready();
      const auto& d = f.damage();
      return {"frame_ready",
              "buf=" + Num(f.buffer_index()) + " seq=" +
                  Num(f.frame_sequence()) + " input=" +
                  Num(f.last_input_sequence()) + " damage=" + Num(d.width()) +
                  "x" + Num(d.height()) + "+" + Num(d.x()) + "+" + Num(d.y()) +
                  " gen=" + Num(f.region_generation()) +
                  " nav=" + Num(f.navigation_id()) +
                  (f.begin_frame_sequence() != 0
                       ? " begin=" + Num(f.begin_frame_sequence())
                       : std::string())};
    }
    case M::kInputAck:
      return {"input_ack", "input=" + Num(m.input_ack().last_input_sequence())};
    case M::kPong: return {"pong", "nonce=" + Num(m.pong().nonce())};
    case M::kTitleChanged:
      return {"title_changed", Quoted(m.title_changed().title())};
    case M::kLogLine: return {"log_line", Quoted(m.log_line().text(), 60)};
    case M::kFramePixels: {
      const auto& p = m.frame_pixels();
      // The pixels follow the header raw on the stream (docs/protocol.md).
      return {"frame_pixels", "seq=" + Num(p.frame_sequence()) +
                                  " raw_length=" + Num(p.raw_length())};
    }
    case M::kDidNotProduceFrame:
      return {"did_not_produce_frame",
              "begin=" + Num(m.did_not_produce_frame().sequence())};
    case M::kNeedsBeginFrames:
      return {"needs_begin_frames",
              m.needs_begin_frames().needs() ? "yes" : "no"};
    case M::MESSAGE_NOT_SET: break;
  }
  return {"empty", "no known message type"};
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof(pair), "%02x",
                  static_cast<unsigned char>(bytes[i]));
    out += pair;
  }
  if (bytes.size() > 16) out += "...";
  return out;
}

}  // namespace

DecodedMessage DecodeMessage(Direction direction, std::string_view payload) {
  const int size = static_cast<int>(payload.size());
  // Messages about one view (a tab in a shared process) say which.
  auto with_view = [](DecodedMessage decoded, uint32_t view_id) {
    if (view_id != 0)
      decoded.fields = "view=" + Num(view_id) +
                       (decoded.fields.empty() ? "" : " ") + decoded.fields;
    return decoded;
  };
  if (direction == Direction::kToTab) {
    proto::ManagerToTab message;
    if (message.ParseFromArray(payload.data(), size))
      return with_view(ToTab(message), message.view_id());
  } else {
    proto::TabToManager message;
    if (message.ParseFromArray(payload.data(), size))
      return with_view(FromTab(message), message.view_id());
  }
  return {"unparsable", "bytes=" + Hex(payload)};
}

bool IsMessageTypeName(const std::string& type) {
  for (const auto* descriptor : {proto::ManagerToTab::descriptor(),
                                 proto::TabToManager::descriptor()}) {
    const auto* field = descriptor->FindFieldByName(type);
    if (field != nullptr && field->containing_oneof() != nullptr) return true;
  }
  return type == "unparsable";
}

std::string MessageTypeNames() {
  std::string names;
  for (const auto* descriptor : {proto::ManagerToTab::descriptor(),
                                 proto::TabToManager::descriptor()}) {
    const auto* types = descriptor->oneof_decl(0);
    for (int i = 0; i < types->field_count(); ++i) {
      if (!names.empty()) names += ",";
      names += types->field(i)->name();
    }
  }
  return names + ",unparsable";
}

}  // namespace tabsim
