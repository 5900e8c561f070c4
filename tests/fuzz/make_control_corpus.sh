#!/usr/bin/env bash
# Writes tests/fuzz/corpus_control/: each seed is one client session, a few
# framed ControlRequests (varint length + protobuf, as `tabsim ctl` sends
# them) encoded from text format by protoc. Run from anywhere; needs protoc
# and python3. The seeds are checked in; rerun after changing the protocol.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/tests/fuzz/corpus_control"
mkdir -p "$OUT"
# seed NAME 'REQUEST' ['REQUEST' ...]: one request per argument, text format.
seed() {
  local name=$1; shift
  : >"$OUT/$name"
  for text in "$@"; do
    printf '%s' "$text" |
      protoc --proto_path="$ROOT" --encode=tabsim.control.ControlRequest \
        proto/control.proto >"$OUT/.one"
    python3 - "$OUT/.one" >>"$OUT/$name" <<'PY'
import sys
body = open(sys.argv[1], 'rb').read()
n, head = len(body), bytearray()
while True:
    byte = n & 0x7f
    n >>= 7
    head.append(byte | (0x80 if n else 0))
    if not n:
        break
sys.stdout.buffer.write(bytes(head) + body)
PY
  done
  rm -f "$OUT/.one"
}
seed list 'list {}'
seed stats 'stats {}' 'stats { tab_id: 1 }' 'discards {}'
seed open_forget 'command { words: "open" words: "sim://clock" }' \
  'command { words: "open" words: "sim://crash" }' 'list {}' \
  'command { words: "forget" words: "1" }' \
  'command { words: "forget" words: "finished" }' 'list {}'
seed reload_kill 'command { words: "open" words: "sim://bounce" }' \
  'command { words: "reload" words: "1" }' \
  'command { words: "kill" words: "1" words: "--signal" words: "TERM" }' \
  'command { words: "close" words: "1" }' 'stats { tab_id: 1 }'
seed input 'command { words: "open" words: "sim://paint" }' \
  'command { words: "click" words: "1" words: "10" words: "20" }' \
  'command { words: "mouse" words: "1" words: "down" words: "0" words: "5" words: "5" }' \
  'command { words: "wheel" words: "1" words: "1" words: "2" words: "-3" words: "4" }' \
  'command { words: "key" words: "1" words: "enter" }' \
  'command { words: "type" words: "1" words: "hello" words: "world" }'
seed govern 'command { words: "open" words: "sim://clock" }' \
  'command { words: "hide" words: "1" }' 'command { words: "show" words: "1" }' \
  'command { words: "unpin" words: "1" }' 'command { words: "focus" words: "1" }' \
  'command { words: "protect" words: "1" }' 'command { words: "discard" words: "1" }' \
  'command { words: "unprotect" words: "1" }'
seed faults 'command { words: "open" words: "sim://clock" }' \
  'command { words: "fault" words: "1" words: "delay" words: "--ms" words: "5" words: "--direction" words: "both" }' \
  'command { words: "fault" words: "1" words: "clear" }' \
  'command { words: "resize" words: "1" words: "64x48" }' \
  'command { words: "navigate" words: "1" words: "sim://paint" }' \
  'command { words: "timeline" words: "stop" }'
seed streams 'snapshot { tab_id: 1 }' 'trace { tab_id: 1 types: "FrameReady" }' \
  'watch {}' 'list {}'
seed mistakes 'command { words: "frob" }' 'command { }' \
  'command { words: "kill" words: "x" }' 'command { words: "" }'
