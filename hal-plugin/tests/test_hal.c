/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HAL model: objects, property validation and dispatch, rate change, clock, IO sessions. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "vocana/hal.h"

static const vocana_hal_device_config DEV0 = {
    .name = "Vocana", .uid = "org.vocana.device.vocana", .channels = 2, .sample_rate = 48000,
    .safety_offset = 32, .latency = 256, .period = 16384};
static const vocana_hal_device_config DEV1 = {
    .name = "Vocana Mic", .uid = "org.vocana.device.mic", .channels = 1, .sample_rate = 44100,
    .safety_offset = 0, .latency = 0, .period = 4096};

static void make(vocana_hal *hal) {
    vocana_hal_device_config devs[2] = {DEV0, DEV1};
    const char *why = "unset";
    CHECK_EQ(vocana_hal_init(hal, devs, 2, &why), VOCANA_HAL_NO_ERROR);
    CHECK(why == NULL);
}

static uint32_t dev_id(uint32_t index, uint32_t role) {
    return VOCANA_HAL_DEVICE_BASE + index * VOCANA_HAL_IDS_PER_DEVICE + role;
}

static vocana_hal_address at(uint32_t selector, uint32_t scope) {
    return (vocana_hal_address){selector, scope, VOCANA_ELEMENT_MAIN};
}

static uint32_t get_u32(const vocana_hal *hal, uint32_t object, uint32_t selector, uint32_t scope) {
    vocana_hal_address a = at(selector, scope);
    uint32_t v = 0xdeadbeef, size = 0;
    CHECK_EQ(vocana_hal_get(hal, object, &a, 0, NULL, 4, &size, &v), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 4);
    return v;
}

static const char *get_string(const vocana_hal *hal, uint32_t object, uint32_t selector) {
    vocana_hal_address a = at(selector, VOCANA_SCOPE_GLOBAL);
    const char *s = NULL;
    uint32_t size = 0;
    CHECK_EQ(vocana_hal_get(hal, object, &a, 0, NULL, sizeof s, &size, &s), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, sizeof s);
    return s ? s : "";
}

static void test_init_rejects_bad_configurations(void) {
    vocana_hal hal;
    const char *why;
    struct {
        vocana_hal_device_config c;
        const char *why;
    } bad[] = {
        {{.name = "", .uid = "u", .channels = 2, .sample_rate = 48000, .period = 16384}, "device name must be 1..127 bytes"},
        {{.name = "n", .uid = "", .channels = 2, .sample_rate = 48000, .period = 16384}, "device UID must be 1..121 bytes"},
        {{.name = "n", .uid = "u", .channels = 0, .sample_rate = 48000, .period = 16384}, "channels must be 1..8"},
        {{.name = "n", .uid = "u", .channels = 9, .sample_rate = 48000, .period = 16384}, "channels must be 1..8"},
        {{.name = "n", .uid = "u", .channels = 2, .sample_rate = 22050, .period = 16384},
         "sample rate must be 44100, 48000, 88200, 96000, 176400 or 192000"},
        {{.name = "n", .uid = "u", .channels = 2, .sample_rate = 48000, .period = 1024},
         "zero time stamp period must be 4096..65536 frames"},
        {{.name = "n", .uid = "u", .channels = 2, .sample_rate = 48000, .period = 16384, .latency = 70000},
         "latency and safety offset must be 0..65536 frames"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(vocana_hal_init(&hal, &bad[i].c, 1, &why), VOCANA_HAL_ILLEGAL_OPERATION);
        CHECK(why != NULL && strcmp(why, bad[i].why) == 0);
    }
    vocana_hal_device_config twins[2] = {DEV0, DEV0};
    CHECK_EQ(vocana_hal_init(&hal, twins, 2, &why), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK(strcmp(why, "two devices have the same UID") == 0);
    CHECK_EQ(vocana_hal_init(&hal, twins, 0, &why), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK_EQ(vocana_hal_init(&hal, twins, 9, &why), VOCANA_HAL_ILLEGAL_OPERATION);
    vocana_hal_device_config unterminated = DEV0;
    memset(unterminated.name, 'x', sizeof unterminated.name);
    CHECK_EQ(vocana_hal_init(&hal, &unterminated, 1, &why), VOCANA_HAL_ILLEGAL_OPERATION);
}

static void test_objects_and_their_classes(void) {
    vocana_hal hal;
    make(&hal);
    CHECK_EQ(vocana_hal_class_of(&hal, VOCANA_HAL_PLUGIN_ID), VOCANA_CLASS_PLUGIN);
    CHECK_EQ(vocana_hal_class_of(&hal, VOCANA_HAL_BOX_ID), VOCANA_CLASS_BOX);
    for (uint32_t d = 0; d < 2; d++) {
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, VOCANA_ROLE_DEVICE)), VOCANA_CLASS_DEVICE);
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, VOCANA_ROLE_INPUT_STREAM)), VOCANA_CLASS_STREAM);
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, VOCANA_ROLE_OUTPUT_STREAM)), VOCANA_CLASS_STREAM);
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, VOCANA_ROLE_VOLUME)), VOCANA_CLASS_VOLUME_CONTROL);
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, VOCANA_ROLE_MUTE)), VOCANA_CLASS_MUTE_CONTROL);
        CHECK_EQ(vocana_hal_class_of(&hal, dev_id(d, 5)), 0);
    }
    CHECK_EQ(vocana_hal_class_of(&hal, 0), 0);
    CHECK_EQ(vocana_hal_class_of(&hal, 3), 0);
    CHECK_EQ(vocana_hal_class_of(&hal, dev_id(2, VOCANA_ROLE_DEVICE)), 0); /* only two devices */
    CHECK_EQ(vocana_hal_class_of(NULL, 1), 0);
    /* owners */
    CHECK_EQ(get_u32(&hal, VOCANA_HAL_BOX_ID, VOCANA_P_OWNER, VOCANA_SCOPE_GLOBAL), VOCANA_HAL_PLUGIN_ID);
    CHECK_EQ(get_u32(&hal, dev_id(1, VOCANA_ROLE_DEVICE), VOCANA_P_OWNER, VOCANA_SCOPE_GLOBAL), VOCANA_HAL_PLUGIN_ID);
    CHECK_EQ(get_u32(&hal, dev_id(1, VOCANA_ROLE_MUTE), VOCANA_P_OWNER, VOCANA_SCOPE_GLOBAL),
             dev_id(1, VOCANA_ROLE_DEVICE));
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_VOLUME), VOCANA_P_BASE_CLASS, VOCANA_SCOPE_GLOBAL),
             VOCANA_CLASS_LEVEL_CONTROL);
}

static void test_lists_translation_and_strings(void) {
    vocana_hal hal;
    make(&hal);
    vocana_hal_address a = at(VOCANA_P_DEVICE_LIST, VOCANA_SCOPE_GLOBAL);
    uint32_t ids[8] = {0}, size = 0;
    CHECK_EQ(vocana_hal_get_size(&hal, VOCANA_HAL_PLUGIN_ID, &a, 0, NULL, &size), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 8);
    CHECK_EQ(vocana_hal_get(&hal, VOCANA_HAL_PLUGIN_ID, &a, 0, NULL, sizeof ids, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 8);
    CHECK_EQ(ids[0], dev_id(0, 0));
    CHECK_EQ(ids[1], dev_id(1, 0));
    /* as many as fit */
    CHECK_EQ(vocana_hal_get(&hal, VOCANA_HAL_PLUGIN_ID, &a, 0, NULL, 7, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 4);
    /* owned objects of a device, filtered by class through the qualifier */
    vocana_hal_address owned = at(VOCANA_P_OWNED_OBJECTS, VOCANA_SCOPE_GLOBAL);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, 0), &owned, 0, NULL, sizeof ids, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 16);
    uint32_t want = VOCANA_CLASS_STREAM;
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, 0), &owned, 4, &want, sizeof ids, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 8);
    CHECK_EQ(ids[0], dev_id(0, VOCANA_ROLE_INPUT_STREAM));
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, 0), &owned, 3, &want, sizeof ids, &size, ids), VOCANA_HAL_BAD_PROPERTY_SIZE);
    /* streams by scope */
    vocana_hal_address streams = at(VOCANA_P_STREAMS, VOCANA_SCOPE_INPUT);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(1, 0), &streams, 0, NULL, sizeof ids, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 4);
    CHECK_EQ(ids[0], dev_id(1, VOCANA_ROLE_INPUT_STREAM));
    streams.scope = VOCANA_SCOPE_OUTPUT;
    CHECK_EQ(vocana_hal_get(&hal, dev_id(1, 0), &streams, 0, NULL, sizeof ids, &size, ids), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(ids[0], dev_id(1, VOCANA_ROLE_OUTPUT_STREAM));
    /* UID translation: the qualifier is the UID's bytes */
    vocana_hal_address tr = at(VOCANA_P_TRANSLATE_UID_TO_DEVICE, VOCANA_SCOPE_GLOBAL);
    uint32_t id = 0;
    const char *uid = "org.vocana.device.mic";
    CHECK_EQ(vocana_hal_get(&hal, 1, &tr, (uint32_t)strlen(uid), uid, 4, &size, &id), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(id, dev_id(1, 0));
    CHECK_EQ(vocana_hal_get(&hal, 1, &tr, 5, "nosuch", 4, &size, &id), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(id, 0); /* kAudioObjectUnknown */
    CHECK_EQ(vocana_hal_get(&hal, 1, &tr, 0, uid, 4, &size, &id), VOCANA_HAL_BAD_PROPERTY_SIZE);
    CHECK_EQ(vocana_hal_get(&hal, 1, &tr, 4, NULL, 4, &size, &id), VOCANA_HAL_BAD_PROPERTY_SIZE);
    /* strings */
    CHECK(strcmp(get_string(&hal, dev_id(1, 0), VOCANA_P_NAME), "Vocana Mic") == 0);
    CHECK(strcmp(get_string(&hal, dev_id(1, 0), VOCANA_P_DEVICE_UID), "org.vocana.device.mic") == 0);
    CHECK(strcmp(get_string(&hal, dev_id(1, 0), VOCANA_P_MODEL_UID), "org.vocana.device.mic.model") == 0);
    CHECK(strcmp(get_string(&hal, VOCANA_HAL_BOX_ID, VOCANA_P_BOX_UID), "org.vocana.box") == 0);
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_TRANSPORT_TYPE, VOCANA_SCOPE_GLOBAL), VOCANA_TRANSPORT_VIRTUAL);
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_SAFETY_OFFSET, VOCANA_SCOPE_OUTPUT), 32);
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_ZERO_TIMESTAMP_PERIOD, VOCANA_SCOPE_GLOBAL), 16384);
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_INPUT_STREAM), VOCANA_P_STREAM_DIRECTION, VOCANA_SCOPE_GLOBAL), 1);
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_OUTPUT_STREAM), VOCANA_P_STREAM_DIRECTION, VOCANA_SCOPE_GLOBAL), 0);
}

static void test_every_property_honours_its_size(void) {
    vocana_hal hal;
    make(&hal);
    uint32_t objects[] = {1, 2, dev_id(0, 0), dev_id(0, 1), dev_id(0, 2), dev_id(0, 3), dev_id(0, 4), dev_id(1, 0)};
    const char *uid = "org.vocana.device.vocana";
    int present = 0;
    for (size_t o = 0; o < sizeof objects / sizeof objects[0]; o++) {
        /* every selector the model knows, and two it does not */
        for (size_t s = 0; s < VOCANA_HAL_SELECTOR_COUNT + 2; s++) {
            uint32_t sel = s < VOCANA_HAL_SELECTOR_COUNT ? vocana_hal_selectors[s]
                           : s == VOCANA_HAL_SELECTOR_COUNT ? VOCANA_FOURCC('z', 'z', 'z', 'z') : 0;
            vocana_hal_address a = at(sel, VOCANA_SCOPE_GLOBAL);
            bool uidq = a.selector == VOCANA_P_TRANSLATE_UID_TO_BOX || a.selector == VOCANA_P_TRANSLATE_UID_TO_DEVICE;
            uint32_t qs = uidq ? (uint32_t)strlen(uid) : 0;
            uint32_t size = 0;
            if (!vocana_hal_has_property(&hal, objects[o], &a)) {
                CHECK_EQ(vocana_hal_get_size(&hal, objects[o], &a, qs, uid, &size), VOCANA_HAL_UNKNOWN_PROPERTY);
                continue;
            }
            present++;
            CHECK_EQ(vocana_hal_get_size(&hal, objects[o], &a, qs, uid, &size), VOCANA_HAL_NO_ERROR);
            CHECK(size <= 512);
            CHECK(size > 0 || a.selector == VOCANA_P_OWNED_OBJECTS); /* leaves own nothing */
            unsigned char buf[520];
            memset(buf, 0, sizeof buf);
            uint32_t got = 0;
            CHECK_EQ(vocana_hal_get(&hal, objects[o], &a, qs, uid, size, &got, buf), VOCANA_HAL_NO_ERROR);
            CHECK_EQ(got, size);
            /* one byte short: a fixed-size property is refused, an array gives one item less */
            if (size > 0) {
                int32_t st = vocana_hal_get(&hal, objects[o], &a, qs, uid, size - 1, &got, buf);
                CHECK(st == VOCANA_HAL_BAD_PROPERTY_SIZE || (st == VOCANA_HAL_NO_ERROR && got < size));
            }
            CHECK_EQ(vocana_hal_get(&hal, objects[o], &a, qs, uid, size, &got, NULL), VOCANA_HAL_ILLEGAL_OPERATION);
            CHECK_EQ(vocana_hal_get(&hal, objects[o], &a, qs, uid, size, NULL, buf), VOCANA_HAL_ILLEGAL_OPERATION);
            /* other elements do not exist; unknown scopes neither */
            vocana_hal_address e = a;
            e.element = 1;
            CHECK(!vocana_hal_has_property(&hal, objects[o], &e));
            e = a;
            e.scope = VOCANA_FOURCC('n', 'o', 'n', 'e');
            CHECK_EQ(vocana_hal_get(&hal, objects[o], &e, qs, uid, size, &got, buf), VOCANA_HAL_UNKNOWN_PROPERTY);
        }
    }
    CHECK(present > 80);
    for (size_t i = 0; i < VOCANA_HAL_SELECTOR_COUNT; i++) {
        bool somewhere = false;
        for (size_t o = 0; o < sizeof objects / sizeof objects[0]; o++) {
            vocana_hal_address a = at(vocana_hal_selectors[i], VOCANA_SCOPE_GLOBAL);
            somewhere = somewhere || vocana_hal_has_property(&hal, objects[o], &a);
        }
        CHECK(somewhere);
    }
    vocana_hal_address a = at(VOCANA_P_CLASS, VOCANA_SCOPE_GLOBAL);
    uint32_t v, size;
    CHECK_EQ(vocana_hal_get(&hal, 99, &a, 0, NULL, 4, &size, &v), VOCANA_HAL_BAD_OBJECT);
    CHECK_EQ(vocana_hal_get(&hal, 1, NULL, 0, NULL, 4, &size, &v), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK_EQ(vocana_hal_get(NULL, 1, &a, 0, NULL, 4, &size, &v), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK(!vocana_hal_has_property(&hal, 1, NULL));
}

static void test_formats_and_rates(void) {
    vocana_hal hal;
    make(&hal);
    vocana_hal_address a = at(VOCANA_P_STREAM_VIRTUAL_FORMAT, VOCANA_SCOPE_GLOBAL);
    vocana_hal_asbd f;
    uint32_t size;
    CHECK_EQ(sizeof f, 40);
    CHECK_EQ(sizeof(vocana_hal_ranged_asbd), 56);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, VOCANA_ROLE_OUTPUT_STREAM), &a, 0, NULL, sizeof f, &size, &f),
             VOCANA_HAL_NO_ERROR);
    CHECK(f.sample_rate == 48000);
    CHECK_EQ(f.format_id, VOCANA_FORMAT_LINEAR_PCM);
    CHECK_EQ(f.format_flags, 9);
    CHECK_EQ(f.channels_per_frame, 2);
    CHECK_EQ(f.bytes_per_frame, 8);
    CHECK_EQ(f.bits_per_channel, 32);
    vocana_hal_address rates = at(VOCANA_P_AVAILABLE_SAMPLE_RATES, VOCANA_SCOPE_GLOBAL);
    vocana_hal_range r[8];
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, 0), &rates, 0, NULL, sizeof r, &size, r), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(size, 6 * sizeof r[0]);
    CHECK(r[0].minimum == 44100 && r[5].maximum == 192000);
    vocana_hal_address range = at(VOCANA_P_BUFFER_FRAME_SIZE_RANGE, VOCANA_SCOPE_GLOBAL);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, 0), &range, 0, NULL, sizeof r[0], &size, r), VOCANA_HAL_NO_ERROR);
    CHECK(r[0].minimum == 16 && r[0].maximum == 4096);
}

static double rate_of(const vocana_hal *hal, uint32_t device) {
    vocana_hal_address a = at(VOCANA_P_NOMINAL_SAMPLE_RATE, VOCANA_SCOPE_GLOBAL);
    double r = 0;
    uint32_t size;
    CHECK_EQ(vocana_hal_get(hal, dev_id(device, 0), &a, 0, NULL, 8, &size, &r), VOCANA_HAL_NO_ERROR);
    return r;
}

static void test_rate_change_is_requested_then_performed_per_device(void) {
    vocana_hal hal;
    make(&hal);
    vocana_hal_address a = at(VOCANA_P_NOMINAL_SAMPLE_RATE, VOCANA_SCOPE_GLOBAL);
    double bad = 22050, good = 96000;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &a, 0, NULL, 8, &bad, NULL), VOCANA_HAL_UNSUPPORTED_FORMAT);
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &a, 0, NULL, 4, &good, NULL), VOCANA_HAL_BAD_PROPERTY_SIZE);
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &a, 0, NULL, 8, NULL, NULL), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK(!vocana_hal_change_pending(&hal, 0));
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &a, 0, NULL, 8, &good, NULL), VOCANA_HAL_NO_ERROR);
    CHECK(vocana_hal_change_pending(&hal, 0));
    CHECK(rate_of(&hal, 0) == 48000); /* not yet: the HAL performs the change later */
    CHECK_EQ(vocana_hal_start_io(&hal, 0, 1000), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_ILLEGAL_OPERATION); /* IO must be stopped */
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NO_ERROR);
    uint64_t seed = atomic_load(&hal.devices[0].clock_seed);
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK(rate_of(&hal, 0) == 96000);
    CHECK(rate_of(&hal, 1) == 44100); /* the other device keeps its own */
    CHECK(atomic_load(&hal.devices[0].clock_seed) != seed);
    CHECK(!vocana_hal_change_pending(&hal, 0));
    CHECK_EQ(vocana_hal_perform_change(&hal, 7), VOCANA_HAL_BAD_DEVICE);
    /* the host's latency joins the device's reported latency through the same change */
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_LATENCY, VOCANA_SCOPE_OUTPUT), 256);
    CHECK(vocana_hal_note_host_latency(&hal, 0, 96));
    CHECK(vocana_hal_change_pending(&hal, 0));
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_LATENCY, VOCANA_SCOPE_OUTPUT), 256);
    seed = atomic_load(&hal.devices[0].clock_seed);
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_LATENCY, VOCANA_SCOPE_OUTPUT), 256 + 96);
    /* ...in the output scope only: a round trip through the device counts it once */
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_LATENCY, VOCANA_SCOPE_INPUT), 256);
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_OUTPUT_STREAM), VOCANA_P_LATENCY, VOCANA_SCOPE_GLOBAL), 0);
    CHECK_EQ(atomic_load(&hal.devices[0].clock_seed), seed); /* same rate: the clock goes on */
    CHECK(!vocana_hal_note_host_latency(&hal, 0, 96));
    CHECK(!vocana_hal_change_pending(&hal, 0));
    /* a format with another rate is a rate request too; another layout is refused */
    vocana_hal_address fa = at(VOCANA_P_STREAM_VIRTUAL_FORMAT, VOCANA_SCOPE_GLOBAL);
    vocana_hal_asbd f;
    uint32_t size;
    CHECK_EQ(vocana_hal_get(&hal, dev_id(1, 1), &fa, 0, NULL, sizeof f, &size, &f), VOCANA_HAL_NO_ERROR);
    f.sample_rate = 48000;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(1, 1), &fa, 0, NULL, sizeof f, &f, NULL), VOCANA_HAL_NO_ERROR);
    CHECK(vocana_hal_change_pending(&hal, 1));
    f.format_flags = 0;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(1, 1), &fa, 0, NULL, sizeof f, &f, NULL), VOCANA_HAL_UNSUPPORTED_FORMAT);
}

static void test_volume_and_mute_are_per_device_and_notify(void) {
    vocana_hal hal;
    make(&hal);
    vocana_hal_address sc = at(VOCANA_P_LEVEL_SCALAR, VOCANA_SCOPE_GLOBAL);
    vocana_hal_address db = at(VOCANA_P_LEVEL_DECIBELS, VOCANA_SCOPE_GLOBAL);
    vocana_hal_changes ch;
    float v = 0.5f, out = 0;
    uint32_t size;
    bool settable = false;
    CHECK_EQ(vocana_hal_is_settable(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, &settable), VOCANA_HAL_NO_ERROR);
    CHECK(settable);
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &v, &ch), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(ch.count, 2);
    CHECK_EQ(ch.object[0], dev_id(0, VOCANA_ROLE_VOLUME));
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &v, &ch), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(ch.count, 0); /* unchanged: nothing to notify */
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &db, 0, NULL, 4, &size, &out), VOCANA_HAL_NO_ERROR);
    CHECK(fabsf(out - -48.0f) < 1e-4f);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(1, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &size, &out), VOCANA_HAL_NO_ERROR);
    CHECK(out == 1.0f); /* the other device's volume is untouched */
    float nan = NAN, loud = 12.0f;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &nan, &ch), VOCANA_HAL_ILLEGAL_OPERATION);
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &db, 0, NULL, 4, &loud, &ch), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &size, &out), VOCANA_HAL_NO_ERROR);
    CHECK(out == 1.0f); /* +12 dB clamps to the top of the range */
    /* conversions take the value in the buffer */
    vocana_hal_address conv = at(VOCANA_P_LEVEL_SCALAR_TO_DECIBELS, VOCANA_SCOPE_GLOBAL);
    float x = 0.25f;
    CHECK_EQ(vocana_hal_get(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &conv, 0, NULL, 4, &size, &x), VOCANA_HAL_NO_ERROR);
    CHECK(fabsf(x - -72.0f) < 1e-4f);
    /* mute */
    vocana_hal_address mute = at(VOCANA_P_BOOLEAN_VALUE, VOCANA_SCOPE_GLOBAL);
    uint32_t on = 1;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(1, VOCANA_ROLE_MUTE), &mute, 0, NULL, 4, &on, &ch), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(ch.count, 1);
    CHECK_EQ(get_u32(&hal, dev_id(1, VOCANA_ROLE_MUTE), VOCANA_P_BOOLEAN_VALUE, VOCANA_SCOPE_GLOBAL), 1);
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_MUTE), VOCANA_P_BOOLEAN_VALUE, VOCANA_SCOPE_GLOBAL), 0);
    float block[4] = {1, -1, 0.5f, 0.25f};
    vocana_hal_apply_volume(&hal.devices[1], block, 4);
    CHECK(block[0] == 0 && block[1] == 0 && block[3] == 0);
    float half[2] = {1, -1};
    v = 0.5f;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, VOCANA_ROLE_VOLUME), &sc, 0, NULL, 4, &v, &ch), VOCANA_HAL_NO_ERROR);
    vocana_hal_apply_volume(&hal.devices[0], half, 2);
    CHECK(fabsf(half[0] - powf(10.0f, -48.0f / 20.0f)) < 1e-7f && half[1] == -half[0]);
    /* read-only properties say so */
    vocana_hal_address name = at(VOCANA_P_NAME, VOCANA_SCOPE_GLOBAL);
    const char *s = "x";
    CHECK_EQ(vocana_hal_is_settable(&hal, dev_id(0, 0), &name, &settable), VOCANA_HAL_NO_ERROR);
    CHECK(!settable);
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &name, 0, NULL, sizeof s, &s, &ch), VOCANA_HAL_UNSUPPORTED_OPERATION);
    CHECK_EQ(vocana_hal_set(&hal, 55, &name, 0, NULL, sizeof s, &s, &ch), VOCANA_HAL_BAD_OBJECT);
}

static void test_io_start_stop_and_running(void) {
    vocana_hal hal;
    make(&hal);
    vocana_hal_timestamp t;
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NOT_RUNNING);
    CHECK_EQ(vocana_hal_device_zero_timestamp(&hal, 0, 5, 24e6, &t), VOCANA_HAL_NOT_RUNNING);
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_DEVICE_IS_RUNNING, VOCANA_SCOPE_GLOBAL), 0);
    CHECK_EQ(vocana_hal_start_io(&hal, 0, 1000), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_start_io(&hal, 0, 9999), VOCANA_HAL_NO_ERROR); /* a second client: same anchor */
    CHECK_EQ(get_u32(&hal, dev_id(0, 0), VOCANA_P_DEVICE_IS_RUNNING, VOCANA_SCOPE_GLOBAL), 1);
    CHECK_EQ(get_u32(&hal, dev_id(1, 0), VOCANA_P_DEVICE_IS_RUNNING, VOCANA_SCOPE_GLOBAL), 0);
    CHECK_EQ(vocana_hal_device_zero_timestamp(&hal, 0, 1000 + 16384 * 500, 24e6, &t), VOCANA_HAL_NO_ERROR);
    CHECK(t.sample_time == 16384 && t.host_time == 1000 + 16384 * 500);
    CHECK_EQ(vocana_hal_io_session(&hal.devices[0]), 1);
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NOT_RUNNING);
    CHECK_EQ(vocana_hal_start_io(&hal, 8, 0), VOCANA_HAL_BAD_DEVICE);
    /* IO stopped for a while, then started again: a new session, but the clock never restarts:
     * the sample time goes on from the first anchor (frames queued in the rings keep their
     * times), with the same seed */
    uint64_t seed = t.seed;
    CHECK_EQ(vocana_hal_start_io(&hal, 0, 1000 + 16384 * 500 * 7), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_io_session(&hal.devices[0]), 2);
    CHECK_EQ(vocana_hal_device_zero_timestamp(&hal, 0, 1000 + 16384 * 500 * 9 + 3, 24e6, &t), VOCANA_HAL_NO_ERROR);
    CHECK(t.sample_time == 9 * 16384 && t.host_time == 1000 + 16384 * 500 * 9 && t.seed == seed);
    CHECK_EQ(vocana_hal_stop_io(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_io_session(NULL), 0);
}

static void test_zero_timestamps_are_exact_and_wrap_safe(void) {
    /* 24 MHz host clock, 48 kHz: 500 ticks per frame, a period of 16384 frames = 8192000 ticks */
    vocana_hal_timestamp t = vocana_hal_zero_timestamp(100, 100, 24e6, 48000, 16384, 7);
    CHECK(t.sample_time == 0 && t.host_time == 100 && t.seed == 7);
    t = vocana_hal_zero_timestamp(100, 100 + 8191999, 24e6, 48000, 16384, 7);
    CHECK(t.sample_time == 0);
    t = vocana_hal_zero_timestamp(100, 100 + 8192000, 24e6, 48000, 16384, 7);
    CHECK(t.sample_time == 16384 && t.host_time == 100 + 8192000);
    /* a year later, still on the grid */
    uint64_t year = 365ull * 86400 * 24000000;
    t = vocana_hal_zero_timestamp(100, 100 + year, 24e6, 48000, 16384, 7);
    uint64_t k = year / 8192000;
    CHECK(t.sample_time == (double)(k * 16384) && t.host_time == 100 + k * 8192000);
    /* before the anchor: the first stamp */
    t = vocana_hal_zero_timestamp(1000, 10, 24e6, 48000, 16384, 7);
    CHECK(t.sample_time == 0 && t.host_time == 1000);
    /* across the 64-bit wrap of the host clock */
    uint64_t anchor = UINT64_MAX - 1000;
    t = vocana_hal_zero_timestamp(anchor, anchor + 3 * 8192000ull + 5, 24e6, 48000, 16384, 7);
    CHECK(t.sample_time == 3 * 16384.0 && t.host_time == anchor + 3 * 8192000ull);
    /* 44.1 kHz: ticks per frame are not whole; stamps stay at or before now, and monotonic */
    double last = -1;
    uint64_t last_host = 0;
    for (uint64_t now = 0; now < 24000000ull * 60; now += 999983) {
        t = vocana_hal_zero_timestamp(0, now, 24e6, 44100, 4096, 1);
        CHECK(t.host_time <= now);
        double next_host = (t.sample_time + 4096) * 24e6 / 44100;
        CHECK((double)now < next_host + 0.5);
        CHECK(t.sample_time >= last && t.host_time >= last_host);
        last = t.sample_time;
        last_host = t.host_time;
    }
    /* nonsense clock parameters: the anchor, not a division by zero */
    t = vocana_hal_zero_timestamp(5, 1000000, 0, 48000, 16384, 1);
    CHECK(t.sample_time == 0 && t.host_time == 5);
    t = vocana_hal_zero_timestamp(5, 1000000, 24e6, NAN, 16384, 1);
    CHECK(t.sample_time == 0);
}

static int32_t parse(const char *text, vocana_hal_config *c, char *why) {
    return vocana_hal_parse_config(text, strlen(text), c, why, 160);
}

static void test_config_file_is_parsed_and_checked(void) {
    vocana_hal_config c;
    char why[160];
    const char *text = "# two devices\nowner = 501\n[vocana]\nname = Vocana\n\n[mic]\r\nname=Vocana Mic (USB)\nchannels=1\n"
                       "rate=96000\nlatency=64\nsafety_offset=16\n";
    CHECK_EQ(parse(text, &c, why), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(c.count, 2);
    CHECK(c.has_owner && c.owner == 501);
    CHECK(strcmp(c.ring_id[1], "mic") == 0);
    CHECK(strcmp(c.devices[0].name, "Vocana") == 0);
    CHECK(strcmp(c.devices[1].name, "Vocana Mic (USB)") == 0);
    CHECK_EQ(parse("[a2345678901234567890_2]\n", &c, why), VOCANA_HAL_NO_ERROR);
    CHECK(!c.has_owner);
    CHECK_EQ(parse("owner=2147483647\n[a]\n", &c, why), VOCANA_HAL_NO_ERROR);
    CHECK(c.has_owner && c.owner == 2147483647u);
    CHECK_EQ(parse("[m]\nname=Micr\xc3\xb3" "fono \xe2\x80\x94 \xf0\x9f\x8e\x99\n", &c, why), VOCANA_HAL_NO_ERROR);
    CHECK(strcmp(c.devices[0].name, "Micr\xc3\xb3" "fono \xe2\x80\x94 \xf0\x9f\x8e\x99") == 0);
    CHECK_EQ(parse(text, &c, why), VOCANA_HAL_NO_ERROR);
    CHECK(strcmp(c.devices[1].uid, "org.vocana.device.mic") == 0);
    CHECK_EQ(c.devices[1].channels, 1);
    CHECK(c.devices[1].sample_rate == 96000);
    CHECK_EQ(c.devices[1].latency, 64);
    CHECK_EQ(c.devices[1].safety_offset, 16);
    CHECK_EQ(c.devices[0].channels, 2); /* defaults */
    CHECK(c.devices[0].sample_rate == 48000);
    vocana_hal hal;
    CHECK_EQ(vocana_hal_init(&hal, c.devices, c.count, NULL), VOCANA_HAL_NO_ERROR);
    struct {
        const char *text, *why;
    } bad[] = {
        {"", "no device: add a [ring-id] section"},
        {"name=x\n", "line 1: a key before the first [ring-id] section (only owner= goes there)"},
        {"owner=501\nowner=502\n[a]\n", "line 2: owner is given twice"},
        {"owner=alice\n[a]\n", "line 1: owner must be a numeric user id, 0..2147483647"},
        {"owner=-1\n[a]\n", "line 1: owner must be a numeric user id, 0..2147483647"},
        {"owner=2147483648\n[a]\n", "line 1: owner must be a numeric user id, 0..2147483647"},
        {"owner=99999999999\n[a]\n", "line 1: owner must be a numeric user id, 0..2147483647"},
        {"[a]\nowner=501\n", "line 2: unknown key 'owner'; accepted: name, channels, rate, latency, safety_offset"},
        {"[a23456789012345678901_3]\n", "line 1: a ring id is 1..22 characters"},
        {"[a]\nchannels=9\n", "line 2: channels must be 1..8"},
        {"[a]\nchannels=two\n", "line 2: channels must be 1..8"},
        {"[a]\nrate=22050\n", "line 2: rate must be 44100, 48000, 88200, 96000, 176400 or 192000"},
        {"[a]\nlatency=-1\n", "line 2: latency must be 0..65536 frames"},
        {"[a]\nvolume=3\n", "line 2: unknown key 'volume'; accepted: name, channels, rate, latency, safety_offset"},
        {"[a]\n[a]\n", "line 2: device [a] is configured twice"},
        {"[.hidden]\n", "line 1: ring id '.hidden' is invalid: accepted A-Z a-z 0-9 _ . - (not '.' first)"},
        {"[a/b]\n", "line 1: ring id 'a/b' is invalid: accepted A-Z a-z 0-9 _ . - (not '.' first)"},
        {"[a\n", "line 1: a device section is [ring-id], with the closing ']'"},
        {"[a]\nname=\n", "line 2: name must be 1..127 bytes of UTF-8 without control characters"},
        {"[a]\nname=a\tb\n", "line 2: name must be 1..127 bytes of UTF-8 without control characters"},
        {"[a]\njunk\n", "line 2: expected key=value or [ring-id]"},
        {"[a]\nname=caf\xc3\n", "line 2: name must be 1..127 bytes of UTF-8 without control characters"},
        {"[a]\nname=\xed\xa0\x80\n", "line 2: name must be 1..127 bytes of UTF-8 without control characters"},
        {"[a]\nname=\xc0\xaf\n", "line 2: name must be 1..127 bytes of UTF-8 without control characters"},
        {"[a]\n[b]\n[c]\n[d]\n[e]\n[f]\n[g]\n[h]\n[i]\n", "line 9: more than 8 devices"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(parse(bad[i].text, &c, why), VOCANA_HAL_ILLEGAL_OPERATION);
        if (strcmp(why, bad[i].why) != 0) {
            th_failures++;
            fprintf(stderr, "    config %zu: got '%s', want '%s'\n", i, why, bad[i].why);
        }
    }
    CHECK_EQ(vocana_hal_parse_config("[a]", 3, &c, NULL, 0), VOCANA_HAL_NO_ERROR); /* no room for a reason: fine */
    CHECK_EQ(vocana_hal_parse_config("[a]\0]", 5, &c, why, sizeof why), VOCANA_HAL_ILLEGAL_OPERATION);
    vocana_hal_default_config(&c);
    CHECK_EQ(c.count, 1);
    CHECK(strcmp(c.devices[0].name, "Vocana") == 0 && strcmp(c.ring_id[0], "vocana") == 0);
    CHECK_EQ(vocana_hal_init(&hal, c.devices, 1, NULL), VOCANA_HAL_NO_ERROR);
}

static void test_streams_name_their_terminals(void) {
    vocana_hal hal;
    make(&hal);
    /* CoreAudio's four-character codes (pinned against the SDK in macos/vocana_driver.c) */
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_INPUT_STREAM), VOCANA_P_STREAM_TERMINAL_TYPE, VOCANA_SCOPE_GLOBAL),
             0x6d696372u); /* 'micr' */
    CHECK_EQ(get_u32(&hal, dev_id(0, VOCANA_ROLE_OUTPUT_STREAM), VOCANA_P_STREAM_TERMINAL_TYPE, VOCANA_SCOPE_GLOBAL),
             0x73706b72u); /* 'spkr' */
}

static void test_the_device_follows_its_hosts_rate(void) {
    vocana_hal hal;
    make(&hal); /* device 0 at 48 kHz, device 1 at 44.1 kHz */
    CHECK(!vocana_hal_rate_matches(&hal.devices[0])); /* no host: no audio */
    CHECK(!vocana_hal_note_host_rate(&hal, 0, 48000)); /* the host runs at the device's rate */
    CHECK(vocana_hal_rate_matches(&hal.devices[0]));
    CHECK(!vocana_hal_change_pending(&hal, 0));
    /* a host at another offered rate: silent until the HAL has switched the device over */
    CHECK(vocana_hal_note_host_rate(&hal, 0, 96000));
    CHECK(!vocana_hal_rate_matches(&hal.devices[0]));
    CHECK(vocana_hal_change_pending(&hal, 0));
    CHECK(!vocana_hal_note_host_rate(&hal, 0, 96000)); /* requested once */
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK(rate_of(&hal, 0) == 96000);
    CHECK(vocana_hal_rate_matches(&hal.devices[0]));
    CHECK(rate_of(&hal, 1) == 44100); /* the other device is not touched */
    /* a user's rate request while the host runs is turned back to the host's rate */
    vocana_hal_address a = at(VOCANA_P_NOMINAL_SAMPLE_RATE, VOCANA_SCOPE_GLOBAL);
    double r = 44100;
    CHECK_EQ(vocana_hal_set(&hal, dev_id(0, 0), &a, 0, NULL, 8, &r, NULL), VOCANA_HAL_NO_ERROR);
    CHECK(vocana_hal_note_host_rate(&hal, 0, 96000));
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK(rate_of(&hal, 0) == 96000);
    /* coreaudiod aborts a change: it is asked for again */
    CHECK(vocana_hal_note_host_rate(&hal, 0, 48000));
    CHECK_EQ(vocana_hal_abort_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK(!vocana_hal_change_pending(&hal, 0));
    CHECK(rate_of(&hal, 0) == 96000);
    CHECK(vocana_hal_note_host_rate(&hal, 0, 48000));
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK(rate_of(&hal, 0) == 48000);
    CHECK(vocana_hal_note_host_rate(&hal, 0, 96000));
    CHECK_EQ(vocana_hal_perform_change(&hal, 0), VOCANA_HAL_NO_ERROR);
    CHECK_EQ(vocana_hal_abort_change(&hal, 9), VOCANA_HAL_BAD_DEVICE);
    /* a rate the device does not offer is never requested: silence */
    CHECK(!vocana_hal_note_host_rate(&hal, 0, 16000));
    CHECK(!vocana_hal_change_pending(&hal, 0));
    CHECK(!vocana_hal_rate_matches(&hal.devices[0]));
    /* the host leaves */
    CHECK(!vocana_hal_note_host_rate(&hal, 0, 0));
    CHECK(!vocana_hal_rate_matches(&hal.devices[0]));
    CHECK(!vocana_hal_note_host_rate(&hal, 9, 48000));
    CHECK(!vocana_hal_rate_matches(NULL));
}

const th_test hal_tests[] = {
    {"hal: streams name their terminals with CoreAudio's codes", test_streams_name_their_terminals},
    {"hal: the device follows its host's rate", test_the_device_follows_its_hosts_rate},
    {"hal: configuration file parsed and checked", test_config_file_is_parsed_and_checked},
    {"hal: init rejects bad configurations with a reason", test_init_rejects_bad_configurations},
    {"hal: objects and their classes", test_objects_and_their_classes},
    {"hal: lists, UID translation, strings", test_lists_translation_and_strings},
    {"hal: every property honours its size and address", test_every_property_honours_its_size},
    {"hal: formats and rates", test_formats_and_rates},
    {"hal: rate change requested then performed, per device", test_rate_change_is_requested_then_performed_per_device},
    {"hal: volume and mute per device, with notifications", test_volume_and_mute_are_per_device_and_notify},
    {"hal: IO start/stop and IsRunning", test_io_start_stop_and_running},
    {"hal: zero time stamps exact, long-run and wrap safe", test_zero_timestamps_are_exact_and_wrap_safe},
};
const size_t hal_tests_n = sizeof hal_tests / sizeof hal_tests[0];
