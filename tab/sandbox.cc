#include "tab/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

namespace tabsim {
namespace {

// What a healthy tab uses after the handshake (checked with strace over
// every page): the channel, time, memory, signals for abort(), and exit.
constexpr const char* kAllowed[] = {
    // The channel and stderr.
    "read", "write", "readv", "writev", "recvmsg", "recvfrom", "sendmsg",
    "sendto", "shutdown", "poll", "ppoll", "close", "lseek",
    // ftruncate is allowed so that the memfd seals are what stop a page
    // from resizing its frame region (sim://bad-message?kind=shrink-memfd).
    "ftruncate", "fstat",
    // Time.
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
    "clock_nanosleep",
    // Memory.
    "mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
    // Threads' and libc's housekeeping.
    "futex", "getrandom", "sched_yield", "restart_syscall", "getpid",
    "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction",
    "sigaltstack", "exit", "exit_group",
    // With argument conditions, see AddConditionalRules().
    "newfstatat", "kill", "tgkill", "prlimit64", "fcntl",
};

// Extra calls the ASan/UBSan/TSan runtimes make inside a sanitizer build
// (IsAccessibleMemoryRange's pipe, sched_getaffinity, ...). Never in a
// normal build.
constexpr const char* kSanitizerAllowed[] = {"pipe", "pipe2"};

constexpr bool kSanitizerBuild =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    true;
#else
    false;
#endif

// Escape attempts a page can make and report. EPERM, except ioctl (ENOTTY,
// as for "not a terminal", which isatty() expects).
constexpr const char* kDenied[] = {
    // Paths.
    "open", "openat", "openat2", "creat", "access", "faccessat", "faccessat2",
    "stat", "lstat", "statx", "readlink", "readlinkat", "truncate", "unlink",
    "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "chdir", "chmod", "fchmodat", "chown", "fchownat", "link",
    "linkat", "symlink", "symlinkat", "memfd_create",
    // Networking and other sockets (the control socket among them).
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    // Other processes.
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open",
    "pidfd_getfd", "pidfd_send_signal", "tkill", "setpgid", "setsid",
    // New programs and processes.
    "execve", "execveat", "fork", "vfork", "clone", "clone3",
    // Limits (raising one would undo the sandbox if we ran as root).
    "setrlimit",
    "ioctl",
};

int ErrnoFor(const char* name) {
  return std::string(name) == "ioctl" ? ENOTTY : EPERM;
}

struct FilterDeleter {
  void operator()(void* context) const { seccomp_release(context); }
};

Status SeccompError(const std::string& what, int rc) {
  return Error::FromErrno("seccomp: " + what, -rc);
}

Status AddRule(scmp_filter_ctx context, uint32_t action, const char* name,
               unsigned count = 0, const scmp_arg_cmp* conditions = nullptr) {
  int number = seccomp_syscall_resolve_name(name);
  if (number == __NR_SCMP_ERROR) return Status::Ok();  // not on this arch
  int rc = count == 0
               ? seccomp_rule_add(context, action, number, 0)
               : seccomp_rule_add_array(context, action, number, count,
                                        conditions);
  if (rc != 0) return SeccompError(std::string("rule for ") + name, rc);
  return Status::Ok();
}

// fcntl only for what a tab needs after the handshake. Signal routing is
// refused: F_SETOWN + F_SETSIG + O_ASYNC on the channel would make the
// kernel send any signal (SIGKILL) to the manager whenever it writes.
Status AddFcntlRules(scmp_filter_ctx context) {
  for (scmp_datum_t command : {F_GETFD, F_SETFD, F_GETFL, F_GET_SEALS}) {
    scmp_arg_cmp condition = SCMP_A1(SCMP_CMP_EQ, command);
    if (Status s = AddRule(context, SCMP_ACT_ALLOW, "fcntl", 1, &condition);
        !s.ok())
      return s;
  }
  const scmp_arg_cmp set_flags[] = {
      SCMP_A1(SCMP_CMP_EQ, F_SETFL),
      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, 0)};
  if (Status s = AddRule(context, SCMP_ACT_ALLOW, "fcntl", 2, set_flags); !s.ok())
    return s;
  const scmp_arg_cmp async_flags[] = {
      SCMP_A1(SCMP_CMP_EQ, F_SETFL),
      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, O_ASYNC)};
  if (Status s = AddRule(context, SCMP_ACT_ERRNO(EPERM), "fcntl", 2, async_flags);
      !s.ok())
    return s;
  for (scmp_datum_t command : {F_SETOWN, F_SETOWN_EX, F_SETSIG, F_SETLEASE,
                               F_NOTIFY, F_DUPFD, F_DUPFD_CLOEXEC,
                               F_ADD_SEALS}) {
    scmp_arg_cmp condition = SCMP_A1(SCMP_CMP_EQ, command);
    if (Status s = AddRule(context, SCMP_ACT_ERRNO(EPERM), "fcntl", 1, &condition);
        !s.ok())
      return s;
  }
  return Status::Ok();  // any other command: the default, kill
}

Status AddConditionalRules(scmp_filter_ctx context) {
  const auto self = static_cast<scmp_datum_t>(::getpid());
  struct Rule {
    uint32_t action;
    const char* name;
    scmp_arg_cmp condition;
  };
  const Rule rules[] = {
      // Signals to ourselves only (abort() is tgkill(self, self, SIGABRT)).
      {SCMP_ACT_ALLOW, "kill", SCMP_A0(SCMP_CMP_EQ, self)},
      {SCMP_ACT_ERRNO(EPERM), "kill", SCMP_A0(SCMP_CMP_NE, self)},
      {SCMP_ACT_ALLOW, "tgkill", SCMP_A0(SCMP_CMP_EQ, self)},
      {SCMP_ACT_ERRNO(EPERM), "tgkill", SCMP_A0(SCMP_CMP_NE, self)},
      // getrlimit() is prlimit64(0, resource, NULL, old): reading only.
      {SCMP_ACT_ALLOW, "prlimit64", SCMP_A2(SCMP_CMP_EQ, 0)},
      {SCMP_ACT_ERRNO(EPERM), "prlimit64", SCMP_A2(SCMP_CMP_NE, 0)},
      // fstat() is newfstatat(fd, "", st, AT_EMPTY_PATH). A path lookup
      // without the flag (stat("/etc/passwd")) fails.
      {SCMP_ACT_ALLOW, "newfstatat",
       SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)},
      {SCMP_ACT_ERRNO(EPERM), "newfstatat",
       SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0)},
  };
  for (const Rule& rule : rules) {
    if (Status s = AddRule(context, rule.action, rule.name, 1, &rule.condition);
        !s.ok())
      return s;
  }
  return AddFcntlRules(context);
}

bool IsConditional(const std::string& name) {
  return name == "kill" || name == "tgkill" || name == "prlimit64" ||
         name == "newfstatat" || name == "fcntl";
}

Status InstallSeccompFilter() {
  std::unique_ptr<void, FilterDeleter> context(
      seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!context) return Error{"seccomp_init failed", ENOMEM};
  // We set no_new_privs ourselves, before, and want to know if it failed.
  int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_NNP, 0);
  if (rc != 0) return SeccompError("attr NNP", rc);
  if (kSanitizerBuild) {
    // The sanitizer runtimes probe memory through a pipe, read their
    // options and symbolize reports: allowed only in sanitizer builds.
    for (const char* name : kSanitizerAllowed) {
      if (Status s = AddRule(context.get(), SCMP_ACT_ALLOW, name); !s.ok())
        return s;
    }
  }
  for (const char* name : kAllowed) {
    if (IsConditional(name)) continue;
    if (Status s = AddRule(context.get(), SCMP_ACT_ALLOW, name); !s.ok())
      return s;
  }
  for (const char* name : kDenied) {
    if (Status s = AddRule(context.get(), SCMP_ACT_ERRNO(ErrnoFor(name)), name);
        !s.ok())
      return s;
  }
  if (Status s = AddConditionalRules(context.get()); !s.ok()) return s;
  rc = seccomp_load(context.get());
  if (rc != 0) return SeccompError("load", rc);
  return Status::Ok();
}

Status SetLimit(int resource, const char* name, rlim_t value) {
  rlimit limit{value, value};
  if (::setrlimit(resource, &limit) != 0)
    return Error::FromErrno(std::string("setrlimit ") + name);
  return Status::Ok();
}

}  // namespace

bool SanitizerPreventsMemoryLimit() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

Status EnterSandbox(const SandboxOptions& options) {
  if (Status s = SetLimit(RLIMIT_CORE, "RLIMIT_CORE", 0); !s.ok()) return s;
  // Never above what the tab was given: raising a hard limit is refused.
  rlimit files{};
  rlim_t max_files = kSandboxMaxOpenFiles;
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_max < max_files)
    max_files = files.rlim_max;
  if (Status s = SetLimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", max_files); !s.ok())
    return s;
  if (options.memory_limit_bytes != 0) {
    if (SanitizerPreventsMemoryLimit()) {
      std::fprintf(stderr,
                   "tabsim-tab: sanitizer build: RLIMIT_AS not applied\n");
    } else if (Status s = SetLimit(RLIMIT_AS, "RLIMIT_AS",
                                   rlim_t(options.memory_limit_bytes));
               !s.ok()) {
      return s;
    }
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return Error::FromErrno("prctl PR_SET_NO_NEW_PRIVS");
  return InstallSeccompFilter();
}

std::span<const char* const> AllowedSyscalls() { return kAllowed; }
std::span<const char* const> DeniedSyscalls() { return kDenied; }

}  // namespace tabsim
