#include "manager/control/ctl_command.h"

#include <unistd.h>

#include <climits>
#include <cstdio>

#include "manager/base/text.h"
#include "manager/commands/command.h"
#include "manager/control/control_path.h"
#include "manager/control/ctl_output.h"
#include "manager/control/ctl_queries.h"

namespace tabsim {
namespace {

std::string CurrentDirectory() {
  char buffer[PATH_MAX];
  return ::getcwd(buffer, sizeof(buffer)) ? buffer : ".";
}

std::string Usage() {
  std::string text =
      "usage: tabsim ctl [--control PATH] COMMAND [ARGS]\n"
      "\n"
      "Drives a running `tabsim run` through its control socket (default\n"
      "$XDG_RUNTIME_DIR/tabsim/control, else /tmp/tabsim-UID/control).\n"
      "\n"
      "Queries:\n";
  for (const CtlQuery& query : CtlQueries()) {
    std::string left = "  " + std::string(query.name) + " " + std::string(query.usage);
    text += left + std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') +
            std::string(query.help) + "\n";
  }
  text +=
      "\nCommands (the same verbs, checks and messages as the terminal UI's\n"
      "':' prompt and the web dashboard):\n" +
      CommandHelp(2) +
      "\n`tabsim ctl COMMAND --help` shows one command's usage.\n"
      "Exit status: 0 done, 1 failed (no manager, unknown tab, ...), 2 usage.\n";
  return text;
}

// A verb of the command layer: checked here first (a usage error never
// reaches the manager), then run by the manager.
int RunVerb(const std::string& path, const std::vector<std::string>& words) {
  auto command = ParseCommand(words);
  if (!command.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", command.error().message.c_str());
    return kCtlUsage;
  }
  // The protocol's words are protobuf strings: bytes that are not UTF-8
  // would make the manager drop the connection unanswered.
  for (const std::string& word : words) {
    if (!IsValidUtf8(word)) {
      std::fprintf(stderr, "tabsim ctl: %s: arguments must be UTF-8\n",
                   words[0].c_str());
      return kCtlUsage;
    }
  }
  auto client = CtlConnect(path);
  if (!client.ok()) return kCtlFailed;
  control::ControlRequest request;
  for (size_t i = 0; i < words.size(); ++i) {
    // `timeline start FILE`: the manager writes FILE, and its working
    // directory is not ours; a relative name means ours.
    const bool is_path = command->timeline_start && i > 0 &&
                         words[i - 1] == "start" && words[i] == command->path;
    if (is_path && words[i][0] != '/')
      request.mutable_command()->add_words(CurrentDirectory() + "/" + words[i]);
    else
      request.mutable_command()->add_words(words[i]);
  }
  auto reply = client->Call(request);
  if (!reply.ok()) {
    std::fprintf(stderr, "tabsim ctl: %s\n", reply.error().message.c_str());
    return kCtlFailed;
  }
  std::printf("%s\n", reply->text().c_str());
  if (reply->has_channel()) PrintFaults(reply->channel());
  return 0;
}

}  // namespace

int CtlCommand(const std::vector<std::string>& all_args) {
  std::string path = DefaultControlPath();
  size_t i = 0;
  for (; i < all_args.size(); ++i) {
    const std::string& arg = all_args[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(Usage().c_str(), stdout);
      return 0;
    }
    if (arg != "--control") break;
    if (i + 1 >= all_args.size() || all_args[i + 1].empty()) {
      std::fprintf(stderr, "tabsim ctl: --control needs a path\n");
      return kCtlUsage;
    }
    path = all_args[++i];
  }
  if (i >= all_args.size()) {
    std::fprintf(stderr, "tabsim ctl: missing command (see tabsim ctl --help)\n");
    return kCtlUsage;
  }
  std::vector<std::string> words(all_args.begin() + long(i), all_args.end());
  const std::string& name = words[0];
  const bool wants_help =
      words.size() == 2 && (words[1] == "--help" || words[1] == "-h");
  if (const CtlQuery* query = FindCtlQuery(name)) {
    if (wants_help) {
      std::printf("usage: tabsim ctl %s %s\n  %s\n", name.c_str(),
                  std::string(query->usage).c_str(), std::string(query->help).c_str());
      return 0;
    }
    return query->run(path, {words.begin() + 1, words.end()});
  }
  if (const CommandSpec* spec = FindCommand(name)) {
    if (wants_help) {
      std::printf("usage: tabsim ctl %s %s\n  %s\n", name.c_str(),
                  std::string(spec->usage).c_str(), std::string(spec->help).c_str());
      return 0;
    }
    return RunVerb(path, words);
  }
  std::fprintf(stderr, "tabsim ctl: unknown command '%s' (see tabsim ctl --help)\n",
               name.substr(0, 32).c_str());
  return kCtlUsage;
}

}  // namespace tabsim
