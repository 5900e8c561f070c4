#include "common/fd_passing.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

// A datagram pair, the receiving end with SO_PASSCRED as asked.
void MakePair(bool pass_credentials, UniqueFd* sender, UniqueFd* receiver) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  sender->reset(pair[0]);
  receiver->reset(pair[1]);
  const int on = pass_credentials ? 1 : 0;
  ASSERT_EQ(::setsockopt(receiver->get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
}

// Receives one datagram with room for credentials and two fds, and hands
// its control data to SenderPidClosingFds.
pid_t ReceiveAndTakeSender(int socket) {
  char byte;
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(2 * sizeof(int))];
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  EXPECT_EQ(::recvmsg(socket, &message, MSG_CMSG_CLOEXEC), 1);
  return SenderPidClosingFds(&message);
}

TEST(SenderPidClosingFds, ReadsTheSendersPidAndClosesTheFdsThatCameAlong) {
  UniqueFd sender, receiver;
  MakePair(true, &sender, &receiver);
  UniqueFd passed(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(passed.IsValid());
  ASSERT_TRUE(SendWithFd(sender.get(), "x", 1, passed.get()).ok());
  const size_t before = testing::OpenFds(::getpid()).size();
  EXPECT_EQ(ReceiveAndTakeSender(receiver.get()), ::getpid());
  EXPECT_EQ(testing::OpenFds(::getpid()).size(), before) << "the received fd was kept";
}

TEST(SenderPidClosingFds, IsZeroWithoutPassCred) {
  UniqueFd sender, receiver;
  MakePair(false, &sender, &receiver);
  ASSERT_EQ(::send(sender.get(), "x", 1, 0), 1);
  EXPECT_EQ(ReceiveAndTakeSender(receiver.get()), 0);
}

}  // namespace
}  // namespace tabsim
