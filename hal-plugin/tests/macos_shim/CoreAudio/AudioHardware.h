/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double (see ../README.md). */
#include <CoreAudio/fake_coreaudio.h>
