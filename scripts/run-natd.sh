#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run-natd.sh [natd run options] - sets everything up (scripts/setup.sh) and
# runs natd's main job in the foreground: VM "default", NIC 1 on NAT, waiting
# for QEMU on the stream socket $NATD_HOME/run/default.sock. natd prints the
# QEMU arguments that attach a VM. Extra arguments go to `natd run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
home=${NATD_HOME:-$(if [ "$(id -u)" = 0 ]; then echo /var/lib/natd; else echo "${XDG_STATE_HOME:-$HOME/.local/state}/natd"; fi)}
exec build/natd run --name default --nic1 nat --attach1 "stream:$home/run/default.sock" "$@"
