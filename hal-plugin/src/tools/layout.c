/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Prints the region layout, one field per line: `name offset size`
 * (decimal bytes, offsets from the start of the region), so the Java FFM
 * mirror can be compared against the C compiler's view.
 * With `-c` it prints the ABI constants instead: `name value`.
 */
#include <stdio.h>
#include <string.h>

#include "vocana/abi.h"

#define H struct vocana_region_header
#define R struct vocana_ring_ctl
#define FIELD(name, type, member) \
    printf("%s %zu %zu\n", name, offsetof(type, member), sizeof(((type *)0)->member))

static void ring(const char *prefix, size_t base)
{
    static const struct { const char *name; size_t off, size; } f[] = {
        {"write_pos", offsetof(R, write_pos), sizeof(((R *)0)->write_pos)},
        {"overruns", offsetof(R, overruns), sizeof(((R *)0)->overruns)},
        {"overrun_frames", offsetof(R, overrun_frames), sizeof(((R *)0)->overrun_frames)},
        {"producer_faults", offsetof(R, producer_faults), sizeof(((R *)0)->producer_faults)},
        {"time_base", offsetof(R, time_base), sizeof(((R *)0)->time_base)},
        {"clock", offsetof(R, clock), sizeof(((R *)0)->clock)},
        {"burst_frames", offsetof(R, burst_frames), sizeof(((R *)0)->burst_frames)},
        {"wake_seq", offsetof(R, wake_seq), sizeof(((R *)0)->wake_seq)},
        {"producer_pad", offsetof(R, producer_pad), sizeof(((R *)0)->producer_pad)},
        {"read_pos", offsetof(R, read_pos), sizeof(((R *)0)->read_pos)},
        {"underruns", offsetof(R, underruns), sizeof(((R *)0)->underruns)},
        {"underrun_frames", offsetof(R, underrun_frames), sizeof(((R *)0)->underrun_frames)},
        {"consumer_faults", offsetof(R, consumer_faults), sizeof(((R *)0)->consumer_faults)},
        {"late_frames", offsetof(R, late_frames), sizeof(((R *)0)->late_frames)},
        {"read_latency_frames", offsetof(R, read_latency_frames), sizeof(((R *)0)->read_latency_frames)},
        {"waiting", offsetof(R, waiting), sizeof(((R *)0)->waiting)},
        {"consumer_pad", offsetof(R, consumer_pad), sizeof(((R *)0)->consumer_pad)},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        printf("%s.%s %zu %zu\n", prefix, f[i].name, base + f[i].off, f[i].size);
}

static void constants(void)
{
    printf("MAGIC 0x%016llX\n", (unsigned long long)VOCANA_MAGIC);
    printf("ABI_MAJOR %u\n", VOCANA_ABI_MAJOR);
    printf("ABI_MINOR %u\n", VOCANA_ABI_MINOR);
    printf("HEADER_SIZE %u\n", VOCANA_HEADER_SIZE);
    printf("LINE %u\n", VOCANA_LINE);
    printf("REGION_ALIGN %u\n", VOCANA_REGION_ALIGN);
    printf("SAMPLE_BYTES %u\n", VOCANA_SAMPLE_BYTES);
    printf("DEVICE_ID_SIZE %u\n", VOCANA_DEVICE_ID_SIZE);
    printf("NAME_SIZE %u\n", VOCANA_NAME_SIZE);
    printf("RATE_MIN %u\n", VOCANA_RATE_MIN);
    printf("RATE_MAX %u\n", VOCANA_RATE_MAX);
    printf("CHANNELS_MIN %u\n", VOCANA_CHANNELS_MIN);
    printf("CHANNELS_MAX %u\n", VOCANA_CHANNELS_MAX);
    printf("CAPACITY_MIN %u\n", VOCANA_CAPACITY_MIN);
    printf("CAPACITY_MAX %u\n", VOCANA_CAPACITY_MAX);
    printf("IO_FRAMES_MAX %u\n", VOCANA_IO_FRAMES_MAX);
    printf("REGION_MAX %llu\n", (unsigned long long)VOCANA_REGION_MAX);
    printf("CAPACITY_IO_FACTOR %u\n", VOCANA_CAPACITY_IO_FACTOR);
    printf("CAPACITY_MARGIN_MS %u\n", VOCANA_CAPACITY_MARGIN_MS);
    printf("HOST_RUNNING %u\n", VOCANA_HOST_RUNNING);
    printf("HOST_SHUTDOWN %u\n", VOCANA_HOST_SHUTDOWN);
    printf("HOST_FLAGS_KNOWN %u\n", VOCANA_HOST_FLAGS_KNOWN);
    printf("DEVICE_ATTACHED %u\n", VOCANA_DEVICE_ATTACHED);
    printf("HEARTBEAT_PERIOD_MS %u\n", VOCANA_HEARTBEAT_PERIOD_MS);
    printf("HEARTBEAT_TIMEOUT_MS %u\n", VOCANA_HEARTBEAT_TIMEOUT_MS);
    printf("RETRY_INTERVAL_MS %u\n", VOCANA_RETRY_INTERVAL_MS);
    printf("RING_TO_HOST %u\n", VOCANA_RING_TO_HOST);
    printf("RING_FROM_HOST %u\n", VOCANA_RING_FROM_HOST);
    printf("REGION_SUFFIX %s\n", VOCANA_REGION_SUFFIX);
    printf("CLOCK_NONE %u\n", VOCANA_CLOCK_NONE);
    printf("CLOCK_MONOTONIC %u\n", VOCANA_CLOCK_MONOTONIC);
    printf("CLOCK_PRIVATE %u\n", VOCANA_CLOCK_PRIVATE);
    printf("MARGIN_MS %u\n", VOCANA_MARGIN_MS);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-c") == 0) {
        constants();
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: %s [-c]\n", argv[0]);
        return 2;
    }
    FIELD("magic", H, magic);
    FIELD("abi_major", H, abi_major);
    FIELD("abi_minor", H, abi_minor);
    FIELD("header_size", H, header_size);
    FIELD("region_size", H, region_size);
    FIELD("generation", H, generation);
    FIELD("sample_rate", H, sample_rate);
    FIELD("channels", H, channels);
    FIELD("capacity_frames", H, capacity_frames);
    FIELD("reserved0", H, reserved0);
    FIELD("device_id", H, device_id);
    FIELD("name", H, name);
    FIELD("reserved1", H, reserved1);
    FIELD("heartbeat", H, heartbeat);
    FIELD("host_flags", H, host_flags);
    FIELD("latency_frames", H, latency_frames);
    FIELD("block_frames", H, block_frames);
    FIELD("margin_frames", H, margin_frames);
    FIELD("host_pad", H, host_pad);
    FIELD("device_flags", H, device_flags);
    FIELD("device_pad", H, device_pad);
    ring("to_host", offsetof(H, to_host));
    ring("from_host", offsetof(H, from_host));
    printf("header %zu %zu\n", (size_t)0, sizeof(H));
    return 0;
}
