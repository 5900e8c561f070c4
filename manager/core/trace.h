// The message trace of `tabsim ctl trace`: the hook a TabSession calls for
// every message crossing its channel while someone traces it, and the
// decoder that turns a message's bytes into one readable line (like strace
// or tshark for our protocol).
//
// Costs nothing when nobody traces: the session holds a MessageTracer
// pointer that is null unless a trace client is attached, and only then
// copies or decodes anything.
#ifndef TABSIM_MANAGER_CORE_TRACE_H_
#define TABSIM_MANAGER_CORE_TRACE_H_

#include <string>
#include <string_view>

#include "manager/core/channel_stats.h"

namespace tabsim {

class TabSession;

class MessageTracer {
 public:
  virtual ~MessageTracer() = default;
  // `payload` is the message's bytes (without the length prefix) as they
  // cross the channel, after any injected fault; `note` says what a fault
  // did ("dropped (fault)") or is empty. Called on the loop thread, from
  // inside the session; must not block or call back into the session.
  virtual void OnMessage(const TabSession& tab, Direction direction,
                         std::string_view payload, std::string_view note) = 0;
};

struct DecodedMessage {
  std::string type;    // the oneof name (frame_ready, input, ...), or
                       // "unparsable" / "empty"
  std::string fields;  // key fields: "seq=12 mouse down (100,120) button=0"
};
DecodedMessage DecodeMessage(Direction direction, std::string_view payload);

// True if `type` names a message of either direction ("input", "pong").
bool IsMessageTypeName(const std::string& type);
// Every type name, comma separated, for error messages.
std::string MessageTypeNames();

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TRACE_H_
