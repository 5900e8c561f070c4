// libFuzzer target: every byte a control-socket client (`tabsim ctl`, or
// any process of the manager's user) can send, through the manager's own
// code: framing (FrameDecoder at kMaxControlMessageSize), request decoding
// (ParseControlRequest) and dispatch (ControlDispatch: the command layer's
// parser and runner, list, stats, discards), then the framing of each
// reply as the server would send it. The same functions ControlServer
// calls; only the socket and the streaming requests (snapshot, trace,
// watch, which need a connection) are left out.
//
// The host is a real TabHost and TaskManager whose tab program does not
// exist: `open` spawns, the exec fails, and the tab stays as a crashed
// record ("failed to start"), so every verb meets real records (kill,
// reload, forget, focus, fault, ... of a gone tab) with no tab process.
// A fresh host per input keeps runs reproducible. A crash, a CHECK, a
// sanitizer report or a reply too big to frame is a bug.
#include <boost/asio/io_context.hpp>
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/frame_codec.h"
#include "manager/control/control_dispatch.h"
#include "manager/control/control_server.h"
#include "manager/core/tab_host.h"
#include "manager/core/task_manager.h"
#include "proto/control.pb.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Strings that are not UTF-8 make protobuf's parser fail (the server then
  // drops the client) and log a line each time; quiet, the runs are faster
  // and the output readable.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tabsim;
  boost::asio::io_context io(1);
  TabHost::Options options;
  options.tab_executable = "/nonexistent/tabsim-tab";
  options.width = 16;  // small frame regions: Prepare() maps and clears them
  options.height = 12;
  options.fps = 0;
  options.apply_priorities = false;
  options.max_finished_records = 8;  // reach the bound within one input
  TabHost host(io, options);
  TaskManager tasks(host);
  host.AddObserver(&tasks);
  ControlDispatch dispatch(host, tasks);

  FrameDecoder decoder(kMaxControlMessageSize);
  control::ControlRequest request;
  size_t offset = 0;
  bool dropped = false;
  while (offset < size && !dropped) {
    // Uneven pieces, as reads of a stream come.
    size_t piece = std::min<size_t>(size - offset, 1 + (data[offset] % 97));
    std::span<char> space = decoder.PrepareWrite(piece);
    std::memcpy(space.data(), data + offset, piece);
    decoder.Commit(piece);
    offset += piece;
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder.Next(&payload)) == FrameDecoder::Result::kMessage) {
      // The server drops a client whose request does not parse.
      if (!ParseControlRequest(payload, &request)) {
        dropped = true;
        break;
      }
      auto reply = dispatch.Answer(request);
      if (!reply) continue;  // a streaming request: the server's own
      std::string frame;
      AppendFrame(*reply, kMaxControlMessageSize, &frame);
    }
    if (!dropped && result != FrameDecoder::Result::kNeedMore) dropped = true;
  }
  // Sessions dropped by forget are destroyed on a later turn of the loop.
  io.poll();
  host.RemoveObserver(&tasks);
  return 0;
}
