// FindTabExecutable's order (--tab-exe, $TABSIM_TAB_EXE, the install
// layout, next to tabsim) on fake layouts in a temporary
// directory, and its one-line error naming every place it looked.
#include "manager/core/tab_executable.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace tabsim {
namespace {

namespace fs = std::filesystem;

class TabExecutableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("tabsim-tab-executable-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    // tabsim as installed under root/bin; every other layout is relative
    // to that directory.
    sources_.self_path = Make(root_ / "bin/tabsim", 0755);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A file at `path` with `mode`; its normalised path.
  static std::string Make(const fs::path& path, mode_t mode) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), mode);
    return path.lexically_normal().string();
  }
  // The layouts as this build computed them (tests/CMakeLists.txt passes
  // the library's definitions on).
  fs::path Bin() const { return root_ / "bin"; }
  std::string Installed() const {
    return (Bin() / TABSIM_TAB_FROM_INSTALLED_BIN).lexically_normal().string();
  }
  std::string NextTo() const { return (Bin() / "tabsim-tab").string(); }

  std::string Found() {
    auto found = FindTabExecutable(sources_);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : "";
  }
  std::string ErrorOf() {
    auto found = FindTabExecutable(sources_);
    EXPECT_FALSE(found.ok()) << *found;
    return found.ok() ? "" : found.error().message;
  }

  fs::path root_;
  TabExecutableSources sources_;
};

TEST_F(TabExecutableTest, ExplicitPathComesFirst) {
  Make(Installed(), 0755);
  sources_.environment = Make(root_ / "env/tabsim-tab", 0755);
  sources_.explicit_path = Make(root_ / "mine/tab", 0755);
  EXPECT_EQ(Found(), sources_.explicit_path);
}

TEST_F(TabExecutableTest, EnvironmentComesBeforeTheLayouts) {
  Make(Installed(), 0755);
  Make(NextTo(), 0755);
  sources_.environment = Make(root_ / "env/tabsim-tab", 0755);
  EXPECT_EQ(Found(), sources_.environment);
}

TEST_F(TabExecutableTest, WrongExplicitChoicesAreErrorsNotFallThroughs) {
  Make(Installed(), 0755);
  sources_.explicit_path = (root_ / "nowhere/tab").string();
  EXPECT_EQ(ErrorOf(), "tab executable " + sources_.explicit_path +
                           ": No such file or directory");
  sources_.explicit_path.clear();
  sources_.environment = Make(root_ / "env/tabsim-tab", 0644);
  EXPECT_EQ(ErrorOf(),
            "TABSIM_TAB_EXE=" + sources_.environment + ": not an executable file");
}

TEST_F(TabExecutableTest, InstallLayoutBeforeNextTo) {
  Make(NextTo(), 0755);
  EXPECT_EQ(Found(), NextTo());
  Make(Installed(), 0755);
  EXPECT_EQ(Found(), Installed());
}

TEST_F(TabExecutableTest, SkipsWhatIsNotAnExecutableFile) {
  Make(Installed(), 0644);
  EXPECT_EQ(ErrorOf().find("(install layout: not an executable file)") !=
                std::string::npos,
            true);
  fs::remove(Installed());
  fs::create_directories(Installed());  // a directory of that name
  Make(NextTo(), 0755);
  EXPECT_EQ(Found(), NextTo());
}

TEST_F(TabExecutableTest, NothingFoundNamesEveryPlaceOnOneLine) {
  Make(Installed(), 0644);
  std::string error = ErrorOf();
  EXPECT_EQ(error, "no tab program: looked for " + Installed() +
                       " (install layout: not an executable file), " +
                       NextTo() +
                       " (next to tabsim: missing); TABSIM_TAB_EXE is not set");
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 0);
}

}  // namespace
}  // namespace tabsim
