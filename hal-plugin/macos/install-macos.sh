#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs (or with 'uninstall' removes) Vocana.driver in /Library/Audio/Plug-Ins/HAL and restarts
# coreaudiod so that it loads (or forgets) the driver. Needs sudo; macOS only.
#   hal-plugin/macos/install-macos.sh [install|uninstall]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=/Library/Audio/Plug-Ins/HAL/Vocana.driver
action=${1:-install}
if [[ $(uname -s) != Darwin ]]; then
  echo "install-macos.sh: Vocana.driver is a macOS CoreAudio plug-in; on Linux use ./vocana install-alsa" >&2
  exit 2
fi
restart() {
  # launchd restarts coreaudiod at once; applications playing audio lose it for a moment
  sudo killall coreaudiod 2>/dev/null || true
}
case "$action" in
  install)
    make -s -C "$here" macos
    sudo rm -rf "$dest"
    sudo cp -R "$here/build/macos/Vocana.driver" "$dest"
    # ad-hoc signature: coreaudiod loads unsigned-by-Apple plug-ins if they are signed at all
    sudo codesign --force --sign - "$dest"
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
    echo "usage: install-macos.sh [install|uninstall]" >&2
    exit 2
    ;;
esac
