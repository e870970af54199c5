/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal declarations shared by the core's files and its tests. */
#ifndef VOCANA_INTERNAL_H
#define VOCANA_INTERNAL_H

#include "vocana/core.h"

/* vocana_region_validate with a callback run after the header has been
 * copied and checked and before magic and generation are re-read: lets a
 * test change the header at exactly that moment (VOCANA_E_CHANGED). */
int vocana_region_validate_hooked(const void *base, size_t size, const vocana_expect *expect,
                                  vocana_region_info *info, void (*between)(void *), void *arg);

#endif /* VOCANA_INTERNAL_H */
