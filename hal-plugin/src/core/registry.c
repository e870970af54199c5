/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Device registry: fixed slots in caller-owned storage, so a device never
 * moves while an IO thread holds a pointer to it.  [control] only. */
#include <string.h>

#include "vocana/core.h"

void vocana_registry_init(vocana_registry *reg)
{
    if (reg)
        memset(reg, 0, sizeof *reg);
}

static int slot_of(const vocana_registry *reg, const char *device_id)
{
    for (uint32_t i = 0; i < VOCANA_REGISTRY_MAX; i++)
        if (reg->used[i] && strcmp(reg->devices[i].cfg.device_id, device_id) == 0)
            return (int)i;
    return -1;
}

int vocana_registry_add(vocana_registry *reg, const vocana_device_config *cfg,
                        vocana_device **out)
{
    if (!reg || !cfg)
        return VOCANA_E_ARG;
    if (!vocana_device_id_valid(cfg->device_id))
        return VOCANA_E_DEVICE_ID;
    if (slot_of(reg, cfg->device_id) >= 0)
        return VOCANA_E_EXISTS;
    for (uint32_t i = 0; i < VOCANA_REGISTRY_MAX; i++) {
        if (reg->used[i])
            continue;
        int rc = vocana_device_init(&reg->devices[i], cfg);
        if (rc)
            return rc;
        reg->used[i] = true;
        if (out)
            *out = &reg->devices[i];
        return VOCANA_OK;
    }
    return VOCANA_E_FULL;
}

vocana_device *vocana_registry_find(vocana_registry *reg, const char *device_id)
{
    if (!reg || !device_id)
        return NULL;
    int s = slot_of(reg, device_id);
    return s < 0 ? NULL : &reg->devices[s];
}

int vocana_registry_remove(vocana_registry *reg, const char *device_id)
{
    if (!reg || !device_id)
        return VOCANA_E_ARG;
    int s = slot_of(reg, device_id);
    if (s < 0)
        return VOCANA_E_NOT_FOUND;
    if (reg->devices[s].state != VOCANA_DEV_DETACHED)
        return VOCANA_E_STATE;
    reg->used[s] = false;
    memset(&reg->devices[s], 0, sizeof reg->devices[s]);
    return VOCANA_OK;
}

uint32_t vocana_registry_count(const vocana_registry *reg)
{
    uint32_t n = 0;
    if (reg)
        for (uint32_t i = 0; i < VOCANA_REGISTRY_MAX; i++)
            n += reg->used[i] ? 1u : 0u;
    return n;
}

vocana_device *vocana_registry_at(vocana_registry *reg, uint32_t i)
{
    if (!reg)
        return NULL;
    for (uint32_t s = 0; s < VOCANA_REGISTRY_MAX; s++) {
        if (!reg->used[s])
            continue;
        if (i == 0)
            return &reg->devices[s];
        i--;
    }
    return NULL;
}
