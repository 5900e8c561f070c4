// Shutting a TabHost down from a test that runs the io_context itself.
#ifndef TABSIM_TESTS_HOST_UTIL_H_
#define TABSIM_TESTS_HOST_UTIL_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>

#include "manager/core/tab_host.h"
#include "tests/test_util.h"

namespace tabsim::testing {

// Runs host.Shutdown() on `io` until it has completed (every tab closed and
// reaped) or `timeout`; true if it completed.
inline bool ShutdownHost(boost::asio::io_context& io, TabHost& host,
                         std::chrono::milliseconds timeout =
                             std::chrono::seconds(20)) {
  // Shared: the coroutine may outlive this call if the timeout hits.
  auto done = std::make_shared<bool>(false);
  boost::asio::co_spawn(
      io,
      [&host, done]() -> boost::asio::awaitable<void> {
        co_await host.Shutdown();
        *done = true;
      },
      boost::asio::detached);
  return RunUntil(io, [done] { return *done; }, timeout);
}

}  // namespace tabsim::testing

#endif  // TABSIM_TESTS_HOST_UTIL_H_
