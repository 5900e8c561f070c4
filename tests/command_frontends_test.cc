// One command layer, three front ends: the same line sent through the
// control socket (as `tabsim ctl` sends it), the web dashboard's WebSocket
// and the terminal UI's ':' prompt gets the same answer, mistakes included
// (kill of an unknown tab, a click outside the frame, a bad URL, a bad tab
// id). Everything runs in-process on one loop with real tabs, as in
// `tabsim run --ui web --control PATH`, plus a terminal UI driven without a
// terminal.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/frame_codec.h"
#include "manager/control/control_path.h"
#include "manager/control/control_server.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"
#include "manager/tui/tui.h"
#include "manager/web/web_server.h"
#include "tests/e2e_util.h"
#include "tests/host_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;
using std::chrono::seconds;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

class CommandFrontendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::DisableCoreDumps();
    dir_ = testing::MakeTempDir("tabsim-frontends");
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 160;
    options.height = 120;
    host_.emplace(io_, options);
    tasks_.emplace(*host_);
    host_->AddObserver(&*tasks_);

    const std::string path = dir_ + "/c.sock";
    auto listening = ListenControlSocket(path, false);
    ASSERT_TRUE(listening.ok()) << listening.error().message;
    control_.emplace(io_.get_executor(), *host_, *tasks_,
                     std::move(listening).value(), path);
    control_path_ = path;
    asio::co_spawn(io_, control_->Run(), asio::detached);

    auto address = ParseWebAddress("127.0.0.1:0");
    ASSERT_TRUE(address.ok());
    auto web = WebServer::Listen(io_.get_executor(), *host_, *tasks_, *address,
                                 WebToken(kToken));
    ASSERT_TRUE(web.ok()) << web.error().message;
    web_ = std::move(web).value();
    host_->AddObserver(web_.get());
    asio::co_spawn(io_, web_->Run(), asio::detached);

    tui_.emplace(io_.get_executor(), *host_, *tasks_, nullptr, Tui::Options{},
                 [] {});
    host_->AddObserver(&*tui_);

    ASSERT_TRUE(host_->Open("sim://clock").ok());
    ASSERT_TRUE(testing::RunUntil(
        io_, [&] { return host_->Find(1)->latest_frame().IsValid(); }, seconds(10)));
  }

  void TearDown() override {
    if (web_) {
      web_->Stop();
      host_->RemoveObserver(web_.get());
    }
    if (control_) control_->Stop();
    if (tui_) host_->RemoveObserver(&*tui_);
    if (host_) testing::ShutdownHost(io_, *host_, seconds(10));
    testing::RunUntil(io_, [] { return false; }, std::chrono::milliseconds(50));
    testing::RemoveTree(dir_);
  }

  // The answer on the control socket: its error, or its text.
  std::string ViaControlSocket(const std::string& line) {
    auto words = SplitCommandLine(line);
    control::ControlRequest request;
    // ctl sends argv words; a line the shell would split the same way.
    if (words.ok())
      for (const std::string& word : *words) request.mutable_command()->add_words(word);
    std::optional<std::string> answer;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      asio::local::stream_protocol::socket socket(io_);
      auto [connect_error] = co_await socket.async_connect(
          asio::local::stream_protocol::endpoint(control_path_), kNoThrow);
      if (connect_error) {
        answer = "connect: " + connect_error.message();
        co_return;
      }
      std::string frame;
      AppendFrame(request, kMaxControlMessageSize, &frame);
      co_await asio::async_write(socket, asio::buffer(frame), kNoThrow);
      FrameDecoder decoder(kMaxControlMessageSize);
      for (;;) {
        std::span<char> space = decoder.PrepareWrite(4096);
        auto [error, n] = co_await socket.async_read_some(
            asio::buffer(space.data(), space.size()), kNoThrow);
        if (error) {
          answer = "read: " + error.message();
          co_return;
        }
        decoder.Commit(n);
        std::string_view payload;
        if (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
          control::ControlReply reply;
          reply.ParseFromArray(payload.data(), int(payload.size()));
          answer = reply.error().empty() ? reply.text() : reply.error();
          co_return;
        }
      }
    }, asio::detached);
    EXPECT_TRUE(testing::RunUntil(io_, [&] { return answer.has_value(); }, seconds(10)));
    return answer.value_or("(no answer)");
  }

  // The text of the dashboard's reply to `line`.
  std::string ViaDashboard(const std::string& line) {
    std::optional<std::string> answer;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      websocket::stream<beast::tcp_stream> ws(io_);
      auto [connect_error] = co_await beast::get_lowest_layer(ws).async_connect(
          asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), web_->port()),
          kNoThrow);
      if (connect_error) {
        answer = "connect: " + connect_error.message();
        co_return;
      }
      auto [handshake_error] = co_await ws.async_handshake(
          "127.0.0.1", std::string("/ws?token=") + kToken, kNoThrow);
      if (handshake_error) {
        answer = "handshake: " + handshake_error.message();
        co_return;
      }
      co_await ws.async_write(asio::buffer(line), kNoThrow);
      beast::flat_buffer buffer;
      for (;;) {
        auto [error, n] = co_await ws.async_read(buffer, kNoThrow);
        if (error) {
          answer = "read: " + error.message();
          co_return;
        }
        std::string message = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        // {"schema":1,"kind":"reply","ok":false,"text":"..."}
        if (!ws.got_text()) continue;
        boost::system::error_code parse_error;
        boost::json::value parsed = boost::json::parse(message, parse_error);
        if (parse_error || !parsed.is_object()) continue;
        const boost::json::object& document = parsed.as_object();
        if (document.if_contains("kind") == nullptr ||
            document.at("kind") != "reply")
          continue;
        answer = std::string(document.at("text").as_string());
        break;
      }
      error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
    }, asio::detached);
    EXPECT_TRUE(testing::RunUntil(io_, [&] { return answer.has_value(); }, seconds(10)));
    return answer.value_or("(no answer)");
  }

  // What the terminal UI's status line says after ':' LINE Enter.
  std::string ViaTerminalUi(const std::string& line) {
    auto key = [&](TermKey k, std::string text = {}) {
      TermEvent event;
      event.key = k;
      event.text = std::move(text);
      tui_->HandleEvent(event);
    };
    key(TermKey::kCharacter, ":");
    for (char c : line) key(TermKey::kCharacter, std::string(1, c));
    key(TermKey::kEnter);
    tui_->Draw(200, 40);
    const std::string text = tui_->screen().ToText();
    std::string status = text.substr(text.rfind('\n', text.size() - 2) + 1);
    if (!status.empty() && status.back() == '\n') status.pop_back();
    // " message" padded with blanks.
    size_t start = status.find_first_not_of(' ');
    size_t end = status.find_last_not_of(' ');
    return start == std::string::npos ? "" : status.substr(start, end - start + 1);
  }

  void ExpectSameEverywhere(const std::string& line, const std::string& expected) {
    EXPECT_EQ(ViaControlSocket(line), expected) << "control socket: " << line;
    EXPECT_EQ(ViaDashboard(line), expected) << "dashboard: " << line;
    EXPECT_EQ(ViaTerminalUi(line), expected) << "terminal UI: " << line;
  }

  asio::io_context io_{1};
  std::string dir_;
  std::string control_path_;
  std::optional<TabHost> host_;
  std::optional<TaskManager> tasks_;
  std::optional<ControlServer> control_;
  std::unique_ptr<WebServer> web_;
  std::optional<Tui> tui_;
};

TEST_F(CommandFrontendsTest, TheSameMistakeGetsTheSameMessageEverywhere) {
  ExpectSameEverywhere("kill 99", "no tab 99");
  ExpectSameEverywhere("click 1 9999 10",
                       "click: (9999, 10) is outside tab 1's 160x120 frame");
  ExpectSameEverywhere("kill x", "kill: 'x' is not a tab id");
  ExpectSameEverywhere(
      "frob 1",
      "unknown command 'frob' (have: open, close, kill, crash, reload, "
      "hide, show, unpin, focus, discard, protect, unprotect, forget, "
      "navigate, resize, click, mouse, wheel, key, type, fault, timeline)");
  // Front ends given no timeline switch (manager/commands/timeline_switch.h).
  ExpectSameEverywhere("timeline stop", "timeline: not available here");
  const std::string bad_url = ViaControlSocket("open nocolon");
  EXPECT_EQ(bad_url.rfind("open: bad URL", 0), 0u) << bad_url;
  EXPECT_EQ(ViaDashboard("open nocolon"), bad_url);
  EXPECT_EQ(ViaTerminalUi("open nocolon"), bad_url);
  // The tab was never touched.
  EXPECT_EQ(host_->Find(1)->state(), TabState::kLive);
  EXPECT_EQ(host_->Find(1)->counters().inputs_sent, 0u);
}

TEST_F(CommandFrontendsTest, TheSameVerbDoesTheSameThingEverywhere) {
  // A click inside the frame: each front end's goes to the tab.
  ExpectSameEverywhere("click 1 5 6", "tab 1: click at (5, 6)");
  EXPECT_EQ(host_->Find(1)->counters().inputs_sent, 6u);  // 3 x down + up
  // Navigate, then a dead tab's answer.
  ExpectSameEverywhere("navigate 1 sim://blank", "tab 1: navigating to sim://blank");
  const std::string killed = ViaTerminalUi("kill 1");
  EXPECT_EQ(killed.rfind("tab 1: sent SIGKILL to pid ", 0), 0u) << killed;
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return host_->Find(1)->finished(); },
                                seconds(10)));
  ExpectSameEverywhere("navigate 1 sim://clock",
                       "tab 1 is crashed: killed by signal 9 (SIGKILL)");
  // Input to a gone tab: the same message on the control socket and in
  // the terminal UI; the dashboard leaves pointer and key input racing a
  // tab's end unanswered (a drag while the tab dies is normal).
  EXPECT_EQ(ViaControlSocket("key 1 enter"),
            "tab 1 is crashed: killed by signal 9 (SIGKILL)");
  EXPECT_EQ(ViaTerminalUi("key 1 enter"),
            "tab 1 is crashed: killed by signal 9 (SIGKILL)");
}

}  // namespace
}  // namespace tabsim
