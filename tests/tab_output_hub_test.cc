// TabOutputHub: every tab process's stdout and stderr through one socket,
// each write told apart by the pid the kernel attaches to it.
#include "manager/core/tab_output_hub.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/fd_passing.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;

class TabOutputHubTest : public ::testing::Test {
 protected:
  TabOutputHubTest() {
    auto hub = TabOutputHub::Create(io_.get_executor());
    EXPECT_TRUE(hub.ok()) << hub.error().message;
    hub_ = std::move(hub).value();
  }
  // A child that writes `text` to a sender of the hub as its stdout, in
  // one write, and exits; returns its pid (reaped by Reap()).
  pid_t Writer(const std::string& text) {
    auto sender = hub_->NewSender();
    EXPECT_TRUE(sender.ok());
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(sender->get(), 1);
      ssize_t ignored = ::write(1, text.data(), text.size());
      (void)ignored;
      ::_exit(0);
    }
    return pid;
  }
  static void Reap(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }

  boost::asio::io_context io_{1};
  std::shared_ptr<TabOutputHub> hub_;
  std::vector<std::string> lines_;
  TabOutput output_{[this](const std::string& line) { lines_.push_back(line); }};
};

TEST_F(TabOutputHubTest, EachWriteGoesToTheOutputOfItsWritersPid) {
  std::vector<std::string> others;
  TabOutput other([&](const std::string& line) { others.push_back(line); });
  const pid_t a = Writer("from a\nsecond\n");
  const pid_t b = Writer("from b\n");
  hub_->Add(a, &output_);
  hub_->Add(b, &other);
  ASSERT_TRUE(testing::RunUntil(io_, [&] {
    return lines_.size() == 2 && others.size() == 1;
  }, 5s));
  EXPECT_EQ(lines_, (std::vector<std::string>{"from a", "second"}));
  EXPECT_EQ(others, (std::vector<std::string>{"from b"}));
  Reap(a);
  Reap(b);
  hub_->Remove(a, &output_);
  hub_->Remove(b, &other);
}

// A writer nobody added (here: this test process, which is no tab) is
// dropped and counted, not shown as a tab's.
TEST_F(TabOutputHubTest, AWriterNobodyAddedIsDroppedAndCounted) {
  const pid_t tab = Writer("tab\n");
  hub_->Add(tab, &output_);
  auto stranger = hub_->NewSender();
  ASSERT_TRUE(stranger.ok());
  ASSERT_EQ(::write(stranger->get(), "not a tab\n", 10), 10);
  ASSERT_TRUE(testing::RunUntil(io_, [&] {
    return hub_->datagrams() == 2;
  }, 5s));
  EXPECT_EQ(lines_, (std::vector<std::string>{"tab"}));
  EXPECT_EQ(hub_->unclaimed(), 1u);
  Reap(tab);
  hub_->Remove(tab, &output_);
}

// A writer that passes an fd along with its text gets none into the
// manager: its text is shown, the fd is not kept.
TEST_F(TabOutputHubTest, FdsSentAlongAreNotKept) {
  auto sender = hub_->NewSender();
  ASSERT_TRUE(sender.ok());
  const size_t before = testing::OpenFds(::getpid()).size();
  pid_t pid = ::fork();
  if (pid == 0) {
    const int passed = ::open("/dev/null", O_RDONLY);
    ::_exit(SendWithFd(sender->get(), "with fds\n", 9, passed).ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  hub_->Add(pid, &output_);
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return lines_.size() == 1; }, 5s));
  EXPECT_EQ(lines_[0], "with fds");
  EXPECT_EQ(testing::OpenFds(::getpid()).size(), before);
  hub_->Remove(pid, &output_);
}

// A process's last words are read at its end without waiting for the
// loop, then its partial line.
TEST_F(TabOutputHubTest, ReadPendingReadsWhatIsQueuedWithoutWaiting) {
  const pid_t tab = Writer("one\ntwo");
  Reap(tab);  // all it wrote is queued
  hub_->Add(tab, &output_);
  hub_->ReadPending();
  output_.Finish();
  EXPECT_EQ(lines_, (std::vector<std::string>{"one", "two"}));
  hub_->Remove(tab, &output_);
}

// Nobody reading: a sender's writes fail with EAGAIN once the hub's queue
// is full; a noisy writer drops its output and never blocks.
TEST_F(TabOutputHubTest, AFullHubMakesWritesFailRatherThanBlock) {
  auto sender = hub_->NewSender();
  ASSERT_TRUE(sender.ok());
  int written = 0;
  int error = 0;
  for (int i = 0; i < 100000; ++i) {
    if (::write(sender->get(), "line\n", 5) == 5) {
      ++written;
      continue;
    }
    error = errno;
    break;
  }
  EXPECT_EQ(error, EAGAIN);
  EXPECT_GT(written, 0);
  EXPECT_LT(written, 100000);
}

// The hub waits for datagrams only while an output is added: once the
// last one is removed, a loop with nothing else to do returns.
TEST_F(TabOutputHubTest, NoWaitOutlivesTheLastOutput) {
  hub_->Add(::getpid(), &output_);
  io_.run_for(20ms);
  EXPECT_FALSE(io_.stopped());  // waiting for datagrams
  hub_->Remove(::getpid(), &output_);
  io_.restart();
  io_.run_for(2s);
  EXPECT_TRUE(io_.stopped());
}

TEST_F(TabOutputHubTest, SendersAreCloseOnExecAndNonBlocking) {
  auto sender = hub_->NewSender();
  ASSERT_TRUE(sender.ok());
  EXPECT_TRUE(::fcntl(sender->get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(sender->get(), F_GETFL) & O_NONBLOCK);
  EXPECT_EQ(hub_->address().size(), 6u);  // "\0" and five hex digits
  EXPECT_EQ(hub_->address()[0], '\0');
}

}  // namespace
}  // namespace tabsim
