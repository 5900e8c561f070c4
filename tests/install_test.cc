// tabsim as a user installs it: `cmake --install` into a temporary prefix,
// the installed manager running the installed tab program from another
// directory with no help from the environment, the one-line error of run,
// bench and replay when that program is gone, the Debian package's files
// and computed Depends, and the man page against every command's --help.
// Builds nothing: it installs and packages the build tree ctest runs in
// (tests/CMakeLists.txt passes its paths).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e_util.h"

namespace tabsim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Quote;
using testing::ReadFile;

const std::string kBinaryDir = TABSIM_BINARY_DIR;
const std::string kSourceDir = TABSIM_SOURCE_DIR;

// A shell command's exit code, stdout and stderr (files in `scratch`).
testing::CommandResult Shell(const std::string& command,
                             const std::string& scratch) {
  std::string out = scratch + "/shell.out", err = scratch + "/shell.err";
  int status = std::system((command + " >" + Quote(out) + " 2>" + Quote(err) +
                            " </dev/null").c_str());
  testing::CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored))
    names.insert(entry.path().filename().string());
  return names;
}

// `argv` started from `workdir` with TABSIM_TAB_EXE unset, stdout and
// stderr to files in `scratch`; killed and reaped when destroyed.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::string& workdir,
          const std::string& scratch)
      : out_(scratch + "/process.out"), err_(scratch + "/process.err") {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(workdir.c_str()) != 0) ::_exit(126);
      ::unsetenv("TABSIM_TAB_EXE");
      if (!std::freopen(out_.c_str(), "w", stdout) ||
          !std::freopen(err_.c_str(), "w", stderr) ||
          !std::freopen("/dev/null", "r", stdin))
        ::_exit(126);
      std::vector<char*> args;
      for (std::string& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string out() const { return ReadFile(out_); }
  std::string err() const { return ReadFile(err_); }

  // The first match of `pattern` in stdout, waiting for it up to 10 s.
  std::smatch WaitFor(const std::string& pattern) {
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      text_ = out();
      std::smatch match;
      if (std::regex_search(text_, match, re)) return match;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "no '" << pattern << "' in:\n" << out() << "\nstderr:\n"
                  << err();
    return {};
  }
  // The exit code (-1: killed or still running after 20 s).
  int Wait() {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  std::string out_, err_, text_;
  pid_t pid_ = -1;
};

// What a running process executes, as the kernel sees it.
std::string ExeOf(pid_t pid) {
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
  return error ? "(" + error.message() + ")" : exe.string();
}

// Runs `tabsim run` for a tab from `workdir`; the program its tab ran.
std::string TabProgramOfRun(const std::string& tabsim, const std::string& workdir,
                            const std::string& scratch) {
  Process run({tabsim, "run", "--ui", "none", "--tabs", "1", "--page",
               "sim://clock", "--duration", "1", "--control", "none"},
              workdir, scratch);
  std::smatch spawned = run.WaitFor(R"(tab 1 spawned: pid (\d+))");
  std::string exe = spawned.empty() ? "" : ExeOf(std::stoi(spawned[1]));
  run.WaitFor("tab 1 first frame");  // it works, sandbox and all
  EXPECT_EQ(run.Wait(), 0) << run.err();
  return exe;
}

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = testing::MakeTempDir("tabsim-install-test");
    ASSERT_FALSE(scratch_.empty());
    prefix_ = scratch_ + "/prefix";
    workdir_ = scratch_ + "/elsewhere";
    fs::create_directories(workdir_);
  }
  void TearDown() override { testing::RemoveTree(scratch_); }

  void Install() {
    auto install = Shell("cmake --install " + Quote(kBinaryDir) + " --prefix " +
                             Quote(prefix_),
                         scratch_);
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  }
  fs::path Prefix(const std::string& relative) const {
    return fs::path(prefix_) / relative;
  }
  std::string InstalledTabsim() const {
    return Prefix(TABSIM_INSTALL_BINDIR "/tabsim").string();
  }
  std::string InstalledTab() const {
    return Prefix(TABSIM_INSTALL_LIBEXECDIR "/tabsim/tabsim-tab").string();
  }

  std::string scratch_, prefix_, workdir_;
};

TEST_F(InstallTest, InstallsTheLayout) {
  Install();
  EXPECT_EQ(Entries(Prefix(TABSIM_INSTALL_BINDIR)), std::set<std::string>{"tabsim"});
  EXPECT_EQ(Entries(Prefix(TABSIM_INSTALL_LIBEXECDIR "/tabsim")),
            (std::set<std::string>{"tabsim-init", "tabsim-tab"}));
  EXPECT_EQ(::access(InstalledTab().c_str(), X_OK), 0);
  EXPECT_TRUE(fs::is_regular_file(Prefix(TABSIM_INSTALL_MANDIR "/man1/tabsim.1")));
  fs::path doc = Prefix(TABSIM_INSTALL_DOCDIR);
  EXPECT_TRUE(fs::is_regular_file(doc / "README.md"));
  for (const auto& entry : fs::directory_iterator(kSourceDir + "/docs")) {
    if (entry.path().extension() != ".md") continue;
    EXPECT_TRUE(fs::is_regular_file(doc / "docs" / entry.path().filename()))
        << entry.path();
  }
  // The images the docs show.
  EXPECT_TRUE(fs::is_regular_file(doc / "docs/benchmarks.png"));
  EXPECT_TRUE(fs::is_regular_file(doc / "docs/web-dashboard.png"));
  // Nothing else: no tests, fuzzers, libraries or headers.
  std::set<std::string> top = Entries(prefix_);
  top.erase(fs::path(TABSIM_INSTALL_BINDIR).begin()->string());
  top.erase(fs::path(TABSIM_INSTALL_LIBEXECDIR).begin()->string());
  top.erase(fs::path(TABSIM_INSTALL_MANDIR).begin()->string());
  top.erase(fs::path(TABSIM_INSTALL_DOCDIR).begin()->string());
  EXPECT_TRUE(top.empty()) << *top.begin();
}

TEST_F(InstallTest, InstalledTabsimRunsTheInstalledTabFromAnywhere) {
  Install();
  EXPECT_EQ(TabProgramOfRun(InstalledTabsim(), workdir_, scratch_),
            fs::canonical(InstalledTab()).string());
}

TEST_F(InstallTest, BuildTreeTabsimRunsTheBuildTreeTab) {
  // ctest names both binaries; the manager must find the tab without it.
  EXPECT_EQ(TabProgramOfRun(testing::ManagerExecutable(), workdir_, scratch_),
            fs::canonical(testing::TabExecutable()).string());
}

TEST_F(InstallTest, MissingTabProgramIsOneLineNamingEveryPlaceLooked) {
  Install();
  // A recording to replay, made while the tab program is still there.
  std::string recording = scratch_ + "/rec";
  Process record({InstalledTabsim(), "run", "--ui", "none", "--tabs", "1",
                  "--page", "sim://paint", "--duration", "0.5", "--control",
                  "none", "--record", recording},
                 workdir_, scratch_);
  ASSERT_EQ(record.Wait(), 0) << record.err();
  fs::remove(InstalledTab());

  const std::map<std::string, std::vector<std::string>> kCommands = {
      {"run", {"run", "--ui", "none", "--duration", "1", "--control", "none"}},
      {"bench", {"bench", "--quick"}},
      {"replay", {"replay", recording}},
  };
  fs::path bin = Prefix(TABSIM_INSTALL_BINDIR);
  for (const auto& [name, args] : kCommands) {
    std::vector<std::string> argv = {InstalledTabsim()};
    argv.insert(argv.end(), args.begin(), args.end());
    Process command(argv, workdir_, scratch_);
    EXPECT_NE(command.Wait(), 0) << name;
    std::string err = command.err();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << name << ": " << err;
    EXPECT_EQ(err.rfind("tabsim " + name + ": no tab program: looked for ", 0), 0)
        << err;
    for (const std::string& place :
         {InstalledTab() + " (install layout: missing)",
          (bin / "tabsim-tab").string() + " (next to tabsim: missing)",
          std::string("TABSIM_TAB_EXE is not set")})
      EXPECT_NE(err.find(place), std::string::npos) << place << "\n" << err;
  }
}

// ---------------------------------------------------------------- package

// soname -> the packages owning a file of that name ("libc.so.6" ->
// {"libc6"}), in one dpkg query (each reads the whole database).
std::map<std::string, std::set<std::string>> OwnersOf(
    const std::set<std::string>& sonames, const std::string& scratch) {
  std::string command = "dpkg -S";
  for (const std::string& soname : sonames) command += " " + Quote("*/" + soname);
  std::map<std::string, std::set<std::string>> owners;
  // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6", or "a, b: /path".
  for (const std::string& line : Lines(Shell(command, scratch).out)) {
    size_t colon = line.find(": /");
    if (line.rfind("diversion ", 0) == 0 || colon == std::string::npos) continue;
    std::string file = fs::path(line.substr(colon + 2)).filename().string();
    if (sonames.count(file) == 0) continue;
    std::istringstream packages(line.substr(0, colon));
    for (std::string package; std::getline(packages, package, ',');) {
      package.erase(0, package.find_first_not_of(' '));
      owners[file].insert(package.substr(0, package.find(':')));
    }
  }
  return owners;
}

// NEEDED sonames of an ELF file.
std::vector<std::string> NeededLibraries(const std::string& file,
                                         const std::string& scratch) {
  auto dynamic = Shell("readelf -d " + Quote(file), scratch);
  EXPECT_EQ(dynamic.exit_code, 0) << dynamic.err;
  std::vector<std::string> needed;
  std::regex re(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  for (const std::string& line : Lines(dynamic.out)) {
    std::smatch match;
    if (std::regex_search(line, match, re)) needed.push_back(match[1]);
  }
  return needed;
}

// "libc6 (>= 2.34), libfoo1 | libbar1" -> {libc6, libfoo1, libbar1}.
std::set<std::string> PackageNames(const std::string& depends) {
  std::set<std::string> names;
  std::regex re(R"(([a-z0-9][a-z0-9+.-]+)(:\w+)?\s*(\([^)]*\))?)");
  for (auto it = std::sregex_iterator(depends.begin(), depends.end(), re);
       it != std::sregex_iterator(); ++it)
    names.insert((*it)[1]);
  return names;
}

TEST_F(InstallTest, DebianPackageHasTheLayoutAndItsRealDependencies) {
  // Packages what is built. With the Makefile generator cpack would first
  // run `make preinstall`, i.e. build everything out of date, in the middle
  // of a test run; a generator without a preinstall step (Ninja: cpack only
  // asks it for that target's name) makes it just install, as `cmake
  // --install` does.
  auto start = std::chrono::steady_clock::now();
  auto cpack = Shell("cpack --config " + Quote(kBinaryDir + "/CPackConfig.cmake") +
                         " -B " + Quote(scratch_ + "/package") +
                         " -D CPACK_CMAKE_GENERATOR=Ninja",
                     scratch_);
  ASSERT_EQ(cpack.exit_code, 0) << cpack.out << cpack.err;
  std::cout << "cpack took "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                   .count()
            << " s\n";
  std::string deb;
  for (const auto& entry : fs::directory_iterator(scratch_ + "/package"))
    if (entry.path().extension() == ".deb") deb = entry.path().string();
  ASSERT_FALSE(deb.empty()) << cpack.out;
  EXPECT_EQ(fs::path(deb).filename().string().rfind("tabsim_" TABSIM_VERSION "-1_", 0), 0)
      << deb;

  // Files: the layout under /usr, the man page, the docs.
  auto contents = Shell("dpkg-deb -c " + Quote(deb), scratch_);
  ASSERT_EQ(contents.exit_code, 0) << contents.err;
  std::set<std::string> files;
  for (const std::string& line : Lines(contents.out))
    files.insert(line.substr(line.rfind(' ') + 1));
  for (const char* file :
       {"./usr/bin/tabsim", "./usr/libexec/tabsim/tabsim-tab",
        "./usr/libexec/tabsim/tabsim-init", "./usr/share/man/man1/tabsim.1", "./usr/share/doc/tabsim/README.md",
        "./usr/share/doc/tabsim/docs/architecture.md",
        "./usr/share/doc/tabsim/docs/web-dashboard.png"})
    EXPECT_EQ(files.count(file), 1u) << file << " not in\n" << contents.out;
  for (const std::string& file : files)
    EXPECT_TRUE(file.rfind("./usr/bin/", 0) != 0 || file == "./usr/bin/" ||
                file == "./usr/bin/tabsim")
        << file;

  auto field = [&](const std::string& name) {
    auto value = Shell("dpkg-deb -f " + Quote(deb) + " " + name, scratch_);
    EXPECT_EQ(value.exit_code, 0) << value.err;
    std::string text = value.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  };
  EXPECT_EQ(field("Package"), "tabsim");
  EXPECT_EQ(field("Version"), TABSIM_VERSION "-1");
  EXPECT_EQ(field("Section"), "misc");
  EXPECT_NE(field("Maintainer").find('@'), std::string::npos);
  EXPECT_NE(field("Description").find("\n "), std::string::npos)
      << "a summary and a long description";

  // Depends: exactly the packages owning the libraries the three binaries
  // load (dpkg-shlibdeps), whatever this build linked statically.
  std::string root = scratch_ + "/root";
  ASSERT_EQ(Shell("dpkg-deb -x " + Quote(deb) + " " + Quote(root), scratch_).exit_code, 0);
  std::set<std::string> depends = PackageNames(field("Depends"));
  std::map<std::string, std::vector<std::string>> needed;  // soname -> binaries
  for (const char* binary : {"/usr/bin/tabsim", "/usr/libexec/tabsim/tabsim-tab",
                             "/usr/libexec/tabsim/tabsim-init"})
    for (const std::string& soname : NeededLibraries(root + binary, scratch_))
      needed[soname].push_back(binary);
  std::set<std::string> sonames;
  for (const auto& entry : needed) sonames.insert(entry.first);
  std::map<std::string, std::set<std::string>> owners = OwnersOf(sonames, scratch_);
  std::set<std::string> owners_of_needed;
  for (const auto& [soname, binaries] : needed) {
    const std::set<std::string>& owned_by = owners[soname];
    ASSERT_FALSE(owned_by.empty()) << soname << ": no package has it";
    EXPECT_TRUE(std::any_of(owned_by.begin(), owned_by.end(),
                            [&](auto& owner) { return depends.count(owner) > 0; }))
        << binaries[0] << " needs " << soname << " from " << *owned_by.begin()
        << "; Depends: " << field("Depends");
    owners_of_needed.insert(owned_by.begin(), owned_by.end());
  }
  for (const std::string& package : depends)
    EXPECT_EQ(owners_of_needed.count(package), 1u)
        << package << " in Depends but no binary needs it";
  // The manager's protobuf is shared in every build.
  EXPECT_TRUE(std::any_of(depends.begin(), depends.end(), [](auto& p) {
    return p.rfind("libprotobuf", 0) == 0;
  })) << field("Depends");
}

// ---------------------------------------------------------------- man page

const std::string kManPage = TABSIM_MAN_PAGE;

// `man -l` of the generated page as plain text, `width` columns.
testing::CommandResult RenderManPage(int width, const std::string& scratch) {
  auto man = Shell("LC_ALL=C MANWIDTH=" + std::to_string(width) +
                       " MANPAGER=cat man -l " + Quote(kManPage),
                   scratch);
  // Bold and underline as overstrikes or SGR, should man keep them.
  man.out = std::regex_replace(man.out, std::regex(".\b|\x1b\\[[0-9;]*m"), "");
  return man;
}

// The rendered page's sections: heading -> text.
std::map<std::string, std::string> Sections(const std::string& page) {
  std::map<std::string, std::string> sections;
  std::string heading;
  std::regex is_heading("[A-Z][A-Z ]+");
  for (const std::string& line : Lines(page)) {
    if (std::regex_match(line, is_heading)) heading = line;
    else sections[heading] += line + "\n";
  }
  return sections;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Every --option a help text mentions, and the words that start its
// two-space-indented lines (commands, for `tabsim --help` and `ctl`).
std::set<std::string> OptionsIn(const std::string& help) {
  std::set<std::string> options;
  std::regex re(R"((^|[^\w-])(--[a-z][a-z0-9-]*))");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), re);
       it != std::sregex_iterator(); ++it)
    options.insert((*it)[2]);
  return options;
}
std::set<std::string> CommandsIn(const std::string& help) {
  std::set<std::string> commands;
  std::regex re(R"(^  ([a-z][a-z-]+)(\s|$))");
  for (const std::string& line : Lines(help)) {
    std::smatch match;
    if (std::regex_search(line, match, re)) commands.insert(match[1]);
  }
  return commands;
}

class ManPageTest : public InstallTest {};

TEST_F(ManPageTest, HasASectionWithEveryOptionOfEveryCommand) {
  auto page = RenderManPage(250, scratch_);
  ASSERT_EQ(page.exit_code, 0) << page.err;
  std::map<std::string, std::string> sections = Sections(page.out);
  std::string tabsim = testing::ManagerExecutable();
  auto top = Shell(Quote(tabsim) + " --help", scratch_);
  std::set<std::string> commands = CommandsIn(top.out);
  commands.erase("help");
  ASSERT_GE(commands.size(), 4u) << top.out;
  for (const std::string& command : commands) {
    std::string heading = "TABSIM " + Upper(command);
    ASSERT_EQ(sections.count(heading), 1u) << heading << " missing:\n" << page.out;
    const std::string& text = sections[heading];
    auto help = Shell(Quote(tabsim) + " " + command + " --help", scratch_);
    ASSERT_EQ(help.exit_code, 0) << command << ": " << help.err;
    std::set<std::string> expected = OptionsIn(help.out);
    EXPECT_FALSE(expected.empty()) << command;
    if (command == "ctl") {
      std::set<std::string> verbs = CommandsIn(help.out);
      EXPECT_GE(verbs.count("snapshot"), 1u) << help.out;
      expected.insert(verbs.begin(), verbs.end());
    }
    for (const std::string& option : expected)
      EXPECT_NE(text.find(option), std::string::npos)
          << "`tabsim " << command << " --help` lists " << option
          << ", section " << heading << " does not:\n" << text;
  }
}

TEST_F(ManPageTest, RendersOnATerminal) {
  auto page = RenderManPage(80, scratch_);
  ASSERT_EQ(page.exit_code, 0) << page.err;
  // troff may say it could not justify a line holding a long word (the
  // 72-character page list of `run --help`): cosmetic. Nothing else.
  for (const std::string& line : Lines(page.err))
    EXPECT_NE(line.find("cannot adjust line"), std::string::npos) << line;
  std::map<std::string, std::string> sections = Sections(page.out);
  for (const char* heading : {"NAME", "SYNOPSIS", "DESCRIPTION", "ENVIRONMENT",
                              "FILES", "SEE ALSO"})
    EXPECT_EQ(sections.count(heading), 1u) << heading << "\n" << page.out;
  EXPECT_NE(sections["NAME"].find("tabsim - a multi-process browser-architecture simulator"),
            std::string::npos)
      << sections["NAME"];
  EXPECT_NE(sections["SYNOPSIS"].find("tabsim run [options]"), std::string::npos)
      << sections["SYNOPSIS"];
  for (const std::string& line : Lines(page.out))
    EXPECT_LE(line.size(), 80u) << line;
}

}  // namespace
}  // namespace tabsim
