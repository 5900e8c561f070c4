#include "manager/control/control_path.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tabsim {
namespace {

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", unsigned(mode & 07777));
  return text;
}

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path))
    return Error{"control socket path '" + path + "' is empty or longer than " +
                     std::to_string(sizeof(address.sun_path) - 1) + " bytes",
                 ENAMETOOLONG};
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

std::string Dirname(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// 0: connected; else the errno of connect().
int TryConnect(const sockaddr_un& address, UniqueFd* out) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.IsValid()) return errno;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof(address)) != 0)
    return errno;
  if (out) *out = std::move(fd);
  return 0;
}

}  // namespace

std::string DefaultControlDirectory() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/')
    return std::string(runtime) + "/tabsim";
  return "/tmp/tabsim-" + std::to_string(::geteuid());
}

std::string DefaultControlPath() { return DefaultControlDirectory() + "/control"; }

Status EnsurePrivateDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::FromErrno("mkdir " + dir);
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) return Error::FromErrno("stat " + dir);
  if (!S_ISDIR(info.st_mode))
    return Error{dir + " is not a directory (a symlink or a file is refused)",
                 ENOTDIR};
  if (info.st_uid != ::geteuid())
    return Error{dir + " is owned by uid " + std::to_string(info.st_uid) +
                     ", not by you (uid " + std::to_string(::geteuid()) + ")",
                 EACCES};
  if ((info.st_mode & 077) != 0)
    return Error{dir + " has mode " + OctalMode(info.st_mode) +
                     "; it must be private (chmod 700 " + dir + ")",
                 EACCES};
  return Status::Ok();
}

Result<UniqueFd> ListenControlSocket(const std::string& path,
                                     bool create_default_directory) {
  auto address = Address(path);
  if (!address.ok()) return address.error();
  if (create_default_directory) {
    Status dir = EnsurePrivateDirectory(Dirname(path));
    if (!dir.ok()) return dir.error();
  }
  // Two managers starting at once must not both decide the socket is stale
  // and unlink each other's: the check-unlink-bind runs under a lock file.
  std::string lock_path = path + ".lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.IsValid()) return Error::FromErrno("open " + lock_path);
  if (::flock(lock.get(), LOCK_EX) != 0)
    return Error::FromErrno("flock " + lock_path);
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    if (!S_ISSOCK(info.st_mode))
      return Error{path + " exists and is not a socket; not replacing it",
                   EEXIST};
    int error = TryConnect(*address, nullptr);
    if (error == 0)
      return Error{"another tabsim manager is running on " + path +
                       " (stop it, or use --control PATH)",
                   EADDRINUSE};
    if (error != ECONNREFUSED && error != ENOENT)
      return Error::FromErrno("connect " + path, error);
    // A dead manager's socket: nobody is listening, so replace it.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return Error::FromErrno("unlink stale socket " + path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.IsValid()) return Error::FromErrno("socket");
  // The mode is set at bind time by the umask: no window where another user
  // could connect. (The chmod after is for file systems that ignore it.)
  mode_t old_mask = ::umask(0177);
  int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*address),
                     sizeof(sockaddr_un));
  int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) return Error::FromErrno("bind " + path, bind_errno);
  if (::chmod(path.c_str(), 0600) != 0) {
    Error error = Error::FromErrno("chmod " + path);
    ::unlink(path.c_str());
    return error;
  }
  if (::listen(fd.get(), 16) != 0) {
    Error error = Error::FromErrno("listen " + path);
    ::unlink(path.c_str());
    return error;
  }
  return fd;
}

Result<UniqueFd> ConnectControlSocket(const std::string& path) {
  auto address = Address(path);
  if (!address.ok()) return address.error();
  UniqueFd fd;
  int error = TryConnect(*address, &fd);
  if (error == ENOENT || error == ECONNREFUSED)
    return Error{"no tabsim manager running (nothing listening on " + path +
                     ")",
                 error};
  if (error == EACCES)
    return Error{"permission denied connecting to " + path +
                     " (a manager of another user?)",
                 error};
  if (error != 0) return Error::FromErrno("connect " + path, error);
  return fd;
}

Result<ucred> PeerCredentials(int socket) {
  ucred peer{};
  socklen_t size = sizeof(peer);
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
    return Error::FromErrno("getsockopt SO_PEERCRED");
  return peer;
}

Status CheckPeer(const ucred& peer, uid_t own_uid) {
  if (peer.uid == own_uid || peer.uid == 0) return Status::Ok();
  return Error{"refused: peer uid " + std::to_string(peer.uid) + " (pid " +
                   std::to_string(peer.pid) +
                   ") is not the manager's user (uid " +
                   std::to_string(own_uid) + ")",
               EPERM};
}

}  // namespace tabsim
