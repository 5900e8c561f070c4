// The containment the manager sets up at spawn (docs/security.md,
// "Containment"), with a bring-your-own tab program: a shell script used
// as --tab-exe that leaves a daemon behind (a double fork and setsid()),
// prints terminal escapes on stdout and stderr, then execs the real
// tabsim-tab. Each case runs with the namespace layer and with the fallback
// (TABSIM_NO_NAMESPACES=1: subreaper, process-group kill, orphan pass).
//
// Leftovers are found by a marker unique to each manager: an environment
// variable every descendant of the manager inherits, looked for in
// /proc/PID/environ of every process on the machine.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <dirent.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/namespaces.h"
#include "manager/base/text.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;

constexpr char kMarkVariable[] = "TABSIM_CONTAIN_MARK";
// What the script writes (printf escapes), and the raw bytes.
constexpr char kOutLine[] = "out:\\033[31mred\\033[0m\\302\\233J\\033]0;owned\\007end";
constexpr char kOutRaw[] = "out:\x1b[31mred\x1b[0m\xc2\x9bJ\x1b]0;owned\x07" "end";
constexpr char kErrLine[] = "err:\\033[2J\\302\\233K\\342\\200\\256rlo\\342\\201\\246lri";
constexpr char kErrRaw[] = "err:\x1b[2J\xc2\x9bK\xe2\x80\xaerlo\xe2\x81\xa6lri";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every process (the manager's own pid aside) whose environment holds
// kMarkVariable=mark.
std::vector<pid_t> Marked(const std::string& mark, pid_t except) {
  const std::string needle = std::string(kMarkVariable) + "=" + mark;
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == except) continue;
    const std::string environ =
        Slurp("/proc/" + std::string(entry->d_name) + "/environ");
    size_t at = environ.find(needle);
    // Whole entry only: "...=mark\0" after "\0" or at the start.
    if (at != std::string::npos && (at == 0 || environ[at - 1] == '\0') &&
        (at + needle.size() == environ.size() || environ[at + needle.size()] == '\0'))
      found.push_back(pid_t(pid));
  }
  ::closedir(proc);
  return found;
}

// Polls until no marked process is left; returns what is left at the end.
std::vector<pid_t> WaitUntilNoneMarked(const std::string& mark, pid_t except,
                                       std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<pid_t> left = Marked(mark, except);
  while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    left = Marked(mark, except);
  }
  return left;
}

std::string Join(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) {
    text += std::to_string(pid) + " (" +
            Slurp("/proc/" + std::to_string(pid) + "/comm") + ") ";
  }
  return text;
}

// A `tabsim run` with the script as its tab program, one tab.
class Manager {
 public:
  explicit Manager(bool fallback, std::vector<std::string> extra = {})
      : fallback_(fallback), dir_(testing::FreshTestDir("tabsim-contain")) {
    mark_ = dir_.substr(dir_.rfind('/') + 1) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    WriteScript();
    std::vector<std::string> args = {testing::ManagerExecutable(), "run", "--ui", "none",
                                     "--tabs", "1", "--page", "sim://clock",
                                     "--control", path("control"), "--tab-exe",
                                     path("tab.sh"), "--json", path("summary.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    // Namespaces are the default: the fallback is TABSIM_NO_NAMESPACES's
    // stand-in for a refusing kernel, announced loudly.
    process_.emplace(dir_, std::move(args), [this] {
      ::setenv(kMarkVariable, mark_.c_str(), 1);
      // Info: the orphan pass names each process it kills.
      if (fallback_) ::setenv("TABSIM_NO_NAMESPACES", "1", 1);
      if (fallback_) ::setenv("TABSIM_LOG_LEVEL", "info", 1);
      else ::unsetenv("TABSIM_NO_NAMESPACES");
    });
  }
  ~Manager() {
    process_.reset();  // the manager first (SIGKILL unless it exited)
    // Never leave a daemon behind, whatever the test found.
    for (pid_t pid : Marked(mark_, 0)) ::kill(pid, SIGKILL);
  }
  pid_t pid() const { return process_->pid(); }
  const std::string& mark() const { return mark_; }
  std::string out() const { return process_->out(); }
  std::string err() const { return process_->err(); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::smatch WaitFor(const std::string& pattern, std::chrono::milliseconds timeout = 15s) {
    return process_->WaitFor(pattern, timeout);
  }
  // Exit status, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = 15s) { return process_->Wait(timeout); }
  // `tabsim ctl --control PATH args...`; its exit status.
  int Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {testing::ManagerExecutable(), "ctl", "--control",
                               path("control")});
    pid_t ctl = ::fork();
    if (ctl == 0) {
      int null_fd = ::open("/dev/null", O_WRONLY);
      ::dup2(null_fd, 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(ctl, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // The tab is live and its daemon was started: at least two marked
  // processes (the tab, the subshell's setsid'd child), or, in the
  // fallback, the manager's orphan pass already killed the daemon (it is
  // reparented to the manager as soon as its subshell exits) and said so.
  void WaitForDaemon() {
    WaitFor("tab 1 first frame");
    auto deadline = std::chrono::steady_clock::now() + 5s;
    auto seen = [&] {
      return Marked(mark_, pid()).size() >= 2 ||
             (fallback_ && err().find("left behind by a tab") != std::string::npos);
    };
    while (!seen() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(seen()) << Join(Marked(mark_, pid())) << "\n" << err();
  }

 private:
  void WriteScript() {
    std::ofstream script(path("tab.sh"));
    script << "#!/bin/sh\n"
              "# containment_test's tab: a daemon, escapes, then the real tab.\n"
              "( setsid sh -c 'sleep 600' & )\n"
              "printf 'inside: pid=%s uid=%s ifaces=%s\\n' \"$$\" \"$(id -u)\" "
              "\"$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ,)\"\n"
              "printf '"
           << kOutLine << "\\n'\n"
           << "printf '" << kErrLine << "\\n' >&2\n"
           << "exec '" << testing::TabExecutable() << "' \"$@\"\n";
    script.close();
    ::chmod(path("tab.sh").c_str(), 0700);
  }

  bool fallback_;
  std::string dir_;
  std::string mark_;
  std::optional<testing::CapturedProcess> process_;
};

class Containment : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!fallback() && !NamespaceSupport().available)
      GTEST_SKIP() << "the kernel refuses namespaces here: "
                   << NamespaceSupport().reason;
  }
  bool fallback() const { return GetParam(); }
};

TEST_P(Containment, KilledTabLeavesNothingBehind) {
  Manager manager(fallback());
  manager.WaitForDaemon();
  ASSERT_EQ(manager.Ctl({"kill", "1"}), 0);
  manager.WaitFor("tab 1 lost: killed by signal 9");
  std::vector<pid_t> left = WaitUntilNoneMarked(manager.mark(), manager.pid());
  EXPECT_TRUE(left.empty()) << "left behind: " << Join(left);
  // The manager itself is fine and still answers.
  EXPECT_EQ(manager.Ctl({"list"}), 0);
  // In the fallback it was the orphan pass that killed the daemon.
  if (fallback()) {
    EXPECT_NE(manager.err().find("left behind by a tab"), std::string::npos)
        << manager.err();
  }
}

TEST_P(Containment, SigintLeavesNothingBehindAndTabOutputIsCleaned) {
  Manager manager(fallback());
  manager.WaitForDaemon();
  manager.WaitFor("tab 1 log: output: err:");
  ::kill(manager.pid(), SIGINT);
  EXPECT_EQ(manager.Wait(), 0) << manager.err();
  std::vector<pid_t> left = WaitUntilNoneMarked(manager.mark(), 0);
  EXPECT_TRUE(left.empty()) << "left behind: " << Join(left);
  if (fallback()) {
    EXPECT_NE(manager.err().find("left behind by a tab"), std::string::npos)
        << manager.err();
  }

  const std::string out = manager.out();
  const std::string err = manager.err();
  for (const std::string& text : {out, err}) {
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
    EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << text;
    EXPECT_EQ(text.find("\xe2\x81\xa6"), std::string::npos) << text;
  }
  // Each stream is a log line of its own, cleaned as titles are.
  EXPECT_NE(out.find("tab 1 log: output: " + CleanTabText(kOutRaw, 300) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("tab 1 log: output: " + CleanTabText(kErrRaw, 300) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("output: out:[31mred[0mJ]0;ownedend"), std::string::npos) << out;
  EXPECT_NE(out.find("output: err:[2JKrlolri"), std::string::npos) << out;
}

// A signal that ends a process by default ends the tab, as anywhere else:
// in namespaces the tab is not PID 1 (which gets no signal it does not
// handle); tabsim-init relays it and reports the tab's own status.
TEST_P(Containment, SigtermEndsTheTabWithItsOwnCause) {
  Manager manager(fallback());
  manager.WaitForDaemon();
  ASSERT_EQ(manager.Ctl({"kill", "1", "--signal", "TERM"}), 0);
  manager.WaitFor("tab 1 lost: killed by signal 15 \\(SIGTERM\\)");
  std::vector<pid_t> left = WaitUntilNoneMarked(manager.mark(), manager.pid());
  EXPECT_TRUE(left.empty()) << "left behind: " << Join(left);
  EXPECT_EQ(manager.Ctl({"list"}), 0);
}

TEST_P(Containment, ManagerSigkillLeavesNothingBehind) {
  if (fallback())
    GTEST_SKIP() << "the fallback cannot: a SIGKILLed manager kills nothing, "
                    "and the tab's daemon (setsid, reparented to init) "
                    "outlives it; only a PID namespace dies with its init";
  Manager manager(fallback());
  manager.WaitForDaemon();
  ::kill(manager.pid(), SIGKILL);
  EXPECT_EQ(manager.Wait(), 128 + SIGKILL);
  std::vector<pid_t> left = WaitUntilNoneMarked(manager.mark(), 0);
  EXPECT_TRUE(left.empty()) << "left behind: " << Join(left);
}

TEST_P(Containment, LayersAreTheOnesClaimed) {
  Manager manager(fallback());
  manager.WaitForDaemon();
  const pid_t tab = std::stoi(manager.WaitFor("spawned: pid (\\d+)")[1]);
  std::string uid_line;
  std::istringstream status(Slurp("/proc/" + std::to_string(tab) + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Uid:", 0) == 0) uid_line = line;
  const std::string uid = std::to_string(::getuid());
  EXPECT_EQ(uid_line, "Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid)
      << "the uid is kept";
  for (const char* ns : {"user", "pid", "net", "ipc"}) {
    char ours[128] = {}, theirs[128] = {};
    ASSERT_GT(::readlink((std::string("/proc/self/ns/") + ns).c_str(), ours,
                         sizeof(ours) - 1), 0);
    ASSERT_GT(::readlink(("/proc/" + std::to_string(tab) + "/ns/" + ns).c_str(),
                         theirs, sizeof(theirs) - 1), 0);
    if (fallback()) EXPECT_STREQ(ours, theirs) << ns;
    else EXPECT_STRNE(ours, theirs) << ns << " namespace is new";
  }
  if (fallback()) {
    manager.WaitFor("tab 1 log: output: inside: pid=\\d+ uid=" + uid);
  } else {
    // PID 2 of its namespace, under tabsim-init (PID 1, the manager's
    // child); only a loopback device.
    manager.WaitFor("tab 1 log: output: inside: pid=2 uid=" + uid + " ifaces=lo,\n");
    const pid_t init = testing::ParentOf(tab);
    EXPECT_EQ(testing::ParentOf(init), manager.pid());
    EXPECT_EQ(Slurp("/proc/" + std::to_string(init) + "/comm"), "tabsim-init\n");
  }
  // The record says so, once the tab has sandboxed itself (a pong later).
  std::this_thread::sleep_for(1500ms);
  ::kill(manager.pid(), SIGINT);
  ASSERT_EQ(manager.Wait(), 0) << manager.err();
  const std::string summary = Slurp(manager.path("summary.json"));
  boost::json::value parsed;
  ASSERT_NO_THROW(parsed = boost::json::parse(summary)) << summary;
  const boost::json::value& record = parsed.at("tabs").at(0);
  EXPECT_EQ(record.at("containment").as_string(),
            fallback() ? "pgroup+subreaper, seccomp, rlimits"
                       : "userns+pidns+netns+ipcns, seccomp, rlimits")
      << summary;
  // The fallback is announced once, loudly; the namespace layer is quiet.
  const std::string err = manager.err();
  const size_t first = err.find("CONTAINMENT FALLBACK");
  if (fallback()) {
    ASSERT_NE(first, std::string::npos) << err;
    EXPECT_EQ(err.find("CONTAINMENT FALLBACK", first + 1), std::string::npos) << err;
  } else {
    EXPECT_EQ(first, std::string::npos) << err;
  }
}

INSTANTIATE_TEST_SUITE_P(, Containment, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "Fallback" : "Namespaces";
                         });

}  // namespace
}  // namespace tabsim
