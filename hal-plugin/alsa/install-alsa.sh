#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs (or removes) the Vocana ALSA plugin for the current user:
#   install-alsa.sh install     builds the plugin, copies it to ~/.local/share/vocana/alsa/,
#                               writes ~/.config/vocana/alsa.conf and includes it from ~/.asoundrc
#   install-alsa.sh uninstall   removes exactly that (the ~/.asoundrc block; the file itself only
#                               if nothing else is left in it)
# After installing: aplay -D vocana file.wav, arecord -D vocana ..., -D vocana:DEVICE for another
# device id. XDG_DATA_HOME and XDG_CONFIG_HOME are honoured.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}/vocana/alsa"
conf_dir="${XDG_CONFIG_HOME:-$HOME/.config}/vocana"
conf="$conf_dir/alsa.conf"
lib="$data/libasound_module_pcm_vocana.so"
rc="$HOME/.asoundrc"
begin="# >>> vocana (added by ./vocana install-alsa; ./vocana uninstall-alsa removes it)"
end="# <<< vocana"

install() {
  if ! pkg-config --exists alsa 2>/dev/null; then
    echo "vocana install-alsa: the ALSA development files are missing; install libasound2-dev and pkg-config (Debian/Ubuntu)" >&2
    exit 1
  fi
  make -s -C "$here" alsa >/dev/null
  mkdir -p "$data" "$conf_dir"
  cp "$here/build/alsa/libasound_module_pcm_vocana.so" "$lib.tmp" && mv "$lib.tmp" "$lib"
  cat > "$conf.tmp" <<CONF
# Vocana virtual devices for ALSA (written by ./vocana install-alsa)
pcm_type.vocana {
    lib "$lib"
}
# -D vocana: the default device 'vocana'; -D vocana:ID: device ID. Any format, rate or channel
# count through plug; the raw PCM ('type vocana') takes S16_LE, S32_LE and FLOAT_LE at the device's.
pcm.vocana {
    @args [ DEVICE ]
    @args.DEVICE { type string default "vocana" }
    type plug
    slave.pcm { type vocana device \$DEVICE }
    hint { show on description "Vocana virtual device" }
}
CONF
  mv "$conf.tmp" "$conf"
  if [[ -f "$rc" ]] && grep -qxF "$begin" "$rc"; then
    echo "vocana install-alsa: updated $lib and $conf (already included from $rc)"
  else
    printf '%s\n<%s>\n%s\n' "$begin" "$conf" "$end" >> "$rc"
    echo "vocana install-alsa: installed $lib, $conf, and an include in $rc; try: aplay -D vocana file.wav"
  fi
}

uninstall() {
  local removed=0
  if [[ -f "$rc" ]] && grep -qxF "$begin" "$rc"; then
    awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} skip && $0 == e {skip = 0; next} !skip' "$rc" > "$rc.tmp"
    if [[ -s "$rc.tmp" ]] && grep -q '[^[:space:]]' "$rc.tmp"; then
      mv "$rc.tmp" "$rc"
    else
      rm -f "$rc.tmp" "$rc"
    fi
    removed=1
  fi
  [[ -e "$lib" || -e "$conf" ]] && removed=1
  rm -f "$lib" "$conf"
  rmdir "$data" "$(dirname "$data")" "$conf_dir" 2>/dev/null || true
  if ((removed)); then
    echo "vocana uninstall-alsa: removed the plugin, its configuration and the include in $rc"
  else
    echo "vocana uninstall-alsa: nothing to remove (not installed for $(id -un))"
  fi
}

case "${1:-}" in
  install) install ;;
  uninstall) uninstall ;;
  *) echo "usage: install-alsa.sh install|uninstall" >&2; exit 2 ;;
esac
