// The dependency rule of manager/CMakeLists.txt, checked on the sources:
// an #include may point only down the layers (or within its own folder),
// never up and never sideways between front ends. common/ is below
// everything and includes neither tab/ nor manager/; tab/ never includes
// manager/. The control socket's protocol (proto/control.pb.h) belongs to
// the front ends: manager/core and below speak records (proto/records.pb.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace tabsim {
namespace {

namespace fs = std::filesystem;

// Lower numbers are lower layers. Folders of one rank may not include each
// other.
const std::map<std::string, int>& Ranks() {
  static const std::map<std::string, int> ranks = {
      {"common", 0},
      {"tab", 1},
      {"manager/base", 1},
      {"manager/core", 2},
      {"manager/commands", 3},
      {"manager/control", 4},
      {"manager/tui", 4},
      {"manager/web", 4},
      {"manager/record", 4},
      {"manager/timeline", 4},
      {"manager/bench", 4},
      {"manager/run", 5},
      {"manager", 6},  // main.cc
  };
  return ranks;
}

// "manager/core/tab_host.h" -> "manager/core"; "common/log.h" -> "common".
std::string FolderOf(const std::string& path) {
  const auto& ranks = Ranks();
  std::string folder = fs::path(path).parent_path().string();
  return ranks.count(folder) ? folder : "";
}

struct Violation {
  std::string file;
  int line;
  std::string include;
  std::string why = "which is not below it (manager/CMakeLists.txt)";
};

std::vector<Violation> Check(const fs::path& root) {
  std::vector<Violation> violations;
  const std::regex include_re(R"(^\s*#\s*include\s+"([^"]+)\")");
  for (const char* top : {"common", "tab", "manager"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      const std::string file = fs::relative(entry.path(), root).string();
      const std::string from = FolderOf(file);
      if (from.empty()) {
        violations.push_back({file, 0, "(a folder with no layer)"});
        continue;
      }
      std::ifstream in(entry.path());
      std::string text;
      int number = 0;
      while (std::getline(in, text)) {
        ++number;
        std::smatch match;
        if (!std::regex_search(text, match, include_re)) continue;
        const std::string included = match[1];
        if (included == "proto/control.pb.h" &&
            Ranks().at(from) < Ranks().at("manager/commands")) {
          violations.push_back({file, number, included,
                                "the control socket's protocol, a front end's "
                                "(core and below use proto/records.pb.h)"});
          continue;
        }
        if (included.rfind("proto/", 0) == 0) continue;  // generated, below all
        const std::string to = FolderOf(included);
        if (to.empty()) continue;  // not one of ours
        if (to == from) continue;
        if (Ranks().at(to) < Ranks().at(from)) continue;
        violations.push_back({file, number, included});
      }
    }
  }
  return violations;
}

TEST(Layering, IncludesPointOnlyDown) {
  const std::vector<Violation> violations = Check(TABSIM_SOURCE_DIR);
  for (const Violation& v : violations)
    ADD_FAILURE() << v.file << ":" << v.line << " includes " << v.include
                  << ", " << v.why;
}

TEST(Layering, TheCheckSeesAViolation) {
  // The rule itself: a miniature tree where core includes a front end.
  const fs::path root = fs::temp_directory_path() / "tabsim-layering-test";
  fs::remove_all(root);
  for (const char* dir : {"common", "tab", "manager/core", "manager/tui"})
    fs::create_directories(root / dir);
  std::ofstream(root / "manager/core/host.h") << "#include \"manager/tui/tui.h\"\n";
  std::ofstream(root / "manager/tui/tui.h") << "#include \"manager/core/host.h\"\n";
  std::ofstream(root / "common/log.h") << "#include \"proto/tabsim.pb.h\"\n";
  const std::vector<Violation> violations = Check(root);
  fs::remove_all(root);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].file, "manager/core/host.h");
  EXPECT_EQ(violations[0].include, "manager/tui/tui.h");
}

TEST(Layering, CoreMayNotIncludeTheControlProtocol) {
  const fs::path root = fs::temp_directory_path() / "tabsim-layering-proto-test";
  fs::remove_all(root);
  for (const char* dir : {"common", "tab", "manager/base", "manager/core",
                          "manager/commands", "manager/control"})
    fs::create_directories(root / dir);
  std::ofstream(root / "manager/core/task_manager.h")
      << "#include \"proto/records.pb.h\"\n#include \"proto/control.pb.h\"\n";
  std::ofstream(root / "manager/base/helper.h") << "#include \"proto/control.pb.h\"\n";
  std::ofstream(root / "manager/commands/verbs.h") << "#include \"proto/control.pb.h\"\n";
  std::ofstream(root / "manager/control/server.h") << "#include \"proto/control.pb.h\"\n";
  std::vector<Violation> violations = Check(root);
  fs::remove_all(root);
  std::sort(violations.begin(), violations.end(),
            [](const Violation& a, const Violation& b) { return a.file < b.file; });
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].file, "manager/base/helper.h");
  EXPECT_EQ(violations[1].file, "manager/core/task_manager.h");
  EXPECT_EQ(violations[1].line, 2);
  EXPECT_EQ(violations[1].include, "proto/control.pb.h");
}

}  // namespace
}  // namespace tabsim
