/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CoreAudio driver's glue (macos/vocana_driver.c) run on Linux against a
 * fake coreaudiod (tests/macos_shim/): the calls coreaudiod makes, in its
 * order, with a real host region on the other side (POSIX shared memory, as
 * on macOS).  Checks the COM plumbing, the configuration read from the
 * bundle, properties through CFStrings, audio both ways sample-exactly, the
 * device following its host's rate through a configuration change (silent
 * meanwhile), and refusals of bad calls.  Built with ASan+UBSan.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <CoreAudio/AudioServerPlugIn.h>

#include "harness.h"
#include "vocana/core.h"
#include "vocana/region_posix.h"

int th_failures;

void *VocanaDriverFactory(CFAllocatorRef allocator, CFUUIDRef type);

/* the driver lives as long as coreaudiod: a root for the leak checker */
static AudioServerPlugInDriverRef driver;

/* ---- the fake host (coreaudiod's side of the interface) ---- */
static atomic_uint config_requests;
static atomic_uint properties_changed;

static OSStatus host_properties_changed(AudioServerPlugInHostRef host, AudioObjectID object, UInt32 count,
                                        const AudioObjectPropertyAddress *addresses)
{
    (void)host;
    (void)object;
    (void)addresses;
    atomic_fetch_add(&properties_changed, count);
    return kAudioHardwareNoError;
}

static OSStatus host_request_change(AudioServerPlugInHostRef host, AudioObjectID device, UInt64 action, void *info)
{
    (void)host;
    (void)action;
    (void)info;
    if (device == VOCANA_HAL_DEVICE_BASE)
        atomic_fetch_add(&config_requests, 1u);
    return kAudioHardwareNoError;
}

static const AudioServerPlugInHostInterface HOST = {host_properties_changed, host_request_change};

/* ---- the Vocana host's region, as DeviceRegion.createShared makes it ---- */
typedef struct region {
    char name[64];
    void *base;
    size_t size;
    struct vocana_region_header *h;
    uint32_t capacity, channels;
} region;

static region region_create(const char *id, uint32_t rate, uint64_t generation)
{
    region r = {.channels = 2};
    CHECK_RC(vocana_region_shm_name(r.name, sizeof r.name, id), VOCANA_OK);
    shm_unlink(r.name);
    r.capacity = vocana_capacity_for(rate, 128);
    r.size = (size_t)vocana_region_size(r.capacity, r.channels);
    int fd = shm_open(r.name, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)r.size) == 0);
    r.base = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    CHECK(r.base != MAP_FAILED);
    vocana_region_params p = {.device_id = id, .name = "Test host", .generation = generation,
                              .sample_rate = rate, .channels = r.channels, .capacity_frames = r.capacity};
    CHECK_RC(vocana_region_format(r.base, r.size, &p), VOCANA_OK);
    r.h = r.base;
    return r;
}

static float *ring_data(const region *r, uint32_t which)
{
    return (float *)((char *)r->base + vocana_ring_data_offset(r->capacity, r->channels, which));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Beat the heartbeat for `ms` (the driver's service thread runs every 50 ms). */
static void beat(region *r, long ms)
{
    for (long t = 0; t < ms; t += 10) {
        atomic_fetch_add(&r->h->heartbeat, 1);
        sleep_ms(10);
    }
}

/* Heartbeats and silent WriteMix cycles until the device passes audio to the region (the driver's
 * service thread attaches within a round or two of 50 ms; a loaded machine may take longer). */
static bool wait_live(region *r, AudioObjectID dev, double *t);

/* Heartbeats until the driver has asked for another configuration change than `seen`. */
static bool wait_requests(region *r, unsigned seen)
{
    for (int i = 0; i < 1000; i++) {
        if (atomic_load(&config_requests) > seen)
            return true;
        beat(r, 10);
    }
    return false;
}

static float value(uint64_t frame, uint32_t ch)
{
    return (float)(1 + ((frame * 2 + ch) % 16777215u)) / 16777216.0f;
}

static OSStatus write_mix(AudioObjectID dev, double sample_time, float *buf, uint32_t frames)
{
    AudioServerPlugInIOCycleInfo info;
    memset(&info, 0, sizeof info);
    info.mOutputTime.mSampleTime = sample_time;
    return (*driver)->DoIOOperation(driver, dev, dev + VOCANA_ROLE_OUTPUT_STREAM, 1,
                                    kAudioServerPlugInIOOperationWriteMix, frames, &info, buf, NULL);
}

static bool wait_live(region *r, AudioObjectID dev, double *t)
{
    float silence[16 * 2] = {0};
    for (int i = 0; i < 1000; i++) { /* 10 s at most */
        if (write_mix(dev, *t, silence, 16) != kAudioHardwareNoError)
            return false;
        *t += 16;
        if (atomic_load(&r->h->to_host.write_pos) > 0)
            return true;
        beat(r, 10);
    }
    return false;
}

static OSStatus read_input(AudioObjectID dev, double sample_time, float *buf, uint32_t frames)
{
    AudioServerPlugInIOCycleInfo info;
    memset(&info, 0, sizeof info);
    info.mInputTime.mSampleTime = sample_time;
    return (*driver)->DoIOOperation(driver, dev, dev + VOCANA_ROLE_INPUT_STREAM, 1,
                                    kAudioServerPlugInIOOperationReadInput, frames, &info, buf, NULL);
}

static double nominal_rate(AudioObjectID dev)
{
    AudioObjectPropertyAddress a = {kAudioDevicePropertyNominalSampleRate, kAudioObjectPropertyScopeGlobal,
                                    kAudioObjectPropertyElementMain};
    double rate = 0;
    UInt32 size = 0;
    CHECK_EQ((*driver)->GetPropertyData(driver, dev, 0, &a, 0, NULL, sizeof rate, &size, &rate),
             kAudioHardwareNoError);
    return rate;
}

/* A bundle resource folder `dir` (a mkdtemp template) holding devices.conf = text; the fake
 * CFBundle answers from it. */
static bool bundle_config(char *dir, char *conf, size_t len, const char *text)
{
    CHECK(mkdtemp(dir) != NULL);
    snprintf(conf, len, "%s/devices.conf", dir);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    if (!f)
        return false;
    fputs(text, f);
    fclose(f);
    setenv("VOCANA_FAKE_BUNDLE_RESOURCES", dir, 1);
    return true;
}

static void test_driver_as_coreaudiod_uses_it(void)
{
    char dir[] = "/tmp/vocana-driver-test-XXXXXX";
    char conf[256], id[32], conf_text[160];
    snprintf(id, sizeof id, "d%ld", (long)getpid());
    snprintf(conf_text, sizeof conf_text, "owner=%u\n[%s]\nname=Vocana Test\nchannels=2\nrate=48000\n",
             (unsigned)getuid(), id);
    if (!bundle_config(dir, conf, sizeof conf, conf_text))
        return;

    /* factory and COM */
    CHECK(VocanaDriverFactory(NULL, IUnknownUUID) == NULL); /* not our type */
    driver = VocanaDriverFactory(NULL, kAudioServerPlugInTypeUUID);
    CHECK(driver != NULL);
    if (!driver)
        return;
    LPVOID out = NULL;
    CHECK_EQ((*driver)->QueryInterface(driver, CFUUIDGetUUIDBytes(kAudioServerPlugInDriverInterfaceUUID), &out), S_OK);
    CHECK(out == driver);
    CHECK_EQ((*driver)->QueryInterface(driver, CFUUIDGetUUIDBytes(kAudioServerPlugInTypeUUID), &out),
             E_NOINTERFACE);
    CHECK(out == NULL);
    CHECK_EQ((*driver)->Release(driver), 1);

    /* Initialize reads the configuration from the bundle and starts the service thread */
    CHECK_EQ((*driver)->Initialize(driver, &HOST), kAudioHardwareNoError);
    AudioObjectID dev = VOCANA_HAL_DEVICE_BASE;
    AudioObjectPropertyAddress name = {kAudioObjectPropertyName, kAudioObjectPropertyScopeGlobal,
                                       kAudioObjectPropertyElementMain};
    CFStringRef s = NULL;
    UInt32 size = 0;
    CHECK_EQ((*driver)->GetPropertyData(driver, dev, 0, &name, 0, NULL, sizeof s, &size, &s), kAudioHardwareNoError);
    char text[128] = "";
    CHECK(s != NULL && CFStringGetCString(s, text, sizeof text, kCFStringEncodingUTF8));
    CHECK(strcmp(text, "Vocana Test") == 0);
    if (s)
        CFRelease(s);
    CHECK_EQ((*driver)->GetPropertyData(driver, dev, 0, &name, 0, NULL, 4, &size, &s),
             kAudioHardwareBadPropertySizeError);
    CHECK_EQ((*driver)->GetPropertyData(driver, 999, 0, &name, 0, NULL, sizeof s, &size, &s),
             kAudioHardwareBadObjectError);
    CHECK(!(*driver)->HasProperty(driver, dev, 0, NULL));
    /* UID translation takes a CFString qualifier */
    AudioObjectPropertyAddress tr = {kAudioPlugInPropertyTranslateUIDToDevice, kAudioObjectPropertyScopeGlobal,
                                     kAudioObjectPropertyElementMain};
    char uid[64];
    snprintf(uid, sizeof uid, "org.vocana.device.%s", id);
    CFStringRef q = CFStringCreateWithCString(NULL, uid, kCFStringEncodingUTF8);
    AudioObjectID found = 0;
    CHECK_EQ((*driver)->GetPropertyData(driver, kAudioObjectPlugInObject, 0, &tr, sizeof q, &q, sizeof found, &size,
                                        &found), kAudioHardwareNoError);
    CHECK_EQ(found, dev);
    CFRelease(q);

    /* the host publishes its region; the driver attaches within a service period or two */
    region r = region_create(id, 48000, 1);
    CHECK_EQ((*driver)->StartIO(driver, dev, 1), kAudioHardwareNoError);
    double t = 0; /* the device's sample time */
    CHECK(wait_live(&r, dev, &t));
    CHECK_EQ(atomic_load(&r.h->device_flags), VOCANA_DEVICE_ATTACHED);
    uint64_t base = atomic_load(&r.h->to_host.write_pos); /* silence written while going live */
    float buf[512 * 2];
    for (uint32_t blk = 0; blk < 3; blk++) {
        for (uint32_t fr = 0; fr < 512; fr++)
            for (uint32_t c = 0; c < 2; c++)
                buf[fr * 2 + c] = value(blk * 512 + fr, c);
        CHECK_EQ(write_mix(dev, t, buf, 512), kAudioHardwareNoError);
        t += 512;
    }
    CHECK_EQ(atomic_load(&r.h->to_host.write_pos), base + 1536);
    const float *th = ring_data(&r, VOCANA_RING_TO_HOST);
    bool same = true;
    for (uint32_t i = 0; i < 1536 * 2; i++)
        same &= th[((base + i / 2) % r.capacity) * 2 + i % 2] == value(i / 2, i % 2); /* volume 1: as played */
    CHECK(same);
    /* the host delivers 1024 frames; ReadInput hands them over in order */
    float *fh = ring_data(&r, VOCANA_RING_FROM_HOST);
    for (uint32_t i = 0; i < 1024 * 2; i++)
        fh[i] = -value(i / 2, i % 2);
    atomic_store(&r.h->from_host.write_pos, 1024);
    CHECK_EQ(read_input(dev, 0, buf, 512), kAudioHardwareNoError);
    same = true;
    for (uint32_t i = 0; i < 512 * 2; i++)
        same &= buf[i] == -value(i / 2, i % 2);
    CHECK(same);
    CHECK_EQ(read_input(dev, 512, buf, 512), kAudioHardwareNoError);
    CHECK(buf[0] == -value(512, 0) && buf[1023] == -value(1023, 1));
    CHECK_EQ(write_mix(dev, t, buf, VOCANA_HAL_MAX_IO_FRAMES + 1), kAudioHardwareBadPropertySizeError);
    CHECK_EQ(read_input(dev + 1, 0, buf, 16), kAudioHardwareBadObjectError);

    /* the host restarts at 96 kHz: the driver asks for a configuration change and is silent
     * until coreaudiod performs it */
    unsigned before = atomic_load(&config_requests);
    atomic_store(&r.h->host_flags, VOCANA_HOST_SHUTDOWN);
    region r96 = region_create(id, 96000, 2);
    CHECK(wait_requests(&r96, before));
    CHECK_EQ(atomic_load(&r96.h->device_flags), VOCANA_DEVICE_ATTACHED);
    CHECK(nominal_rate(dev) == 48000);
    CHECK_EQ(write_mix(dev, t, buf, 512), kAudioHardwareNoError);
    t += 512;
    CHECK_EQ(atomic_load(&r96.h->to_host.write_pos), 0); /* nothing at the wrong speed */
    for (uint32_t i = 0; i < 512 * 2; i++)
        buf[i] = 1.0f;
    CHECK_EQ(read_input(dev, 1024, buf, 512), kAudioHardwareNoError);
    same = true;
    for (uint32_t i = 0; i < 512 * 2; i++)
        same &= buf[i] == 0.0f;
    CHECK(same);
    /* a change that fails (IO still running) is forgotten and asked for again */
    unsigned asked = atomic_load(&config_requests);
    CHECK_EQ((*driver)->PerformDeviceConfigurationChange(driver, dev, 0, NULL), kAudioHardwareIllegalOperationError);
    CHECK(wait_requests(&r96, asked));
    /* and so is an aborted one */
    asked = atomic_load(&config_requests);
    CHECK_EQ((*driver)->AbortDeviceConfigurationChange(driver, dev, 0, NULL), kAudioHardwareNoError);
    CHECK(wait_requests(&r96, asked));
    CHECK_EQ((*driver)->StopIO(driver, dev, 1), kAudioHardwareNoError);
    CHECK_EQ((*driver)->PerformDeviceConfigurationChange(driver, dev, 0, NULL), kAudioHardwareNoError);
    CHECK(nominal_rate(dev) == 96000);
    CHECK_EQ((*driver)->StartIO(driver, dev, 1), kAudioHardwareNoError);
    for (uint32_t i = 0; i < 256 * 2; i++)
        buf[i] = value(i / 2, i % 2);
    CHECK_EQ(write_mix(dev, 0, buf, 256), kAudioHardwareNoError);
    CHECK_EQ(atomic_load(&r96.h->to_host.write_pos), 256);
    CHECK(ring_data(&r96, VOCANA_RING_TO_HOST)[511] == value(255, 1));
    CHECK_EQ((*driver)->StopIO(driver, dev, 1), kAudioHardwareNoError);
    CHECK_EQ((*driver)->StopIO(driver, dev, 1), kAudioHardwareNotRunningError);

    /* the host stops: the driver detaches */
    atomic_store(&r96.h->host_flags, VOCANA_HOST_SHUTDOWN);
    shm_unlink(r96.name);
    sleep_ms(200);
    CHECK_EQ(atomic_load(&r96.h->device_flags), 0);
    munmap(r.base, r.size);
    munmap(r96.base, r96.size);
    unlink(conf);
    rmdir(dir);
}

/* A driver of coreaudiod's lifetime per call: kept reachable for the leak checker. */
static AudioServerPlugInDriverRef new_driver(void)
{
    static AudioServerPlugInDriverRef keep[4];
    AudioServerPlugInDriverRef d = VocanaDriverFactory(NULL, kAudioServerPlugInTypeUUID);
    for (size_t i = 0; d && i < 4; i++) {
        if (!keep[i]) {
            keep[i] = d;
            break;
        }
    }
    return d;
}

static void device_name(AudioServerPlugInDriverRef d, char *text, size_t len)
{
    AudioObjectPropertyAddress name = {kAudioObjectPropertyName, kAudioObjectPropertyScopeGlobal,
                                       kAudioObjectPropertyElementMain};
    CFStringRef s = NULL;
    UInt32 size = 0;
    text[0] = '\0';
    CHECK_EQ((*d)->GetPropertyData(d, VOCANA_HAL_DEVICE_BASE, 0, &name, 0, NULL, sizeof s, &size, &s),
             kAudioHardwareNoError);
    CHECK(s != NULL && CFStringGetCString(s, text, (CFIndex)len, kCFStringEncodingUTF8));
    if (s)
        CFRelease(s);
}

static void test_driver_without_owner_attaches_to_nothing(void)
{
    /* no configuration in the bundle: the default device */
    setenv("VOCANA_FAKE_BUNDLE_RESOURCES", "/nonexistent", 1);
    AudioServerPlugInDriverRef d = new_driver();
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ((*d)->Initialize(d, &HOST), kAudioHardwareNoError);
    char text[64];
    device_name(d, text, sizeof text);
    CHECK(strcmp(text, "Vocana") == 0);

    /* a configuration without owner=: its device never attaches to a region under its name */
    char dir[] = "/tmp/vocana-driver-test-XXXXXX";
    char conf[256], id[32], conf_text[64];
    snprintf(id, sizeof id, "n%ld", (long)getpid());
    snprintf(conf_text, sizeof conf_text, "[%s]\nname=No Owner\n", id);
    if (!bundle_config(dir, conf, sizeof conf, conf_text))
        return;
    d = new_driver();
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_EQ((*d)->Initialize(d, &HOST), kAudioHardwareNoError);
    device_name(d, text, sizeof text);
    CHECK(strcmp(text, "No Owner") == 0);
    region r = region_create(id, 48000, 7);
    beat(&r, 200);
    CHECK_EQ(atomic_load(&r.h->device_flags), 0);
    shm_unlink(r.name);
    munmap(r.base, r.size);
    unlink(conf);
    rmdir(dir);
}

int main(void)
{
    const th_test tests[] = {
        {"driver: coreaudiod's calls, a host region, audio both ways, rate follows the host",
         test_driver_as_coreaudiod_uses_it},
        {"driver: the default device without a configuration; without owner= nothing attaches",
         test_driver_without_owner_attaches_to_nothing},
    };
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        th_failures = 0;
        tests[i].fn();
        printf("  %s %s\n", th_failures ? "FAIL" : "ok  ", tests[i].name);
        if (th_failures)
            failed++;
        else
            passed++;
    }
    printf("RESULT %d %d\n", passed, failed);
    return failed != 0;
}
