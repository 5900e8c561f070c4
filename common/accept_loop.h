// The accept loop every listening socket of the manager runs (the control
// socket, the web dashboard): accept, hand the socket on, and survive
// errors. Running out of fds (EMFILE/ENFILE) is said once per episode with
// the numbers (common/fd_limit.h), not once per attempt; any error pauses
// the loop for kAcceptRetryPause so a full fd table cannot make it spin.
//
// The loop ends when the acceptor is closed (operation_aborted) or `stopped`
// becomes true. `on_socket(socket)` runs on the loop for each connection and
// owns the socket from then on.
#ifndef TABSIM_COMMON_ACCEPT_LOOP_H_
#define TABSIM_COMMON_ACCEPT_LOOP_H_

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <string>
#include <utility>

#include "common/fd_limit.h"
#include "common/log.h"

namespace tabsim {

inline constexpr std::chrono::milliseconds kAcceptRetryPause{100};

template <typename Acceptor, typename OnSocket>
boost::asio::awaitable<void> AcceptLoop(Acceptor& acceptor, std::string what,
                                        const bool& stopped,
                                        OnSocket on_socket) {
  namespace asio = boost::asio;
  constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);
  FdExhaustionLog fd_log(what + " accept");
  while (!stopped) {
    auto [error, socket] = co_await acceptor.async_accept(no_throw);
    if (stopped || error == asio::error::operation_aborted) break;
    if (error) {
      if (!fd_log.Failed(error.value()))
        TABSIM_LOG(kWarning) << what << " accept: " << error.message();
      asio::steady_timer pause(acceptor.get_executor(), kAcceptRetryPause);
      co_await pause.async_wait(no_throw);
      continue;
    }
    fd_log.Succeeded();
    on_socket(std::move(socket));
  }
}

}  // namespace tabsim

#endif  // TABSIM_COMMON_ACCEPT_LOOP_H_
