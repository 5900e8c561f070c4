#include "manager/base/cli.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <utility>

#include "common/check.h"
#include "manager/base/units.h"

namespace tabsim {

namespace {

constexpr size_t kHelpWidth = 80;
constexpr size_t kNameColumn = 28;  // "  --kill-unresponsive-after MS" wraps

// Thrown by our callbacks to stop CLI11 at the first bad value; carries
// the line the user sees. Caught in CommandLine::Parse, never beyond.
struct BadValue {
  Error error;
};

// Words into lines of at most `width` columns; '\n' ends a line and a
// blank line separates paragraphs.
std::string Wrap(const std::string& text, size_t width) {
  std::string out, line;
  std::istringstream lines(text);
  std::string input_line;
  bool first_line = true;
  while (std::getline(lines, input_line)) {
    if (!first_line) out += '\n';
    first_line = false;
    std::istringstream words(input_line);
    std::string word;
    line.clear();
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += line + '\n';
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    out += line;
  }
  return out;
}

// What CLI11 says on one line (its messages rarely have two, but the
// promise is one line).
std::string OneLine(std::string text) {
  for (char& c : text)
    if (c == '\n') c = ' ';
  return text;
}

// A decimal as people type it: digits, a point, a sign, an exponent; not
// blanks, "inf", "nan" or hexadecimal, which strtod would also take.
Result<double> ParseNumber(const std::string& option, const std::string& text,
                           const NumberRange& range) {
  auto bad = [&] {
    return Error{option + ": '" + text + "' is not " + range.Describe(),
                 EINVAL};
  };
  if (text.empty() ||
      text.find_first_not_of("0123456789.-+eE") != std::string::npos ||
      text[0] == '+' || text[0] == 'e' || text[0] == 'E')
    return bad();
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(value)) return bad();
  const bool in_range =
      (range.above_min ? value > range.min : value >= range.min) &&
      value <= range.max;
  if (!in_range && !(range.zero_too && value == 0)) return bad();
  return value;
}

// A parse function for AddParsed: stores what `parse` makes of the text
// into *target, or passes its error on.
template <typename T, typename Parse>
std::function<Status(const std::string&)> Storing(T* target, Parse parse) {
  return [target, parse](const std::string& text) {
    auto parsed = parse(text);
    if (!parsed.ok()) return Status(parsed.error());
    *target = static_cast<T>(*parsed);
    return Status::Ok();
  };
}

// "what it does (a whole number from 0 to 16; default: 0)".
std::string Describe(const std::string& help, const std::string& range,
                     const std::string& default_text) {
  std::string details = range;
  if (!default_text.empty())
    details += (details.empty() ? "" : "; ") + ("default: " + default_text);
  return details.empty() ? help : help + " (" + details + ")";
}

// CLI11's help, laid out as our other texts are: the usage line first,
// then the description, options, commands and the footer, every
// description wrapped to 80 columns.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() {
    column_width(kNameColumn);
    label("Positionals", "operands");
  }

  // "usage: tabsim replay [options] DIR", "usage: tabsim [options] COMMAND
  // [ARGS]": a command is not optional, whatever CLI11 would say.
  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string out = "usage: " + name;
    if (!app->get_options(
                [](const CLI::Option* o) { return o->nonpositional(); })
             .empty())
      out += " [options]";
    for (const CLI::Option* operand : app->get_options(
             [](const CLI::Option* o) { return o->get_positional(); }))
      out += " " + make_option_usage(operand);
    if (!app->get_subcommands({}).empty()) out += " COMMAND [ARGS]";
    return out + "\n";
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    std::string out = make_usage(app, std::move(name));
    if (!app->get_description().empty())
      out += "\n" + Wrap(app->get_description(), kHelpWidth - 1) + "\n";
    out += make_positionals(app) + make_groups(app, mode) +
           make_subcommands(app, mode);
    if (!app->get_footer().empty()) out += "\n" + app->get_footer();
    if (out.back() != '\n') out += '\n';
    // CLI11 puts a blank line after a group of options when another group
    // follows, and make_group() starts with one: one is enough.
    for (size_t at; (at = out.find("\n\n\n")) != std::string::npos;)
      out.erase(at, 1);
    return out;
  }
  std::string make_option_opts(const CLI::Option* option) const override {
    const std::string& text = option->get_option_text();
    return text.empty() ? "" : " " + text;
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    return Wrap(option->get_description(), kHelpWidth - kNameColumn - 1);
  }
  std::string make_subcommand(const CLI::App* command) const override {
    std::stringstream out;
    CLI::detail::format_help(
        out, command->get_name(),
        Wrap(command->get_description(), kHelpWidth - kNameColumn - 1),
        kNameColumn);
    return out.str();
  }
};

}  // namespace

std::string FormatNumber(double value) {
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string NumberRange::Describe() const {
  std::string words = zero_too ? "0 or " + noun : noun;
  if (above_min)
    return words + " greater than " + FormatNumber(min) + " and at most " +
           FormatNumber(max);
  return words + " from " + FormatNumber(min) + " to " + FormatNumber(max);
}

CommandLine::CommandLine(std::string name, const std::string& description)
    : name_(std::move(name)),
      app_(std::make_unique<CLI::App>(description, name_)) {
  app_->formatter(std::make_shared<HelpFormatter>());
  app_->set_help_flag("-h,--help", "print this help and exit");
  app_->get_help_ptr()->group("options");
  // Unknown arguments are collected, not thrown: Parse() words them.
  app_->allow_extras();
}

CommandLine::~CommandLine() = default;

void CommandLine::SetFooter(const std::string& footer) { app_->footer(footer); }

void CommandLine::AddFlag(const CliOption& option, bool* target) {
  app_->add_flag_callback(
          option.name, [target] { *target = true; }, option.help)
      ->group("options");
}

void CommandLine::AddValue(const CliOption& option,
                           std::function<Status(const std::string&)> parse,
                           bool repeatable) {
  AddParsed(option, Describe(option.help, "", option.default_text),
            std::move(parse), repeatable);
}

void CommandLine::AddParsed(const CliOption& option, const std::string& help,
                            std::function<Status(const std::string&)> parse,
                            bool repeatable) {
  CLI::Option* added = app_->add_option(
      option.name,
      [parse = std::move(parse)](const CLI::results_t& values) {
        for (const std::string& value : values)
          if (Status parsed = parse(value); !parsed.ok())
            throw BadValue{parsed.error()};
        return true;
      },
      help);
  // On every occurrence, in command-line order: the first mistake on the
  // line is the one reported, the last of repeated values counts, and a
  // repeatable option's callback sees each of its values once.
  added->trigger_on_parse()->option_text(option.value_name)->group("options");
  added->multi_option_policy(repeatable ? CLI::MultiOptionPolicy::TakeAll
                                        : CLI::MultiOptionPolicy::TakeLast);
}

void CommandLine::AddInteger(const CliOption& option, int* target, long min,
                             long max) {
  const std::string range = "a whole number from " + std::to_string(min) +
                            " to " + std::to_string(max);
  const std::string help =
      Describe(option.help, range,
               option.default_text.empty() ? std::to_string(*target)
                                           : option.default_text);
  AddParsed(option, help,
            Storing(target, [name = option.name, min, max](const auto& text) {
              return ParseInteger(name, text, min, max);
            }));
}

void CommandLine::AddNumber(const CliOption& option, double* target,
                            const NumberRange& range) {
  const std::string help =
      Describe(option.help, range.Describe(),
               option.default_text.empty() ? FormatNumber(*target)
                                           : option.default_text);
  AddParsed(option, help,
            Storing(target, [name = option.name, range](const auto& text) {
              return ParseNumber(name, text, range);
            }));
}

void CommandLine::AddNumber(const CliOption& option,
                            std::optional<double>* target,
                            const NumberRange& range) {
  const std::string help =
      Describe(option.help, range.Describe(), option.default_text);
  AddParsed(option, help,
            Storing(target, [name = option.name, range](const auto& text) {
              return ParseNumber(name, text, range);
            }));
}

void CommandLine::AddMemorySize(const CliOption& option, uint64_t* target) {
  const std::string help = Describe(
      option.help, "bytes, or a number with K, M or G; from 1M to 1024G",
      option.default_text.empty() && *target != 0 ? FormatBytes(*target)
                                                  : option.default_text);
  AddParsed(option, help,
            Storing(target, [name = option.name](const auto& text) {
              return ParseMemorySize(name, text);
            }));
}

void CommandLine::AddText(const CliOption& option, std::string* target,
                          const std::string& what,
                          std::function<Status(const std::string&)> check) {
  const std::string help =
      Describe(option.help, "",
               option.default_text.empty() ? *target : option.default_text);
  AddParsed(option, help,
            [name = option.name, target, what,
             check = std::move(check)](const std::string& text) {
              if (text.empty())
                return Status(Error{name + ": empty " + what, EINVAL});
              if (check)
                if (Status checked = check(text); !checked.ok()) return checked;
              *target = text;
              return Status::Ok();
            });
}

void CommandLine::AddOperand(const CliOption& operand, std::string* target,
                             const std::string& what, bool required) {
  CLI::Option* added = app_->add_option(
      operand.name,
      [name = operand.name, target, what](const CLI::results_t& values) {
        if (values.at(0).empty())
          throw BadValue{Error{name + ": empty " + what, EINVAL}};
        *target = values.at(0);
        return true;
      },
      Describe(operand.help, "", operand.default_text));
  added->trigger_on_parse()->group("operands");
  if (required) {
    added->required();
    required_operands_.push_back(operand.name);
  }
}

void CommandLine::AddCommand(const std::string& name,
                             const std::string& summary) {
  app_->add_subcommand(name, summary)->group("commands");
  has_commands_ = true;
}

Status CommandLine::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(),
                                    args.rend());  // CLI11's order
  std::optional<Error> error;
  const std::string see_help = " (see " + name_ + " --help)";
  try {
    app_->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help_requested_ = true;
    return Status::Ok();
  } catch (const BadValue& bad) {
    error = bad.error;
  } catch (const CLI::ArgumentMismatch& mismatch) {
    // CLI11 takes the word after an option as its value whatever it looks
    // like, so a value can only be missing at the very end.
    const CLI::Option* option =
        args.empty() ? nullptr : app_->get_option_no_throw(args.back());
    if (option != nullptr && option->get_type_size() != 0)
      error = Error{args.back() + " needs a value" + see_help, EINVAL};
    else
      error = Error{OneLine(mismatch.what()) + see_help, EINVAL};
  } catch (const CLI::RequiredError& required) {
    for (const std::string& operand : required_operands_)
      if (!error && app_->count(operand) == 0)
        error = Error{"missing " + operand + see_help, EINVAL};
    if (!error) error = Error{OneLine(required.what()) + see_help, EINVAL};
  } catch (const CLI::ParseError& other) {
    error = Error{OneLine(other.what()) + see_help, EINVAL};
  }
  for (const std::string& extra : app_->remaining())
    if (extra != "--") return Unexpected(extra);
  if (error) return *error;
  return Status::Ok();
}

Error CommandLine::Unexpected(const std::string& argument) const {
  const std::string see_help = " (see " + name_ + " --help)";
  if (argument.size() > 1 && argument[0] == '-')
    return Error{
        "unknown option " + argument.substr(0, argument.find('=')) + see_help,
        EINVAL};
  if (has_commands_)
    return Error{"unknown command '" + argument + "'" + see_help, EINVAL};
  return Error{"unexpected argument '" + argument + "'" + see_help, EINVAL};
}

bool CommandLine::Given(const std::string& name) const {
  const CLI::Option* option = app_->get_option_no_throw(name);
  TABSIM_CHECK(option != nullptr) << name << " is not an option of " << name_;
  return option->count() > 0;
}

std::string CommandLine::Help() const { return app_->help(); }

Error CommandLine::UsageError(const std::string& message) const {
  return Error{message + " (see " + name_ + " --help)", EINVAL};
}

int PrintHelp(const std::string& help) {
  std::fputs(help.c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

int ReportUsageError(const std::string& command, const Error& error) {
  std::fprintf(stderr, "%s: %s\n", command.c_str(),
               OneLine(error.message).c_str());
  return kUsageExitStatus;
}

}  // namespace tabsim
