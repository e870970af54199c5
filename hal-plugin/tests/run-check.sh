#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Body of `make check` (the Makefile builds everything first and passes:
# B, MAKE, HAVE_FUZZER, FUZZ_SECONDS, STRESS_SAMPLES, STRESS_CYCLES).
# FUZZ_SECONDS is the total for the three fuzzers (`make fuzz` splits it).
# Runs every step even after a failure, then prints
#   hal-plugin: N passed, M failed, K skipped
# and exits non-zero if anything failed. A step whose tool or package is missing fails (the
# packages are in apt-packages.txt); only the macOS type-check, which needs an SDK no package
# provides, is skipped without MACOS_SDK (one line, counted as skipped).
set -u
passed=0
failed=0
skipped=0
start=$(date +%s)

ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "  FAIL: $1"; }

# Run a binary that ends with `RESULT <passed> <failed>`; a crash (sanitizer
# abort) or a missing RESULT line counts as one failure.
counted() {
    title=$1
    shift
    log="$B/$(echo "$title" | tr -c 'a-zA-Z0-9\n' '-').log"
    echo "== $title"
    ( "$@" 2>&1; echo "EXIT=$?" ) | tee "$log" | awk '!/^EXIT=/ { print; fflush() }'
    rc=$(sed -n 's/^EXIT=//p' "$log" | tail -n 1)
    res=$(grep '^RESULT ' "$log" | tail -n 1)
    if [ -z "$res" ]; then
        fail "$title: no result (crashed? exit status $rc; see $log)"
        return
    fi
    p=$(echo "$res" | cut -d' ' -f2)
    f=$(echo "$res" | cut -d' ' -f3)
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        fail "$title: exit status $rc (sanitizer report? see $log)"
    fi
}

echo "== layout (build/layout)"
out=$("$B/layout")
if echo "$out" | grep -qx 'header 0 1024' && echo "$out" | grep -qx 'from_host.read_pos 896 8' &&
   [ "$(echo "$out" | awk 'NF != 3' | wc -l)" -eq 0 ]; then
    echo "  ok   layout prints $(echo "$out" | wc -l) fields as 'name offset size'"
    ok
else
    fail "layout output unexpected"
fi

echo "== no global state (nm)"
if $MAKE --no-print-directory check-nm; then ok; else fail "check-nm"; fi

counted "unit tests (ASan+UBSan)" "$B/unit-asan"

counted "stress (TSan)" sh tests/run-tsan.sh "$B/stress-tsan" "$STRESS_SAMPLES" "$STRESS_CYCLES"

counted "device simulator end to end (ASan+UBSan, fake host)" env B="$B" sh tests/test_sim.sh

counted "CoreAudio driver glue on a fake coreaudiod (ASan+UBSan)" "$B/asan/driver-test"
counted "CoreAudio driver glue on a fake coreaudiod (TSan)" "$B/tsan/driver-test"

echo "== ALSA plugin: per-user install and uninstall"
if pkg-config --exists alsa 2>/dev/null; then
    h=$(mktemp -d)
    printf 'pcm.mine { type null }\n' > "$h/.asoundrc"
    cp "$h/.asoundrc" "$h/orig"
    if HOME="$h" XDG_DATA_HOME= XDG_CONFIG_HOME= sh -c 'bash alsa/install-alsa.sh install && bash alsa/install-alsa.sh install' >/dev/null &&
       [ -f "$h/.local/share/vocana/alsa/libasound_module_pcm_vocana.so" ] &&
       [ "$(grep -c '^# >>> vocana' "$h/.asoundrc")" -eq 1 ] &&
       { ! command -v aplay >/dev/null || HOME="$h" aplay -L 2>/dev/null | grep -qx vocana; } &&
       HOME="$h" XDG_DATA_HOME= XDG_CONFIG_HOME= bash alsa/install-alsa.sh uninstall >/dev/null &&
       cmp -s "$h/orig" "$h/.asoundrc" && [ ! -e "$h/.local/share/vocana" ] && [ ! -e "$h/.config/vocana" ]; then
        echo "  ok   install twice adds one include (aplay -L lists vocana); uninstall restores ~/.asoundrc byte for byte"
        ok
    else
        fail "install-alsa round trip (in $h)"
    fi
    rm -rf "$h"
else
    fail "install-alsa round trip: libasound2-dev (pkg-config alsa) is not installed; ./vocana packages installs the list in apt-packages.txt"
fi

echo "== fuzz (libFuzzer, ${FUZZ_SECONDS} s shared by fuzz_region, fuzz_wav and fuzz_hal)"
if [ "$HAVE_FUZZER" = 1 ]; then
    flog="$B/fuzz.log"
    if $MAKE --no-print-directory fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >"$flog" 2>&1; then
        grep -E '^== fuzz_|^(INFO: seed corpus|#[0-9]+[[:space:]]+DONE|Done )|stat::number_of_executed_units|stat::new_units_added' "$flog" | sed 's/^/  /'
        echo "  ok   fuzz_region, fuzz_wav and fuzz_hal ran ${FUZZ_SECONDS} s in total without a finding"
        ok
    else
        tail -n 60 "$flog"
        fail "fuzz (full log: $flog; reproducer in $B/fuzz/artifacts/)"
    fi
else
    fail "fuzz: '${CLANG:-clang}' cannot build a libFuzzer target here (clang and libclang-rt-dev missing?); ./vocana packages installs the list in apt-packages.txt"
fi

echo "== macOS driver configuration checker (build/asan/vocana-hal-config, ASan+UBSan)"
h=$(mktemp -d)
printf '# two devices\nowner=501\n[vocana]\nname=Vocana\n[mic]\nchannels=1\nrate=96000\n' > "$h/good.conf"
printf 'owner=501\n[mic]\nchannels=9\n' > "$h/bad.conf"
printf '[mic]\n' > "$h/ownerless.conf"
good=$("$B/asan/vocana-hal-config" "$h/good.conf" 2>&1); rg=$?
bad=$("$B/asan/vocana-hal-config" "$h/bad.conf" 2>&1); rb=$?
ownerless=$("$B/asan/vocana-hal-config" "$h/ownerless.conf" 2>&1); ro=$?
missing=$("$B/asan/vocana-hal-config" "$h/none.conf" 2>&1); rm_=$?
printf '[vocana]\nname=Vocana\n' > "$h/user.conf"
user=$("$B/asan/vocana-hal-config" --no-owner "$h/user.conf" 2>&1); ru=$?
owned=$("$B/asan/vocana-hal-config" --no-owner "$h/good.conf" 2>&1); rw=$?
if [ $rg -eq 0 ] && [ "$(echo "$good" | head -n 1)" = "$h/good.conf: 2 devices for the host of uid 501" ] &&
   echo "$good" | grep -qx '  \[mic\] "mic" 1 ch, 96000 Hz, latency +0, safety offset 0, uid org.vocana.device.mic' &&
   [ $rb -eq 1 ] && [ "$bad" = "$h/bad.conf: line 3: channels must be 1..8" ] &&
   [ $ro -eq 1 ] && echo "$ownerless" | grep -q "^$h/ownerless.conf: no owner= line" &&
   [ $rm_ -eq 2 ] && [ "$missing" = "$h/none.conf: cannot read it: No such file or directory" ] &&
   [ $ru -eq 0 ] && [ "$(echo "$user" | head -n 1)" = "$h/user.conf: 1 device" ] &&
   [ $rw -eq 1 ] && [ "$owned" = "$h/good.conf: owner= is written by install-macos.sh (the installing user's uid); leave it out" ]; then
    echo "  ok   accepts a good file (one line per device), refuses a bad one with its line, an ownerless and a missing one; --no-owner checks a user's file"
    ok
else
    fail "vocana-hal-config: got [$rg] $good / [$rb] $bad / [$ro] $ownerless / [$rm_] $missing / [$ru] $user / [$rw] $owned"
fi
rm -rf "$h"

echo "== macOS glue type-check (make macos-check)"
if [ -n "${MACOS_SDK:-}" ]; then
    if $MAKE --no-print-directory macos-check MACOS_SDK="$MACOS_SDK"; then ok; else fail "macos-check against $MACOS_SDK"; fi
else
    # the one step that may not run: a macOS SDK cannot be installed from a package here
    echo "  SKIPPED: MACOS_SDK is not set (a macOS SDK for a type-check of macos/; see README.md)"
    skipped=$((skipped + 1))
fi

echo "== checks took $(( $(date +%s) - start )) s"
echo "hal-plugin: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
