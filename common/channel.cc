#include "common/channel.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <cerrno>

#include "common/check.h"
#include "common/fd_passing.h"

namespace tabsim {

namespace asio = boost::asio;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

Channel::Channel(Socket socket, size_t max_message_size)
    : Channel(std::move(socket), max_message_size, max_message_size) {}

Channel::Channel(Socket socket, size_t max_message_size, size_t max_send_size)
    : socket_(std::move(socket)),
      decoder_(max_message_size),
      max_message_size_(max_send_size),
      wake_writer_(socket_.get_executor(),
                   asio::steady_timer::time_point::max()) {}

void Channel::Send(const google::protobuf::MessageLite& message) {
  if (closed_) return;
  bool was_empty = pending_.empty();
  AppendFrame(message, max_message_size_, &pending_);
  if (was_empty) WakeWriter();
}

void Channel::SendPayload(std::string_view payload) {
  if (closed_) return;
  bool was_empty = pending_.empty();
  TABSIM_CHECK(payload.size() <= max_message_size_)
      << "queueing a " << payload.size() << "-byte message, max "
      << max_message_size_;
  uint32_t value = static_cast<uint32_t>(payload.size());
  while (value >= 0x80) {
    pending_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  pending_.push_back(static_cast<char>(value));
  pending_.append(payload);
  if (was_empty) WakeWriter();
}

void Channel::SendFramed(std::string_view frames) {
  if (closed_) return;
  bool was_empty = pending_.empty();
  pending_.append(frames);
  if (was_empty) WakeWriter();
}

void Channel::SendWithFd(const google::protobuf::MessageLite& message,
                         UniqueFd fd) {
  if (closed_) return;
  size_t offset = pending_.size();
  Send(message);
  if (fd.IsValid()) pending_fds_.push_back({offset, std::move(fd)});
}

void Channel::WakeWriter() {
  if (held_) {
    wake_deferred_ = true;
    return;
  }
  wake_writer_.cancel_one();
}

void Channel::HoldWrites() {
  TABSIM_CHECK(!held_) << "HoldWrites() nested";
  held_ = true;
  wake_deferred_ = false;
}

void Channel::ReleaseWrites() {
  TABSIM_CHECK(held_) << "ReleaseWrites() without HoldWrites()";
  held_ = false;
  if (!wake_deferred_ || closed_) return;
  wake_deferred_ = false;
  if (!WriteDirectly()) wake_writer_.cancel_one();
}

bool Channel::WriteDirectly() {
  // Only an idle writer's queue is ours to send: a write in flight must
  // finish first (it takes pending_ next), and fds go one sendmsg each.
  if (!writer_parked_ || !pending_fds_.empty()) return false;
  // on_drained_ may queue a held-back message; one more round sends it.
  for (int round = 0; round < 2 && !pending_.empty(); ++round) {
    size_t position = 0;
    while (position < pending_.size()) {
      ssize_t sent = ::send(socket_.native_handle(), pending_.data() + position,
                            pending_.size() - position,
                            MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) break;  // EAGAIN, or an error the writer will meet
      position += static_cast<size_t>(sent);
      bytes_out_ += static_cast<size_t>(sent);
      ++writes_;
    }
    pending_.erase(0, position);
    if (!pending_.empty()) return false;
    if (on_drained_) on_drained_();
    if (!pending_fds_.empty()) return false;
  }
  return pending_.empty();
}

asio::awaitable<error_code> Channel::WriteLoop() {
  std::string writing;
  std::deque<PendingFd> writing_fds;
  for (;;) {
    while (pending_.empty()) {
      if (closed_) co_return asio::error::operation_aborted;
      writer_parked_ = true;
      auto [wait_error] = co_await wake_writer_.async_wait(kNoThrow);
      writer_parked_ = false;
      // Cancelled by Send() (a wake-up) or by Close(); the loop rechecks.
      if (wait_error && wait_error != asio::error::operation_aborted)
        co_return wait_error;
      if (closed_) co_return asio::error::operation_aborted;
    }
    writing.clear();
    writing.swap(pending_);
    writing_fds.swap(pending_fds_);
    writing_size_ = writing.size();
    size_t position = 0;
    for (size_t i = 0; i < writing_fds.size(); ++i) {
      PendingFd& pending_fd = writing_fds[i];
      if (pending_fd.offset > position) {
        auto [error, written] = co_await asio::async_write(
            socket_,
            asio::buffer(writing.data() + position,
                         pending_fd.offset - position),
            kNoThrow);
        bytes_out_ += written;
        ++writes_;
        if (error) co_return error;
        position = pending_fd.offset;
      }
      // Send this fd's bytes only up to the next fd's message: Linux drops
      // SCM_RIGHTS sent with zero bytes on a stream socket, so two
      // fd-carrying messages must never share one sendmsg.
      size_t end = i + 1 < writing_fds.size() ? writing_fds[i + 1].offset
                                              : writing.size();
      error_code error = co_await WriteWithFd(writing, &position, end,
                                              std::move(pending_fd.fd));
      if (error) co_return error;
    }
    writing_fds.clear();
    if (position < writing.size()) {
      auto [error, written] = co_await asio::async_write(
          socket_, asio::buffer(writing.data() + position,
                                writing.size() - position),
          kNoThrow);
      bytes_out_ += written;
      ++writes_;
      if (error) co_return error;
    }
    writing_size_ = 0;
    if (pending_.empty() && on_drained_) on_drained_();
  }
}

asio::awaitable<error_code> Channel::WriteWithFd(const std::string& bytes,
                                                 size_t* position, size_t end,
                                                 UniqueFd fd) {
  for (;;) {
    auto [wait_error] =
        co_await socket_.async_wait(Socket::wait_write, kNoThrow);
    if (wait_error) co_return wait_error;
    Result<size_t> sent = tabsim::SendWithFd(socket_.native_handle(),
                                     bytes.data() + *position,
                                     end - *position, fd.get());
    if (!sent.ok()) {
      if (sent.error().error_number == EAGAIN) continue;
      co_return error_code(sent.error().error_number,
                           boost::system::system_category());
    }
    *position += *sent;
    bytes_out_ += *sent;
    ++writes_;
    co_return error_code();
  }
}

asio::awaitable<error_code> Channel::ReadSome() {
  std::span<char> space = decoder_.PrepareWrite(kReadChunk);
  auto [error, read] = co_await socket_.async_read_some(
      asio::buffer(space.data(), std::min(space.size(), kReadChunk)),
      kNoThrow);
  decoder_.Commit(read);
  bytes_in_ += read;
  co_return error;
}

asio::awaitable<error_code> Channel::ReadExactly(std::span<char> into) {
  // Each read asks for all that is left: asio's own transfer_all and
  // transfer_exactly ask for 64 KiB at most (default_max_transfer_size),
  // which made a 1080p frame 127 reads, each a system call and most a
  // trip through epoll, where a blocking reader takes it in one or a few.
  const size_t size = into.size();
  auto all_that_is_left = [size](const error_code& error, size_t done) -> size_t {
    return error ? 0 : size - done;
  };
  auto [error, read] = co_await asio::async_read(
      socket_, asio::buffer(into.data(), size), all_that_is_left, kNoThrow);
  bytes_in_ += read;
  co_return error;
}

void Channel::Close() {
  if (closed_) return;
  closed_ = true;
  wake_writer_.cancel();
  error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
  pending_fds_.clear();
}

}  // namespace tabsim
