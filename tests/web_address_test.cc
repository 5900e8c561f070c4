#include "manager/web/web_address.h"

#include <gtest/gtest.h>

#include "manager/run/run_options.h"

namespace tabsim {
namespace {

TEST(WebAddress, ParsesAddressesAndPorts) {
  auto loopback = ParseWebAddress("127.0.0.1:0");
  ASSERT_TRUE(loopback.ok());
  EXPECT_EQ(loopback->port, 0);
  EXPECT_TRUE(loopback->IsLoopback());
  EXPECT_EQ(loopback->HostPort(8080), "127.0.0.1:8080");
  auto v6 = ParseWebAddress("[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->HostPort(9000), "[::1]:9000");
  EXPECT_TRUE(ParseWebAddress("localhost:65535")->IsLoopback());
  EXPECT_FALSE(ParseWebAddress("0.0.0.0:1")->IsLoopback());
}

TEST(WebAddress, RejectsWhatIsNotAddressColonPort) {
  for (const char* text : {"", ":", ":80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                           "127.0.0.1:-1", "127.0.0.1:8o", "example.org:80",
                           "[::1]", "1.2.3:80"}) {
    auto parsed = ParseWebAddress(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().message.rfind("--listen: ", 0), 0u);
    }
  }
}

TEST(WebAddress, RunOptionsTakeUiWebAndListen) {
  auto options = ParseRunOptions({"--ui", "web", "--listen", "127.0.0.1:8123"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->ui, UiMode::kWeb);
  EXPECT_EQ(options->listen, "127.0.0.1:8123");
  EXPECT_EQ(ParseRunOptions({"--ui", "web"})->listen, kDefaultWebListen);
  EXPECT_FALSE(ParseRunOptions({"--listen", "127.0.0.1:0"}).ok());  // needs --ui web
  EXPECT_FALSE(ParseRunOptions({"--ui", "web", "--listen", "nowhere"}).ok());
}

}  // namespace
}  // namespace tabsim
