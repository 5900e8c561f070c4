// The one way a `tabsim` command reads its command line: CLI11 underneath,
// the house conventions on top, so that the same mistake is worded the same
// in every subcommand:
//
//   tabsim run: --tabs: '0' is not a whole number from 1 to 1024
//   tabsim run: unknown option --tbas (see tabsim run --help)
//   tabsim run: --tabs needs a value (see tabsim run --help)
//   tabsim replay: missing DIR (see tabsim replay --help)
//
// one line on stderr, exit status 2; --help goes to stdout, exit 0. The help
// is generated from the options as they are added, with each one's range
// and default taken from the same numbers the parser checks against, so it
// cannot drift from what the parser accepts.
//
// CLI11 is included only by cli.cc (it is heavy to compile); callers see
// this class and plain targets.
#ifndef TABSIM_MANAGER_BASE_CLI_H_
#define TABSIM_MANAGER_BASE_CLI_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tabsim {

// The exit status of every command-line mistake.
inline constexpr int kUsageExitStatus = 2;

// How one option (or operand) appears: `tabsim run --tabs N`.
struct CliOption {
  // Every member has an initializer, so that designated initializers may
  // leave some out without -Wmissing-field-initializers.
  std::string name = {};        // "--tabs"; for an operand, "DIR"
  std::string value_name = {};  // "N", "FILE", ...; empty for a flag
  std::string help = {};  // what it does; --help appends range and default
  // What --help gives as the default; empty: the target's value when the
  // option is added (none for an empty text or a flag).
  std::string default_text = {};
};

// The range of a decimal number. Its words ("a number of seconds from 0.1
// to 3600", "0 or a factor from 0.01 to 1000") are used both in the error
// and in --help.
struct NumberRange {
  double min = 0;
  double max = 0;
  bool above_min = false;  // min itself is not allowed ("greater than 0")
  bool zero_too = false;   // 0 is allowed besides [min, max]
  std::string noun = "a number";
  std::string Describe() const;
};

class CommandLine {
 public:
  // `name` as the user types it ("tabsim run"): the usage line and every
  // "(see NAME --help)" use it. `description`: a paragraph under the usage
  // line (wrapped; a blank line starts another paragraph).
  CommandLine(std::string name, const std::string& description);
  ~CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  const std::string& name() const { return name_; }
  // Printed after the options as it is (lists, examples).
  void SetFooter(const std::string& footer);

  // Each target must outlive Parse() and is written only when its option
  // is given: its value before Parse() is the default, and --help says so.
  // Given more than once, the last value counts.
  void AddFlag(const CliOption& option, bool* target);
  void AddInteger(const CliOption& option, int* target, long min, long max);
  void AddNumber(const CliOption& option, double* target,
                 const NumberRange& range);
  // The same with no default: *target stays empty unless given.
  void AddNumber(const CliOption& option, std::optional<double>* target,
                 const NumberRange& range);
  // Bytes, or a number with K, M or G (ParseMemorySize).
  void AddMemorySize(const CliOption& option, uint64_t* target);
  // A text that may not be empty; `what` names it in the error
  // ("--json: empty file name"). `check`, when given, is asked next and
  // returns the one-line error (naming the option) for a text it refuses.
  void AddText(const CliOption& option, std::string* target,
               const std::string& what,
               std::function<Status(const std::string&)> check = {});
  // Anything else: `parse` checks one value and stores it, or returns the
  // one-line error, which names the option (as ParseSize does). A
  // repeatable option may be given any number of times; `parse` sees each
  // value, in order.
  void AddValue(const CliOption& option,
                std::function<Status(const std::string&)> parse,
                bool repeatable = false);
  // An operand: an argument that is not an option (replay's DIR).
  void AddOperand(const CliOption& operand, std::string* target,
                  const std::string& what, bool required);
  // A command listed in --help. A command line with commands takes no
  // operands: the caller dispatches a command before parsing, so any word
  // left is "unknown command 'WORD'".
  void AddCommand(const std::string& name, const std::string& summary);

  // Parses `args`, the words after the command's name. Ok: every option
  // given was stored, or --help was asked for (help_requested(); nothing
  // else is then checked). An Error: the one line saying what is wrong,
  // without the command's name; the first unknown option or stray operand
  // is reported before any other mistake, as the likeliest cause.
  Status Parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_requested_; }
  // Whether option `name` ("--quick") was given.
  bool Given(const std::string& name) const;
  std::string Help() const;
  // A mistake found after Parse(), e.g. two options that do not go
  // together: the message with the see-help tail.
  Error UsageError(const std::string& message) const;

 private:
  // An option taking one value, with its --help text as it is shown.
  void AddParsed(const CliOption& option, const std::string& help,
                 std::function<Status(const std::string&)> parse,
                 bool repeatable = false);
  Error Unexpected(const std::string& argument) const;

  std::string name_;
  std::unique_ptr<CLI::App> app_;
  std::vector<std::string> required_operands_;
  bool has_commands_ = false;
  bool help_requested_ = false;
};

// A number as --help and the errors write it: "600", "0.05", never an
// exponent for a whole number.
std::string FormatNumber(double value);

// The two ways a command stops after parsing: the help on stdout (returns
// 0), or the error as "COMMAND: MESSAGE" on one line on stderr (returns
// kUsageExitStatus).
int PrintHelp(const std::string& help);
int ReportUsageError(const std::string& command, const Error& error);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_CLI_H_
