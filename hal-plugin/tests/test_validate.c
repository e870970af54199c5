/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Region validation: a valid region is accepted, and every validation
 * error code is produced by a crafted header. */
#include <stdlib.h>
#include <string.h>

#include "../src/core/internal.h"
#include "harness.h"
#include "testutil.h"

#define RATE 48000u
#define CH 2u
#define CAP 256u

static tu_region fresh(void)
{
    return tu_region_new("mic0", RATE, CH, CAP, 0x1234, 0);
}

static int validate(tu_region *r)
{
    vocana_region_info info;
    return vocana_region_validate(r->base, r->size, NULL, &info);
}

static int validate_ex(tu_region *r, const vocana_expect *ex)
{
    vocana_region_info info;
    return vocana_region_validate(r->base, r->size, ex, &info);
}

static void test_validate_ok(void)
{
    tu_region r = fresh();
    vocana_region_info info;
    vocana_expect ex = {.device_id = "mic0", .sample_rate = RATE, .channels = CH,
                        .max_io_frames = CAP / 2};
    CHECK_RC(vocana_region_validate(r.base, r.size, &ex, &info), VOCANA_OK);
    CHECK_EQ(info.sample_rate, RATE);
    CHECK_EQ(info.channels, CH);
    CHECK_EQ(info.capacity_frames, CAP);
    CHECK_EQ(info.generation, 0x1234);
    CHECK_EQ(info.region_size, 1024 + 2 * CAP * CH * 4);
    CHECK_EQ(info.ring_bytes, CAP * CH * 4);
    CHECK(strcmp(info.device_id, "mic0") == 0);
    CHECK(strcmp(info.name, "Test Device") == 0);
    /* huge but plausible positions are fine */
    atomic_store(&r.h->to_host.write_pos, UINT64_MAX);
    atomic_store(&r.h->to_host.read_pos, UINT64_MAX - CAP);
    atomic_store(&r.h->from_host.write_pos, 5);
    atomic_store(&r.h->from_host.read_pos, UINT64_MAX - 10); /* wrapped: distance 16 */
    CHECK_RC(validate(&r), VOCANA_OK);
    /* the largest region geometry is accepted by the arithmetic */
    CHECK_EQ(vocana_region_size(VOCANA_CAPACITY_MAX, VOCANA_CHANNELS_MAX), VOCANA_REGION_MAX);
    tu_region_free(&r);
}

static void test_validate_args_alignment_size(void)
{
    tu_region r = fresh();
    vocana_region_info info;
    CHECK_RC(vocana_region_validate(NULL, r.size, NULL, &info), VOCANA_E_ARG);
    CHECK_RC(vocana_region_validate(r.base, r.size, NULL, NULL), VOCANA_E_ARG);
    CHECK_RC(vocana_region_validate((char *)r.base + 8, r.size - 8, NULL, &info),
             VOCANA_E_MISALIGNED);
    CHECK_RC(vocana_region_validate(r.base, 0, NULL, &info), VOCANA_E_TOO_SMALL);
    CHECK_RC(vocana_region_validate(r.base, VOCANA_HEADER_SIZE - 1, NULL, &info),
             VOCANA_E_TOO_SMALL);
    /* mapped size disagrees with region_size */
    CHECK_RC(vocana_region_validate(r.base, r.size - 1, NULL, &info), VOCANA_E_REGION_SIZE);
    CHECK_RC(vocana_region_validate(r.base, VOCANA_HEADER_SIZE, NULL, &info),
             VOCANA_E_REGION_SIZE);
    tu_region_free(&r);
}

static void test_validate_magic(void)
{
    tu_region r = fresh();
    atomic_store(&r.h->magic, 0);
    CHECK_RC(validate(&r), VOCANA_E_NOT_READY);
    atomic_store(&r.h->magic, VOCANA_MAGIC ^ 1);
    CHECK_RC(validate(&r), VOCANA_E_BAD_MAGIC);
    atomic_store(&r.h->magic, __builtin_bswap64(VOCANA_MAGIC));
    CHECK_RC(validate(&r), VOCANA_E_BAD_MAGIC);
    tu_region_free(&r);
}

/* Mutate one field of a fresh region and expect one code. */
#define EXPECT_MUTATION(stmt, code)               \
    do {                                          \
        tu_region r_ = fresh();                   \
        struct vocana_region_header *h = r_.h;    \
        (void)h;                                  \
        stmt;                                     \
        CHECK_RC(validate(&r_), code);            \
        tu_region_free(&r_);                      \
    } while (0)

static void test_validate_version_sizes(void)
{
    EXPECT_MUTATION(h->abi_major = 0, VOCANA_E_VERSION);
    EXPECT_MUTATION(h->abi_major = 2, VOCANA_E_VERSION);
    EXPECT_MUTATION(h->abi_major = 0xFFFFu, VOCANA_E_VERSION);
    EXPECT_MUTATION(h->header_size = 512, VOCANA_E_HEADER_SIZE);
    EXPECT_MUTATION(h->header_size = 0xFFFFFFFFu, VOCANA_E_HEADER_SIZE);
    EXPECT_MUTATION(h->region_size = UINT64_MAX, VOCANA_E_REGION_SIZE);
    EXPECT_MUTATION(h->region_size += 128, VOCANA_E_REGION_SIZE);
}

/* abi.h section 0, both directions: an old reader (minor 0) takes a newer region and ignores
 * what it does not know; a new reader (minor 1) takes a newer minor too, and refuses an older
 * one with the reason; ABI 1.0's 32-bit version word reads as 1.0. */
static void test_validate_minor_versions(void)
{
    vocana_expect old_reader = {.abi_minor = 0}, new_reader = {.abi_minor = VOCANA_ABI_MINOR};
    vocana_region_info info;
    tu_region r = fresh();
    CHECK_EQ(r.h->abi_major, 1);
    CHECK_EQ(r.h->abi_minor, VOCANA_ABI_MINOR);
    CHECK_RC(validate_ex(&r, &old_reader), VOCANA_OK);
    CHECK_RC(validate_ex(&r, &new_reader), VOCANA_OK);
    /* a future minor with bytes nobody here knows, in every reserved and padding span */
    r.h->abi_minor = 7;
    memset(r.h->host_pad, 0xA5, sizeof r.h->host_pad);
    memset(r.h->device_pad, 0x5A, sizeof r.h->device_pad);
    memset(r.h->to_host.producer_pad, 0xFF, sizeof r.h->to_host.producer_pad);
    memset(r.h->from_host.consumer_pad, 0xFF, sizeof r.h->from_host.consumer_pad);
    CHECK_RC(vocana_region_validate(r.base, r.size, &old_reader, &info), VOCANA_OK);
    CHECK_RC(vocana_region_validate(r.base, r.size, &new_reader, &info), VOCANA_OK);
    CHECK_EQ(info.abi_minor, 7);
    /* an ABI 1.0 region: the word at offset 8 is the 32-bit 1; minor-1 fields left as garbage
     * must not be used */
    uint32_t one = 1;
    memcpy((char *)r.base + VOCANA_OFF_ABI_MAJOR, &one, sizeof one);
    r.h->block_frames = 999999u;
    r.h->margin_frames = 12345u;
    CHECK_RC(vocana_region_validate(r.base, r.size, &old_reader, &info), VOCANA_OK);
    CHECK_EQ(info.abi_minor, 0);
    CHECK_EQ(info.block_frames, 0);
    CHECK_EQ(info.margin_frames, 0);
    CHECK_RC(validate_ex(&r, &new_reader), VOCANA_E_VERSION_OLD);
    tu_region_free(&r);
}

static void test_validate_rate_channels(void)
{
    EXPECT_MUTATION(h->sample_rate = 0, VOCANA_E_RATE);
    EXPECT_MUTATION(h->sample_rate = VOCANA_RATE_MIN - 1, VOCANA_E_RATE);
    EXPECT_MUTATION(h->sample_rate = VOCANA_RATE_MAX + 1, VOCANA_E_RATE);
    EXPECT_MUTATION(h->sample_rate = 0xFFFFFFFFu, VOCANA_E_RATE);
    EXPECT_MUTATION(h->channels = 0, VOCANA_E_CHANNELS);
    EXPECT_MUTATION(h->channels = VOCANA_CHANNELS_MAX + 1, VOCANA_E_CHANNELS);
    EXPECT_MUTATION(h->channels = 0xFFFFFFFFu, VOCANA_E_CHANNELS);
}

static void test_validate_capacity_layout(void)
{
    EXPECT_MUTATION(h->capacity_frames = 0, VOCANA_E_CAPACITY);
    EXPECT_MUTATION(h->capacity_frames = 300, VOCANA_E_CAPACITY);
    EXPECT_MUTATION(h->capacity_frames = CAP - 1, VOCANA_E_CAPACITY);
    EXPECT_MUTATION(h->capacity_frames = VOCANA_CAPACITY_MIN / 2, VOCANA_E_CAPACITY);
    EXPECT_MUTATION(h->capacity_frames = VOCANA_CAPACITY_MAX * 2, VOCANA_E_CAPACITY);
    EXPECT_MUTATION(h->capacity_frames = 0x80000000u, VOCANA_E_CAPACITY);
    /* consistent fields that do not add up to the size */
    EXPECT_MUTATION(h->capacity_frames = CAP * 2, VOCANA_E_LAYOUT);
    EXPECT_MUTATION(h->channels = 1, VOCANA_E_LAYOUT);
    EXPECT_MUTATION(h->channels = 4, VOCANA_E_LAYOUT);
}

static void test_validate_id_name(void)
{
    EXPECT_MUTATION(memset(h->device_id, 'a', sizeof h->device_id), VOCANA_E_DEVICE_ID);
    EXPECT_MUTATION(memset(h->device_id, 0, sizeof h->device_id), VOCANA_E_DEVICE_ID);
    EXPECT_MUTATION(h->device_id[1] = '/', VOCANA_E_DEVICE_ID);
    EXPECT_MUTATION(h->device_id[0] = '.', VOCANA_E_DEVICE_ID);
    EXPECT_MUTATION(h->device_id[2] = ' ', VOCANA_E_DEVICE_ID);
    EXPECT_MUTATION(h->device_id[2] = (char)0xC3, VOCANA_E_DEVICE_ID);
    /* 31 characters is the longest accepted id */
    EXPECT_MUTATION((memset(h->device_id, 'x', 31), h->device_id[31] = 0), VOCANA_OK);
    EXPECT_MUTATION(memset(h->name, 'n', sizeof h->name), VOCANA_E_NAME);
    EXPECT_MUTATION(h->name[3] = '\n', VOCANA_E_NAME);
    EXPECT_MUTATION(h->name[0] = 0x1b, VOCANA_E_NAME);
    EXPECT_MUTATION(h->name[4] = 0x7f, VOCANA_E_NAME);
    /* UTF-8 and an empty name are fine */
    EXPECT_MUTATION(memcpy(h->name, "Micr\xC3\xB3" "fono", 11), VOCANA_OK);
    EXPECT_MUTATION(memset(h->name, 0, sizeof h->name), VOCANA_OK);
}

static void test_validate_generation_flags(void)
{
    EXPECT_MUTATION(atomic_store(&h->generation, 0), VOCANA_E_GENERATION);
    EXPECT_MUTATION(atomic_store(&h->host_flags, VOCANA_HOST_RUNNING | 4u), VOCANA_E_FLAGS);
    EXPECT_MUTATION(atomic_store(&h->host_flags, 0x80000001u), VOCANA_E_FLAGS);
    EXPECT_MUTATION(atomic_store(&h->host_flags, 0), VOCANA_E_HOST_STOPPED);
    EXPECT_MUTATION(atomic_store(&h->host_flags, VOCANA_HOST_SHUTDOWN), VOCANA_E_HOST_STOPPED);
    EXPECT_MUTATION(atomic_store(&h->host_flags, VOCANA_HOST_RUNNING | VOCANA_HOST_SHUTDOWN),
                    VOCANA_E_HOST_STOPPED);
}

static void test_validate_positions(void)
{
    /* consumer ahead of producer */
    EXPECT_MUTATION(atomic_store(&h->to_host.read_pos, 1), VOCANA_E_POSITIONS);
    EXPECT_MUTATION(atomic_store(&h->from_host.read_pos, 1), VOCANA_E_POSITIONS);
    /* producer more than a capacity ahead */
    EXPECT_MUTATION(atomic_store(&h->to_host.write_pos, CAP + 1), VOCANA_E_POSITIONS);
    EXPECT_MUTATION(atomic_store(&h->from_host.write_pos, UINT64_MAX / 2), VOCANA_E_POSITIONS);
    EXPECT_MUTATION((atomic_store(&h->from_host.write_pos, UINT64_C(1) << 63),
                     atomic_store(&h->from_host.read_pos, (UINT64_C(1) << 63) + 1)),
                    VOCANA_E_POSITIONS);
    /* exactly full is plausible */
    EXPECT_MUTATION(atomic_store(&h->to_host.write_pos, CAP), VOCANA_OK);
}

static void test_validate_expectations(void)
{
    tu_region r = fresh();
    vocana_expect ex = {.device_id = "mic1"};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_E_ID_MISMATCH);
    ex = (vocana_expect){.device_id = "mic"};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_E_ID_MISMATCH);
    ex = (vocana_expect){.device_id = "mic0", .sample_rate = 44100};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_E_FORMAT_MISMATCH);
    ex = (vocana_expect){.channels = 1};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_E_FORMAT_MISMATCH);
    ex = (vocana_expect){.max_io_frames = CAP / 2 + 1};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_E_CAPACITY_TOO_SMALL);
    ex = (vocana_expect){.max_io_frames = CAP / 2};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_OK);
    ex = (vocana_expect){0};
    CHECK_RC(validate_ex(&r, &ex), VOCANA_OK);
    tu_region_free(&r);
}

static void bump_generation(void *arg)
{
    struct vocana_region_header *h = arg;
    atomic_fetch_add(&h->generation, 1);
}

static void withdraw_magic(void *arg)
{
    struct vocana_region_header *h = arg;
    atomic_store(&h->magic, 0);
}

static void test_validate_changed(void)
{
    vocana_region_info info;
    tu_region r = fresh();
    CHECK_RC(vocana_region_validate_hooked(r.base, r.size, NULL, &info, bump_generation, r.h),
             VOCANA_E_CHANGED);
    tu_region_free(&r);
    r = fresh();
    CHECK_RC(vocana_region_validate_hooked(r.base, r.size, NULL, &info, withdraw_magic, r.h),
             VOCANA_E_CHANGED);
    tu_region_free(&r);
}

static void test_region_format_errors(void)
{
    tu_region r = fresh();
    vocana_region_params p = {.device_id = "ok", .generation = 1, .sample_rate = RATE,
                              .channels = CH, .capacity_frames = CAP};
    CHECK_RC(vocana_region_format(r.base, r.size, &p), VOCANA_OK);
    CHECK_RC(vocana_region_format(NULL, r.size, &p), VOCANA_E_ARG);
    CHECK_RC(vocana_region_format((char *)r.base + 64, r.size, &p), VOCANA_E_ARG);
    CHECK_RC(vocana_region_format(r.base, r.size - 4, &p), VOCANA_E_REGION_SIZE);
    vocana_region_params q = p;
    q.device_id = "../x";
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_DEVICE_ID);
    q = p;
    q.name = "bad\tname";
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_NAME);
    q = p;
    q.generation = 0;
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_GENERATION);
    q = p;
    q.capacity_frames = 100;
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_CAPACITY);
    q = p;
    q.channels = 0;
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_CHANNELS);
    q = p;
    q.sample_rate = 1;
    CHECK_RC(vocana_region_format(r.base, r.size, &q), VOCANA_E_RATE);
    tu_region_free(&r);
}

static void test_device_id_rules(void)
{
    CHECK(vocana_device_id_valid("mic0"));
    CHECK(vocana_device_id_valid("A-b_c.9"));
    CHECK(vocana_device_id_valid("x.."));
    CHECK(!vocana_device_id_valid(NULL));
    CHECK(!vocana_device_id_valid(""));
    CHECK(!vocana_device_id_valid("."));
    CHECK(!vocana_device_id_valid(".."));
    CHECK(!vocana_device_id_valid(".hidden"));
    CHECK(!vocana_device_id_valid("a/b"));
    CHECK(!vocana_device_id_valid("a b"));
    CHECK(vocana_device_id_valid("0123456789012345678901234567890"));   /* 31 */
    CHECK(!vocana_device_id_valid("01234567890123456789012345678901")); /* 32 */
}

static void test_strerror_every_code(void)
{
    int bad = 0;
    for (int e = 0; e < VOCANA_E_COUNT_; e++) {
        const char *m = vocana_strerror(e);
        if (!m || !m[0] || strcmp(m, vocana_strerror(-1)) == 0 || strchr(m, '\n'))
            bad++;
        for (int f = 0; f < e; f++)
            if (strcmp(m, vocana_strerror(f)) == 0)
                bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK(strcmp(vocana_strerror(VOCANA_E_COUNT_), "unknown Vocana error code") == 0);
    CHECK(strcmp(vocana_strerror(-5), "unknown Vocana error code") == 0);
}

const th_test validate_tests[] = {
    {"validate_ok", test_validate_ok},
    {"validate_args_alignment_size", test_validate_args_alignment_size},
    {"validate_magic", test_validate_magic},
    {"validate_version_sizes", test_validate_version_sizes},
    {"validate_minor_versions", test_validate_minor_versions},
    {"validate_rate_channels", test_validate_rate_channels},
    {"validate_capacity_layout", test_validate_capacity_layout},
    {"validate_id_name", test_validate_id_name},
    {"validate_generation_flags", test_validate_generation_flags},
    {"validate_positions", test_validate_positions},
    {"validate_expectations", test_validate_expectations},
    {"validate_changed_during_read", test_validate_changed},
    {"region_format_errors", test_region_format_errors},
    {"device_id_rules", test_device_id_rules},
    {"strerror_every_code", test_strerror_every_code},
};
const size_t validate_tests_n = sizeof validate_tests / sizeof validate_tests[0];
