// The web dashboard (`tabsim run --ui web`): an HTTP and WebSocket server
// (Boost.Beast) on the manager's one io_context, serving one page
// (manager/web/dashboard.html) and one WebSocket per browser (WebClient).
// See docs/web.md.
//
// Requests: GET /?token=T answers the page; GET /ws?token=T upgrades to the
// WebSocket. Every request must carry the token (403 otherwise); a
// WebSocket upgrade whose Origin is not this server is refused too. A
// request that does not parse, has a body, or exceeds kMaxHeaderBytes
// closes that connection; so does a connection idle for kRequestTimeout.
// At most kMaxConnections connections (of which kMaxWebClients
// WebSockets) at once; more are hung up on.
//
// Ownership: the server owns the listening socket, every connection and
// client, and the frame encoder. It borrows the TabHost and TaskManager,
// which must outlive it; register it as a TabHost observer (and remove it
// before the host goes). Stop() hangs up on everyone, so io_context::run()
// can return.
#ifndef TABSIM_MANAGER_WEB_WEB_SERVER_H_
#define TABSIM_MANAGER_WEB_WEB_SERVER_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "common/result.h"
#include "manager/commands/command_runner.h"
#include "manager/core/tab_observer.h"
#include "manager/web/web_address.h"
#include "manager/web/web_client.h"
#include "manager/web/web_frame_encoder.h"
#include "manager/web/web_token.h"

namespace tabsim {

class TabHost;
class TaskManager;

class WebServer : public TabObserver, private WebClient::Delegate {
 public:
  static constexpr size_t kMaxConnections = 64;
  static constexpr size_t kMaxWebClients = 16;
  static constexpr size_t kMaxHeaderBytes = 8 * 1024;
  static constexpr std::chrono::seconds kRequestTimeout{10};

  // Binds and listens on `address` (port 0: any free port). Fails with the
  // bind/listen error ("bind 127.0.0.1:80: Permission denied").
  static Result<std::unique_ptr<WebServer>> Listen(
      boost::asio::any_io_executor executor, TabHost& host, TaskManager& tasks,
      const WebAddress& address, WebToken token);
  ~WebServer() override;
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Accepts connections until Stop(). Never throws.
  boost::asio::awaitable<void> Run();
  // What the `timeline` verb starts and stops (command_runner.h); not
  // owned, must outlive this.
  void set_timeline(TimelineSwitch* timeline) { commands_.set_timeline(timeline); }
  void Stop();

  // http://127.0.0.1:PORT/?token=T: what users open.
  std::string Url() const;
  uint16_t port() const { return port_; }
  const WebToken& token() const { return token_; }
  size_t client_count() const { return clients_.size(); }
  size_t connection_count() const { return connections_.size(); }
  const WebFrameEncoder& encoder() const { return encoder_; }

  // TabObserver.
  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabStateChanged(const TabSession& tab) override;
  void OnTabLost(const TabSession& tab) override;

 private:
  WebServer(boost::asio::any_io_executor executor, TabHost& host,
            TaskManager& tasks, WebAddress address, WebToken token);
  boost::asio::awaitable<void> ServeConnection(boost::beast::tcp_stream stream,
                                               int number);
  // WebClient::Delegate.
  std::string StateJson() override;
  std::string Execute(std::string_view line) override;
  void MarkStateDirty();

  boost::asio::ip::tcp::acceptor acceptor_;
  TabHost& host_;
  TaskManager& tasks_;
  CommandRunner commands_;
  WebAddress address_;
  WebToken token_;
  uint16_t port_ = 0;
  bool stopped_ = false;
  WebFrameEncoder encoder_;
  std::set<boost::beast::tcp_stream*> connections_;  // HTTP, before upgrade
  std::set<std::shared_ptr<WebClient>> clients_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_SERVER_H_
