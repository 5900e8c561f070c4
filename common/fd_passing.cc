#include "common/fd_passing.h"

#include <sys/socket.h>

#include <cstring>

namespace tabsim {
namespace {

// Appends the fds of one SCM_RIGHTS control message to `fds`, which owns
// them from then on.
void TakeFds(cmsghdr* header, std::vector<UniqueFd>* fds) {
  const size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
  for (size_t i = 0; i < count; ++i) {
    int fd;
    std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
    fds->emplace_back(fd);
  }
}

}  // namespace

Result<size_t> SendWithFd(int socket, const void* data, size_t size, int fd) {
  iovec iov{const_cast<void*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return Error::FromErrno("sendmsg with fd");
  return static_cast<size_t>(sent);
}

Result<size_t> ReceiveWithFds(int socket, void* data, size_t size,
                              std::vector<UniqueFd>* fds) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerRead)];
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t received;
  do {
    received = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) return Error::FromErrno("recvmsg");
  std::vector<UniqueFd> arrived;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
      continue;
    TakeFds(header, &arrived);
  }
  if (message.msg_flags & MSG_CTRUNC)
    return Error{"recvmsg: control data truncated (too many fds)", EMSGSIZE};
  for (auto& fd : arrived) fds->push_back(std::move(fd));
  return static_cast<size_t>(received);
}

pid_t SenderPidClosingFds(msghdr* message) {
  pid_t pid = 0;
  std::vector<UniqueFd> discarded;  // closed on return
  for (cmsghdr* c = CMSG_FIRSTHDR(message); c != nullptr; c = CMSG_NXTHDR(message, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS) {
      ucred credentials{};
      std::memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
      pid = credentials.pid;
    } else if (c->cmsg_type == SCM_RIGHTS) {
      TakeFds(c, &discarded);
    }
  }
  return pid;
}

}  // namespace tabsim
