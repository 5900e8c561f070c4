#include "manager/web/web_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/error.hpp>

#include <exception>

#include "common/log.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"

namespace tabsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

WebClient::WebClient(Stream stream, int number, TabHost& host,
                     WebFrameEncoder& encoder, Delegate& delegate)
    : stream_(std::move(stream)),
      number_(number),
      host_(host),
      encoder_(encoder),
      delegate_(delegate),
      wake_(stream_.get_executor()) {
  // Everything already on screen goes out whole, first thing.
  for (TabSession* tab : host_.tabs())
    if (tab->latest_frame().IsValid()) ResendTab(tab->id());
}

asio::awaitable<void> WebClient::Run() {
  TABSIM_LOG(kDebug) << "web client " << number_ << " connected";
  try {
    co_await (ReadLoop() || WriteLoop());
    if (!close_reason_.empty() && stream_.is_open()) {
      // Tell the browser why (bounded by the stream's close timeout).
      std::string reason = close_reason_.substr(0, 120);
      auto code = reason.rfind("too big", 0) == 0
                      ? websocket::close_code::too_big
                      : websocket::close_code::policy_error;
      co_await stream_.async_close(websocket::close_reason(code, reason),
                                   kNoThrow);
    }
  } catch (const std::exception& e) {
    TABSIM_LOG(kWarning) << "web client " << number_ << ": " << e.what();
  }
  Close();
  host_.RemoveViewer(this);  // what it showed may now be hidden
  TABSIM_LOG(kDebug) << "web client " << number_ << " gone";
}

void WebClient::Close() {
  open_ = false;
  error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(
      asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
  wake_.cancel();
}

void WebClient::Wake() { wake_.cancel(); }

void WebClient::OnFrame(int tab_id, const WebRect& damage) {
  if (!open_) return;
  TabStream& tab = tabs_[tab_id];
  if (tab.dirty) ++counters_.frames_superseded;
  tab.damage = Union(tab.damage, damage);
  tab.dirty = true;
  Wake();
}

void WebClient::ResendTab(int tab_id) {
  TabStream& tab = tabs_[tab_id];
  tab.whole = true;
  tab.dirty = true;
  Wake();
}

void WebClient::MarkStateDirty() {
  state_dirty_ = true;
  Wake();
}

asio::awaitable<void> WebClient::ReadLoop() {
  beast::flat_buffer buffer;
  while (open_) {
    auto [error, bytes] = co_await stream_.async_read(buffer, kNoThrow);
    (void)bytes;
    if (error) {
      if (error == websocket::error::message_too_big) {
        close_reason_ = "too big: messages are at most " +
                        std::to_string(kMaxWebCommandBytes) + " bytes";
      } else if (error != websocket::error::closed &&
                 error != asio::error::operation_aborted &&
                 error != asio::error::eof) {
        // Protocol errors (bad UTF-8, bad framing) and timeouts.
        TABSIM_LOG(kInfo) << "web client " << number_ << ": " << error.message();
      }
      break;
    }
    if (!stream_.got_text()) {
      close_reason_ = "binary messages are not commands";
      break;
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (Status checked = CheckDashboardMessage(text); !checked.ok()) {
      close_reason_ = checked.error().message;
      break;
    }
    if (auto viewing = ParseViewingMessage(text)) {
      if (!viewing->ok()) {
        close_reason_ = viewing->error().message;
        break;
      }
      host_.SetViewerTabs(this, std::move(**viewing));
      continue;
    }
    ++counters_.commands;
    std::string reply = delegate_.Execute(text);
    if (reply.empty()) continue;
    if (replies_.size() >= kMaxQueuedReplies) {
      // Commands keep coming but the replies are not read.
      close_reason_ = "not reading its replies (" +
                      std::to_string(replies_.size()) + " queued, limit " +
                      std::to_string(kMaxQueuedReplies) + ")";
      break;
    }
    replies_.push_back(std::move(reply));
    Wake();
  }
  if (!close_reason_.empty()) {
    TABSIM_LOG(kWarning) << "web client " << number_
                         << " dropped: " << close_reason_;
  }
  open_ = false;
  // A graceful close follows in Run() when there is a reason to give;
  // otherwise the browser is gone and nothing more can be said.
  if (close_reason_.empty()) Close();
  Wake();
}

WebFrameEncoder::Message WebClient::NextFrame(Clock::time_point now,
                                              Clock::time_point* next_due) {
  for (;;) {
    // The dirty tab that has waited longest and whose interval is over.
    auto best = tabs_.end();
    for (auto it = tabs_.begin(); it != tabs_.end(); ++it) {
      if (!it->second.dirty) continue;
      Clock::time_point due = it->second.last_sent + kMinFrameInterval;
      if (due > now) {
        *next_due = std::min(*next_due, due);
        continue;
      }
      if (best == tabs_.end() || it->second.last_sent < best->second.last_sent)
        best = it;
    }
    if (best == tabs_.end()) return nullptr;
    int tab_id = best->first;
    TabStream& tab = best->second;
    tab.dirty = false;
    TabSession* session = host_.Find(tab_id);
    FrameView frame = session ? session->latest_frame() : FrameView{};
    if (!frame.IsValid()) {
      // Gone (the browser keeps the last pixels under the sad tab) or not
      // drawn yet: the next frame comes whole.
      tab.whole = true;
      tab.damage = {};
      continue;
    }
    if (frame.width != tab.sent_width || frame.height != tab.sent_height)
      tab.whole = true;
    WebRect rect = tab.whole ? WebRect{0, 0, frame.width, frame.height}
                             : Clip(tab.damage, frame.width, frame.height);
    if (rect.IsEmpty()) continue;
    auto message = encoder_.Encode(tab_id, frame, rect);
    if (!message.ok()) {
      TABSIM_LOG(kWarning) << "web client " << number_ << ", tab " << tab_id
                           << ": " << message.error().message;
      continue;
    }
    tab.whole = false;
    tab.damage = {};
    tab.last_sent = now;
    tab.sent_width = frame.width;
    tab.sent_height = frame.height;
    return *message;
  }
}

asio::awaitable<void> WebClient::WriteLoop() {
  while (open_) {
    Clock::time_point now = Clock::now();
    Clock::time_point wake_at = last_state_ + kStateInterval;
    error_code error;
    if (!replies_.empty()) {
      std::string reply = std::move(replies_.front());
      replies_.pop_front();
      stream_.text(true);
      std::tie(error, std::ignore) =
          co_await stream_.async_write(asio::buffer(reply), kNoThrow);
    } else if ((state_dirty_ && now >= last_state_ + kMinStateInterval) ||
               now >= last_state_ + kStateInterval) {
      std::string state = delegate_.StateJson();
      state_dirty_ = false;
      last_state_ = now;
      ++counters_.states_sent;
      stream_.text(true);
      std::tie(error, std::ignore) =
          co_await stream_.async_write(asio::buffer(state), kNoThrow);
    } else if (auto frame = NextFrame(now, &wake_at)) {
      stream_.binary(true);
      std::tie(error, std::ignore) =
          co_await stream_.async_write(asio::buffer(*frame), kNoThrow);
      ++counters_.frames_sent;
      counters_.frame_bytes_sent += frame->size();
    } else {
      if (state_dirty_) wake_at = std::min(wake_at, last_state_ + kMinStateInterval);
      wake_.expires_at(wake_at);
      co_await wake_.async_wait(kNoThrow);  // Wake() cancels it: re-check
      continue;
    }
    if (error) {
      if (error != asio::error::operation_aborted) {
        TABSIM_LOG(kInfo) << "web client " << number_ << ": write: "
                          << error.message();
      }
      Close();
      break;
    }
  }
}

}  // namespace tabsim
