#include "manager/core/tab_output.h"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <variant>

#include "manager/base/text.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

TabOutput::TabOutput(asio::any_io_executor executor, UniqueFd read_end,
                     Sink sink)
    : sink_(std::move(sink)) {
  pipe_.emplace(executor, read_end.release());
}

asio::awaitable<void> TabOutput::Run() {
  char buffer[kReadBytes];
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool at_end = false;
  for (;;) {
    if (at_end || !pipe_) {
      // Nothing more will come; wait to be cancelled with the others.
      timer.expires_at(Clock::time_point::max());
      co_await timer.async_wait(kNoThrow);
      co_return;
    }
    boost::system::error_code error;
    size_t got = 0;
    if (window_dropped_ > 0) {
      // Report the count when the second is over, even if nothing follows.
      timer.expires_at(window_start_ + std::chrono::seconds(1));
      auto first = co_await (
          pipe_->async_read_some(asio::buffer(buffer), kNoThrow) ||
          timer.async_wait(kNoThrow));
      if (first.index() == 1) {
        auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        if (cancelled != asio::cancellation_type::none) co_return;
        FlushDropped();
        continue;
      }
      std::tie(error, got) = std::get<0>(first);
    } else {
      std::tie(error, got) =
          co_await pipe_->async_read_some(asio::buffer(buffer), kNoThrow);
    }
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return;
    if (got > 0) Consume(std::string_view(buffer, got), Clock::now());
    // End of file, or an error on our own pipe: either way nothing more.
    if (error) at_end = true;
  }
}

void TabOutput::Drain() {
  if (!pipe_) return;
  boost::system::error_code ignored;
  pipe_->non_blocking(true, ignored);
  char buffer[kReadBytes];
  for (size_t total = 0; total < kDrainBytes;) {
    ssize_t got = ::read(pipe_->native_handle(), buffer, sizeof(buffer));
    if (got <= 0) break;
    total += size_t(got);
    Consume(std::string_view(buffer, size_t(got)), Clock::now());
  }
  if (!partial_.empty()) Line(std::move(partial_), Clock::now());
  partial_.clear();
  skipping_ = false;
  FlushDropped();
  pipe_.reset();
}

void TabOutput::Consume(std::string_view bytes, Clock::time_point now) {
  bytes_read_ += bytes.size();
  for (char c : bytes) {
    if (c == '\n') {
      if (!skipping_) Line(std::move(partial_), now);
      partial_.clear();
      skipping_ = false;
    } else if (!skipping_) {
      partial_ += c;
      if (partial_.size() >= kMaxLineBytes) {
        Line(std::move(partial_), now, /*cut=*/true);
        partial_.clear();
        skipping_ = true;
      }
    }
  }
}

void TabOutput::Line(std::string line, Clock::time_point now, bool cut) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    FlushDropped();
    window_start_ = now;
    window_lines_ = 0;
  }
  if (window_lines_ >= kLinesPerSecond) {
    ++window_dropped_;
    ++dropped_total_;
    return;
  }
  ++window_lines_;
  ++delivered_;
  // The marker is ours, after the cleaning, so it survives the cut.
  static constexpr std::string_view kCut = " [cut]";
  if (!cut) return Deliver(CleanTabText(line, kMaxLineBytes));
  Deliver(CleanTabText(line, kMaxLineBytes - kCut.size()) + std::string(kCut));
}

void TabOutput::FlushDropped() {
  if (window_dropped_ == 0) return;
  Deliver("... " + std::to_string(window_dropped_) + " lines dropped");
  window_dropped_ = 0;
}

void TabOutput::Deliver(std::string line) {
  recent_.push_back(line);
  if (recent_.size() > kRecentLines) recent_.pop_front();
  if (sink_) sink_(line);
}

}  // namespace tabsim
