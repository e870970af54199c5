#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a ThreadSanitizer binary.  TSan (gcc 12 / clang 14 era) aborts with
# "unexpected memory mapping" on kernels with high mmap ASLR entropy
# (vm.mmap_rnd_bits > 28); then it is re-run with ASLR disabled for that
# process only (setarch -R), which is what works there.
# usage: run-tsan.sh BINARY [ARGS...]
bin=$1
shift
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export TSAN_OPTIONS
log=$(mktemp "${TMPDIR:-/tmp}/vocana-tsan.XXXXXX") || exit 1
"$bin" "$@" >"$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "unexpected memory mapping" "$log"; then
    echo "tsan: 'unexpected memory mapping' on this kernel; re-running with ASLR disabled (setarch $(uname -m) -R)"
    setarch "$(uname -m)" -R "$bin" "$@" >"$log" 2>&1
    rc=$?
fi
cat "$log"
rm -f "$log"
exit "$rc"
