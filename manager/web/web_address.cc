#include "manager/web/web_address.h"

#include <cerrno>
#include <charconv>

namespace tabsim {

std::string WebAddress::HostPort(uint16_t actual_port) const {
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(actual_port);
}

Result<WebAddress> ParseWebAddress(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error{"--listen: '" + std::string(text) + "' " + why, EINVAL};
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return bad("is not ADDRESS:PORT (e.g. 127.0.0.1:0)");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(),
                                      port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535)
    return bad("has no port from 0 to 65535");
  WebAddress result;
  result.port = uint16_t(port);
  if (host == "localhost") {
    result.address = boost::asio::ip::make_address_v4("127.0.0.1");
    return result;
  }
  boost::system::error_code parse_error;
  result.address = boost::asio::ip::make_address(std::string(host), parse_error);
  if (parse_error) return bad("has no numeric IP address (or localhost)");
  return result;
}

}  // namespace tabsim
