#include "manager/control/control_path.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace tabsim {
namespace {

class ControlPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tabsim-path-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::string command = "rm -rf '" + root_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string root_;
};

TEST_F(ControlPathTest, CreatesAPrivateDirectory) {
  std::string dir = root_ + "/sock";
  ASSERT_TRUE(EnsurePrivateDirectory(dir).ok());
  struct stat info {};
  ASSERT_EQ(::stat(dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_TRUE(EnsurePrivateDirectory(dir).ok()) << "an existing one is fine";
}

TEST_F(ControlPathTest, RefusesADirectoryOthersCanEnter) {
  std::string dir = root_ + "/open";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  Status status = EnsurePrivateDirectory(dir);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("0755"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("chmod 700"), std::string::npos);
}

TEST_F(ControlPathTest, RefusesASymlinkAndAFile) {
  std::string real = root_ + "/real", link = root_ + "/link",
              file = root_ + "/file";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  EXPECT_FALSE(EnsurePrivateDirectory(link).ok());
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_FALSE(EnsurePrivateDirectory(file).ok());
}

TEST_F(ControlPathTest, RefusesADirectoryOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown to another user";
  std::string dir = root_ + "/theirs";
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  Status status = EnsurePrivateDirectory(dir);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("owned by uid 65534"), std::string::npos)
      << status.error().message;
}

TEST_F(ControlPathTest, ListensWithMode0600AndRefusesASecondListener) {
  std::string path = root_ + "/ctl";
  auto first = ListenControlSocket(path, false);
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = ListenControlSocket(path, false);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().error_number, EADDRINUSE);
  EXPECT_NE(second.error().message.find("another tabsim manager"),
            std::string::npos);
  auto client = ConnectControlSocket(path);
  EXPECT_TRUE(client.ok());
}

TEST_F(ControlPathTest, ReplacesAStaleSocket) {
  std::string path = root_ + "/ctl";
  { auto dead = ListenControlSocket(path, false); ASSERT_TRUE(dead.ok()); }
  // The listener is closed but its file remains: a crashed manager.
  ASSERT_EQ(::access(path.c_str(), F_OK), 0);
  auto refused = ConnectControlSocket(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("no tabsim manager running"),
            std::string::npos);
  auto fresh = ListenControlSocket(path, false);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_TRUE(ConnectControlSocket(path).ok());
}

TEST_F(ControlPathTest, NeverRemovesAFileThatIsNotASocket) {
  std::string path = root_ + "/ctl";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  auto result = ListenControlSocket(path, false);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(::access(path.c_str(), F_OK), 0);
}

TEST_F(ControlPathTest, DefaultDirectoryIsCheckedToo) {
  std::string dir = root_ + "/open";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  EXPECT_FALSE(ListenControlSocket(dir + "/control", true).ok());
  EXPECT_TRUE(ListenControlSocket(root_ + "/private/control", true).ok());
}

TEST(ControlPath, DefaultPathFollowsXdgRuntimeDir) {
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  std::string keep = saved ? saved : "";
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
  EXPECT_EQ(DefaultControlPath(), "/run/user/1234/tabsim/control");
  ::setenv("XDG_RUNTIME_DIR", "relative", 1);
  EXPECT_EQ(DefaultControlPath(),
            "/tmp/tabsim-" + std::to_string(::geteuid()) + "/control");
  if (saved) ::setenv("XDG_RUNTIME_DIR", keep.c_str(), 1);
  else ::unsetenv("XDG_RUNTIME_DIR");
}

TEST(ControlPath, PeerCredentialsOfASocketPairAreOurs) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  auto peer = PeerCredentials(pair[0]);
  ASSERT_TRUE(peer.ok());
  EXPECT_EQ(peer->uid, ::geteuid());
  EXPECT_EQ(peer->pid, ::getpid());
  EXPECT_TRUE(CheckPeer(*peer, ::geteuid()).ok());
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST(ControlPath, CheckPeerRefusesOtherUsers) {
  ucred other{1234, 4321, 4321};
  Status refused = CheckPeer(other, 1000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("uid 4321"), std::string::npos);
  EXPECT_TRUE(CheckPeer(ucred{1, 1000, 1000}, 1000).ok());
  EXPECT_TRUE(CheckPeer(ucred{1, 0, 0}, 1000).ok()) << "root may";
}

TEST(ControlPath, TooLongPathsAreErrors) {
  std::string path = "/tmp/" + std::string(200, 'x');
  EXPECT_FALSE(ListenControlSocket(path, false).ok());
  EXPECT_FALSE(ConnectControlSocket(path).ok());
}

}  // namespace
}  // namespace tabsim
