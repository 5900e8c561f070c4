// The web dashboard end to end: a real `tabsim run --ui web` and a real
// headless Chromium (Debian's /usr/bin/chromium) driven by
// tests/web/dashboard_e2e.mjs through playwright-core. The script opens
// the printed URL, sees the canvases change, drags and types into
// sim://paint, snapshots it with `tabsim ctl`, kills a tab from the task
// manager and sees the sad tab while the others keep updating, and saves a
// screenshot. This test then checks the snapshot's pixels against the
// stroke and against the browser's own canvas.
//
// Skipped, saying why, where chromium, node or tests/web/node_modules
// (`npm ci` in tests/web; bootstrap.sh test does both) are missing.
// TABSIM_WEB_SCREENSHOT=PATH saves the screenshot there (docs/ uses
// docs/web-dashboard.png); by default it goes to ./web-dashboard.png.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "manager/base/png_writer.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ManagerProcess;
using testing::Quote;
using testing::ReadFile;

// sim://paint's stroke colour, Rgb(30, 30, 90) in tab/paint_page.h.
constexpr uint32_t kStroke = 0xff1e1e5a;

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

TEST(WebDashboard, HeadlessChromiumWatchesDrawsAndKills) {
  const std::string chromium = Env("TABSIM_CHROMIUM", "/usr/bin/chromium");
  const std::string web_dir = Env("TABSIM_WEB_TEST_DIR", "");
  if (::access(chromium.c_str(), X_OK) != 0)
    GTEST_SKIP() << "no chromium at " << chromium
                 << " (apt-get install chromium; ./bootstrap.sh test does)";
  if (std::system("command -v node >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no node (apt-get install nodejs npm)";
  if (web_dir.empty() ||
      ::access((web_dir + "/node_modules/playwright-core/package.json").c_str(), R_OK) != 0)
    GTEST_SKIP() << "no playwright-core in " << web_dir
                 << "/node_modules (run `npm ci` in tests/web)";

  std::string dir = testing::MakeTempDir("tabsim-web");
  ASSERT_FALSE(dir.empty());
  const std::string control = dir + "/ctl.sock";
  const std::string manager_log = dir + "/manager.log";
  ManagerProcess manager(control,
                         {"--ui", "web", "--listen", "127.0.0.1:0", "--tabs", "4",
                          "--page", "sim://clock", "--page", "sim://bounce",
                          "--page", "sim://paint", "--page", "sim://bounce"},
                         manager_log);
  ASSERT_TRUE(manager.ready()) << ReadFile(manager_log);

  std::string url;
  const std::regex line("dashboard: (http://127\\.0\\.0\\.1:[0-9]+/\\?token=[0-9a-f]{32})\n");
  ASSERT_TRUE(Eventually([&] {
    std::smatch match;
    std::string log = ReadFile(manager_log);
    if (!std::regex_search(log, match, line)) return false;
    url = match[1];
    return true;
  }, 5s)) << ReadFile(manager_log);

  std::string screenshot = Env("TABSIM_WEB_SCREENSHOT", "web-dashboard.png");
  if (screenshot[0] != '/') {
    char cwd[4096];
    ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
    screenshot = std::string(cwd) + "/" + screenshot;
  }
  const std::string node_log = dir + "/node.log";
  std::string command = "cd " + Quote(web_dir) + " && TABSIM_CHROMIUM=" +
                        Quote(chromium) + " timeout 120 node dashboard_e2e.mjs " +
                        Quote(url) + " " + Quote(testing::ManagerExecutable()) + " " +
                        Quote(control) + " " + Quote(dir) + " " + Quote(screenshot) +
                        " >" + Quote(node_log) + " 2>&1";
  int status = std::system(command.c_str());
  std::string output = ReadFile(node_log);
  std::printf("%s", output.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the browser test failed:\n" << output << "\nmanager log:\n"
      << ReadFile(manager_log);
  EXPECT_NE(output.find("E2E PASSED"), std::string::npos);
  EXPECT_EQ(testing::ThreadCount(manager.pid()), 1);

  // The manager's own snapshot shows what the browser drew: a stroke from
  // (60,120) to (300,120), then down to (300,220).
  auto snapshot = ReadPng(dir + "/paint-snapshot.png");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  ASSERT_EQ(snapshot->width, 480);
  ASSERT_EQ(snapshot->height, 320);
  for (int x = 70; x <= 290; x += 10)
    EXPECT_EQ(snapshot->at(x, 120), kStroke) << "x=" << x;
  for (int y = 130; y <= 210; y += 10)
    EXPECT_EQ(snapshot->at(300, y), kStroke) << "y=" << y;
  EXPECT_EQ(snapshot->at(200, 300), 0xffffffffu);  // background

  // ... and so does the browser's canvas, pixel for pixel.
  auto canvas = ReadPng(dir + "/paint-canvas.png");
  ASSERT_TRUE(canvas.ok()) << canvas.error().message;
  ASSERT_EQ(canvas->width, snapshot->width);
  ASSERT_EQ(canvas->height, snapshot->height);
  size_t different = 0;
  for (size_t i = 0; i < canvas->pixels.size(); ++i)
    different += canvas->pixels[i] != snapshot->pixels[i];
  EXPECT_EQ(different, 0u) << "pixels where the browser differs from the manager";

  EXPECT_EQ(::access(screenshot.c_str(), R_OK), 0) << screenshot;
  EXPECT_EQ(manager.Stop(), 0);
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace tabsim
