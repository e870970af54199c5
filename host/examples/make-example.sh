#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the shipped demo input: a short noisy speech file (48 kHz, mono, 16-bit PCM).
# Speech from espeak-ng, noise from sox with a fixed seed (-R: bit-repeatable):
# pink noise at about 10 dB SNR, 50 Hz mains hum and 30 Hz rumble (for the high-pass),
# and a 0.75 s noise-only lead-in. Needs: espeak-ng, sox (Debian packages of those names).
# Usage: host/examples/make-example.sh [OUT.wav]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../src/main/resources/examples/noisy-speech.wav}
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-example.sh: $tool is missing; install the Debian package '$tool'" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
text="Hello, this is Vocana. The noise behind my voice should fade away."
espeak-ng -v en-us -s 155 -w "$tmp/raw.wav" "$text"
# speech at 48 kHz, levelled to about -26 dBFS RMS, after a 0.75 s lead-in
sox -R "$tmp/raw.wav" -r 48000 -b 32 -e floating-point "$tmp/speech.wav" rate -v 48000 norm -10 pad 0.75 0.25
dur=$(soxi -D "$tmp/speech.wav")
sox -R -n -r 48000 -c 1 -b 32 -e floating-point "$tmp/pink.wav" synth "$dur" pinknoise vol 0.02
sox -R -n -r 48000 -c 1 -b 32 -e floating-point "$tmp/hum.wav" synth "$dur" sine 50 sine 100 vol 0.01
sox -R -n -r 48000 -c 1 -b 32 -e floating-point "$tmp/rumble.wav" synth "$dur" sine 30 vol 0.03
sox -R -m -v 1 "$tmp/speech.wav" -v 1 "$tmp/pink.wav" -v 1 "$tmp/hum.wav" -v 1 "$tmp/rumble.wav" -b 16 -e signed-integer "$tmp/mix.wav"
mkdir -p "$(dirname "$out")"
mv "$tmp/mix.wav" "$out"
echo "wrote $out ($(soxi -d "$out"), $(soxi -r "$out") Hz)"
