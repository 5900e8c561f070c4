// Where the control socket lives and how it is claimed, in the manner of
// tmux (tmux.c make_label, server.c): a private per-user directory, checked
// before use; a socket that refuses connections is a dead manager's and is
// replaced; one that accepts belongs to a live manager and is left alone.
//
// Default path: $XDG_RUNTIME_DIR/tabsim/control when XDG_RUNTIME_DIR is an
// absolute path, else /tmp/tabsim-UID/control. Only the default directory
// is created and checked (0700, owned by us, not a symlink); an explicit
// --control PATH is the user's choice of place.
//
// Every function returns errors as values whose message is the one line a
// user sees; none logs or exits.
#ifndef TABSIM_MANAGER_CONTROL_CONTROL_PATH_H_
#define TABSIM_MANAGER_CONTROL_CONTROL_PATH_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tabsim {

std::string DefaultControlDirectory();
std::string DefaultControlPath();

// Creates `dir` with mode 0700 if missing, then checks that it is a real
// directory (not a symlink), owned by the effective user, with no group or
// other permissions. Existing directories are never chmod-ed: a wrong mode
// is reported, as tmux does, since something else may have made it.
Status EnsurePrivateDirectory(const std::string& dir);

// Binds and listens on `path`, mode 0600. A live manager on `path` is an
// error (error_number EADDRINUSE) naming the path; a stale socket (connect
// refused) is unlinked and replaced; a non-socket file is never removed.
// With `create_default_directory`, EnsurePrivateDirectory(dirname) first.
Result<UniqueFd> ListenControlSocket(const std::string& path,
                                     bool create_default_directory);

// Connects to the manager at `path` (blocking). No manager there is an error
// with error_number ENOENT or ECONNREFUSED and a message that says so.
Result<UniqueFd> ConnectControlSocket(const std::string& path);

// The peer's credentials (SO_PEERCRED) of a connected UNIX socket.
Result<ucred> PeerCredentials(int socket);
// Only the manager's own user (or root) may drive it.
Status CheckPeer(const ucred& peer, uid_t own_uid);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CONTROL_PATH_H_
