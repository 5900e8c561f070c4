#include "common/channel.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cstring>

#include "common/fd_passing.h"
#include "common/protocol.h"
#include "common/shared_memory.h"
#include "proto/tabsim.pb.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;

struct Pair {
  asio::io_context io{1};
  std::optional<Channel> channel;
  UniqueFd peer;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    channel.emplace(
        Channel::Socket(io, asio::local::stream_protocol(), fds[0]),
        kMaxMessageSize);
    peer.reset(fds[1]);
  }
};

proto::ManagerToTab Input(uint64_t sequence) {
  proto::ManagerToTab message;
  message.mutable_input()->set_sequence(sequence);
  message.mutable_input()->mutable_mouse()->set_x(int(sequence));
  return message;
}

// Reads from the peer end until `count` messages decoded (blocking).
std::vector<proto::ManagerToTab> ReadMessages(int fd, size_t count,
                                              std::vector<UniqueFd>* fds) {
  FrameDecoder decoder(kMaxMessageSize);
  std::vector<proto::ManagerToTab> messages;
  while (messages.size() < count) {
    std::span<char> space = decoder.PrepareWrite(4096);
    auto got = ReceiveWithFds(fd, space.data(), space.size(), fds);
    if (!got.ok() || *got == 0) break;
    decoder.Commit(*got);
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
      messages.emplace_back();
      messages.back().ParseFromArray(payload.data(), int(payload.size()));
    }
  }
  return messages;
}

TEST(Channel, BatchesQueuedMessagesIntoFewWrites) {
  Pair pair;
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  for (uint64_t i = 1; i <= 1000; ++i) pair.channel->Send(Input(i));
  testing::RunUntil(pair.io, [&] { return pair.channel->pending_bytes() == 0; },
                    std::chrono::seconds(5));
  auto messages = ReadMessages(pair.peer.get(), 1000, nullptr);
  ASSERT_EQ(messages.size(), 1000u);
  for (uint64_t i = 0; i < 1000; ++i)
    EXPECT_EQ(messages[i].input().sequence(), i + 1);
  // Everything was queued before the writer ran: one write.
  EXPECT_EQ(pair.channel->writes(), 1u);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

// Bytes waiting at the peer now, without blocking; -1 on error.
ssize_t Available(int fd) {
  char buffer[65536];
  ssize_t got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT | MSG_PEEK);
  return got < 0 && errno == EAGAIN ? 0 : got;
}

TEST(Channel, ReleasedWritesGoOutAtOnceWithoutTheLoop) {
  Pair pair;
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  pair.io.run_for(std::chrono::milliseconds(10));  // the writer parks
  pair.channel->HoldWrites();
  for (uint64_t i = 1; i <= 3; ++i) pair.channel->Send(Input(i));
  EXPECT_EQ(Available(pair.peer.get()), 0) << "sent while held";
  pair.channel->ReleaseWrites();
  // Sent by ReleaseWrites() itself: the loop has not run since.
  EXPECT_EQ(pair.channel->pending_bytes(), 0u);
  EXPECT_EQ(pair.channel->writes(), 1u);
  auto messages = ReadMessages(pair.peer.get(), 3, nullptr);
  ASSERT_EQ(messages.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i)
    EXPECT_EQ(messages[i].input().sequence(), i + 1);
  // The writer still works afterwards, woken as usual.
  pair.channel->Send(Input(4));
  testing::RunUntil(pair.io, [&] { return pair.channel->pending_bytes() == 0; },
                    std::chrono::seconds(5));
  messages = ReadMessages(pair.peer.get(), 1, nullptr);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].input().sequence(), 4u);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

TEST(Channel, ReleaseLeavesToTheWriterWhatTheKernelCannotTake) {
  Pair pair;
  int small = 4096;
  ASSERT_EQ(::setsockopt(pair.channel->socket().native_handle(), SOL_SOCKET,
                         SO_SNDBUF, &small, sizeof(small)),
            0);
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  pair.io.run_for(std::chrono::milliseconds(10));
  pair.channel->HoldWrites();
  const uint64_t kCount = 20000;  // far more than the send buffer holds
  for (uint64_t i = 1; i <= kCount; ++i) pair.channel->Send(Input(i));
  pair.channel->ReleaseWrites();
  EXPECT_GT(pair.channel->pending_bytes(), 0u) << "the kernel took it all";
  // The writer, woken, finishes while the peer reads, in order.
  std::vector<proto::ManagerToTab> messages;
  FrameDecoder decoder(kMaxMessageSize);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (messages.size() < kCount && std::chrono::steady_clock::now() < deadline) {
    pair.io.run_for(std::chrono::milliseconds(1));
    std::span<char> space = decoder.PrepareWrite(65536);
    ssize_t got = ::recv(pair.peer.get(), space.data(), space.size(), MSG_DONTWAIT);
    if (got <= 0) continue;
    decoder.Commit(size_t(got));
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
      messages.emplace_back();
      messages.back().ParseFromArray(payload.data(), int(payload.size()));
    }
  }
  ASSERT_EQ(messages.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i)
    ASSERT_EQ(messages[i].input().sequence(), i + 1);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

TEST(Channel, AnFdQueuedWhileHeldGoesThroughTheWriter) {
  Pair pair;
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  pair.io.run_for(std::chrono::milliseconds(10));
  auto region = SharedMemoryRegion::Create("held", 4096);
  ASSERT_TRUE(region.ok());
  pair.channel->HoldWrites();
  pair.channel->Send(Input(1));
  pair.channel->SendWithFd(Input(2), region->DuplicateFd().value());
  pair.channel->ReleaseWrites();
  EXPECT_EQ(Available(pair.peer.get()), 0) << "fds go one sendmsg each";
  testing::RunUntil(pair.io, [&] { return pair.channel->pending_bytes() == 0; },
                    std::chrono::seconds(5));
  std::vector<UniqueFd> fds;
  auto messages = ReadMessages(pair.peer.get(), 2, &fds);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].input().sequence(), 2u);
  EXPECT_EQ(fds.size(), 1u);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

TEST(Channel, PassesAnFdWithItsMessage) {
  Pair pair;
  auto region = SharedMemoryRegion::Create("tabsim-channel-test", 4096);
  ASSERT_TRUE(region.ok());
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  pair.channel->Send(Input(1));
  proto::ManagerToTab resize;
  resize.mutable_resize()->set_width(7);
  pair.channel->SendWithFd(resize, region->DuplicateFd().value());
  pair.channel->Send(Input(2));
  testing::RunUntil(pair.io, [&] { return pair.channel->pending_bytes() == 0; },
                    std::chrono::seconds(5));
  std::vector<UniqueFd> fds;
  auto messages = ReadMessages(pair.peer.get(), 3, &fds);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[1].resize().width(), 7u);
  ASSERT_EQ(fds.size(), 1u);
  struct stat a {}, b {};
  ASSERT_EQ(::fstat(fds[0].get(), &a), 0);
  ASSERT_EQ(::fstat(region->fd(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_TRUE(::fcntl(fds[0].get(), F_GETFD) & FD_CLOEXEC);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

TEST(Channel, TwoFdsInOneBatchBothArrive) {
  // Two resizes queued back to back: each fd must travel with its own
  // message (Linux drops SCM_RIGHTS sent with zero bytes).
  Pair pair;
  auto a = SharedMemoryRegion::Create("tabsim-channel-a", 4096);
  auto b = SharedMemoryRegion::Create("tabsim-channel-b", 8192);
  ASSERT_TRUE(a.ok() && b.ok());
  asio::co_spawn(pair.io, pair.channel->WriteLoop(), asio::detached);
  proto::ManagerToTab resize;
  resize.mutable_resize()->set_width(1);
  pair.channel->SendWithFd(resize, a->DuplicateFd().value());
  resize.mutable_resize()->set_width(2);
  pair.channel->SendWithFd(resize, b->DuplicateFd().value());
  pair.channel->Send(Input(3));
  testing::RunUntil(pair.io, [&] { return pair.channel->pending_bytes() == 0; },
                    std::chrono::seconds(5));
  std::vector<UniqueFd> fds;
  auto messages = ReadMessages(pair.peer.get(), 3, &fds);
  ASSERT_EQ(messages.size(), 3u);
  ASSERT_EQ(fds.size(), 2u);
  struct stat first {}, second {};
  ASSERT_EQ(::fstat(fds[0].get(), &first), 0);
  ASSERT_EQ(::fstat(fds[1].get(), &second), 0);
  EXPECT_EQ(first.st_size, 4096);
  EXPECT_EQ(second.st_size, 8192);
  pair.channel->Close();
  pair.io.run_for(std::chrono::milliseconds(50));
}

TEST(Channel, ReadSomeFeedsTheDecoderAndReportsEof) {
  Pair pair;
  std::string wire;
  AppendFrame(Input(42), kMaxMessageSize, &wire);
  ASSERT_EQ(::write(pair.peer.get(), wire.data(), wire.size()),
            ssize_t(wire.size()));
  pair.peer.reset();
  boost::system::error_code first, second;
  bool done = false;
  asio::co_spawn(
      pair.io,
      [&]() -> asio::awaitable<void> {
        first = co_await pair.channel->ReadSome();
        second = co_await pair.channel->ReadSome();
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(testing::RunUntil(pair.io, [&] { return done; },
                                std::chrono::seconds(5)));
  EXPECT_FALSE(first);
  EXPECT_EQ(second, asio::error::eof);
  std::string_view payload;
  ASSERT_EQ(pair.channel->decoder().Next(&payload),
            FrameDecoder::Result::kMessage);
  proto::ManagerToTab message;
  ASSERT_TRUE(message.ParseFromArray(payload.data(), int(payload.size())));
  EXPECT_EQ(message.input().sequence(), 42u);
}

TEST(Channel, WriteLoopEndsOnClose) {
  Pair pair;
  bool ended = false;
  boost::system::error_code result;
  asio::co_spawn(
      pair.io,
      [&]() -> asio::awaitable<void> {
        result = co_await pair.channel->WriteLoop();
        ended = true;
      },
      asio::detached);
  pair.io.run_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(ended);
  pair.channel->Close();
  ASSERT_TRUE(testing::RunUntil(pair.io, [&] { return ended; },
                                std::chrono::seconds(5)));
  EXPECT_EQ(result, asio::error::operation_aborted);
  // Sends after close are dropped, not queued forever.
  pair.channel->Send(Input(1));
  EXPECT_EQ(pair.channel->pending_bytes(), 0u);
}

TEST(FdPassing, ReceivedFdsAreCloexecAndExcessIsRejected) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd a(fds[0]), b(fds[1]);
  // Send 8 fds in one message: more than kMaxFdsPerRead.
  std::vector<int> many(8, STDIN_FILENO);
  char byte = 'x';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * 8);
  std::memcpy(CMSG_DATA(header), many.data(), sizeof(int) * 8);
  ASSERT_EQ(::sendmsg(a.get(), &message, 0), 1);
  size_t before = testing::OpenFds(::getpid()).size();
  std::vector<UniqueFd> received;
  char buffer[4];
  auto got = ReceiveWithFds(b.get(), buffer, sizeof(buffer), &received);
  EXPECT_FALSE(got.ok());
  EXPECT_TRUE(received.empty());
  EXPECT_EQ(testing::OpenFds(::getpid()).size(), before) << "fds leaked";
}

}  // namespace
}  // namespace tabsim
