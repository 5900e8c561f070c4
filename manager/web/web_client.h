// One browser watching the web dashboard over a WebSocket, in the role of
// tmux's server-client.c: per-client state, a reader and a writer coroutine
// joined with ||, and one way out.
//
// Flow control, so a slow browser never slows the manager or the tabs:
// frames are not queued. OnFrame() only grows the tab's pending damage
// rectangle (the union of everything since the last update sent). The
// writer sends at most one message at a time; when it is free it picks the
// tab that has waited longest, at most one update per tab every
// kMinFrameInterval (~30 fps per tab per client), and only then encodes
// the tab's latest frame, cropped to the pending damage. A browser that
// reads slowly therefore gets fewer, larger updates (superseded frames are
// dropped, the latest wins), and the manager's memory per client stays
// bounded by one message in flight. State (tab list, task manager) goes at
// most every kMinStateInterval and at least every kStateInterval.
//
// Failure: any bad input from the browser (a binary message, a text
// message that CheckDashboardMessage rejects: over kMaxWebCommandBytes,
// invalid UTF-8, a control byte; a protocol error) closes this client
// with close code 1008 or 1009 and a reason; the manager carries on. So do
// read/write errors and the keep-alive timeout. Run() never throws.
//
// Ownership: the WebServer owns clients (shared_ptr, also held by Run()
// while it runs). A client borrows the TabHost, the encoder and its
// delegate (the server), which outlive it; it keeps only tab ids.
#ifndef TABSIM_MANAGER_WEB_WEB_CLIENT_H_
#define TABSIM_MANAGER_WEB_WEB_CLIENT_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "manager/web/web_command.h"
#include "manager/web/web_frame_encoder.h"

namespace tabsim {

class TabHost;

class WebClient {
 public:
  using Clock = std::chrono::steady_clock;
  using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  static constexpr std::chrono::milliseconds kMinFrameInterval{33};
  static constexpr std::chrono::milliseconds kMinStateInterval{100};
  static constexpr std::chrono::milliseconds kStateInterval{1000};
  // Command replies waiting to be written; more means the browser sends
  // commands but does not read: it is dropped, and the log says so ("web
  // client 3 dropped: not reading its replies (64 queued, limit 64)").
  static constexpr size_t kMaxQueuedReplies = 64;

  // What the client needs from the server.
  class Delegate {
   public:
    virtual std::string StateJson() = 0;
    // Runs one command line (it passed CheckDashboardMessage) through the
    // command layer; returns a JSON reply to send, or "" for none.
    virtual std::string Execute(std::string_view line) = 0;

   protected:
    ~Delegate() = default;
  };

  struct Counters {
    uint64_t frames_sent = 0;
    uint64_t frame_bytes_sent = 0;
    uint64_t frames_superseded = 0;  // frames folded into a later update
    uint64_t states_sent = 0;
    uint64_t commands = 0;
  };

  // `stream` has completed the WebSocket handshake.
  WebClient(Stream stream, int number, TabHost& host, WebFrameEncoder& encoder,
            Delegate& delegate);
  WebClient(const WebClient&) = delete;
  WebClient& operator=(const WebClient&) = delete;

  // Serves the browser until it goes away, misbehaves, or Close().
  boost::asio::awaitable<void> Run();
  // Hangs up at once (no close handshake). Idempotent.
  void Close();

  // From the server's TabObserver.
  void OnFrame(int tab_id, const WebRect& damage);
  // The next update of `tab_id` is the whole frame (a new process, a
  // new client).
  void ResendTab(int tab_id);
  void MarkStateDirty();

  int number() const { return number_; }
  bool open() const { return open_; }
  const Counters& counters() const { return counters_; }
  // Why the client was closed; empty while open or when the browser left.
  const std::string& close_reason() const { return close_reason_; }

 private:
  struct TabStream {
    WebRect damage;
    bool dirty = false;
    bool whole = true;  // next update: the whole frame
    int sent_width = 0;  // the frame size the browser has
    int sent_height = 0;
    Clock::time_point last_sent{};
  };

  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> WriteLoop();
  // The next frame message due now, or null; sets *next_due when a dirty
  // tab must wait for its interval.
  WebFrameEncoder::Message NextFrame(Clock::time_point now,
                                     Clock::time_point* next_due);
  void Wake();

  Stream stream_;
  int number_;
  TabHost& host_;
  WebFrameEncoder& encoder_;
  Delegate& delegate_;
  boost::asio::steady_timer wake_;
  bool open_ = true;
  bool state_dirty_ = true;
  Clock::time_point last_state_{};
  std::map<int, TabStream> tabs_;
  std::deque<std::string> replies_;
  Counters counters_;
  std::string close_reason_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_CLIENT_H_
