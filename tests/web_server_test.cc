// The web dashboard's server in-process, on one io_context with real tabs,
// spoken to by raw sockets and Beast WebSocket clients on the same loop:
// the token on every request, bad requests and bad WebSocket messages
// closing only their own client, several browsers at once, per-tab rate
// limiting, and a browser that stops reading not slowing anyone else.
#include "manager/web/web_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <list>
#include <map>
#include <optional>

#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"
#include "tests/host_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

// One WebSocket client; everything it saw.
struct Browser {
  std::string target = std::string("/ws?token=") + kToken;
  std::string origin;          // sent when not empty
  std::string send;            // sent once after the handshake
  bool send_binary = false;
  bool stop_reading = false;   // handshake, then never read again
  int unread_commands = 0;     // with stop_reading: commands sent, up to this
  int commands_sent = 0;
  bool connected = false;
  bool done = false;
  error_code handshake_error;
  int texts = 0;
  std::map<int, int> frames;   // tab id -> frame messages
  std::vector<std::string> text_messages;
  websocket::close_reason close;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  int total_frames() const {
    int total = 0;
    for (auto& [id, count] : frames) total += count;
    return total;
  }
};

class WebServerTest : public ::testing::Test {
 protected:
  WebServerTest() {
    testing::DisableCoreDumps();
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 160;
    options.height = 120;
    host_.emplace(io_, options);
    tasks_.emplace(*host_);
    host_->AddObserver(&*tasks_);
    auto address = ParseWebAddress("127.0.0.1:0");
    auto server = WebServer::Listen(io_.get_executor(), *host_, *tasks_,
                                    *address, WebToken(kToken));
    EXPECT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    host_->AddObserver(server_.get());
    asio::co_spawn(io_, server_->Run(), asio::detached);
  }
  ~WebServerTest() override {
    // Hang up every browser and let its coroutine finish before anything
    // it references goes away.
    for (Browser& browser : browsers_) {
      if (browser.ws) beast::get_lowest_layer(*browser.ws).close();
      if (browser.stop_reading) browser.done = true;
    }
    RunUntil([&] {
      for (Browser& browser : browsers_)
        if (browser.ws && !browser.done) return false;
      return true;
    });
    server_->Stop();
    testing::ShutdownHost(io_, *host_, std::chrono::seconds(10));
    RunUntil([] { return false; }, milliseconds(50));
    host_->RemoveObserver(server_.get());
  }
  bool RunUntil(const std::function<bool()>& done,
                milliseconds timeout = seconds(10)) {
    return testing::RunUntil(io_, done, timeout);
  }
  void RunFor(milliseconds time) { RunUntil([] { return false; }, time); }
  tcp::endpoint Endpoint() const {
    return {asio::ip::make_address("127.0.0.1"), server_->port()};
  }

  // Writes `request` on a new connection and returns everything the
  // server sends until it hangs up.
  std::string Exchange(const std::string& request) {
    std::string reply;
    bool done = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      tcp::socket socket(io_);
      auto [connect_error] = co_await socket.async_connect(Endpoint(), kNoThrow);
      if (!connect_error) {
        co_await asio::async_write(socket, asio::buffer(request), kNoThrow);
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        char buffer[4096];
        for (;;) {
          auto [error, n] = co_await socket.async_read_some(asio::buffer(buffer), kNoThrow);
          reply.append(buffer, n);
          if (error) break;
        }
      }
      done = true;
    }, asio::detached);
    EXPECT_TRUE(RunUntil([&] { return done; }, seconds(15))) << request;
    return reply;
  }

  Browser& NewBrowser() { return browsers_.emplace_back(); }

  void Start(Browser& browser) {
    asio::co_spawn(io_, [this, &browser]() -> asio::awaitable<void> {
      browser.ws.emplace(io_);
      auto& ws = *browser.ws;
      if (browser.stop_reading) {
        // A tiny receive window so the server's writes back up quickly.
        error_code ignored;
        beast::get_lowest_layer(ws).socket().open(tcp::v4(), ignored);
        beast::get_lowest_layer(ws).socket().set_option(
            asio::socket_base::receive_buffer_size(4096), ignored);
      }
      auto [connect_error] =
          co_await beast::get_lowest_layer(ws).async_connect(Endpoint(), kNoThrow);
      if (connect_error) {
        browser.handshake_error = connect_error;
        browser.done = true;
        co_return;
      }
      if (!browser.origin.empty()) {
        ws.set_option(websocket::stream_base::decorator(
            [origin = browser.origin](websocket::request_type& request) {
              request.set(beast::http::field::origin, origin);
            }));
      }
      std::string host = "127.0.0.1:" + std::to_string(server_->port());
      auto [handshake_error] = co_await ws.async_handshake(host, browser.target, kNoThrow);
      browser.handshake_error = handshake_error;
      if (handshake_error) {
        browser.done = true;
        co_return;
      }
      browser.connected = true;
      if (browser.stop_reading) {
        // Keeps the socket, never reads; may send commands until the
        // server hangs up.
        for (int i = 0; i < browser.unread_commands; ++i) {
          auto [error, n] = co_await ws.async_write(asio::buffer(std::string_view("kill 99")),
                                                    kNoThrow);
          if (error) break;
          ++browser.commands_sent;
        }
        co_return;
      }
      if (!browser.send.empty()) {
        ws.binary(browser.send_binary);
        co_await ws.async_write(asio::buffer(browser.send), kNoThrow);
      }
      beast::flat_buffer buffer;
      for (;;) {
        auto [error, n] = co_await ws.async_read(buffer, kNoThrow);
        if (error) break;
        std::string message = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (ws.got_text()) {
          ++browser.texts;
          browser.text_messages.push_back(message);
        } else if (message.size() > kWebFrameHeaderBytes && message.compare(0, 4, "TSF1") == 0) {
          int tab = static_cast<unsigned char>(message[4]);
          ++browser.frames[tab];
        }
      }
      browser.close = ws.reason();
      browser.done = true;
    }, asio::detached);
  }

  void OpenTabs(std::initializer_list<const char*> urls) {
    for (const char* url : urls) ASSERT_TRUE(host_->Open(url).ok());
    ASSERT_TRUE(RunUntil([&] {
      for (TabSession* tab : host_->tabs())
        if (!tab->latest_frame().IsValid()) return false;
      return true;
    }));
  }

  asio::io_context io_{1};
  std::optional<TabHost> host_;
  std::optional<TaskManager> tasks_;
  std::unique_ptr<WebServer> server_;
  std::list<Browser> browsers_;  // stable addresses for their coroutines
};

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

TEST_F(WebServerTest, EveryHttpRequestNeedsTheToken) {
  EXPECT_EQ(Exchange(Get("/")).rfind("HTTP/1.1 403", 0), 0u);
  EXPECT_EQ(Exchange(Get("/?token=0123")).rfind("HTTP/1.1 403", 0), 0u);
  EXPECT_EQ(Exchange(Get("/nope")).rfind("HTTP/1.1 403", 0), 0u);
  EXPECT_EQ(Exchange(Get(std::string("/?token=") + kToken + "&token=" + kToken))
                .rfind("HTTP/1.1 403", 0), 0u);
  std::string page = Exchange(Get(std::string("/?token=") + kToken));
  EXPECT_EQ(page.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(page.find("Referrer-Policy: no-referrer"), std::string::npos);
  EXPECT_NE(page.find("<canvas"), std::string::npos);
  EXPECT_EQ(Exchange(Get(std::string("/x?token=") + kToken)).rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Exchange("DELETE /?token=" + std::string(kToken) +
                     " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .rfind("HTTP/1.1 405", 0), 0u);
}

TEST_F(WebServerTest, BadRequestsCloseOnlyTheirConnection) {
  EXPECT_EQ(Exchange("GARBAGE\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange(std::string("\0\1\2\3\r\n\r\n", 8)).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange("POST /?token=" + std::string(kToken) +
                     " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                .rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n")
                .rfind("HTTP/1.1 400", 0), 0u);
  // Half a request, then EOF: that connection ends, nothing else does.
  std::string half = Exchange("GET / HTTP/1.1\r\nHost: x\r\n");
  EXPECT_TRUE(half.empty() || half.rfind("HTTP/1.1 400", 0) == 0) << half;
  // The server carries on.
  EXPECT_EQ(Exchange(Get(std::string("/?token=") + kToken)).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(WebServerTest, WebSocketNeedsTheTokenAndThisOrigin) {
  Browser& no_token = NewBrowser();
  Browser& wrong_path = NewBrowser();
  Browser& other_origin = NewBrowser();
  Browser& same_origin = NewBrowser();
  no_token.target = "/ws";
  wrong_path.target = std::string("/socket?token=") + kToken;
  other_origin.origin = "http://evil.example";
  same_origin.origin = "http://127.0.0.1:" + std::to_string(server_->port());
  for (Browser* b : {&no_token, &wrong_path, &other_origin, &same_origin}) Start(*b);
  ASSERT_TRUE(RunUntil([&] {
    return no_token.done && wrong_path.done && other_origin.done && same_origin.connected;
  }));
  EXPECT_TRUE(no_token.handshake_error);
  EXPECT_TRUE(wrong_path.handshake_error);
  EXPECT_TRUE(other_origin.handshake_error);
  EXPECT_FALSE(same_origin.handshake_error) << same_origin.handshake_error.message();
  EXPECT_TRUE(RunUntil([&] { return server_->client_count() == 1; }));
}

TEST_F(WebServerTest, BrowsersGetStateAndFramesAndABadOneIsDroppedAlone) {
  OpenTabs({"sim://bounce", "sim://clock"});
  Browser& good = NewBrowser();
  Browser& bad = NewBrowser();
  Browser& binary = NewBrowser();
  Browser& huge = NewBrowser();
  bad.send = "kill 1\x01";  // bytes no dashboard sends: dropped
  binary.send = "kill 1";
  binary.send_binary = true;
  huge.send = "type 1 " + std::string(kMaxWebCommandBytes, 'a');
  for (Browser* b : {&good, &bad, &binary, &huge}) Start(*b);
  ASSERT_TRUE(RunUntil([&] { return bad.done && binary.done && huge.done; }));
  EXPECT_EQ(bad.close.code, websocket::close_code::policy_error);
  EXPECT_NE(std::string(bad.close.reason.data(), bad.close.reason.size()).find("bad dashboard command"), std::string::npos)
      << bad.close.reason.c_str();
  EXPECT_EQ(binary.close.code, websocket::close_code::policy_error);
  EXPECT_EQ(huge.close.code, websocket::close_code::too_big);
  // Nothing the bad ones sent was carried out.
  EXPECT_TRUE(host_->Find(1)->live());

  int before = good.total_frames();
  ASSERT_TRUE(RunUntil([&] { return good.frames[1] >= 10 && good.frames[2] >= 1 &&
                                    good.total_frames() > before + 10; }));
  ASSERT_GE(good.texts, 1);
  const boost::json::value first = boost::json::parse(good.text_messages[0]);
  EXPECT_EQ(first.at("schema").to_number<int>(), 1);
  EXPECT_EQ(first.at("kind").as_string(), "state");
  EXPECT_EQ(first.at("tabs").as_array().size(), 2u);
  EXPECT_TRUE(RunUntil([&] { return server_->client_count() == 1; }));
  EXPECT_FALSE(good.done);
}

TEST_F(WebServerTest, CommandsDriveTabsAndAreAnswered) {
  OpenTabs({"sim://clock"});
  Browser& browser = NewBrowser();
  browser.send = "kill 1";
  Start(browser);
  ASSERT_TRUE(RunUntil([&] { return host_->Find(1)->finished(); }));
  // Every text message is a JSON document; did one of them match?
  auto saw = [&](const std::function<bool(const boost::json::object&)>& match) {
    for (const std::string& message : browser.text_messages)
      if (match(boost::json::parse(message).as_object())) return true;
    return false;
  };
  ASSERT_TRUE(RunUntil([&] {
    return saw([](const boost::json::object& m) {
      return m.at("kind") == "reply" && m.at("ok") == true &&
             m.at("text").as_string().starts_with("tab 1: sent SIGKILL to pid ");
    });
  }));
  ASSERT_TRUE(RunUntil([&] {
    return saw([](const boost::json::object& m) {
      if (m.at("kind") != "state") return false;
      const boost::json::value& tab = m.at("tabs").at(0);
      return tab.at("state") == "crashed" &&
             tab.at("cause") == "killed by signal 9 (SIGKILL)" &&
             tab.at("cpu_percent").is_null();
    });
  }));
  EXPECT_EQ(host_->Find(1)->state(), TabState::kCrashed);
}

TEST_F(WebServerTest, MistakesAreAnsweredAndTheBrowserStays) {
  // A mistake a person can make (the command layer's message) is an
  // answer, not a reason to drop the dashboard.
  OpenTabs({"sim://clock"});
  Browser& browser = NewBrowser();
  browser.send = "mouse 1 explode";
  Start(browser);
  auto saw = [&](const std::string& text) {
    for (const std::string& message : browser.text_messages)
      if (message.find(text) != std::string::npos) return true;
    return false;
  };
  ASSERT_TRUE(RunUntil([&] {
    return saw("\"ok\":false,\"text\":\"mouse: missing arguments (usage: mouse ID down|up|move BUTTON X Y)\"");
  }));
  EXPECT_FALSE(browser.done);
  EXPECT_EQ(server_->client_count(), 1u);
}

TEST_F(WebServerTest, ADashboardSaysWhichTabsItShowsAndHidesTheRest) {
  OpenTabs({"sim://clock", "sim://clock"});
  // No viewer yet: every tab is shown.
  EXPECT_TRUE(host_->Find(1)->visible());
  EXPECT_TRUE(host_->Find(2)->visible());
  Browser& browser = NewBrowser();
  browser.send = "viewing 2";  // tab 1's card is scrolled away
  Start(browser);
  ASSERT_TRUE(RunUntil(
      [&] { return !host_->Find(1)->visible() && host_->Find(2)->visible(); }));
  // The browser goes away: nothing hides tab 1 any more.
  error_code ignored;
  beast::get_lowest_layer(*browser.ws).socket().close(ignored);
  ASSERT_TRUE(RunUntil([&] { return server_->client_count() == 0; }));
  ASSERT_TRUE(RunUntil([&] { return host_->Find(1)->visible(); }));

  // A malformed one is a broken client: dropped with the reason.
  Browser& bad = NewBrowser();
  bad.send = "viewing 1 x";
  Start(bad);
  ASSERT_TRUE(RunUntil([&] { return bad.done; }));
  EXPECT_EQ(bad.close.code, websocket::close_code::policy_error);
  EXPECT_NE(std::string(bad.close.reason.data(), bad.close.reason.size())
                .find("viewing"),
            std::string::npos);
  EXPECT_TRUE(host_->Find(1)->visible());
}

TEST_F(WebServerTest, FramesAreRateLimitedPerTab) {
  OpenTabs({"sim://bounce"});  // 60 frames a second
  Browser& browser = NewBrowser();
  Start(browser);
  ASSERT_TRUE(RunUntil([&] { return browser.frames[1] >= 1; }));
  uint64_t tab_frames = host_->Find(1)->counters().frames;
  int sent = browser.frames[1];
  RunFor(milliseconds(2000));
  uint64_t produced = host_->Find(1)->counters().frames - tab_frames;
  int received = browser.frames[1] - sent;
  EXPECT_GE(produced, 90u);
  EXPECT_GE(received, 20);
  EXPECT_LE(received, 2 * 1000 / int(WebClient::kMinFrameInterval.count()) + 4);
}

TEST_F(WebServerTest, ABrowserThatStopsReadingSlowsNobody) {
  OpenTabs({"sim://bounce"});
  Browser& stuck = NewBrowser();
  Browser& watcher = NewBrowser();
  stuck.stop_reading = true;
  Start(stuck);
  Start(watcher);
  ASSERT_TRUE(RunUntil([&] { return stuck.connected && watcher.frames[1] >= 1; }));
  uint64_t tab_frames = host_->Find(1)->counters().frames;
  int seen = watcher.frames[1];
  RunFor(milliseconds(2000));
  EXPECT_GE(host_->Find(1)->counters().frames - tab_frames, 90u);
  EXPECT_GE(watcher.frames[1] - seen, 20);
  EXPECT_EQ(server_->client_count(), 2u);
}

TEST_F(WebServerTest, ABrowserThatSendsCommandsButNeverReadsIsDroppedWithAMessage) {
  OpenTabs({"sim://bounce"});
  Browser& greedy = NewBrowser();
  Browser& watcher = NewBrowser();
  greedy.stop_reading = true;
  greedy.unread_commands = 200000;  // each answered: "no tab 99"
  ::testing::internal::CaptureStderr();
  Start(greedy);
  Start(watcher);
  const bool dropped = RunUntil(
      [&] {
        return greedy.connected && greedy.commands_sent > 0 &&
               watcher.frames[1] >= 1 && server_->client_count() == 1;
      },
      // ~2 s here; ~35 s under ASan, where each command costs more.
      seconds(120));
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(dropped) << "sent " << greedy.commands_sent << "\n" << log;
  // Past kMaxQueuedReplies unwritten replies, not after all of them.
  EXPECT_LT(greedy.commands_sent, greedy.unread_commands);
  EXPECT_NE(log.find("dropped: not reading its replies (64 queued, limit 64)"),
            std::string::npos)
      << log;
  // The other browser goes on getting frames.
  const int seen = watcher.frames[1];
  ASSERT_TRUE(RunUntil([&] { return watcher.frames[1] >= seen + 5; }));
  EXPECT_FALSE(watcher.done);
}

}  // namespace
}  // namespace tabsim
