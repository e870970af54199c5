#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs (or with 'uninstall' removes) Vocana.driver in /Library/Audio/Plug-Ins/HAL and restarts
# coreaudiod so that it loads (or forgets) the driver. Run it as the user whose Vocana host will feed
# the devices (not with sudo: it asks for it itself); macOS only.
#   hal-plugin/macos/install-macos.sh [install [DEVICES.CONF] | uninstall]
# The driver runs sandboxed as _coreaudiod and may read only its own bundle, so its configuration is
# the bundle's Contents/Resources/devices.conf: "owner=<your uid>" (whose host regions the devices
# accept) followed by DEVICES.CONF (default: one stereo 48 kHz device "Vocana" on the host's device
# "vocana"). The file is checked with the driver's own parser before anything is installed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=/Library/Audio/Plug-Ins/HAL/Vocana.driver
action=${1:-install}
if [[ $(uname -s) != Darwin ]]; then
  echo "install-macos.sh: Vocana.driver is a macOS CoreAudio plug-in; on Linux use ./vocana install-alsa" >&2
  exit 2
fi
if [[ $(id -u) -eq 0 ]]; then
  echo "install-macos.sh: run it as the user whose host feeds the devices, not as root (it uses sudo itself)" >&2
  exit 2
fi
restart() {
  # launchd restarts coreaudiod at once; applications playing audio lose it for a moment
  sudo killall coreaudiod 2>/dev/null || true
}
case "$action" in
  install)
    devices=${2:-}
    if [[ -n "$devices" && ! -r "$devices" ]]; then
      echo "install-macos.sh: cannot read the device configuration '$devices'" >&2
      exit 2
    fi
    make -s -C "$here" macos
    if [[ -n "$devices" ]]; then
      # your file with its own name and line numbers (owner= is added below, not by you)
      "$here/build/vocana-hal-config" --no-owner "$devices" | sed 's/^/install-macos.sh: /'
    fi
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    cp -R "$here/build/macos/Vocana.driver" "$stage/"
    mkdir -p "$stage/Vocana.driver/Contents/Resources"
    conf="$stage/Vocana.driver/Contents/Resources/devices.conf"
    {
      echo "# written by install-macos.sh for $(id -un)"
      echo "owner=$(id -u)"
      if [[ -n "$devices" ]]; then cat "$devices"; else printf '[vocana]\nname=Vocana\n'; fi
    } > "$conf"
    # the driver's own parser on exactly what the driver will read (set -e, pipefail)
    "$here/build/vocana-hal-config" "$conf" >/dev/null
    # ad-hoc signature (after the configuration: it is sealed with the bundle); coreaudiod loads
    # plug-ins that are not signed by Apple if they are signed at all
    codesign --force --sign - "$stage/Vocana.driver"
    sudo rm -rf "$dest"
    sudo cp -R "$stage/Vocana.driver" "$dest"
    sudo chown -R root:wheel "$dest"
    restart
    echo "install-macos.sh: installed $dest; 'Vocana' appears in Sound settings in a few seconds"
    ;;
  uninstall)
    if [[ -e "$dest" ]]; then
      sudo rm -rf "$dest"
      restart
      echo "install-macos.sh: removed $dest"
    else
      echo "install-macos.sh: $dest is not installed"
    fi
    ;;
  *)
    echo "usage: install-macos.sh [install [DEVICES.CONF] | uninstall]" >&2
    exit 2
    ;;
esac
