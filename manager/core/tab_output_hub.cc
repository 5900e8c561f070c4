#include "manager/core/tab_output_hub.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/post.hpp>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>

#include "common/fd_passing.h"

namespace tabsim {

namespace asio = boost::asio;

namespace {

// One read's worth of a tab's write: TabOutput's bound. A longer datagram
// is cut here (MSG_TRUNC); TabOutput cuts lines far shorter anyway.
constexpr size_t kDatagramBytes = TabOutput::kReadBytes;

}  // namespace

Result<std::shared_ptr<TabOutputHub>> TabOutputHub::Create(
    asio::any_io_executor executor) {
  UniqueFd socket(
      ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket.IsValid()) return Error::FromErrno("socket (tab output)");
  const int on = 1;
  if (::setsockopt(socket.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0)
    return Error::FromErrno("setsockopt(SO_PASSCRED) (tab output)");
  // Autobind: the kernel picks a free abstract address.
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address),
             sizeof(sa_family_t)) != 0)
    return Error::FromErrno("bind (tab output)");
  socklen_t length = sizeof(address);
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&address),
                    &length) != 0)
    return Error::FromErrno("getsockname (tab output)");
  std::string name(address.sun_path,
                   length - offsetof(sockaddr_un, sun_path));
  return std::shared_ptr<TabOutputHub>(
      new TabOutputHub(std::move(executor), std::move(socket), std::move(name)));
}

TabOutputHub::TabOutputHub(asio::any_io_executor executor, UniqueFd socket,
                           std::string address)
    : socket_(executor, socket.release()),
      address_(std::move(address)),
      flush_(executor) {}

TabOutputHub::~TabOutputHub() = default;

Result<UniqueFd> TabOutputHub::NewSender() const {
  UniqueFd sender(
      ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sender.IsValid()) return Error::FromErrno("socket (tab output)");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, address_.data(), address_.size());
  const auto length =
      socklen_t(offsetof(sockaddr_un, sun_path) + address_.size());
  if (::connect(sender.get(), reinterpret_cast<const sockaddr*>(&address),
                length) != 0)
    return Error::FromErrno("connect (tab output)");
  return sender;
}

void TabOutputHub::Add(pid_t pid, TabOutput* output) {
  outputs_[pid] = output;
  Arm();
}

void TabOutputHub::Remove(pid_t pid, const TabOutput* output) {
  auto it = outputs_.find(pid);
  if (it != outputs_.end() && it->second == output) outputs_.erase(it);
  if (!outputs_.empty()) return;
  // Nobody left to read for: no wait keeps the loop running (io.run()
  // returns once the last tab has gone).
  boost::system::error_code ignored;
  if (armed_) socket_.cancel(ignored);
  armed_ = false;
  if (flush_armed_) flush_.cancel();
  flush_armed_ = false;
}

void TabOutputHub::ReadPending() { Read(kDatagramsPerDrain); }

void TabOutputHub::Arm() {
  if (armed_ || outputs_.empty()) return;
  armed_ = true;
  socket_.async_wait(
      asio::posix::descriptor_base::wait_read,
      [alive = weak_from_this()](const boost::system::error_code& error) {
        auto self = alive.lock();
        // Cancelled by Remove(), which has said it is no longer armed.
        if (!self || error == asio::error::operation_aborted) return;
        self->armed_ = false;
        if (self->Read(kDatagramsPerWake)) {
          // More queued: let the loop serve others first.
          asio::post(self->socket_.get_executor(),
                     [alive = self->weak_from_this()] {
                       if (auto again = alive.lock()) again->Arm();
                     });
          return;
        }
        self->Arm();
      });
}

bool TabOutputHub::Read(int most) {
  char buffer[kDatagramBytes];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  bool dropped_pending = false;
  for (int i = 0; i < most; ++i) {
    iovec io{buffer, sizeof(buffer)};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    const ssize_t got =
        ::recvmsg(socket_.native_handle(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (dropped_pending) ArmFlush();
      return false;  // EAGAIN: nothing left (no other error is ours to see)
    }
    ++datagrams_;
    // Fds a writer sent along are closed (the buffer leaves no room for
    // them after the credentials, so the kernel drops them anyway).
    const pid_t pid = SenderPidClosingFds(&message);
    auto it = pid > 0 ? outputs_.find(pid) : outputs_.end();
    if (it == outputs_.end()) {
      ++unclaimed_;
      continue;
    }
    it->second->Consume(std::string_view(buffer, size_t(got)),
                        TabOutput::Clock::now());
    dropped_pending |= it->second->dropped_pending();
  }
  if (dropped_pending) ArmFlush();
  return true;
}

// The count of lines a rate-limited writer lost is said when its second
// is over, even if it writes nothing more.
void TabOutputHub::ArmFlush() {
  if (flush_armed_ || outputs_.empty()) return;
  flush_armed_ = true;
  flush_.expires_after(std::chrono::seconds(1));
  flush_.async_wait([alive = weak_from_this()](const boost::system::error_code& error) {
    auto self = alive.lock();
    if (!self || error == asio::error::operation_aborted) return;
    self->flush_armed_ = false;
    bool pending = false;
    const auto now = TabOutput::Clock::now();
    for (auto& [pid, output] : self->outputs_)
      pending |= output->FlushDroppedIfDue(now);
    if (pending) self->ArmFlush();
  });
}

}  // namespace tabsim
