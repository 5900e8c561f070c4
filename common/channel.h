// One framed message channel over a connected UNIX stream socket, on an
// Asio executor. The generic peer layer under a tab session (and, later,
// control clients), in the manner of tmux's proc.c.
//
// Writing: Send() encodes the message straight into a pending buffer and
// wakes the writer; WriteLoop() writes everything pending in one write, so
// messages queued while a write is in flight go out together (batching).
// Messages may carry one fd (SCM_RIGHTS); it travels with the first byte of
// its message. A reader that answers what it read holds the writer
// (HoldWrites) while it handles a read's messages, then ReleaseWrites()
// hands the replies to the kernel in one non-blocking send of its own: no
// wake-up handler, no write completion, no extra trip through epoll per
// round trip (each a system call, about 2 us on the VMs this runs on;
// docs/benchmarks.md). Whatever that send cannot take goes to the writer.
//
// Reading: ReadSome() performs one read of at most kReadChunk bytes into the
// FrameDecoder; the caller then drains whole messages with decoder().Next().
// One read per wake-up bounds the work a single peer can cause before other
// peers on the same loop get their turn.
//
// Ownership: the Channel owns the socket and all queued bytes and fds.
// Close() shuts the socket; pending operations then complete with an error
// and WriteLoop() returns. Single-threaded: use from the executor's thread.
#ifndef TABSIM_COMMON_CHANNEL_H_
#define TABSIM_COMMON_CHANNEL_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "common/frame_codec.h"
#include "common/unique_fd.h"

namespace tabsim {

class Channel {
 public:
  using Socket = boost::asio::local::stream_protocol::socket;
  static constexpr size_t kReadChunk = 64 * 1024;

  // Messages either way are at most `max_message_size` bytes; with
  // `max_send_size`, messages sent may be larger than those received (the
  // control socket: small requests, large replies).
  Channel(Socket socket, size_t max_message_size);
  Channel(Socket socket, size_t max_message_size, size_t max_send_size);
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Queues `message` (and `fd`, if valid) for the writer. No-op after
  // Close().
  void Send(const google::protobuf::MessageLite& message);
  void SendWithFd(const google::protobuf::MessageLite& message, UniqueFd fd);
  // Queues an already serialized message (framed here). For the fault
  // injector, which may have changed its bytes; CHECKs the size limit.
  void SendPayload(std::string_view payload);
  // Queues bytes that are already whole frames (varint length + message),
  // as the input fast path encodes them (common/input_event_encoder.h):
  // one append, no parse, no size check. Bytes that are not whole frames
  // are the caller's bug and break the stream.
  void SendFramed(std::string_view frames);

  // While held, Send() only queues; ReleaseWrites() then writes what is
  // pending directly when the writer is idle and no fd is queued, and
  // wakes the writer for whatever is left (EAGAIN, a write error, which
  // the writer then meets and returns). Not nested; never across a
  // co_await (the writer would not be woken meanwhile).
  void HoldWrites();
  void ReleaseWrites();

  // Writes until Close() or a write error; returns the error (or
  // operation_aborted after Close()).
  boost::asio::awaitable<boost::system::error_code> WriteLoop();

  // One read into decoder(). Returns eof at end of stream.
  boost::asio::awaitable<boost::system::error_code> ReadSome();
  FrameDecoder& decoder() { return decoder_; }
  // Reads exactly into.size() bytes straight into `into` (raw bytes that
  // follow a message), bypassing the decoder, in reads as large as the
  // socket gives. Returns eof if the stream ends first.
  boost::asio::awaitable<boost::system::error_code> ReadExactly(
      std::span<char> into);
  const FrameDecoder& decoder() const { return decoder_; }

  // Called (from WriteLoop) each time everything queued has been handed to
  // the kernel, so a sender holding back coalescable messages can release
  // them. May Send() from inside.
  void set_on_drained(std::function<void()> on_drained) {
    on_drained_ = std::move(on_drained);
  }

  void Close();
  bool closed() const { return closed_; }
  Socket& socket() { return socket_; }

  // Bytes queued but not yet handed to the kernel.
  size_t pending_bytes() const { return pending_.size() + writing_size_; }
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }
  uint64_t writes() const { return writes_; }

 private:
  struct PendingFd {
    size_t offset;  // in pending_
    UniqueFd fd;
  };
  boost::asio::awaitable<boost::system::error_code> WriteWithFd(
      const std::string& bytes, size_t* position, size_t end, UniqueFd fd);
  void WakeWriter();
  // ReleaseWrites()'s direct send; false if the writer must take over.
  bool WriteDirectly();

  Socket socket_;
  FrameDecoder decoder_;
  size_t max_message_size_;  // of what is sent
  std::string pending_;
  std::deque<PendingFd> pending_fds_;
  size_t writing_size_ = 0;
  boost::asio::steady_timer wake_writer_;
  bool writer_parked_ = false;  // WriteLoop() waits on wake_writer_
  bool held_ = false;
  bool wake_deferred_ = false;  // a Send() while held found pending_ empty
  bool closed_ = false;
  std::function<void()> on_drained_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_COMMON_CHANNEL_H_
