// The tab's sandbox: what a tab process gives up after its handshake and
// before it runs any page code. See docs/security.md for the threat model.
//
// EnterSandbox() applies, in order and to the calling process only:
//   1. RLIMIT_CORE = 0 (a crashing page leaves no core file behind),
//   2. RLIMIT_NOFILE = kSandboxMaxOpenFiles (fds 0-4, a region per view of a
//      shared process, resize headroom), or the hard limit the tab was
//      given if that is lower,
//   3. RLIMIT_AS = memory_limit_bytes unless 0 (skipped, with a warning on
//      stderr, when built with AddressSanitizer or ThreadSanitizer: their
//      shadow memory needs terabytes of address space),
//   4. PR_SET_NO_NEW_PRIVS (no setuid/file-capability gains, and lets an
//      unprivileged process install a seccomp filter),
//   5. a seccomp-bpf filter (libseccomp), see below.
// Its own process group and death with the manager (PR_SET_PDEATHSIG) are
// set up by the spawner (common/child_process.cc), before exec.
//
// The seccomp policy is an allowlist with two outcomes for everything else:
//   - "expected" escape attempts (opening paths, sockets, ptrace, exec,
//     fork/clone, signalling another process, raising rlimits) fail with
//     EPERM (ENOTTY for ioctl) so that a page can observe and report them;
//   - any other system call kills the whole process with SIGSYS
//     (SCMP_ACT_KILL_PROCESS); the manager reports "killed by signal 31
//     (SIGSYS)".
// The lists are AllowedSyscalls() / DeniedSyscalls() below; some entries
// carry argument conditions (kill/tgkill only to ourselves, prlimit64 only
// to read, newfstatat only with AT_EMPTY_PATH).
//
// Irreversible: there is no way out of any of this for the process. Threads
// created later inherit the filter (the tab has none).
//
// Failure: returns an Error naming the step and errno; the process may then
// be partly sandboxed and should exit.
#ifndef TABSIM_TAB_SANDBOX_H_
#define TABSIM_TAB_SANDBOX_H_

#include <cstdint>
#include <span>

#include "common/result.h"

namespace tabsim {

inline constexpr uint64_t kDefaultTabMemoryLimit = uint64_t{1} << 30;  // 1 GiB
// A region per view and a few to spare: a shared process hosts at most
// kMaxViewsPerProcess views (manager/core/process_host.h).
inline constexpr uint64_t kSandboxMaxOpenFiles = 1024;

struct SandboxOptions {
  // RLIMIT_AS in bytes; 0 = no address-space limit.
  uint64_t memory_limit_bytes = kDefaultTabMemoryLimit;
};

Status EnterSandbox(const SandboxOptions& options);

// True when this build cannot apply RLIMIT_AS (ASan/TSan).
bool SanitizerPreventsMemoryLimit();

// The system call names of the policy, for documentation and tests.
std::span<const char* const> AllowedSyscalls();
std::span<const char* const> DeniedSyscalls();  // fail with EPERM/ENOTTY

}  // namespace tabsim

#endif  // TABSIM_TAB_SANDBOX_H_
