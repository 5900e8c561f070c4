#!/bin/sh
# help2man's view of tabsim (docs/man/CMakeLists.txt runs it):
#   help_text.sh TABSIM COMMAND... --help
# prints `tabsim --help`, then for each COMMAND a "*tabsim COMMAND*" line,
# which help2man turns into a section of the page, and `tabsim COMMAND
# --help` as that section's text. So the man page is the --help texts of
# the binary just built and cannot drift from them.
set -eu
tabsim=$1
shift
"$tabsim" --help
for command in "$@"; do
  [ "$command" = --help ] && continue  # help2man's own argument
  printf '\n*tabsim %s*\n\n' "$command"
  "$tabsim" "$command" --help
done
