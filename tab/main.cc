// tabsim-tab: one tab's content process. Started by the manager (`tabsim`)
// with its channel socket on fd 3 and its first frame region on fd 4, in the
// manner of Firefox's `-contentproc -childID N`. Not meant to be run by hand.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/log.h"
#include "common/protocol.h"
#include "tab/sandbox.h"
#include "tab/tab_process.h"

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer's exit-time check stops the world with a ptrace()ing
// thread, which the tab's own sandbox forbids (it would die of SIGSYS at
// exit). Tabs skip the leak check; the manager, unsandboxed, keeps it.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

namespace {

constexpr char kUsage[] =
    "usage: tabsim-tab --tab-id N --manager-pid PID --page URL [options]\n"
    "\n"
    "The content process of one tabsim tab. The manager (tabsim) starts it\n"
    "with its channel socket on fd 3 and its frame region (a sealed memfd)\n"
    "on fd 4; see docs/protocol.md. It is not useful on its own.\n"
    "\n"
    "  --tab-id N            the id the manager gave this tab\n"
    "  --manager-pid PID     the manager's pid (checked against the parent,\n"
    "                        unless it runs in its own PID namespace under\n"
    "                        tabsim-init)\n"
    "  --page URL            the page to show, e.g. sim://clock\n"
    "  --protocol-version N  claim another protocol version (for tests)\n"
    "  --memory-limit BYTES  address-space limit (RLIMIT_AS) under the sandbox;\n"
    "                        a K, M or G suffix multiplies by 1024^n; 0 = none\n"
    "                        (default 1G)\n"
    "  --no-sandbox          DEBUGGING ONLY: no seccomp filter, no rlimits\n"
    "  --frames-over-socket  send frames' pixels through the socket\n"
    "                        (FramePixels) instead of the shared region\n"
    "\n"
    "After the handshake the tab sandboxes itself (docs/security.md):\n"
    "no_new_privs, a seccomp allowlist (other system calls fail with EPERM or\n"
    "kill the tab with SIGSYS), RLIMIT_AS, RLIMIT_NOFILE, no core dumps.\n";

bool ParseInt(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
    return false;
  *out = value;
  return true;
}

// Bytes with an optional K/M/G (binary) suffix.
bool ParseBytes(const char* text, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  if (*text < '0' || *text > '9') return false;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text) return false;
  int shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10;
  if (*end == 'M' || *end == 'm') shift = 20;
  if (*end == 'G' || *end == 'g') shift = 30;
  if (shift != 0) ++end;
  if (*end != '\0' || value > (~0ULL >> shift)) return false;
  *out = static_cast<uint64_t>(value) << shift;
  return true;
}

int UsageError(const std::string& why) {
  std::fprintf(stderr, "tabsim-tab: %s\n", why.c_str());
  return tabsim::kTabExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  tabsim::TabProcessOptions options;
  options.protocol_version = tabsim::kProtocolVersion;
  options.memory_limit_bytes = tabsim::kDefaultTabMemoryLimit;
  long tab_id = -1;
  long manager_pid = -1;
  bool have_page = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--no-sandbox") {
      options.sandbox = false;
      continue;
    }
    if (arg == "--frames-over-socket") {
      options.frames_over_socket = true;
      continue;
    }
    if (i + 1 >= argc) return UsageError("missing value for " + arg);
    const char* value = argv[++i];
    long number = 0;
    if (arg == "--tab-id") {
      if (!ParseInt(value, 1, INT32_MAX, &tab_id))
        return UsageError("bad --tab-id '" + std::string(value) + "'");
    } else if (arg == "--manager-pid") {
      if (!ParseInt(value, 1, INT32_MAX, &manager_pid))
        return UsageError("bad --manager-pid '" + std::string(value) + "'");
    } else if (arg == "--page") {
      options.url = value;
      have_page = true;
    } else if (arg == "--protocol-version") {
      if (!ParseInt(value, 0, UINT32_MAX, &number))
        return UsageError("bad --protocol-version '" + std::string(value) + "'");
      options.protocol_version = static_cast<uint32_t>(number);
    } else if (arg == "--memory-limit") {
      if (!ParseBytes(value, &options.memory_limit_bytes))
        return UsageError("bad --memory-limit '" + std::string(value) +
                          "' (bytes, optionally with K, M or G)");
    } else {
      return UsageError("unknown option '" + arg + "' (see --help)");
    }
  }
  if (tab_id < 0 || manager_pid < 0 || !have_page)
    return UsageError("--tab-id, --manager-pid and --page are required (see --help)");
  options.tab_id = static_cast<int>(tab_id);
  options.manager_pid = static_cast<int>(manager_pid);

  std::string prefix = "tabsim-tab[" + std::to_string(tab_id) + "]";
  tabsim::SetLogPrefix(prefix.c_str());
  tabsim::InitLogLevelFromEnvironment();

  struct stat st {};
  if (::fstat(tabsim::kChannelFd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return UsageError("fd 3 is not a socket: tabsim-tab is started by tabsim");
  // Spawned into its own PID namespace (the default, docs/protocol.md) the
  // tab runs under tabsim-init, PID 1 there, which only the manager starts;
  // /proc (the manager's, no mount namespace) then shows it another pid
  // than getpid(). Otherwise the parent must be the manager it names.
  char self[32] = {};
  const bool in_pid_namespace =
      ::readlink("/proc/self", self, sizeof(self) - 1) > 0 &&
      std::to_string(::getpid()) != self;
  const bool under_namespace_init =
      in_pid_namespace && (::getppid() == 1 || ::getpid() == 1);
  if (!under_namespace_init && ::getppid() != manager_pid)
    return UsageError("the parent is not the manager pid " +
                      std::to_string(manager_pid));
  ::signal(SIGPIPE, SIG_IGN);
  if (!options.sandbox) {
    std::fprintf(stderr,
                 "%s: WARNING: --no-sandbox: THIS TAB RUNS WITHOUT ITS SANDBOX.\n"
                 "%s: WARNING: no seccomp filter, no memory or fd limits: a\n"
                 "%s: WARNING: hostile page can open files, connect, fork and\n"
                 "%s: WARNING: exec as your user. For debugging only.\n",
                 prefix.c_str(), prefix.c_str(), prefix.c_str(), prefix.c_str());
  }

  tabsim::TabProcess tab(std::move(options), tabsim::UniqueFd(tabsim::kChannelFd),
                         tabsim::UniqueFd(tabsim::kRegionFd));
  return tab.Run();
}
