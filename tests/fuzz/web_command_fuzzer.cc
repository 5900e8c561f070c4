// libFuzzer target: what a dashboard (any page holding the token) can send
// over its WebSocket, one text message per line of the input, through the
// manager's own code in WebClient's order: CheckDashboardMessage (bytes a
// person cannot type end the client), ParseViewingMessage (the tabs it
// shows, handed to TabHost::SetViewerTabs), and every other line through
// the command layer (SplitCommandLine, ParseCommand, CommandRunner) and
// into the JSON reply (WebReplyJson).
//
// As in control_request_fuzzer.cc the host is real with no tab process
// (its tab program does not exist; `open` leaves crashed records), fresh
// per input. A crash, a CHECK or a sanitizer report is a bug.
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "manager/commands/command_runner.h"
#include "manager/core/tab_host.h"
#include "manager/core/task_manager.h"
#include "manager/web/web_command.h"
#include "manager/web/web_state.h"

namespace {

volatile size_t g_sink;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tabsim;
  boost::asio::io_context io(1);
  TabHost::Options options;
  options.tab_executable = "/nonexistent/tabsim-tab";
  options.width = 16;  // small frame regions: Prepare() maps and clears them
  options.height = 12;
  options.fps = 0;
  options.apply_priorities = false;
  options.max_finished_records = 8;
  TabHost host(io, options);
  TaskManager tasks(host);
  host.AddObserver(&tasks);
  CommandRunner commands(host, tasks);
  const int viewer = 0;  // any stable address names this dashboard

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view message = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    // The client is closed at the first message that fails these.
    if (!CheckDashboardMessage(message).ok()) break;
    if (auto viewing = ParseViewingMessage(message)) {
      if (!viewing->ok()) break;
      host.SetViewerTabs(&viewer, std::move(**viewing));
      continue;
    }
    CommandResult result = commands.ExecuteLine(message);
    g_sink = WebReplyJson(result.ok(), result.ok() ? result.text
                                                   : result.status.error().message)
                 .size();
  }
  host.RemoveViewer(&viewer);
  io.poll();
  host.RemoveObserver(&tasks);
  return 0;
}
