// The address the web dashboard listens on: `--listen ADDR:PORT`, e.g.
// 127.0.0.1:8080, [::1]:0, localhost:0. Port 0 asks the kernel for a free
// port (the server prints the one it got). Parsing never prints or exits:
// a bad value is an Error whose message is the one line the user sees.
#ifndef TABSIM_MANAGER_WEB_WEB_ADDRESS_H_
#define TABSIM_MANAGER_WEB_WEB_ADDRESS_H_

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tabsim {

inline constexpr char kDefaultWebListen[] = "127.0.0.1:0";

struct WebAddress {
  boost::asio::ip::address address;
  uint16_t port = 0;
  bool IsLoopback() const { return address.is_loopback(); }
  // "127.0.0.1:8080", "[::1]:8080": for URLs.
  std::string HostPort(uint16_t actual_port) const;
};

Result<WebAddress> ParseWebAddress(std::string_view text);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_ADDRESS_H_
