/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Vocana HAL model: objects, property validation and dispatch, clock, volume. */
#include "vocana/hal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocana/core.h"
#include "vocana/region_posix.h"

const double vocana_hal_rates[VOCANA_HAL_RATE_COUNT] = {44100, 48000, 88200, 96000, 176400, 192000};

const uint32_t vocana_hal_selectors[VOCANA_HAL_SELECTOR_COUNT] = {
    VOCANA_P_BASE_CLASS, VOCANA_P_CLASS, VOCANA_P_OWNER, VOCANA_P_NAME, VOCANA_P_MANUFACTURER,
    VOCANA_P_OWNED_OBJECTS, VOCANA_P_BOX_LIST, VOCANA_P_TRANSLATE_UID_TO_BOX, VOCANA_P_DEVICE_LIST,
    VOCANA_P_TRANSLATE_UID_TO_DEVICE, VOCANA_P_RESOURCE_BUNDLE, VOCANA_P_BOX_UID, VOCANA_P_TRANSPORT_TYPE,
    VOCANA_P_BOX_HAS_AUDIO, VOCANA_P_BOX_HAS_VIDEO, VOCANA_P_BOX_HAS_MIDI, VOCANA_P_BOX_IS_PROTECTED,
    VOCANA_P_BOX_ACQUIRED, VOCANA_P_BOX_ACQUISITION_FAILED, VOCANA_P_BOX_DEVICE_LIST, VOCANA_P_DEVICE_UID,
    VOCANA_P_MODEL_UID, VOCANA_P_RELATED_DEVICES, VOCANA_P_CLOCK_DOMAIN, VOCANA_P_DEVICE_IS_ALIVE,
    VOCANA_P_DEVICE_IS_RUNNING, VOCANA_P_CAN_BE_DEFAULT, VOCANA_P_CAN_BE_DEFAULT_SYSTEM, VOCANA_P_LATENCY,
    VOCANA_P_STREAMS, VOCANA_P_CONTROL_LIST, VOCANA_P_SAFETY_OFFSET, VOCANA_P_NOMINAL_SAMPLE_RATE,
    VOCANA_P_AVAILABLE_SAMPLE_RATES, VOCANA_P_IS_HIDDEN, VOCANA_P_PREFERRED_STEREO, VOCANA_P_ZERO_TIMESTAMP_PERIOD,
    VOCANA_P_CLOCK_IS_STABLE, VOCANA_P_BUFFER_FRAME_SIZE, VOCANA_P_BUFFER_FRAME_SIZE_RANGE,
    VOCANA_P_STREAM_IS_ACTIVE, VOCANA_P_STREAM_DIRECTION, VOCANA_P_STREAM_TERMINAL_TYPE,
    VOCANA_P_STREAM_STARTING_CHANNEL, VOCANA_P_STREAM_VIRTUAL_FORMAT, VOCANA_P_STREAM_AVAILABLE_VIRTUAL_FORMATS,
    VOCANA_P_STREAM_PHYSICAL_FORMAT, VOCANA_P_STREAM_AVAILABLE_PHYSICAL_FORMATS, VOCANA_P_CONTROL_SCOPE,
    VOCANA_P_CONTROL_ELEMENT, VOCANA_P_LEVEL_SCALAR, VOCANA_P_LEVEL_DECIBELS, VOCANA_P_LEVEL_DECIBEL_RANGE,
    VOCANA_P_LEVEL_SCALAR_TO_DECIBELS, VOCANA_P_LEVEL_DECIBELS_TO_SCALAR, VOCANA_P_BOOLEAN_VALUE,
};

static const char MANUFACTURER[] = "Vocana";
static const char BOX_NAME[] = "Vocana";
static const char PLUGIN_NAME[] = "Vocana";

/* ---------------------------------------------------------------- helpers */

static uint64_t dbits(double v) {
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double bitsd(uint64_t b) {
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint32_t fbits(float v) {
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static float bitsf(uint32_t b) {
    float v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static bool known_rate(double rate) {
    for (int i = 0; i < VOCANA_HAL_RATE_COUNT; i++) {
        if (rate == vocana_hal_rates[i]) {
            return true;
        }
    }
    return false;
}

static size_t bounded_len(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') {
        n++;
    }
    return n;
}

/* The device index and role of an object ID, or false. */
static bool split_id(const vocana_hal *hal, uint32_t object, uint32_t *index, uint32_t *role) {
    if (object < VOCANA_HAL_DEVICE_BASE) {
        return false;
    }
    uint32_t rel = object - VOCANA_HAL_DEVICE_BASE;
    uint32_t i = rel / VOCANA_HAL_IDS_PER_DEVICE;
    uint32_t r = rel % VOCANA_HAL_IDS_PER_DEVICE;
    if (i >= hal->device_count || r >= VOCANA_ROLE_COUNT) {
        return false;
    }
    *index = i;
    *role = r;
    return true;
}

static uint32_t id_of(uint32_t index, uint32_t role) {
    return VOCANA_HAL_DEVICE_BASE + index * VOCANA_HAL_IDS_PER_DEVICE + role;
}

static float volume_db(float scalar) {
    return VOCANA_HAL_VOLUME_MIN_DB + scalar * (VOCANA_HAL_VOLUME_MAX_DB - VOCANA_HAL_VOLUME_MIN_DB);
}

static float volume_scalar(float db) {
    if (!(db >= VOCANA_HAL_VOLUME_MIN_DB)) { /* also NaN */
        db = VOCANA_HAL_VOLUME_MIN_DB;
    }
    if (db > VOCANA_HAL_VOLUME_MAX_DB) {
        db = VOCANA_HAL_VOLUME_MAX_DB;
    }
    return (db - VOCANA_HAL_VOLUME_MIN_DB) / (VOCANA_HAL_VOLUME_MAX_DB - VOCANA_HAL_VOLUME_MIN_DB);
}

/* ------------------------------------------------------------------ init */

int32_t vocana_hal_init(vocana_hal *hal, const vocana_hal_device_config *devices, uint32_t count,
                        const char **why) {
    const char *dummy;
    if (why == NULL) {
        why = &dummy;
    }
    *why = NULL;
    if (hal == NULL || devices == NULL) {
        *why = "no model or no device configuration";
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    if (count < 1 || count > VOCANA_HAL_MAX_DEVICES) {
        *why = "device count must be 1..8";
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    memset(hal, 0, sizeof *hal);
    for (uint32_t i = 0; i < count; i++) {
        const vocana_hal_device_config *c = &devices[i];
        size_t name_len = bounded_len(c->name, VOCANA_HAL_MAX_STRING);
        size_t uid_len = bounded_len(c->uid, VOCANA_HAL_MAX_STRING);
        if (name_len == 0 || name_len == VOCANA_HAL_MAX_STRING) {
            *why = "device name must be 1..127 bytes";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        if (uid_len == 0 || uid_len + sizeof ".model" > VOCANA_HAL_MAX_STRING) {
            *why = "device UID must be 1..121 bytes";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(devices[j].uid, c->uid) == 0) {
                *why = "two devices have the same UID";
                return VOCANA_HAL_ILLEGAL_OPERATION;
            }
        }
        if (c->channels < 1 || c->channels > 8) {
            *why = "channels must be 1..8";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        if (!known_rate(c->sample_rate)) {
            *why = "sample rate must be 44100, 48000, 88200, 96000, 176400 or 192000";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        if (c->period < VOCANA_HAL_MAX_IO_FRAMES || c->period > 65536) {
            *why = "zero time stamp period must be 4096..65536 frames";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        if (c->latency > 65536 || c->safety_offset > 65536) {
            *why = "latency and safety offset must be 0..65536 frames";
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        vocana_hal_device *d = &hal->devices[i];
        d->cfg = *c;
        memcpy(d->model_uid, c->uid, uid_len);
        memcpy(d->model_uid + uid_len, ".model", sizeof ".model");
        atomic_init(&d->rate_bits, dbits(c->sample_rate));
        atomic_init(&d->pending_rate_bits, dbits(c->sample_rate));
        atomic_init(&d->volume_bits, fbits(1.0f));
        atomic_init(&d->mute, false);
        atomic_init(&d->running, 0u);
        atomic_init(&d->host_latency, 0u);
        atomic_init(&d->pending_host_latency, 0u);
        atomic_init(&d->anchor_host_time, 0u);
        atomic_init(&d->anchored, false);
        atomic_init(&d->clock_seed, 1u);
        atomic_init(&d->io_sessions, 0u);
    }
    hal->device_count = count;
    memcpy(hal->box_uid, "org.vocana.box", sizeof "org.vocana.box");
    return VOCANA_HAL_NO_ERROR;
}

uint32_t vocana_hal_class_of(const vocana_hal *hal, uint32_t object) {
    if (hal == NULL) {
        return 0;
    }
    if (object == VOCANA_HAL_PLUGIN_ID) {
        return VOCANA_CLASS_PLUGIN;
    }
    if (object == VOCANA_HAL_BOX_ID) {
        return VOCANA_CLASS_BOX;
    }
    uint32_t index, role;
    if (!split_id(hal, object, &index, &role)) {
        return 0;
    }
    switch (role) {
    case VOCANA_ROLE_DEVICE: return VOCANA_CLASS_DEVICE;
    case VOCANA_ROLE_INPUT_STREAM:
    case VOCANA_ROLE_OUTPUT_STREAM: return VOCANA_CLASS_STREAM;
    case VOCANA_ROLE_VOLUME: return VOCANA_CLASS_VOLUME_CONTROL;
    default: return VOCANA_CLASS_MUTE_CONTROL;
    }
}

/* ------------------------------------------------------- property table */

enum kind {
    K_NONE = 0,
    K_U32,      /* one UInt32 */
    K_F32,      /* one Float32 */
    K_F64,      /* one Float64 */
    K_STRING,   /* const char * in a pointer slot */
    K_IDS,      /* array of AudioObjectID, as many as fit */
    K_RANGE,    /* one AudioValueRange */
    K_RANGES,   /* array of AudioValueRange, as many as fit */
    K_ASBD,     /* one AudioStreamBasicDescription */
    K_RANGED,   /* array of AudioStreamRangedDescription, as many as fit */
    K_U32X2,    /* two UInt32 */
};

typedef struct prop {
    enum kind kind;
    bool settable;
} prop;

static bool scope_known(uint32_t scope) {
    return scope == VOCANA_SCOPE_GLOBAL || scope == VOCANA_SCOPE_INPUT || scope == VOCANA_SCOPE_OUTPUT
           || scope == VOCANA_SCOPE_PLAYTHROUGH;
}

/* The property's kind for this object, or K_NONE if the object has no such property. */
static prop lookup(const vocana_hal *hal, uint32_t object, const vocana_hal_address *a) {
    prop none = {K_NONE, false};
    if (!scope_known(a->scope) || a->element != VOCANA_ELEMENT_MAIN) {
        return none;
    }
    uint32_t cls = vocana_hal_class_of(hal, object);
    switch (a->selector) { /* every object */
    case VOCANA_P_BASE_CLASS:
    case VOCANA_P_CLASS:
    case VOCANA_P_OWNER: return cls ? (prop){K_U32, false} : none;
    case VOCANA_P_OWNED_OBJECTS: return cls ? (prop){K_IDS, false} : none;
    default: break;
    }
    switch (cls) {
    case VOCANA_CLASS_PLUGIN:
        switch (a->selector) {
        case VOCANA_P_MANUFACTURER:
        case VOCANA_P_RESOURCE_BUNDLE: return (prop){K_STRING, false};
        case VOCANA_P_BOX_LIST:
        case VOCANA_P_DEVICE_LIST: return (prop){K_IDS, false};
        case VOCANA_P_TRANSLATE_UID_TO_BOX:
        case VOCANA_P_TRANSLATE_UID_TO_DEVICE: return (prop){K_U32, false};
        default: return none;
        }
    case VOCANA_CLASS_BOX:
        switch (a->selector) {
        case VOCANA_P_NAME:
        case VOCANA_P_MANUFACTURER:
        case VOCANA_P_BOX_UID:
        case VOCANA_P_MODEL_UID: return (prop){K_STRING, false};
        case VOCANA_P_TRANSPORT_TYPE:
        case VOCANA_P_BOX_HAS_AUDIO:
        case VOCANA_P_BOX_HAS_VIDEO:
        case VOCANA_P_BOX_HAS_MIDI:
        case VOCANA_P_BOX_IS_PROTECTED:
        case VOCANA_P_BOX_ACQUISITION_FAILED:
        case VOCANA_P_BOX_ACQUIRED: return (prop){K_U32, false};
        case VOCANA_P_BOX_DEVICE_LIST: return (prop){K_IDS, false};
        default: return none;
        }
    case VOCANA_CLASS_DEVICE:
        switch (a->selector) {
        case VOCANA_P_NAME:
        case VOCANA_P_MANUFACTURER:
        case VOCANA_P_DEVICE_UID:
        case VOCANA_P_MODEL_UID: return (prop){K_STRING, false};
        case VOCANA_P_TRANSPORT_TYPE:
        case VOCANA_P_CLOCK_DOMAIN:
        case VOCANA_P_DEVICE_IS_ALIVE:
        case VOCANA_P_DEVICE_IS_RUNNING:
        case VOCANA_P_CAN_BE_DEFAULT:
        case VOCANA_P_CAN_BE_DEFAULT_SYSTEM:
        case VOCANA_P_LATENCY:
        case VOCANA_P_SAFETY_OFFSET:
        case VOCANA_P_IS_HIDDEN:
        case VOCANA_P_ZERO_TIMESTAMP_PERIOD:
        case VOCANA_P_CLOCK_IS_STABLE:
        case VOCANA_P_BUFFER_FRAME_SIZE: return (prop){K_U32, false};
        case VOCANA_P_RELATED_DEVICES:
        case VOCANA_P_STREAMS:
        case VOCANA_P_CONTROL_LIST: return (prop){K_IDS, false};
        case VOCANA_P_NOMINAL_SAMPLE_RATE: return (prop){K_F64, true};
        case VOCANA_P_AVAILABLE_SAMPLE_RATES: return (prop){K_RANGES, false};
        case VOCANA_P_BUFFER_FRAME_SIZE_RANGE: return (prop){K_RANGE, false};
        case VOCANA_P_PREFERRED_STEREO: return (prop){K_U32X2, false};
        default: return none;
        }
    case VOCANA_CLASS_STREAM:
        switch (a->selector) {
        case VOCANA_P_STREAM_IS_ACTIVE: return (prop){K_U32, true};
        case VOCANA_P_STREAM_DIRECTION:
        case VOCANA_P_STREAM_TERMINAL_TYPE:
        case VOCANA_P_STREAM_STARTING_CHANNEL:
        case VOCANA_P_LATENCY: return (prop){K_U32, false};
        case VOCANA_P_STREAM_VIRTUAL_FORMAT:
        case VOCANA_P_STREAM_PHYSICAL_FORMAT: return (prop){K_ASBD, true};
        case VOCANA_P_STREAM_AVAILABLE_VIRTUAL_FORMATS:
        case VOCANA_P_STREAM_AVAILABLE_PHYSICAL_FORMATS: return (prop){K_RANGED, false};
        default: return none;
        }
    case VOCANA_CLASS_VOLUME_CONTROL:
        switch (a->selector) {
        case VOCANA_P_CONTROL_SCOPE:
        case VOCANA_P_CONTROL_ELEMENT: return (prop){K_U32, false};
        case VOCANA_P_LEVEL_SCALAR:
        case VOCANA_P_LEVEL_DECIBELS: return (prop){K_F32, true};
        case VOCANA_P_LEVEL_DECIBEL_RANGE: return (prop){K_RANGE, false};
        case VOCANA_P_LEVEL_SCALAR_TO_DECIBELS:
        case VOCANA_P_LEVEL_DECIBELS_TO_SCALAR: return (prop){K_F32, false};
        default: return none;
        }
    case VOCANA_CLASS_MUTE_CONTROL:
        switch (a->selector) {
        case VOCANA_P_CONTROL_SCOPE:
        case VOCANA_P_CONTROL_ELEMENT: return (prop){K_U32, false};
        case VOCANA_P_BOOLEAN_VALUE: return (prop){K_U32, true};
        default: return none;
        }
    default: return none;
    }
}

static uint32_t item_size(enum kind k) {
    switch (k) {
    case K_U32:
    case K_IDS: return 4;
    case K_F32: return 4;
    case K_F64: return 8;
    case K_STRING: return (uint32_t)sizeof(const char *);
    case K_RANGE:
    case K_RANGES: return (uint32_t)sizeof(vocana_hal_range);
    case K_ASBD: return (uint32_t)sizeof(vocana_hal_asbd);
    case K_RANGED: return (uint32_t)sizeof(vocana_hal_ranged_asbd);
    case K_U32X2: return 8;
    default: return 0;
    }
}

static bool is_array(enum kind k) {
    return k == K_IDS || k == K_RANGES || k == K_RANGED;
}

bool vocana_hal_has_property(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr) {
    return hal != NULL && addr != NULL && lookup(hal, object, addr).kind != K_NONE;
}

bool vocana_hal_is_string(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr) {
    return hal != NULL && addr != NULL && lookup(hal, object, addr).kind == K_STRING;
}

/* The status for an object ID and address that lookup() rejected. */
static int32_t missing(const vocana_hal *hal, uint32_t object) {
    return vocana_hal_class_of(hal, object) == 0 ? VOCANA_HAL_BAD_OBJECT : VOCANA_HAL_UNKNOWN_PROPERTY;
}

int32_t vocana_hal_is_settable(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                               bool *out_settable) {
    if (hal == NULL || addr == NULL || out_settable == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    prop p = lookup(hal, object, addr);
    if (p.kind == K_NONE) {
        return missing(hal, object);
    }
    *out_settable = p.settable;
    return VOCANA_HAL_NO_ERROR;
}

/* ------------------------------------------------------------ item lists */

/* Fills up to max IDs of the list a property names; returns how many there are in all. */
static uint32_t ids_of(const vocana_hal *hal, uint32_t object, const vocana_hal_address *a, uint32_t *out,
                       uint32_t max, const uint32_t *classes, uint32_t class_count) {
    uint32_t all[VOCANA_HAL_MAX_DEVICES * VOCANA_ROLE_COUNT + 1];
    uint32_t n = 0;
    uint32_t index = 0, role = 0;
    bool dev = split_id(hal, object, &index, &role) && role == VOCANA_ROLE_DEVICE;
    bool in = a->scope == VOCANA_SCOPE_GLOBAL || a->scope == VOCANA_SCOPE_INPUT;
    bool outp = a->scope == VOCANA_SCOPE_GLOBAL || a->scope == VOCANA_SCOPE_OUTPUT;
    switch (a->selector) {
    case VOCANA_P_OWNED_OBJECTS:
        if (object == VOCANA_HAL_PLUGIN_ID) {
            all[n++] = VOCANA_HAL_BOX_ID;
            for (uint32_t i = 0; i < hal->device_count; i++) {
                all[n++] = id_of(i, VOCANA_ROLE_DEVICE);
            }
        } else if (dev) {
            if (in) {
                all[n++] = id_of(index, VOCANA_ROLE_INPUT_STREAM);
            }
            if (outp) {
                all[n++] = id_of(index, VOCANA_ROLE_OUTPUT_STREAM);
                all[n++] = id_of(index, VOCANA_ROLE_VOLUME);
                all[n++] = id_of(index, VOCANA_ROLE_MUTE);
            }
        }
        break;
    case VOCANA_P_BOX_LIST: all[n++] = VOCANA_HAL_BOX_ID; break;
    case VOCANA_P_DEVICE_LIST:
    case VOCANA_P_BOX_DEVICE_LIST:
        for (uint32_t i = 0; i < hal->device_count; i++) {
            all[n++] = id_of(i, VOCANA_ROLE_DEVICE);
        }
        break;
    case VOCANA_P_RELATED_DEVICES: all[n++] = object; break;
    case VOCANA_P_STREAMS:
        if (in) {
            all[n++] = id_of(index, VOCANA_ROLE_INPUT_STREAM);
        }
        if (outp) {
            all[n++] = id_of(index, VOCANA_ROLE_OUTPUT_STREAM);
        }
        break;
    case VOCANA_P_CONTROL_LIST:
        all[n++] = id_of(index, VOCANA_ROLE_VOLUME);
        all[n++] = id_of(index, VOCANA_ROLE_MUTE);
        break;
    default: break;
    }
    /* OwnedObjects takes an optional qualifier: the classes wanted */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool want = class_count == 0;
        uint32_t cls = vocana_hal_class_of(hal, all[i]);
        for (uint32_t c = 0; c < class_count && !want; c++) {
            want = classes[c] == cls || classes[c] == VOCANA_CLASS_OBJECT
                   || (classes[c] == VOCANA_CLASS_CONTROL
                       && (cls == VOCANA_CLASS_VOLUME_CONTROL || cls == VOCANA_CLASS_MUTE_CONTROL))
                   || (classes[c] == VOCANA_CLASS_LEVEL_CONTROL && cls == VOCANA_CLASS_VOLUME_CONTROL)
                   || (classes[c] == VOCANA_CLASS_BOOLEAN_CONTROL && cls == VOCANA_CLASS_MUTE_CONTROL);
        }
        if (want) {
            if (kept < max) {
                out[kept] = all[i];
            }
            kept++;
        }
    }
    return kept;
}

static void asbd_for(double rate, uint32_t channels, vocana_hal_asbd *f) {
    memset(f, 0, sizeof *f);
    f->sample_rate = rate;
    f->format_id = VOCANA_FORMAT_LINEAR_PCM;
    f->format_flags = VOCANA_FORMAT_FLAGS_FLOAT_PACKED;
    f->bytes_per_packet = 4 * channels;
    f->frames_per_packet = 1;
    f->bytes_per_frame = 4 * channels;
    f->channels_per_frame = channels;
    f->bits_per_channel = 32;
}

/* The number of items an array property has in all. */
static uint32_t array_count(const vocana_hal *hal, uint32_t object, const vocana_hal_address *a, enum kind k,
                            const uint32_t *classes, uint32_t class_count) {
    if (k == K_IDS) {
        return ids_of(hal, object, a, NULL, 0, classes, class_count);
    }
    return VOCANA_HAL_RATE_COUNT; /* K_RANGES (rates) and K_RANGED (formats): one per rate */
}

/* Checks the qualifier; for OwnedObjects returns the class filter in *classes. */
static int32_t check_qualifier(const vocana_hal_address *a, uint32_t qualifier_size, const void *qualifier,
                               uint32_t *classes, uint32_t *class_count) {
    *class_count = 0;
    if (a->selector == VOCANA_P_TRANSLATE_UID_TO_BOX || a->selector == VOCANA_P_TRANSLATE_UID_TO_DEVICE) {
        if (qualifier == NULL || qualifier_size == 0 || qualifier_size >= VOCANA_HAL_MAX_STRING) {
            return VOCANA_HAL_BAD_PROPERTY_SIZE;
        }
        return VOCANA_HAL_NO_ERROR;
    }
    if (a->selector == VOCANA_P_OWNED_OBJECTS && qualifier_size > 0) {
        if (qualifier == NULL || qualifier_size % 4 != 0) {
            return VOCANA_HAL_BAD_PROPERTY_SIZE;
        }
        uint32_t n = qualifier_size / 4;
        if (n > 16) {
            n = 16; /* more than 16 classes: the first 16 decide */
        }
        memcpy(classes, qualifier, n * 4u);
        *class_count = n;
    }
    return VOCANA_HAL_NO_ERROR;
}

int32_t vocana_hal_get_size(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                            uint32_t qualifier_size, const void *qualifier, uint32_t *out_size) {
    if (hal == NULL || addr == NULL || out_size == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    prop p = lookup(hal, object, addr);
    if (p.kind == K_NONE) {
        return missing(hal, object);
    }
    uint32_t classes[16];
    uint32_t class_count;
    int32_t st = check_qualifier(addr, qualifier_size, qualifier, classes, &class_count);
    if (st != VOCANA_HAL_NO_ERROR) {
        return st;
    }
    uint32_t size = item_size(p.kind);
    if (is_array(p.kind)) {
        size *= array_count(hal, object, addr, p.kind, classes, class_count);
    }
    *out_size = size;
    return VOCANA_HAL_NO_ERROR;
}

/* ------------------------------------------------------------------- get */

static int32_t put_u32(uint32_t v, uint32_t in_size, uint32_t *out_size, void *out) {
    if (in_size < 4) {
        return VOCANA_HAL_BAD_PROPERTY_SIZE;
    }
    memcpy(out, &v, 4);
    *out_size = 4;
    return VOCANA_HAL_NO_ERROR;
}

static int32_t put_string(const char *s, uint32_t in_size, uint32_t *out_size, void *out) {
    if (in_size < sizeof s) {
        return VOCANA_HAL_BAD_PROPERTY_SIZE;
    }
    memcpy(out, &s, sizeof s);
    *out_size = (uint32_t)sizeof s;
    return VOCANA_HAL_NO_ERROR;
}

static int32_t put_bytes(const void *v, uint32_t size, uint32_t in_size, uint32_t *out_size, void *out) {
    if (in_size < size) {
        return VOCANA_HAL_BAD_PROPERTY_SIZE;
    }
    memcpy(out, v, size);
    *out_size = size;
    return VOCANA_HAL_NO_ERROR;
}

static uint32_t translate_uid(const vocana_hal *hal, bool box, const void *qualifier, uint32_t size) {
    if (box) {
        size_t n = strlen(hal->box_uid);
        return n == size && memcmp(hal->box_uid, qualifier, n) == 0 ? VOCANA_HAL_BOX_ID : 0;
    }
    for (uint32_t i = 0; i < hal->device_count; i++) {
        const char *uid = hal->devices[i].cfg.uid;
        size_t n = strlen(uid);
        if (n == size && memcmp(uid, qualifier, n) == 0) {
            return id_of(i, VOCANA_ROLE_DEVICE);
        }
    }
    return 0; /* kAudioObjectUnknown */
}

static uint32_t owner_of(const vocana_hal *hal, uint32_t object) {
    uint32_t index, role;
    if (object == VOCANA_HAL_PLUGIN_ID) {
        return 0;
    }
    if (object == VOCANA_HAL_BOX_ID) {
        return VOCANA_HAL_PLUGIN_ID;
    }
    if (split_id(hal, object, &index, &role) && role != VOCANA_ROLE_DEVICE) {
        return id_of(index, VOCANA_ROLE_DEVICE);
    }
    return VOCANA_HAL_PLUGIN_ID;
}

static uint32_t base_class_of(uint32_t cls) {
    switch (cls) {
    case VOCANA_CLASS_VOLUME_CONTROL: return VOCANA_CLASS_LEVEL_CONTROL;
    case VOCANA_CLASS_MUTE_CONTROL: return VOCANA_CLASS_BOOLEAN_CONTROL;
    default: return VOCANA_CLASS_OBJECT;
    }
}

int32_t vocana_hal_get(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                       uint32_t qualifier_size, const void *qualifier, uint32_t in_size,
                       uint32_t *out_size, void *out_data) {
    if (hal == NULL || addr == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    const vocana_hal_address *a = addr;
    prop p = lookup(hal, object, a);
    if (p.kind == K_NONE) {
        return missing(hal, object);
    }
    uint32_t classes[16];
    uint32_t class_count;
    int32_t st = check_qualifier(a, qualifier_size, qualifier, classes, &class_count);
    if (st != VOCANA_HAL_NO_ERROR) {
        return st;
    }
    if (out_size == NULL || out_data == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    uint32_t cls = vocana_hal_class_of(hal, object);
    uint32_t index = 0, role = 0;
    (void)split_id(hal, object, &index, &role);
    const vocana_hal_device *d = object >= VOCANA_HAL_DEVICE_BASE ? &hal->devices[index] : NULL;

    if (is_array(p.kind)) {
        uint32_t item = item_size(p.kind);
        uint32_t fit = in_size / item;
        uint32_t n;
        if (p.kind == K_IDS) {
            uint32_t ids[VOCANA_HAL_MAX_DEVICES * VOCANA_ROLE_COUNT + 1];
            uint32_t total = ids_of(hal, object, a, ids, VOCANA_HAL_MAX_DEVICES * VOCANA_ROLE_COUNT + 1, classes,
                                    class_count);
            n = total < fit ? total : fit;
            memcpy(out_data, ids, n * 4u);
        } else {
            n = VOCANA_HAL_RATE_COUNT < fit ? VOCANA_HAL_RATE_COUNT : fit;
            for (uint32_t i = 0; i < n; i++) {
                vocana_hal_range r = {vocana_hal_rates[i], vocana_hal_rates[i]};
                if (p.kind == K_RANGES) {
                    memcpy((char *)out_data + i * item, &r, sizeof r);
                } else {
                    vocana_hal_ranged_asbd f;
                    asbd_for(vocana_hal_rates[i], d->cfg.channels, &f.format);
                    f.sample_rate_range = r;
                    memcpy((char *)out_data + i * item, &f, sizeof f);
                }
            }
        }
        *out_size = n * item;
        return VOCANA_HAL_NO_ERROR;
    }

    switch (a->selector) {
    case VOCANA_P_BASE_CLASS: return put_u32(base_class_of(cls), in_size, out_size, out_data);
    case VOCANA_P_CLASS: return put_u32(cls, in_size, out_size, out_data);
    case VOCANA_P_OWNER: return put_u32(owner_of(hal, object), in_size, out_size, out_data);
    case VOCANA_P_NAME:
        return put_string(cls == VOCANA_CLASS_BOX ? BOX_NAME : d ? d->cfg.name : PLUGIN_NAME, in_size, out_size,
                          out_data);
    case VOCANA_P_MANUFACTURER: return put_string(MANUFACTURER, in_size, out_size, out_data);
    case VOCANA_P_RESOURCE_BUNDLE: return put_string(hal->resource_bundle, in_size, out_size, out_data);
    case VOCANA_P_TRANSLATE_UID_TO_BOX:
    case VOCANA_P_TRANSLATE_UID_TO_DEVICE:
        return put_u32(translate_uid(hal, a->selector == VOCANA_P_TRANSLATE_UID_TO_BOX, qualifier, qualifier_size),
                       in_size, out_size, out_data);
    case VOCANA_P_BOX_UID: return put_string(hal->box_uid, in_size, out_size, out_data);
    case VOCANA_P_MODEL_UID:
        return put_string(cls == VOCANA_CLASS_BOX ? hal->box_uid : d->model_uid, in_size, out_size, out_data);
    case VOCANA_P_TRANSPORT_TYPE: return put_u32(VOCANA_TRANSPORT_VIRTUAL, in_size, out_size, out_data);
    case VOCANA_P_BOX_HAS_AUDIO: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_BOX_HAS_VIDEO:
    case VOCANA_P_BOX_HAS_MIDI:
    case VOCANA_P_BOX_IS_PROTECTED:
    case VOCANA_P_BOX_ACQUISITION_FAILED: return put_u32(0, in_size, out_size, out_data);
    case VOCANA_P_BOX_ACQUIRED: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_DEVICE_UID: return put_string(d->cfg.uid, in_size, out_size, out_data);
    case VOCANA_P_CLOCK_DOMAIN: return put_u32(0, in_size, out_size, out_data); /* its own clock */
    case VOCANA_P_DEVICE_IS_ALIVE: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_DEVICE_IS_RUNNING:
        return put_u32(atomic_load(&d->running) > 0 ? 1 : 0, in_size, out_size, out_data);
    case VOCANA_P_CAN_BE_DEFAULT: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_CAN_BE_DEFAULT_SYSTEM: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_LATENCY: /* the host side's share is playback's, as in the ALSA plugin's delay */
        return put_u32(cls == VOCANA_CLASS_STREAM ? 0
                       : d->cfg.latency + (a->scope == VOCANA_SCOPE_OUTPUT ? atomic_load(&d->host_latency) : 0),
                       in_size, out_size, out_data);
    case VOCANA_P_SAFETY_OFFSET: return put_u32(d->cfg.safety_offset, in_size, out_size, out_data);
    case VOCANA_P_IS_HIDDEN: return put_u32(0, in_size, out_size, out_data);
    case VOCANA_P_ZERO_TIMESTAMP_PERIOD: return put_u32(d->cfg.period, in_size, out_size, out_data);
    case VOCANA_P_CLOCK_IS_STABLE: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_BUFFER_FRAME_SIZE: return put_u32(512, in_size, out_size, out_data);
    case VOCANA_P_NOMINAL_SAMPLE_RATE: {
        double r = bitsd(atomic_load(&d->rate_bits));
        return put_bytes(&r, sizeof r, in_size, out_size, out_data);
    }
    case VOCANA_P_BUFFER_FRAME_SIZE_RANGE: {
        vocana_hal_range r = {VOCANA_HAL_MIN_IO_FRAMES, VOCANA_HAL_MAX_IO_FRAMES};
        return put_bytes(&r, sizeof r, in_size, out_size, out_data);
    }
    case VOCANA_P_PREFERRED_STEREO: {
        uint32_t ch[2] = {1, d->cfg.channels >= 2 ? 2 : 1};
        return put_bytes(ch, sizeof ch, in_size, out_size, out_data);
    }
    case VOCANA_P_STREAM_IS_ACTIVE: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_STREAM_DIRECTION: /* 1: input (the device produces it), 0: output */
        return put_u32(role == VOCANA_ROLE_INPUT_STREAM ? 1 : 0, in_size, out_size, out_data);
    case VOCANA_P_STREAM_TERMINAL_TYPE:
        return put_u32(role == VOCANA_ROLE_INPUT_STREAM ? VOCANA_TERMINAL_MICROPHONE : VOCANA_TERMINAL_SPEAKER,
                       in_size, out_size, out_data);
    case VOCANA_P_STREAM_STARTING_CHANNEL: return put_u32(1, in_size, out_size, out_data);
    case VOCANA_P_STREAM_VIRTUAL_FORMAT:
    case VOCANA_P_STREAM_PHYSICAL_FORMAT: {
        vocana_hal_asbd f;
        asbd_for(bitsd(atomic_load(&d->rate_bits)), d->cfg.channels, &f);
        return put_bytes(&f, sizeof f, in_size, out_size, out_data);
    }
    case VOCANA_P_CONTROL_SCOPE: return put_u32(VOCANA_SCOPE_OUTPUT, in_size, out_size, out_data);
    case VOCANA_P_CONTROL_ELEMENT: return put_u32(VOCANA_ELEMENT_MAIN, in_size, out_size, out_data);
    case VOCANA_P_LEVEL_SCALAR: {
        float v = bitsf(atomic_load(&d->volume_bits));
        return put_bytes(&v, 4, in_size, out_size, out_data);
    }
    case VOCANA_P_LEVEL_DECIBELS: {
        float v = volume_db(bitsf(atomic_load(&d->volume_bits)));
        return put_bytes(&v, 4, in_size, out_size, out_data);
    }
    case VOCANA_P_LEVEL_DECIBEL_RANGE: {
        vocana_hal_range r = {VOCANA_HAL_VOLUME_MIN_DB, VOCANA_HAL_VOLUME_MAX_DB};
        return put_bytes(&r, sizeof r, in_size, out_size, out_data);
    }
    case VOCANA_P_LEVEL_SCALAR_TO_DECIBELS:
    case VOCANA_P_LEVEL_DECIBELS_TO_SCALAR: {
        if (in_size < 4) {
            return VOCANA_HAL_BAD_PROPERTY_SIZE;
        }
        float v;
        memcpy(&v, out_data, 4); /* the value to convert is passed in the buffer */
        if (a->selector == VOCANA_P_LEVEL_SCALAR_TO_DECIBELS) {
            v = volume_db(!(v >= 0.0f) ? 0.0f : v > 1.0f ? 1.0f : v);
        } else {
            v = volume_scalar(v);
        }
        return put_bytes(&v, 4, in_size, out_size, out_data);
    }
    case VOCANA_P_BOOLEAN_VALUE: return put_u32(atomic_load(&d->mute) ? 1 : 0, in_size, out_size, out_data);
    default: return VOCANA_HAL_UNKNOWN_PROPERTY;
    }
}

/* ------------------------------------------------------------------- set */

static void changed(vocana_hal_changes *c, uint32_t object, uint32_t selector, uint32_t scope) {
    if (c != NULL && c->count < 4) {
        c->object[c->count] = object;
        c->address[c->count] = (vocana_hal_address){selector, scope, VOCANA_ELEMENT_MAIN};
        c->count++;
    }
}

int32_t vocana_hal_set(vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                       uint32_t qualifier_size, const void *qualifier, uint32_t in_size,
                       const void *in_data, vocana_hal_changes *changes) {
    if (changes != NULL) {
        changes->count = 0;
    }
    if (hal == NULL || addr == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    prop p = lookup(hal, object, addr);
    if (p.kind == K_NONE) {
        return missing(hal, object);
    }
    if (!p.settable) {
        return VOCANA_HAL_UNSUPPORTED_OPERATION;
    }
    (void)qualifier_size;
    (void)qualifier;
    if (in_data == NULL) {
        return VOCANA_HAL_ILLEGAL_OPERATION;
    }
    if (in_size != item_size(p.kind)) {
        return VOCANA_HAL_BAD_PROPERTY_SIZE;
    }
    uint32_t index = 0, role = 0;
    (void)split_id(hal, object, &index, &role);
    vocana_hal_device *d = &hal->devices[index];
    switch (addr->selector) {
    case VOCANA_P_NOMINAL_SAMPLE_RATE: {
        double r;
        memcpy(&r, in_data, sizeof r);
        if (!known_rate(r)) {
            return VOCANA_HAL_UNSUPPORTED_FORMAT;
        }
        atomic_store(&d->pending_rate_bits, dbits(r)); /* applied by perform_rate_change */
        return VOCANA_HAL_NO_ERROR;
    }
    case VOCANA_P_STREAM_VIRTUAL_FORMAT:
    case VOCANA_P_STREAM_PHYSICAL_FORMAT: {
        vocana_hal_asbd f;
        memcpy(&f, in_data, sizeof f);
        if (f.format_id != VOCANA_FORMAT_LINEAR_PCM || f.format_flags != VOCANA_FORMAT_FLAGS_FLOAT_PACKED
            || f.bits_per_channel != 32 || f.channels_per_frame != d->cfg.channels || f.frames_per_packet != 1
            || f.bytes_per_frame != 4 * d->cfg.channels || f.bytes_per_packet != 4 * d->cfg.channels
            || !known_rate(f.sample_rate)) {
            return VOCANA_HAL_UNSUPPORTED_FORMAT;
        }
        atomic_store(&d->pending_rate_bits, dbits(f.sample_rate));
        return VOCANA_HAL_NO_ERROR;
    }
    case VOCANA_P_STREAM_IS_ACTIVE: {
        uint32_t v;
        memcpy(&v, in_data, 4);
        return v == 1 ? VOCANA_HAL_NO_ERROR : VOCANA_HAL_ILLEGAL_OPERATION; /* streams stay active */
    }
    case VOCANA_P_LEVEL_SCALAR:
    case VOCANA_P_LEVEL_DECIBELS: {
        float v;
        memcpy(&v, in_data, 4);
        if (v != v) { /* NaN */
            return VOCANA_HAL_ILLEGAL_OPERATION;
        }
        float scalar = addr->selector == VOCANA_P_LEVEL_SCALAR ? (v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v)
                                                                : volume_scalar(v);
        if (atomic_exchange(&d->volume_bits, fbits(scalar)) != fbits(scalar)) {
            changed(changes, object, VOCANA_P_LEVEL_SCALAR, VOCANA_SCOPE_GLOBAL);
            changed(changes, object, VOCANA_P_LEVEL_DECIBELS, VOCANA_SCOPE_GLOBAL);
        }
        return VOCANA_HAL_NO_ERROR;
    }
    case VOCANA_P_BOOLEAN_VALUE: {
        uint32_t v;
        memcpy(&v, in_data, 4);
        if (atomic_exchange(&d->mute, v != 0) != (v != 0)) {
            changed(changes, object, VOCANA_P_BOOLEAN_VALUE, VOCANA_SCOPE_GLOBAL);
        }
        return VOCANA_HAL_NO_ERROR;
    }
    default: return VOCANA_HAL_UNSUPPORTED_OPERATION;
    }
}

bool vocana_hal_change_pending(const vocana_hal *hal, uint32_t device_index) {
    if (hal == NULL || device_index >= hal->device_count) {
        return false;
    }
    const vocana_hal_device *d = &hal->devices[device_index];
    return atomic_load(&d->pending_rate_bits) != atomic_load(&d->rate_bits)
           || atomic_load(&d->pending_host_latency) != atomic_load(&d->host_latency);
}

bool vocana_hal_note_host_latency(vocana_hal *hal, uint32_t device_index, uint32_t frames) {
    if (hal == NULL || device_index >= hal->device_count) {
        return false;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    uint32_t v = frames > 65536 ? 65536 : frames;
    atomic_store(&d->pending_host_latency, v);
    return v != atomic_load(&d->host_latency);
}

bool vocana_hal_note_host_rate(vocana_hal *hal, uint32_t device_index, uint32_t rate) {
    if (hal == NULL || device_index >= hal->device_count) {
        return false;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    atomic_store(&d->host_rate, rate);
    if (rate == 0 || !known_rate((double)rate)) {
        return false;
    }
    uint64_t bits = dbits((double)rate);
    if (atomic_load(&d->pending_rate_bits) == bits) {
        return false; /* already the rate, or already requested */
    }
    atomic_store(&d->pending_rate_bits, bits);
    return true;
}

bool vocana_hal_rate_matches(const vocana_hal_device *device) {
    if (device == NULL) {
        return false;
    }
    uint32_t host = atomic_load_explicit(&device->host_rate, memory_order_relaxed);
    uint64_t bits = atomic_load_explicit(&device->rate_bits, memory_order_relaxed);
    return host != 0 && bits == dbits((double)host);
}

int32_t vocana_hal_perform_change(vocana_hal *hal, uint32_t device_index) {
    if (hal == NULL || device_index >= hal->device_count) {
        return VOCANA_HAL_BAD_DEVICE;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    if (atomic_load(&d->running) > 0) {
        return VOCANA_HAL_ILLEGAL_OPERATION; /* the HAL stops IO before a configuration change */
    }
    atomic_store(&d->host_latency, atomic_load(&d->pending_host_latency));
    uint64_t rate = atomic_load(&d->pending_rate_bits);
    if (atomic_exchange(&d->rate_bits, rate) != rate) {
        atomic_fetch_add(&d->clock_seed, 1u); /* time stamps at the new rate are a new series */
    }
    return VOCANA_HAL_NO_ERROR;
}

int32_t vocana_hal_abort_change(vocana_hal *hal, uint32_t device_index) {
    if (hal == NULL || device_index >= hal->device_count) {
        return VOCANA_HAL_BAD_DEVICE;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    atomic_store(&d->pending_rate_bits, atomic_load(&d->rate_bits));
    atomic_store(&d->pending_host_latency, atomic_load(&d->host_latency));
    return VOCANA_HAL_NO_ERROR;
}

int32_t vocana_hal_start_io(vocana_hal *hal, uint32_t device_index, uint64_t now_host_time) {
    if (hal == NULL || device_index >= hal->device_count) {
        return VOCANA_HAL_BAD_DEVICE;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    if (atomic_load(&d->running) == 0) {
        if (!atomic_load(&d->anchored)) { /* the clock starts once and never restarts */
            atomic_store(&d->anchor_host_time, now_host_time);
            atomic_fetch_add(&d->clock_seed, 1u);
            atomic_store(&d->anchored, true);
        }
        atomic_fetch_add(&d->io_sessions, 1u);
    }
    atomic_fetch_add(&d->running, 1u);
    return VOCANA_HAL_NO_ERROR;
}

uint64_t vocana_hal_io_session(const vocana_hal_device *device) {
    return device == NULL ? 0 : atomic_load_explicit(&device->io_sessions, memory_order_acquire);
}

int32_t vocana_hal_stop_io(vocana_hal *hal, uint32_t device_index) {
    if (hal == NULL || device_index >= hal->device_count) {
        return VOCANA_HAL_BAD_DEVICE;
    }
    vocana_hal_device *d = &hal->devices[device_index];
    unsigned running = atomic_load(&d->running);
    while (running > 0 && !atomic_compare_exchange_weak(&d->running, &running, running - 1)) {
    }
    return running == 0 ? VOCANA_HAL_NOT_RUNNING : VOCANA_HAL_NO_ERROR;
}

int32_t vocana_hal_device_zero_timestamp(const vocana_hal *hal, uint32_t device_index, uint64_t now_host_time,
                                         double host_ticks_per_second, vocana_hal_timestamp *out) {
    if (hal == NULL || out == NULL || device_index >= hal->device_count) {
        return VOCANA_HAL_BAD_DEVICE;
    }
    const vocana_hal_device *d = &hal->devices[device_index];
    if (atomic_load_explicit(&d->running, memory_order_acquire) == 0) {
        return VOCANA_HAL_NOT_RUNNING;
    }
    *out = vocana_hal_zero_timestamp(atomic_load_explicit(&d->anchor_host_time, memory_order_acquire), now_host_time,
                                     host_ticks_per_second, bitsd(atomic_load_explicit(&d->rate_bits, memory_order_relaxed)),
                                     d->cfg.period, atomic_load_explicit(&d->clock_seed, memory_order_relaxed));
    return VOCANA_HAL_NO_ERROR;
}

/* ----------------------------------------------------------------- clock */

vocana_hal_timestamp vocana_hal_zero_timestamp(uint64_t anchor_host_time, uint64_t now_host_time,
                                               double host_ticks_per_second, double sample_rate,
                                               uint32_t period, uint64_t seed) {
    vocana_hal_timestamp t = {0.0, anchor_host_time, seed};
    if (!(host_ticks_per_second > 0) || !(sample_rate > 0) || period == 0) {
        return t;
    }
    double ticks_per_period = (double)period * host_ticks_per_second / sample_rate;
    if (!(ticks_per_period >= 1.0) || ticks_per_period > 0x1p52) {
        return t; /* a host clock slower than the sample clock, or absurd: no series */
    }
    /* unsigned difference: correct across a 64-bit wrap of the host clock */
    uint64_t elapsed = now_host_time - anchor_host_time;
    if (elapsed > (UINT64_C(1) << 62)) {
        return t; /* now is before the anchor (or millennia after it) */
    }
    uint64_t k = (uint64_t)((double)elapsed / ticks_per_period);
    /* the stamp's host time rounds k periods to the nearest tick; keep it at or before now */
    for (int i = 0; i < 2; i++) {
        uint64_t offset = (uint64_t)llround((double)k * ticks_per_period);
        if (offset > elapsed && k > 0) {
            k--;
        } else {
            break;
        }
    }
    while ((uint64_t)llround((double)(k + 1) * ticks_per_period) <= elapsed) {
        k++;
    }
    t.sample_time = (double)k * (double)period;
    t.host_time = anchor_host_time + (uint64_t)llround((double)k * ticks_per_period);
    return t;
}

/* -------------------------------------------------------------------- IO */

void vocana_hal_apply_volume(const vocana_hal_device *dev, float *samples, uint32_t n) {
    if (dev == NULL || samples == NULL) {
        return;
    }
    float gain = 0.0f;
    if (!atomic_load_explicit(&dev->mute, memory_order_relaxed)) {
        float scalar = bitsf(atomic_load_explicit(&dev->volume_bits, memory_order_relaxed));
        gain = scalar >= 1.0f ? 1.0f : scalar <= 0.0f ? 0.0f : powf(10.0f, volume_db(scalar) / 20.0f);
    }
    if (gain == 1.0f) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        samples[i] *= gain;
    }
}

/* ---------------------------------------------------------- configuration */

#define CONFIG_MAX_BYTES 65536u
_Static_assert(VOCANA_HAL_RING_ID_SIZE == VOCANA_DEVICE_ID_SIZE, "a ring id is a device id of the region");
#define UID_PREFIX "org.vocana.device."

static void device_defaults(vocana_hal_device_config *c, const char *ring_id) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", ring_id);
    snprintf(c->uid, sizeof c->uid, UID_PREFIX "%s", ring_id);
    c->channels = 2;
    c->sample_rate = 48000;
    c->period = 16384;
}

void vocana_hal_default_config(vocana_hal_config *out) {
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    out->count = 1;
    memcpy(out->ring_id[0], "vocana", sizeof "vocana");
    device_defaults(&out->devices[0], "vocana");
    memcpy(out->devices[0].name, "Vocana", sizeof "Vocana");
}

static int32_t config_error(char *why, size_t why_len, unsigned line, const char *fmt, ...) {
    if (why != NULL && why_len > 0) {
        int n = line > 0 ? snprintf(why, why_len, "line %u: ", line) : 0;
        if (n >= 0 && (size_t)n < why_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(why + n, why_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return VOCANA_HAL_ILLEGAL_OPERATION;
}

/* A whole decimal number in [lo, hi] spelled by s[0..n), or -1. */
static long config_number(const char *s, size_t n, long lo, long hi) {
    if (n == 0 || n > 10) {
        return -1;
    }
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? (long)v : -1;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), no control characters. */
static bool config_name_ok(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0 || n >= VOCANA_HAL_MAX_STRING) {
        return false;
    }
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t more;
        unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the first continuation byte */
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return false;
        }
        if (i + more >= n) { /* the sequence runs past the end */
            return false;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return false;
        }
        for (size_t k = 2; k <= more; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
                return false;
            }
        }
        if (c == 0xc2 && s[i + 1] < 0xa0) {
            return false; /* C1 control characters */
        }
        i += more + 1;
    }
    return true;
}

int32_t vocana_hal_parse_config(const char *text, size_t len, vocana_hal_config *out, char *why, size_t why_len) {
    if (why != NULL && why_len > 0) {
        why[0] = '\0';
    }
    if (out == NULL || (text == NULL && len > 0)) {
        return config_error(why, why_len, 0, "no text or no result");
    }
    if (len > CONFIG_MAX_BYTES) {
        return config_error(why, why_len, 0, "the file is larger than 64 KiB");
    }
    memset(out, 0, sizeof *out);
    unsigned line = 0;
    size_t pos = 0;
    vocana_hal_device_config *cur = NULL;
    while (pos < len) {
        line++;
        size_t end = pos;
        while (end < len && text[end] != '\n') {
            end++;
        }
        const char *s = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
            n--;
        }
        while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
            s++;
            n--;
        }
        if (n == 0 || s[0] == '#') {
            continue;
        }
        if (s[0] == '[') {
            if (s[n - 1] != ']') {
                return config_error(why, why_len, line, "a device section is [ring-id], with the closing ']'");
            }
            if (out->count == VOCANA_HAL_MAX_DEVICES) {
                return config_error(why, why_len, line, "more than 8 devices");
            }
            char id[VOCANA_HAL_RING_ID_SIZE];
            size_t idn = n - 2;
            if (idn == 0 || idn > VOCANA_SHM_NAME_MAX - (sizeof VOCANA_SHM_PREFIX - 1)) {
                return config_error(why, why_len, line, "a ring id is 1..22 characters");
            }
            memcpy(id, s + 1, idn);
            id[idn] = '\0';
            if (memchr(id, '\0', idn) != NULL || !vocana_device_id_valid(id)) {
                return config_error(why, why_len, line, "ring id '%s' is invalid: accepted A-Z a-z 0-9 _ . - (not '.' first)", id);
            }
            for (uint32_t i = 0; i < out->count; i++) {
                if (strcmp(out->ring_id[i], id) == 0) {
                    return config_error(why, why_len, line, "device [%s] is configured twice", id);
                }
            }
            memcpy(out->ring_id[out->count], id, idn + 1);
            cur = &out->devices[out->count];
            device_defaults(cur, id);
            out->count++;
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (eq == NULL) {
            return config_error(why, why_len, line, "expected key=value or [ring-id]");
        }
        size_t kn = (size_t)(eq - s);
        while (kn > 0 && (s[kn - 1] == ' ' || s[kn - 1] == '\t')) {
            kn--;
        }
        const char *v = eq + 1;
        size_t vn = n - (size_t)(v - s);
        while (vn > 0 && (v[0] == ' ' || v[0] == '\t')) {
            v++;
            vn--;
        }
        long num;
        if (cur == NULL) {
            if (kn != 5 || memcmp(s, "owner", 5) != 0) {
                return config_error(why, why_len, line, "a key before the first [ring-id] section (only owner= goes there)");
            }
            if (out->has_owner) {
                return config_error(why, why_len, line, "owner is given twice");
            }
            if ((num = config_number(v, vn, 0, 2147483647L)) < 0) {
                return config_error(why, why_len, line, "owner must be a numeric user id, 0..2147483647");
            }
            out->owner = (uint32_t)num;
            out->has_owner = true;
            continue;
        }
        if (kn == 4 && memcmp(s, "name", 4) == 0) {
            if (!config_name_ok(v, vn)) {
                return config_error(why, why_len, line, "name must be 1..127 bytes of UTF-8 without control characters");
            }
            memcpy(cur->name, v, vn);
            cur->name[vn] = '\0';
        } else if (kn == 8 && memcmp(s, "channels", 8) == 0) {
            if ((num = config_number(v, vn, 1, 8)) < 0) {
                return config_error(why, why_len, line, "channels must be 1..8");
            }
            cur->channels = (uint32_t)num;
        } else if (kn == 4 && memcmp(s, "rate", 4) == 0) {
            if ((num = config_number(v, vn, 1, 192000)) < 0 || !known_rate((double)num)) {
                return config_error(why, why_len, line, "rate must be 44100, 48000, 88200, 96000, 176400 or 192000");
            }
            cur->sample_rate = (double)num;
        } else if (kn == 7 && memcmp(s, "latency", 7) == 0) {
            if ((num = config_number(v, vn, 0, 65536)) < 0) {
                return config_error(why, why_len, line, "latency must be 0..65536 frames");
            }
            cur->latency = (uint32_t)num;
        } else if (kn == 13 && memcmp(s, "safety_offset", 13) == 0) {
            if ((num = config_number(v, vn, 0, 65536)) < 0) {
                return config_error(why, why_len, line, "safety_offset must be 0..65536 frames");
            }
            cur->safety_offset = (uint32_t)num;
        } else {
            char key[24];
            size_t shown = kn < sizeof key - 1 ? kn : sizeof key - 1;
            for (size_t i = 0; i < shown; i++) {
                key[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
            }
            key[shown] = '\0';
            return config_error(why, why_len, line,
                                "unknown key '%s'; accepted: name, channels, rate, latency, safety_offset", key);
        }
    }
    if (out->count == 0) {
        return config_error(why, why_len, 0, "no device: add a [ring-id] section");
    }
    return VOCANA_HAL_NO_ERROR;
}
