// The tab sandbox (tab/sandbox.h), applied in forked children: what it
// allows, what fails with EPERM, and what kills with SIGSYS.
#include "tab/sandbox.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/test_util.h"

namespace tabsim {
namespace {

constexpr uint64_t kLimit = uint64_t{256} << 20;

// In a forked child: enter the sandbox or exit 100.
void EnterOrDie() {
  SandboxOptions options;
  options.memory_limit_bytes = kLimit;
  if (!EnterSandbox(options).ok()) _exit(100);
}

// Exits with `code` unless `rc` < 0 with errno == `expected`.
void ExpectErrno(long rc, int expected, int code) {
  if (!(rc < 0 && errno == expected)) _exit(code);
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "fast");
    testing::DisableCoreDumps();
  }
};


[[noreturn]] void TryEscapes() {
      EnterOrDie();
      ExpectErrno(::open("/etc/passwd", O_RDONLY), EPERM, 1);
      ExpectErrno(::openat(AT_FDCWD, "/proc/1/fd", O_RDONLY), EPERM, 2);
      struct stat st {};
      ExpectErrno(::stat("/etc/passwd", &st), EPERM, 3);
      ExpectErrno(::socket(AF_UNIX, SOCK_STREAM, 0), EPERM, 4);
      ExpectErrno(::socket(AF_INET, SOCK_STREAM, 0), EPERM, 5);
      ExpectErrno(::ptrace(PTRACE_SEIZE, ::getppid(), nullptr, nullptr),
                  EPERM, 6);
      char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
      ExpectErrno(::execve("/bin/true", argv, argv + 1), EPERM, 7);
      ExpectErrno(::fork(), EPERM, 8);
      ExpectErrno(::kill(::getppid(), 0), EPERM, 9);
      rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
      ExpectErrno(::setrlimit(RLIMIT_AS, &unlimited), EPERM, 10);
      ExpectErrno(::ioctl(0, 0x5401 /*TCGETS*/, nullptr), ENOTTY, 11);
      ExpectErrno(::memfd_create("x", 0), EPERM, 12);
      // Signal routing through fd 0 would let a tab have the kernel SIGKILL
      // its manager on the manager's next write.
      ExpectErrno(::fcntl(0, F_SETOWN, ::getppid()), EPERM, 13);
      ExpectErrno(::fcntl(0, F_SETSIG, SIGKILL), EPERM, 14);
      ExpectErrno(::fcntl(0, F_SETFL, O_ASYNC | O_NONBLOCK), EPERM, 15);
      f_owner_ex owner{F_OWNER_PID, ::getppid()};
      ExpectErrno(::fcntl(0, F_SETOWN_EX, &owner), EPERM, 16);
      ExpectErrno(::fcntl(0, F_DUPFD, 0), EPERM, 17);
      _exit(0);
}

[[noreturn]] void UseWhatATabNeeds(const int* pipe_fds, int memfd) {
      EnterOrDie();
      if (::write(pipe_fds[1], "x", 1) != 1) _exit(1);
      char c = 0;
      if (::read(pipe_fds[0], &c, 1) != 1 || c != 'x') _exit(2);
      void* p = ::mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED || ::munmap(p, 1 << 20) != 0) _exit(3);
      // An unsealed memfd can be resized: ftruncate itself is allowed.
      if (::ftruncate(memfd, 4096) != 0) _exit(4);
      struct stat st {};
      if (::fstat(memfd, &st) != 0 || st.st_size != 4096) _exit(5);
      rlimit limit{};
      if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(6);
      timespec ts{0, 1000};
      if (::nanosleep(&ts, nullptr) != 0) _exit(7);
      if (::getpid() <= 0 || ::kill(::getpid(), 0) != 0) _exit(8);
      std::string grow(1 << 16, 'a');  // the heap
      if (::close(pipe_fds[0]) != 0) _exit(9);
      // The fcntl commands a tab uses: flags (without O_ASYNC) and seals.
      int flags = ::fcntl(pipe_fds[1], F_GETFL);
      if (flags < 0 || ::fcntl(pipe_fds[1], F_SETFL, flags | O_NONBLOCK) != 0)
        _exit(10);
      if (::fcntl(memfd, F_GET_SEALS) < 0) _exit(11);
      if (::fcntl(pipe_fds[1], F_GETFD) < 0) _exit(12);
      _exit(0);
}

[[noreturn]] void CheckLimits() {
      EnterOrDie();
      rlimit limit{};
      if (::getrlimit(RLIMIT_CORE, &limit) != 0 || limit.rlim_max != 0)
        _exit(1);
      if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 ||
          limit.rlim_max != kSandboxMaxOpenFiles)
        _exit(2);
      if (!SanitizerPreventsMemoryLimit()) {
        if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_max != kLimit)
          _exit(3);
        // More than the limit cannot be mapped.
        void* p = ::mmap(nullptr, kLimit, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED || errno != ENOMEM) _exit(4);
      }
      _exit(0);
}

[[noreturn]] void CheckNoMemoryLimit() {
      if (!EnterSandbox(SandboxOptions{0}).ok()) _exit(100);
      rlimit limit{};
      if (::getrlimit(RLIMIT_AS, &limit) != 0 ||
          limit.rlim_cur != RLIM_INFINITY)
        _exit(1);
      _exit(0);
}

[[noreturn]] void CallUname() {
      EnterOrDie();
      utsname name{};
      ::syscall(SYS_uname, &name);
      _exit(0);
}

[[noreturn]] void CallGetcwd() {
      EnterOrDie();
      ::syscall(SYS_getcwd, nullptr, 0);
      _exit(0);
}

[[noreturn]] void AbortInSandbox() {
      EnterOrDie();
      std::abort();
}

TEST_F(SandboxTest, EscapeSystemCallsFailWithEperm) {
  EXPECT_EXIT(TryEscapes(), ::testing::ExitedWithCode(0), "");
}

TEST_F(SandboxTest, WhatATabNeedsStillWorks) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  int memfd = ::memfd_create("sandbox-test", MFD_CLOEXEC);
  ASSERT_GE(memfd, 0);
  EXPECT_EXIT(UseWhatATabNeeds(pipe_fds, memfd), ::testing::ExitedWithCode(0), "");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::close(memfd);
}

TEST_F(SandboxTest, AppliesResourceLimits) {
  EXPECT_EXIT(CheckLimits(), ::testing::ExitedWithCode(0), "");
}

TEST_F(SandboxTest, NoMemoryLimitWhenZero) {
  EXPECT_EXIT(CheckNoMemoryLimit(), ::testing::ExitedWithCode(0), "");
}

TEST_F(SandboxTest, OtherSystemCallsKillWithSigsys) {
  EXPECT_EXIT(CallUname(), ::testing::KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(CallGetcwd(), ::testing::KilledBySignal(SIGSYS), "");
}

TEST_F(SandboxTest, AbortStillRaisesSigabrt) {
  EXPECT_EXIT(AbortInSandbox(), ::testing::KilledBySignal(SIGABRT), "");
}

TEST(SandboxPolicyTest, ListsAreDisjointAndCoverTheEssentials) {
  auto allowed = AllowedSyscalls();
  auto denied = DeniedSyscalls();
  auto has = [](std::span<const char* const> list, const std::string& name) {
    for (const char* entry : list)
      if (name == entry) return true;
    return false;
  };
  for (const char* name : allowed) EXPECT_FALSE(has(denied, name)) << name;
  for (const char* name : {"recvmsg", "sendto", "poll", "mmap", "ftruncate",
                           "exit_group", "rt_sigreturn"})
    EXPECT_TRUE(has(allowed, name)) << name;
  for (const char* name : {"openat", "connect", "socket", "ptrace", "execve",
                           "clone", "clone3", "fork"})
    EXPECT_TRUE(has(denied, name)) << name;
}

}  // namespace
}  // namespace tabsim
