#include "manager/control/control_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "manager/control/control_path.h"
#include "manager/control/control_server.h"

namespace tabsim {

ControlClient::ControlClient(UniqueFd fd)
    : fd_(std::move(fd)), decoder_(kMaxControlReplySize) {}

Result<ControlClient> ControlClient::Connect(const std::string& path) {
  auto fd = ConnectControlSocket(path);
  if (!fd.ok()) return fd.error();
  return ControlClient(std::move(fd).value());
}

Status ControlClient::Send(const control::ControlRequest& request) {
  std::string frame;
  AppendFrame(request, kMaxControlMessageSize, &frame);
  size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd_.get(), frame.data() + sent, frame.size() - sent,
                       MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error failed = Error::FromErrno("send to the manager");
      // A manager that refuses us says why, then hangs up: if it did, that
      // reason is waiting in our receive queue and is the better message.
      auto reason = Receive();
      if (reason.ok() && !reason->error().empty())
        return Error{reason->error(), EPERM};
      return failed;
    }
    sent += size_t(n);
  }
  return Status::Ok();
}

Result<control::ControlReply> ControlClient::Receive() {
  for (;;) {
    std::string_view payload;
    FrameDecoder::Result result = decoder_.Next(&payload);
    if (result == FrameDecoder::Result::kMessage) {
      control::ControlReply reply;
      if (!reply.ParseFromArray(payload.data(), int(payload.size())))
        return Error{"unparsable reply from the manager", EPROTO};
      return reply;
    }
    if (result != FrameDecoder::Result::kNeedMore)
      return Error{std::string("bad reply from the manager: ") +
                       ToString(result),
                   EPROTO};
    std::span<char> space = decoder_.PrepareWrite(64 * 1024);
    ssize_t n = ::recv(fd_.get(), space.data(), space.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("read from the manager");
    if (n == 0)
      return Error{"the manager closed the connection", ECONNRESET};
    decoder_.Commit(size_t(n));
  }
}

Result<control::ControlReply> ControlClient::Call(
    const control::ControlRequest& request) {
  Status sent = Send(request);
  if (!sent.ok()) return sent.error();
  auto reply = Receive();
  if (!reply.ok()) return reply;
  if (!reply->error().empty()) return Error{reply->error(), 0};
  return reply;
}

}  // namespace tabsim
