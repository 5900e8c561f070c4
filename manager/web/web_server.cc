#include "manager/web/web_server.h"

#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <exception>

#include "common/accept_loop.h"
#include "common/log.h"
#include "manager/commands/command_runner.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"
#include "manager/web/web_assets.h"
#include "manager/web/web_state.h"

namespace tabsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

using Request = http::request<http::empty_body>;
using Response = http::response<http::string_body>;

Response TextResponse(const Request& request, http::status status,
                      std::string body, const char* type = "text/plain; charset=utf-8") {
  Response response(status, request.version());
  response.set(http::field::server, "tabsim");
  response.set(http::field::content_type, type);
  response.set(http::field::cache_control, "no-store");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Content-Security-Policy",
               "default-src 'none'; script-src 'unsafe-inline'; "
               "style-src 'unsafe-inline'; connect-src 'self'; "
               "img-src data: blob:; frame-ancestors 'none'");
  response.keep_alive(request.keep_alive() && status == http::status::ok);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// A browser always sends Origin with a WebSocket upgrade; it must be this
// very server (a page elsewhere must not drive the tabs even if it learnt
// the token). Non-browser clients may omit it.
bool OriginAllowed(const Request& request) {
  auto origin = request[http::field::origin];
  if (origin.empty()) return true;
  return origin == "http://" + std::string(request[http::field::host]);
}

}  // namespace

Result<std::unique_ptr<WebServer>> WebServer::Listen(
    asio::any_io_executor executor, TabHost& host, TaskManager& tasks,
    const WebAddress& address, WebToken token) {
  std::unique_ptr<WebServer> server(
      new WebServer(executor, host, tasks, address, std::move(token)));
  tcp::endpoint endpoint(address.address, address.port);
  auto where = address.HostPort(address.port);
  error_code error;
  server->acceptor_.open(endpoint.protocol(), error);
  if (error) return Error{"web dashboard: socket: " + error.message(), error.value()};
  server->acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  server->acceptor_.bind(endpoint, error);
  if (error)
    return Error{"web dashboard: bind " + where + ": " + error.message(),
                 error.value()};
  server->acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error)
    return Error{"web dashboard: listen " + where + ": " + error.message(),
                 error.value()};
  server->port_ = server->acceptor_.local_endpoint(error).port();
  if (error)
    return Error{"web dashboard: getsockname: " + error.message(), error.value()};
  return server;
}

WebServer::WebServer(asio::any_io_executor executor, TabHost& host,
                     TaskManager& tasks, WebAddress address, WebToken token)
    : acceptor_(executor),
      host_(host),
      tasks_(tasks),
      commands_(host, tasks),
      address_(std::move(address)),
      token_(std::move(token)) {}

WebServer::~WebServer() { Stop(); }

std::string WebServer::Url() const {
  return "http://" + address_.HostPort(port_) + "/?token=" + token_.value();
}

void WebServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  for (beast::tcp_stream* stream : connections_) stream->close();
  for (const auto& client : clients_) client->Close();
}

asio::awaitable<void> WebServer::Run() {
  int next_number = 1;
  co_await AcceptLoop(acceptor_, "web dashboard", stopped_,
                      [&](tcp::socket socket) {
    if (connections_.size() + clients_.size() >= kMaxConnections) {
      TABSIM_LOG(kWarning) << "web dashboard: " << kMaxConnections
                           << " connections already; hanging up on a new one";
      return;  // the socket closes as it goes out of scope
    }
    asio::co_spawn(acceptor_.get_executor(),
                   ServeConnection(beast::tcp_stream(std::move(socket)),
                                   next_number++),
                   asio::detached);
  });
}

asio::awaitable<void> WebServer::ServeConnection(beast::tcp_stream stream,
                                                 int number) {
  connections_.insert(&stream);
  std::optional<Request> upgrade;
  try {
    beast::flat_buffer buffer;
    while (!stopped_) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      stream.expires_after(kRequestTimeout);
      auto [error, bytes] =
          co_await http::async_read(stream, buffer, parser, kNoThrow);
      (void)bytes;
      if (error) {
        if (error.category() == http::make_error_code(http::error::bad_target).category() &&
            error != http::error::end_of_stream) {
          TABSIM_LOG(kInfo) << "web connection " << number
                            << ": bad request: " << error.message();
          Request blank;
          Response response = TextResponse(blank, http::status::bad_request,
                                           "400 Bad Request: " + error.message() + "\n");
          response.keep_alive(false);
          co_await http::async_write(stream, response, kNoThrow);
        }
        break;
      }
      Request request = parser.release();
      const bool allowed = token_.AllowsTarget(request.target());
      const std::string_view path = TargetPath(request.target());
      if (websocket::is_upgrade(request) && allowed && path == "/ws" &&
          OriginAllowed(request) && clients_.size() < kMaxWebClients) {
        upgrade = std::move(request);
        break;
      }
      Response response = [&] {
        if (!allowed)
          return TextResponse(request, http::status::forbidden,
                              "403 Forbidden: open the dashboard with the URL "
                              "tabsim printed (it carries ?token=...)\n");
        if (websocket::is_upgrade(request)) {
          if (path != "/ws")
            return TextResponse(request, http::status::not_found, "404 Not Found\n");
          if (!OriginAllowed(request))
            return TextResponse(request, http::status::forbidden,
                                "403 Forbidden: cross-origin WebSocket\n");
          return TextResponse(request, http::status::service_unavailable,
                              "503 Service Unavailable: too many dashboards\n");
        }
        if (request.method() != http::verb::get)
          return TextResponse(request, http::status::method_not_allowed,
                              "405 Method Not Allowed\n");
        if (path != "/")
          return TextResponse(request, http::status::not_found, "404 Not Found\n");
        return TextResponse(request, http::status::ok, std::string(DashboardHtml()),
                            "text/html; charset=utf-8");
      }();
      TABSIM_LOG(kDebug) << "web connection " << number << ": "
                         << request.method_string() << " " << path << " -> "
                         << response.result_int();
      stream.expires_after(kRequestTimeout);
      auto [write_error, written] =
          co_await http::async_write(stream, response, kNoThrow);
      (void)written;
      if (write_error || !response.keep_alive()) break;
    }
  } catch (const std::exception& e) {
    TABSIM_LOG(kWarning) << "web connection " << number << ": " << e.what();
  }
  connections_.erase(&stream);
  if (!upgrade || stopped_) {
    stream.close();
    co_return;
  }

  stream.expires_never();  // the WebSocket has its own timeouts
  WebClient::Stream socket(std::move(stream));
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = std::chrono::seconds(5);
  timeouts.idle_timeout = std::chrono::seconds(30);
  timeouts.keep_alive_pings = true;
  socket.set_option(timeouts);
  socket.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) {
        response.set(http::field::server, "tabsim");
      }));
  socket.read_message_max(kMaxWebCommandBytes);
  auto [accept_error] = co_await socket.async_accept(*upgrade, kNoThrow);
  if (accept_error || stopped_) {
    TABSIM_LOG(kInfo) << "web connection " << number << ": handshake: "
                      << accept_error.message();
    beast::get_lowest_layer(socket).close();
    co_return;
  }
  WebClient::Delegate& delegate = *this;
  auto client = std::make_shared<WebClient>(std::move(socket), number, host_,
                                            encoder_, delegate);
  clients_.insert(client);
  MarkStateDirty();  // everyone's client count changed
  co_await client->Run();
  clients_.erase(client);
  MarkStateDirty();
}

void WebServer::MarkStateDirty() {
  for (const auto& client : clients_) client->MarkStateDirty();
}

std::string WebServer::StateJson() {
  return WebStateJson(tasks_, clients_.size());
}

std::string WebServer::Execute(std::string_view line) {
  CommandResult result = commands_.ExecuteLine(line);
  // Input (the pointer, the keyboard) flows at pointer speed and needs no
  // answer; input racing a tab's end (a drag while it dies) is normal and
  // stays quiet too. Every other answer goes back to the dashboard.
  const std::string_view verb = line.substr(0, line.find(' '));
  const bool input = verb == "mouse" || verb == "wheel" || verb == "key" ||
                     verb == "type";
  if (input) {
    if (result.ok()) return "";
    const int error = result.status.error().error_number;
    if (error == ENOENT || error == ESRCH) return "";
  }
  return WebReplyJson(result.ok(),
                      result.ok() ? result.text : result.status.error().message);
}

void WebServer::OnTabSpawned(const TabSession& tab) {
  encoder_.Forget(tab.id());
  for (const auto& client : clients_) client->ResendTab(tab.id());
  MarkStateDirty();
}
void WebServer::OnTabLive(const TabSession&) { MarkStateDirty(); }
void WebServer::OnFrame(const TabSession& tab, const FrameView& frame) {
  if (clients_.empty()) return;
  WebRect damage = DamageOf(frame);
  for (const auto& client : clients_) client->OnFrame(tab.id(), damage);
}
void WebServer::OnTitleChanged(const TabSession&) { MarkStateDirty(); }
void WebServer::OnTabStateChanged(const TabSession&) { MarkStateDirty(); }
void WebServer::OnTabLost(const TabSession& tab) {
  encoder_.Forget(tab.id());
  MarkStateDirty();
}

}  // namespace tabsim
