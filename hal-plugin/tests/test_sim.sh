#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end test of the device simulator (run by `make check`).
#
# The programs under test are the ASan+UBSan builds: build/asan/vocana-sim,
# build/asan/fake-host (formats a sealed memfd region with vocana_region_format
# and publishes it in a temporary 0700 folder, bumps the heartbeat, copies "to host" into
# "from host") and build/asan/wavtool; the release build/vocana-sim runs the
# sequence test once too.  Prints one line per test and `RESULT <passed>
# <failed>`.
#
# Expected round trip of the pass-through in real-time mode: the reader's
# latency L of abi.h section 6 (the simulator's IO buffer as its burst + the
# fake host's block, 0, + the 5 ms margin), whatever the phase of the fake
# host's copies; in fast mode (no time stamps, the rings are FIFOs and the
# simulator waits for the host) the offset is 0.
set -u

B=${B:-build}
SIM=${SIM:-$B/asan/vocana-sim}
REL=${REL_SIM:-$B/vocana-sim}
HOST=${FAKE_HOST:-$B/asan/fake-host}
WAVTOOL=${WAVTOOL:-$B/asan/wavtool}
# distinct exit codes for sanitizer reports (1 is the simulator's "verification failed")
ASAN_OPTIONS="exitcode=86:detect_leaks=1:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="exitcode=87:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS

T=$(mktemp -d "${TMPDIR:-/tmp}/vocana-simtest.XXXXXX") || exit 1
chmod 0700 "$T"
R="$T/run" # the region folder
mkdir -m 0700 "$R"
HOSTS=""
cleanup() {
    for p in $HOSTS; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() {
    failed=$((failed + 1))
    echo "  FAIL $*"
    for f in "$T/$name.out" "$T/$name.err"; do
        [ -s "$f" ] && sed "s|^|       $(basename "$f"): |" "$f" | head -n 20
    done
    return 0
}

# milliseconds since the epoch (seconds * 1000 where date has no %N)
now_ms() {
    n=$(date +%s%N 2>/dev/null)
    case $n in
    *N) echo $(( $(date +%s) * 1000 )) ;;
    *) echo $((n / 1000000)) ;;
    esac
}

# run NAME PROGRAM ARGS...: stdout/stderr to $T/NAME.out/.err; sets rc, ms
run() {
    name=$1
    shift
    t0=$(now_ms)
    "$@" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    ms=$(( $(now_ms) - t0 ))
}
key() { sed -n "s/^$1 //p" "$T/$name.out"; }
nlines() { wc -l <"$1" | tr -d ' '; }
keys() { cut -d' ' -f1 "$T/$name.out" | tr '\n' ' '; }
sanitizer_clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/$name.err"; }

# start_host ID ARGS...: a fake host in the background (pid in $hpid)
start_host() {
    id=$1
    shift
    "$HOST" --dir "$R" --device "$id" "$@" >"$T/host-$id.out" 2>"$T/host-$id.err" &
    hpid=$!
    HOSTS="$HOSTS $hpid"
}
# The real-time runs: the fake host plays the Java host's part, whose audio thread runs
# SCHED_FIFO; so does it (the simulator asks for SCHED_FIFO itself), or the run would measure
# the machine's load, not the device side.  Without the permission the test fails and says so.
start_rt_host() {
    start_host "$@"
    if ! chrt -f -p 60 "$hpid" >/dev/null 2>&1; then
        echo "  FAIL the real-time runs need SCHED_FIFO for the fake host (root, or an RLIMIT_RTPRIO of 60: see README 'Real-time priority')"
        failed=$((failed + 1))
    fi
}
stop_host() {
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# one line on stderr, nothing on stdout, exit code $1
one_line_exit() {
    [ "$rc" = "$1" ] && [ "$(nlines "$T/$name.err")" = 1 ] && [ ! -s "$T/$name.out" ] && sanitizer_clean
}

echo "   (fake host: pass-through with a 200 us hold; expected real-time round trip = L of abi.h section 6)"

# ---- command line -----------------------------------------------------------
n=0
nbad=0
while IFS= read -r line; do
    n=$((n + 1))
    set -f
    # shellcheck disable=SC2086
    run cli "$SIM" $line
    set +f
    if ! one_line_exit 2; then
        nbad=$((nbad + 1))
        echo "       '$line': exit $rc, stderr: $(head -c 300 "$T/cli.err")"
    fi
done <<'EOF'

--fast
--device
--device ../x
--device a --bogus
--device a --io-frames 0
--device a --io-frames 16385
--device a --io-frames 12x
--device a --seconds 1 --frames 10
--device a --seconds -2
--device a --sequence --tone 440
--device a --impulse --play x.wav
--device a --tone 440:+3
--device a --wait-host -1
--device a --device b
--device a --fast=1
EOF
name=cli
if [ "$nbad" = 0 ]; then ok "bad arguments: $n cases exit 2 with one line on stderr"
else bad "bad arguments: $nbad of $n cases"; fi

run help "$SIM" --help
if [ "$rc" = 0 ] && grep -q '^usage: vocana-sim --device ID' "$T/help.out"; then ok "--help: usage on stdout, exit 0"
else bad "--help (exit $rc)"; fi

# ---- no host / bad region ---------------------------------------------------
run nohost "$SIM" --dir "$R" --device nosuch --wait-host 1
if one_line_exit 3 && grep -q "$R/nosuch.vreg" "$T/nohost.err" &&
   grep -q "cannot open the region" "$T/nohost.err" && [ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]; then
    ok "missing region: exit 3 after $ms ms (--wait-host 1), one line: $(cut -c1-90 "$T/nohost.err")..."
else bad "missing region (exit $rc, $ms ms)"; fi

run nodir "$SIM" --dir "$T/absent" --device a --wait-host 0
if one_line_exit 3 && grep -q "directory does not exist" "$T/nodir.err"; then ok "missing folder: exit 3, one line"
else bad "missing folder (exit $rc)"; fi

mkdir -m 0755 "$T/open"
run dirmode "$SIM" --dir "$T/open" --device a --wait-host 0
if one_line_exit 3 && grep -q "0700" "$T/dirmode.err"; then ok "folder not 0700: exit 3, one line"
else bad "folder not 0700 (exit $rc)"; fi

start_host dead --heartbeat-ms 0 --seconds 20
run stale "$SIM" --dir "$R" --device dead --wait-host 1.5
stop_host "$hpid"
if one_line_exit 3 && grep -q "heartbeat" "$T/stale.err"; then ok "region whose heartbeat never moves: exit 3 ($ms ms), one line"
else bad "stale heartbeat (exit $rc)"; fi

# ---- fast sequence, 2 000 000 frames ------------------------------------------
start_host seq --seconds 60
run seq "$SIM" --dir "$R" --device seq --sequence --verify-sequence --fast --frames 2000000
sf=$(key sequence_frames)
if [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "${sf:-0}" -ge 1980000 ] &&
   [ "$(key frames_written)" = 2000000 ] && [ "$(key overruns)" = 0 ] && sanitizer_clean &&
   [ "$(keys)" = "frames_written frames_read overruns underruns sequence_frames sequence_errors late_cycles read_latency_frames late_frames " ]; then
    ok "fast --sequence --verify-sequence 2000000 frames: sequence_frames $sf, 0 errors, underruns $(key underruns), $ms ms"
else bad "fast sequence (exit $rc)"; fi

# same host, release build, quiet, --wait-host 0 (a live host is found at
# once); the previous run left both rings empty
run seqrel "$REL" --dir "$R" --device seq --sequence --verify-sequence --fast --frames 2000000 --io-frames 480 --quiet --wait-host 0
sf=$(key sequence_frames)
if [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "${sf:-0}" -ge 1980000 ] && [ ! -s "$T/seqrel.err" ]; then
    ok "release build, --io-frames 480 --quiet --wait-host 0: sequence_frames $sf, 0 errors, nothing on stderr, $ms ms"
else bad "release fast sequence (exit $rc)"; fi
stop_host "$hpid"

# ---- impulse round trip in real time --------------------------------------------
# The round trip is the reader's latency L (abi.h section 6: burst 256 + the fake host's block 0
# + margin 240), constant: a late host costs counted frames, never latency.
start_rt_host imp --seconds 60
run imp "$SIM" --dir "$R" --device imp --impulse --seconds 2 --io-frames 256
stop_host "$hpid"
lat=$(key latency_frames)
rl=$(key read_latency_frames)
und=$(key underruns)
# The latency is what this run measures: exactly L.  One underrun event at most is tolerated here
# (a CI run saw one of 16 frames with both processes at SCHED_FIFO, cause not found yet; the
# play/record run below judges loss with no tolerance).
if [ "$rc" = 0 ] && [ "${und:-9}" -le 1 ] && [ "$lat" = 496 ] && [ "$rl" = 496 ] && [ "$ms" -ge 1900 ] && sanitizer_clean; then
    ok "real-time --impulse 2 s, io 256: latency_frames 496 = L, underruns $und, late_cycles $(key late_cycles), $ms ms"
else bad "impulse latency $lat (L $rl), expected 496 (exit $rc, $ms ms, underruns $und)"; fi

# ---- play and record --------------------------------------------------------------
"$WAVTOOL" gen "$T/in16.wav" pcm16 48000 2 100000 &&
"$WAVTOOL" gen "$T/inf.wav" ext-float 48000 2 30000 &&
"$WAVTOOL" gen "$T/mono.wav" pcm16 48000 1 1000 &&
"$WAVTOOL" gen "$T/r441.wav" float 44100 2 1000 || echo "  (wavtool gen failed)"
head -c 100 "$T/in16.wav" >"$T/trunc.wav"

start_host play --seconds 60
run play "$SIM" --dir "$R" --device play --play "$T/in16.wav" --record "$T/out16.wav" --fast
cmp16=$("$WAVTOOL" cmp "$T/in16.wav" "$T/out16.wav" 2>&1)
info16=$("$WAVTOOL" info "$T/out16.wav" 2>&1)
if [ "$rc" = 0 ] && [ "$cmp16" = "offset 0 compared 100000 mismatches 0" ] &&
   [ "$info16" = "encoding float32 extensible 0 rate 48000 channels 2 frames 100096" ] && sanitizer_clean; then
    ok "fast --play 16-bit WAV --record: $cmp16 (last cycle padded: 100096 frames)"
else bad "play/record 16-bit: $cmp16 / $info16 (exit $rc)"; fi

run playf "$SIM" --dir "$R" --device play --play "$T/inf.wav" --record "$T/outf.wav" --fast --io-frames 100
cmpf=$("$WAVTOOL" cmp "$T/inf.wav" "$T/outf.wav" 2>&1)
if [ "$rc" = 0 ] && [ "$cmpf" = "offset 0 compared 30000 mismatches 0" ] && sanitizer_clean; then
    ok "fast --play float EXTENSIBLE WAV --record, io 100: $cmpf"
else bad "play/record float: $cmpf (exit $rc)"; fi
stop_host "$hpid"

start_rt_host playrt --seconds 60
# Real time: the simulator stamps its frames (abi.h section 6) and reads at its latency L behind
# them, so every frame comes back exactly L later (the fake host adds nothing): no retry, the
# first run is judged.
run playrt "$SIM" --dir "$R" --device playrt --play "$T/inf.wav" --record "$T/outrt.wav" --io-frames 256
cmprt=$("$WAVTOOL" cmp "$T/inf.wav" "$T/outrt.wav" gaps 2>&1)
lat=$(key read_latency_frames)
und=$(key underruns)
late=$(key late_frames)
if [ "$rc" = 0 ] && [ "$lat" = $((256 + 240)) ] && [ "$und" = 0 ] && [ "$late" = 0 ] &&
   echo "$cmprt" | grep -q "^offset $lat compared 29[0-9][0-9][0-9] mismatches 0 gaps 0 lost 0$" && sanitizer_clean; then
    ok "real-time --play --record, io 256: $cmprt (offset = L = burst 256 + margin 240)"
else bad "real-time play/record: $cmprt (exit $rc, L $lat, underruns $und, late $late)"; fi

# ---- files and formats that do not fit (host running) ---------------------------
run mono "$SIM" --dir "$R" --device playrt --play "$T/mono.wav"
if one_line_exit 4 && grep -q "1 channel(s), the device has 2" "$T/mono.err"; then
    ok "WAV with the wrong channel count: exit 4, one line: $(cut -c13- "$T/mono.err")"
else bad "wrong channel count (exit $rc)"; fi

run rate "$SIM" --dir "$R" --device playrt --play "$T/r441.wav"
if one_line_exit 4 && grep -q "44100 Hz, the device runs at 48000 Hz" "$T/rate.err"; then
    ok "WAV with the wrong rate: exit 4, one line"
else bad "wrong rate (exit $rc)"; fi

start_host small --rate 8000 --seconds 60 # capacity 8192 frames: IO buffers of at most 4096
run iobig "$SIM" --dir "$R" --device small --io-frames 8192
stop_host "$hpid"
if one_line_exit 2 && grep -q "accepts 1..4096" "$T/iobig.err"; then ok "--io-frames above capacity/2: exit 2, one line"
else bad "--io-frames too big (exit $rc)"; fi

run nyq "$SIM" --dir "$R" --device playrt --tone 30000
if one_line_exit 2 && grep -q "Nyquist" "$T/nyq.err"; then ok "--tone above Nyquist: exit 2, one line"
else bad "--tone above Nyquist (exit $rc)"; fi
stop_host "$hpid"

# checked before waiting for a host
run trunc "$SIM" --dir "$R" --device nohost --play "$T/trunc.wav" --wait-host 5
if one_line_exit 4 && grep -q "does not match the file size" "$T/trunc.err" && [ "$ms" -lt 1500 ]; then
    ok "truncated WAV: exit 4 at once ($ms ms), one line"
else bad "truncated WAV (exit $rc, $ms ms)"; fi

run recdir "$SIM" --dir "$R" --device nohost --record "$T/absent/x.wav" --wait-host 5
if one_line_exit 4 && [ ! -e "$T/absent" ] && [ "$ms" -lt 1500 ]; then ok "--record into a missing folder: exit 4 at once, one line"
else bad "--record into a missing folder (exit $rc)"; fi

run recnohost "$SIM" --dir "$R" --device nohost --record "$T/never.wav" --wait-host 0.2
if one_line_exit 3 && [ -z "$(ls -A "$T" | grep never)" ]; then ok "no host with --record: exit 3, no file or temporary left"
else bad "no host with --record (exit $rc): $(ls -A "$T" | grep never)"; fi

# ---- signals ------------------------------------------------------------------------
start_host sig --seconds 60
name=sigint
"$SIM" --dir "$R" --device sig --tone 440:-6 --record "$T/sig.wav" >"$T/sigint.out" 2>"$T/sigint.err" &
spid=$!
sleep 1
kill -INT "$spid"
wait "$spid"
rc=$?
sinfo=$("$WAVTOOL" info "$T/sig.wav" 2>&1)
sframes=$(echo "$sinfo" | sed -n 's/.* frames //p')
if [ "$rc" = 0 ] && [ "$(keys)" = "frames_written frames_read overruns underruns late_cycles read_latency_frames late_frames " ] &&
   [ "${sframes:-0}" -gt 0 ] && [ "$sframes" -ge "$(key frames_read)" ] &&
   [ -z "$(ls -A "$T" | grep '^\.sig')" ] && sanitizer_clean; then
    ok "SIGINT in real time with --tone --record: exit 0, stats printed, WAV complete ($sframes frames)"
else bad "SIGINT (exit $rc): $sinfo"; fi
stop_host "$hpid"

# a fresh host: the "from host" ring of the previous one still holds the
# echo of the interrupted run's last cycle (the simulator reads a ring from
# where the previous device side left it), which is not the sequence
start_host sigt --seconds 60
name=sigterm
"$SIM" --dir "$R" --device sigt --fast --sequence --verify-sequence >"$T/sigterm.out" 2>"$T/sigterm.err" &
spid=$!
sleep 1
kill -TERM "$spid"
wait "$spid"
rc=$?
if [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "$(key frames_read)" -gt 0 ] && sanitizer_clean; then
    ok "SIGTERM in an unlimited fast run: exit 0, $(key frames_read) frames read, 0 sequence errors"
else bad "SIGTERM (exit $rc)"; fi
stop_host "$hpid"

# ---- a region attacked under a streaming device side ------------------------------------
# abi.h section 4: the name links to a sealed memfd, so nobody can shrink the mapping (a SIGBUS
# in the device's process); unlinking or replacing the name leaves the mapping alone, and the
# host's next region (restart by rename at 2.0 s) is attached again
start_host atk --seconds 60 --restart-at 2.0:rename
name=attack
"$SIM" --dir "$R" --device atk --sequence --verify-sequence --seconds 3.5 --io-frames 256 >"$T/attack.out" 2>"$T/attack.err" &
spid=$!
sleep 1
refused=0
truncate -s 0 "$R/atk.vreg" 2>/dev/null || refused=$((refused + 1))
(: >"$R/atk.vreg") 2>/dev/null || refused=$((refused + 1))
truncate -s 100 "$R/atk.vreg" 2>/dev/null || refused=$((refused + 1))
rm -f "$R/atk.vreg"
printf 'not a region' >"$R/atk.vreg"
wait "$spid"
rc=$?
stop_host "$hpid"
att=$(grep -c "attached to" "$T/attack.err")
if [ "$refused" = 3 ] && [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "$att" = 2 ] &&
   [ "$(key frames_read)" -gt 100000 ] && sanitizer_clean; then
    ok "region truncated (3 ways, all refused), unlinked and replaced by a file under a streaming device: exit 0, 0 sequence errors, re-attached to the host's next region"
else bad "attacked region (exit $rc, $refused of 3 truncations refused, $att attaches)"; fi

# ---- host restarts --------------------------------------------------------------------
start_host rs --seconds 60 --restart-at 1.0:rename --restart-at 2.0:inplace
run restart "$SIM" --dir "$R" --device rs --sequence --verify-sequence --seconds 3 --io-frames 256
stop_host "$hpid"
att=$(grep -c "attached to" "$T/restart.err")
det=$(grep -c "detached from" "$T/restart.err")
if [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "$att" = 3 ] && [ "$det" = 2 ] &&
   [ "$(key frames_read)" -gt 100000 ] && sanitizer_clean; then
    ok "real time across a restart by rename and one in place: 3 attaches, 0 sequence errors, $(key frames_read) frames read"
else bad "real-time restarts (exit $rc, $att attaches, $det detaches)"; fi

start_host rf --seconds 60 --restart-at 0.6:rename
name=restartfast
"$SIM" --dir "$R" --device rf --fast --sequence --verify-sequence >"$T/restartfast.out" 2>"$T/restartfast.err" &
spid=$!
sleep 1.5
kill -TERM "$spid"
wait "$spid"
rc=$?
stop_host "$hpid"
att=$(grep -c "attached to" "$T/restartfast.err")
if [ "$rc" = 0 ] && [ "$(key sequence_errors)" = 0 ] && [ "$att" = 2 ] && [ "$(key overruns)" = 0 ] && sanitizer_clean; then
    ok "fast mode across a restart: waits for the new host, 0 sequence errors, $(key frames_read) frames read"
else bad "fast restart (exit $rc, $att attaches)"; fi

echo "RESULT $passed $failed"
[ "$failed" = 0 ]
