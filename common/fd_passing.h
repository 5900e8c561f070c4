// Sending and receiving file descriptors with SCM_RIGHTS on a UNIX socket,
// and reading the sender's pid from SCM_CREDENTIALS.
//
// Received fds arrive with MSG_CMSG_CLOEXEC and are owned by the caller.
// When the kernel truncates the control data (MSG_CTRUNC) every fd that did
// arrive is closed and an error is returned: a peer must not be able to leak
// fds into us.
#ifndef TABSIM_COMMON_FD_PASSING_H_
#define TABSIM_COMMON_FD_PASSING_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tabsim {

// sendmsg() of `data` with `fd` attached. Returns bytes sent (possibly
// fewer than `size`; the fd travels with the first byte). EAGAIN is an error
// with error_number EAGAIN.
Result<size_t> SendWithFd(int socket, const void* data, size_t size, int fd);

// recvmsg() into `data`, appending any received fds to `fds` (at most
// kMaxFdsPerRead). Returns bytes read; 0 means EOF.
inline constexpr int kMaxFdsPerRead = 4;
Result<size_t> ReceiveWithFds(int socket, void* data, size_t size,
                              std::vector<UniqueFd>* fds);

// The sender's pid from a received message's SCM_CREDENTIALS (0 when the
// kernel attached none: the socket lacks SO_PASSCRED). Any fds that came
// along (SCM_RIGHTS) are closed: a reader of credentials takes no fds,
// and a peer must not be able to leak them into us.
pid_t SenderPidClosingFds(msghdr* message);

}  // namespace tabsim

#endif  // TABSIM_COMMON_FD_PASSING_H_
