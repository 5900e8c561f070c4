#include "manager/core/tab_output.h"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <variant>

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// The length of the UTF-8 sequence at `text[i]` and its code point, or 0
// for an invalid (overlong, surrogate, out of range, truncated) one.
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length;
  uint32_t value;
  uint32_t minimum;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return 0;
  *code_point = value;
  return length;
}

bool IsBidiOverride(uint32_t code_point) {
  return (code_point >= 0x202A && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069);
}

}  // namespace

std::string CleanOutputText(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      clean += c < 0x20 || c == 0x7F ? '?' : char(c);
      ++i;
      continue;
    }
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, i, &code_point);
    if (length == 0) {
      clean += "\xEF\xBF\xBD";  // U+FFFD for the one bad byte
      ++i;
    } else if (code_point <= 0x9F || IsBidiOverride(code_point)) {
      clean += '?';  // C1 controls (0x80-0x9F) and bidi overrides
      i += length;
    } else {
      clean.append(text.substr(i, length));
      i += length;
    }
  }
  return clean;
}

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
        Line(std::move(partial_) + " [cut]", now);
        partial_.clear();
        skipping_ = true;
      }
    }
  }
}

void TabOutput::Line(std::string line, Clock::time_point now) {
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
  Deliver(CleanOutputText(line));
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
