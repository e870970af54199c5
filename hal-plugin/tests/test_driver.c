/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CoreAudio driver's glue (macos/vocana_driver.c) run on Linux against a
 * fake coreaudiod (tests/macos_shim/): the calls coreaudiod makes, in its
 * order, with a real host region on the other side (POSIX shared memory, as
 * on macOS).  Checks the COM plumbing, the configuration read from the
 * bundle, properties through CFStrings, the device following its host's rate
 * through a configuration change (silent meanwhile), refusals of bad calls,
 * and the timing model (abi.h section 6) on CoreAudio's sample times: a fake
 * coreaudiod runs IO cycles (ReadInput, WriteMix) on a virtual host clock
 * against a fake Vocana host that carries each block's stamp as the Java host
 * does; the recording must be the playback delayed by exactly L, bit for bit,
 * at every IO buffer size, and overloads, StopIO/StartIO and a late host must
 * cost only counted frames and be over within 100 ms at the same L.  Built
 * with ASan+UBSan and with TSan.
 */
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <CoreAudio/AudioServerPlugIn.h>
#include <mach/mach_time.h>

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

static region region_create_block(const char *id, uint32_t rate, uint64_t generation, uint32_t block_frames)
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
                              .sample_rate = rate, .channels = r.channels, .capacity_frames = r.capacity,
                              .block_frames = block_frames};
    CHECK_RC(vocana_region_format(r.base, r.size, &p), VOCANA_OK);
    r.h = r.base;
    return r;
}

static region region_create(const char *id, uint32_t rate, uint64_t generation)
{
    return region_create_block(id, rate, generation, 0);
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
    info.mNominalIOBufferFrameSize = frames;
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
    info.mNominalIOBufferFrameSize = frames;
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
    /* ReadInput fills the frames of its input time at latency L (abi.h section 6): the host has
     * delivered nothing stamped yet, so that is silence, counted as a gap, not as a loss; the
     * timed streams are the tests below */
    for (uint32_t i = 0; i < 512 * 2; i++)
        buf[i] = 1.0f;
    CHECK_EQ(read_input(dev, t - 512, buf, 512), kAudioHardwareNoError);
    same = true;
    for (uint32_t i = 0; i < 512 * 2; i++)
        same &= buf[i] == 0.0f;
    CHECK(same);
    CHECK_EQ(atomic_load(&r.h->from_host.underruns), 0);
    CHECK_EQ(atomic_load(&r.h->from_host.late_frames), 0);
    /* the burst is the IO buffer: published with the frames, and the reader's L follows */
    CHECK_EQ(atomic_load(&r.h->to_host.burst_frames), 512);
    CHECK_EQ(atomic_load(&r.h->to_host.clock), VOCANA_CLOCK_PRIVATE | (uint32_t)getpid());
    CHECK_EQ(atomic_load(&r.h->from_host.read_latency_frames), 512 + (48000 * VOCANA_MARGIN_MS + 999) / 1000);
    /* a sample time no HAL sends is refused, and ReadInput's buffer is silence then */
    AudioServerPlugInIOCycleInfo bad;
    memset(&bad, 0, sizeof bad);
    bad.mInputTime.mSampleTime = NAN;
    bad.mOutputTime.mSampleTime = 1e300;
    buf[0] = 1.0f;
    CHECK_EQ((*driver)->DoIOOperation(driver, dev, dev + VOCANA_ROLE_INPUT_STREAM, 1,
                                      kAudioServerPlugInIOOperationReadInput, 16, &bad, buf, NULL),
             kAudioHardwareIllegalOperationError);
    CHECK(buf[0] == 0.0f);
    CHECK_EQ((*driver)->DoIOOperation(driver, dev, dev + VOCANA_ROLE_OUTPUT_STREAM, 1,
                                      kAudioServerPlugInIOOperationWriteMix, 16, &bad, buf, NULL),
             kAudioHardwareIllegalOperationError);
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

/* ------------------------------------------------------------------------
 * The timing model on CoreAudio's sample times (see the IO section of macos/vocana_driver.c).
 *
 * Fake coreaudiod: one IO cycle of n frames woken at sample time W is ReadInput at input time
 * W - n, WriteMix at output time W (safety offsets 0), with the virtual host clock at W's host
 * time; a new IO session starts at the sample time GetZeroTimeStamp says it is.  The fake host
 * carries "to host" into "from host" after each cycle, in blocks of HOST_BLOCK with their stamps
 * (a partial block once nothing more came for a whole cycle: the Java host's partial-block
 * deadline), and beats.  Played frames are value(t, c) of their output time t; the frame recorded
 * at input time c must be value(c - L, ·) where output time c - L was played, silence elsewhere.
 * ---------------------------------------------------------------------- */
#define RATE 48000u
#define HOST_BLOCK 128u
#define HOST_LATENCY 64u                  /* the host's chain latency (latency_frames) */
#define MARGIN ((RATE * VOCANA_MARGIN_MS + 999u) / 1000u)
#define RECOVER (RATE / 10u)              /* 100 ms */
#define SPAN (UINT64_C(1) << 23)          /* device times the test can use: 174 s */

typedef struct fake_host {
    region r;
    vocana_ring in, out; /* consumer of "to host", producer of "from host" */
    uint32_t left;       /* frames left in "to host" after the last step */
    bool stalled;
    float buf[HOST_BLOCK * 2];
} fake_host;

static void host_step(fake_host *h)
{
    if (h->stalled)
        return;
    atomic_fetch_add(&h->r.h->heartbeat, 1);
    uint32_t avail = vocana_ring_read_avail(&h->in);
    bool due = avail > 0 && avail == h->left; /* nothing came for a step: the partial block goes */
    while (avail >= HOST_BLOCK || (due && avail > 0)) {
        uint32_t k = avail < HOST_BLOCK ? avail : HOST_BLOCK;
        uint32_t clock = atomic_load_explicit(&h->r.h->to_host.clock, memory_order_relaxed);
        uint64_t t0 = h->in.pos + atomic_load_explicit(&h->r.h->to_host.time_base, memory_order_relaxed);
        uint32_t got = vocana_ring_read(&h->in, h->buf, k);
        if (h->out.clock != clock)
            vocana_ring_set_clock(&h->out, clock, 0);
        (void)vocana_ring_write_at(&h->out, h->buf, got, t0); /* the stamp travels (abi.h 6) */
        avail -= got;
    }
    h->left = avail;
}

/* What the core counted as loss on both rings (frames), for deltas. */
typedef struct losses {
    uint64_t late, underrun, to_host_overrun, from_host_overrun, gap_like;
} losses;

static losses losses_now(const fake_host *h)
{
    const struct vocana_region_header *x = h->r.h;
    losses l = {atomic_load(&x->from_host.late_frames), atomic_load(&x->from_host.underrun_frames),
                atomic_load(&x->to_host.overrun_frames), atomic_load(&x->from_host.overrun_frames), 0};
    return l;
}

static uint64_t counted_since(const fake_host *h, losses a)
{
    losses b = losses_now(h);
    return (b.late - a.late) + (b.underrun - a.underrun) + (b.to_host_overrun - a.to_host_overrun) +
           (b.from_host_overrun - a.from_host_overrun);
}

typedef struct stream {
    AudioServerPlugInDriverRef drv;
    AudioObjectID dev;
    fake_host *host;
    uint8_t *played;          /* per device time: 1 if WriteMix was given real frames for it */
    uint32_t n;               /* IO buffer of the cycles */
    uint64_t W;               /* wake-up sample time of the next cycle */
    double stamp_time;        /* the session's zero time stamp: sample time... */
    uint64_t stamp_host;      /* ...and host time */
    uint32_t L;               /* the latency the frames must have */
    bool first_read;          /* the session's first read (its L may still be the old burst's) */
    /* results since stream_reset */
    uint64_t exact, lost, misplaced, latency_changes;
    uint64_t last_lost_out;   /* output time of the last played frame recorded wrong, + 1 */
    uint64_t disturbed_at;    /* output time of the first frame after the last disturbance */
    float buf[VOCANA_HAL_MAX_IO_FRAMES * 2];
} stream;

static void stream_reset(stream *s)
{
    s->exact = s->lost = s->misplaced = s->latency_changes = 0;
    s->last_lost_out = 0;
    s->disturbed_at = 0;
}

static OSStatus io_op(stream *s, UInt32 op, double sample_time, uint32_t frames)
{
    AudioServerPlugInIOCycleInfo info;
    memset(&info, 0, sizeof info);
    info.mNominalIOBufferFrameSize = s->n;
    if (op == kAudioServerPlugInIOOperationReadInput)
        info.mInputTime.mSampleTime = sample_time;
    else
        info.mOutputTime.mSampleTime = sample_time;
    AudioObjectID stream_id = s->dev + (op == kAudioServerPlugInIOOperationReadInput ? VOCANA_ROLE_INPUT_STREAM
                                                                                      : VOCANA_ROLE_OUTPUT_STREAM);
    return (*s->drv)->DoIOOperation(s->drv, s->dev, stream_id, 1, op, frames, &info, s->buf, NULL);
}

/* The host time of sample time w in this session (the virtual clock follows the cycles). */
static uint64_t host_time_of(const stream *s, uint64_t w)
{
    return s->stamp_host + (uint64_t)(((double)w - s->stamp_time) * 1e9 / RATE);
}

/* StartIO and where the HAL's first cycle is: the sample time now, by the zero time stamp. */
static void session_start(stream *s, uint32_t n)
{
    s->n = n;
    s->L = n + HOST_BLOCK + MARGIN;
    CHECK_EQ((*s->drv)->StartIO(s->drv, s->dev, 1), kAudioHardwareNoError);
    Float64 st = 0;
    UInt64 ht = 0, seed = 0;
    CHECK_EQ((*s->drv)->GetZeroTimeStamp(s->drv, s->dev, 1, &st, &ht, &seed), kAudioHardwareNoError);
    uint64_t now = mach_absolute_time();
    s->stamp_time = st;
    s->stamp_host = ht;
    uint64_t w = (uint64_t)st + (uint64_t)((double)(now - ht) * RATE / 1e9) + 1;
    CHECK(w >= s->W); /* the clock never steps back: the new session is later than the last */
    s->W = w;
    s->disturbed_at = w;
    s->first_read = true;
}

static void session_stop(stream *s, uint64_t ms, bool host_runs)
{
    fake_mach_time_set(host_time_of(s, s->W)); /* the last cycle's period ends */
    CHECK_EQ((*s->drv)->StopIO(s->drv, s->dev, 1), kAudioHardwareNoError);
    uint64_t now = mach_absolute_time();
    for (uint64_t t = 0; t < ms; t += 10) { /* the host goes on while IO is stopped */
        fake_mach_time_set(now + (t + 10) * 1000000u);
        if (host_runs)
            host_step(s->host);
    }
}

static void check_recorded(stream *s, uint64_t input_time, uint32_t n)
{
    uint32_t published = atomic_load(&s->host->r.h->from_host.read_latency_frames);
    if (!s->first_read && published != s->L)
        s->latency_changes++;
    s->first_read = false;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t c = input_time + k, o = c - s->L;
        bool played = o < SPAN && s->played[o];
        for (uint32_t ch = 0; ch < 2; ch++) {
            float want = played ? value(o, ch) : 0.0f, got = s->buf[k * 2 + ch];
            if (got == want) {
                s->exact += ch == 0;
                continue;
            }
            if (got != 0.0f)
                s->misplaced++; /* audio at a wrong time: never allowed */
            if (played && ch == 0) {
                s->lost++;
                if (o + 1 > s->last_lost_out)
                    s->last_lost_out = o + 1;
            }
        }
    }
}

/* One IO cycle at s->W; the host carries afterwards.  skip: frames the HAL jumps over first. */
static void cycle(stream *s, uint32_t frames, uint64_t skip)
{
    if (skip) {
        s->W += skip;
        s->disturbed_at = s->W;
    }
    fake_mach_time_set(host_time_of(s, s->W));
    uint64_t in = s->W - frames; /* below 0 at the clock's start: a negative sample time */
    CHECK_EQ(io_op(s, kAudioServerPlugInIOOperationReadInput, (double)(int64_t)in, frames), kAudioHardwareNoError);
    check_recorded(s, in, frames);
    for (uint32_t k = 0; k < frames; k++) {
        CHECK(s->W + k < SPAN);
        if (s->W + k >= SPAN)
            break;
        s->played[s->W + k] = 1;
        s->buf[k * 2] = value(s->W + k, 0);
        s->buf[k * 2 + 1] = value(s->W + k, 1);
    }
    CHECK_EQ(io_op(s, kAudioServerPlugInIOOperationWriteMix, (double)s->W, frames), kAudioHardwareNoError);
    s->W += frames;
    host_step(s->host);
}

static void run_for(stream *s, uint64_t device_frames)
{
    for (uint64_t end = s->W + device_frames; s->W < end;)
        cycle(s, s->n, 0);
}

/* Frames of output after the last disturbance that were lost (0: it resumed at once). */
static uint64_t resumed_after(const stream *s)
{
    return s->last_lost_out > s->disturbed_at ? s->last_lost_out - s->disturbed_at : 0;
}

/* The driver, its device and its host for the stream tests (made once; coreaudiod's lifetime). */
static stream *the_stream(void)
{
    static stream s;
    static fake_host host;
    static bool made;
    if (made)
        return s.drv ? &s : NULL;
    made = true;
    char dir[] = "/tmp/vocana-driver-test-XXXXXX";
    char conf[256], id[32], conf_text[160];
    snprintf(id, sizeof id, "s%ld", (long)getpid());
    snprintf(conf_text, sizeof conf_text, "owner=%u\n[%s]\nname=Streams\n", (unsigned)getuid(), id);
    if (!bundle_config(dir, conf, sizeof conf, conf_text))
        return NULL;
    s.drv = new_driver();
    CHECK(s.drv != NULL);
    if (!s.drv)
        return NULL;
    CHECK_EQ((*s.drv)->Initialize(s.drv, &HOST), kAudioHardwareNoError);
    unlink(conf);
    rmdir(dir);
    s.dev = VOCANA_HAL_DEVICE_BASE;
    host.r = region_create_block(id, RATE, 11, HOST_BLOCK);
    atomic_store(&host.r.h->latency_frames, HOST_LATENCY);
    CHECK_RC(vocana_ring_init(&host.in, &host.r.h->to_host, ring_data(&host.r, VOCANA_RING_TO_HOST),
                              host.r.capacity, 2, VOCANA_CONSUMER), VOCANA_OK);
    CHECK_RC(vocana_ring_init(&host.out, &host.r.h->from_host, ring_data(&host.r, VOCANA_RING_FROM_HOST),
                              host.r.capacity, 2, VOCANA_PRODUCER), VOCANA_OK);
    s.host = &host;
    s.played = calloc(SPAN, 1);
    CHECK(s.played != NULL);
    /* live: the service thread attaches once the heartbeat moves, and takes the host's rate */
    session_start(&s, 512);
    bool live = false;
    for (int i = 0; i < 1000 && !live; i++) {
        cycle(&s, 512, 0);
        live = atomic_load(&host.r.h->to_host.write_pos) > 0;
        if (!live)
            beat(&host.r, 10);
    }
    CHECK(live);
    session_stop(&s, 1000, true);
    if (!live || !s.played) {
        s.drv = NULL;
        return NULL;
    }
    return &s;
}

/* Steady streams at any IO buffer size: bit-exact at exactly L = n + block + margin, nothing
 * counted, from the first frame of each session on. */
static void test_driver_steady_streams_are_exact(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    static const uint32_t sizes[] = {14, 128, 512, 1000, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        session_start(s, sizes[i]);
        stream_reset(s);
        losses before = losses_now(s->host);
        run_for(s, RATE);
        uint64_t counted = counted_since(s->host, before);
        printf("    IO buffer %4u: L %u frames, %llu frames exact, %llu lost, %llu misplaced, %llu counted\n",
               sizes[i], s->L, (unsigned long long)s->exact, (unsigned long long)s->lost,
               (unsigned long long)s->misplaced, (unsigned long long)counted);
        CHECK_EQ(atomic_load(&s->host->r.h->from_host.read_latency_frames), s->L);
        CHECK_EQ(s->lost, 0);
        CHECK_EQ(s->misplaced, 0);
        CHECK_EQ(s->latency_changes, 0);
        CHECK_EQ(counted, 0);
        CHECK(s->exact >= RATE - s->L - sizes[i]); /* a second of audio, minus the first L */
        session_stop(s, 1000, true);
    }
}

/* Overloads: the HAL jumps over J frames.  Short jumps are filled (the timeline goes on), longer
 * ones start a new time_base; either way the frames played after the jump are exact at the same
 * L within 100 ms, nothing is misplaced, and what the jump cost is counted. */
static void test_driver_overload_jumps_recover(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    static const uint32_t sizes[] = {14, 512, 4096};
    static const uint64_t jumps[] = {37, 512, 4096 + 5, 20000, RATE * 3u};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t j = 0; j < sizeof jumps / sizeof jumps[0]; j++) {
            session_start(s, sizes[i]);
            run_for(s, RATE / 4u);
            stream_reset(s);
            losses before = losses_now(s->host);
            cycle(s, sizes[i], jumps[j]);
            run_for(s, RATE / 2u);
            uint64_t counted = counted_since(s->host, before);
            uint64_t resumed = resumed_after(s);
            printf("    IO buffer %4u, jump %6llu: resumed after %4llu frames at L %u, %llu lost, %llu counted\n",
                   sizes[i], (unsigned long long)jumps[j], (unsigned long long)resumed, s->L,
                   (unsigned long long)s->lost, (unsigned long long)counted);
            CHECK(resumed <= RECOVER);
            CHECK_EQ(s->misplaced, 0);
            CHECK_EQ(s->latency_changes, 0);
            CHECK(counted > 0);           /* the frames the HAL skipped are late, and counted */
            CHECK(counted >= s->lost);    /* every frame lost is counted */
            session_stop(s, 1000, true);
        }
    }
}

/* StopIO/StartIO: the clock runs on, so the new session starts later by the time stopped; a
 * short stop is a gap filled with silence, a long one a new time_base.  Recorded exactly at the
 * same L from the first frame played after the start; with the host also stalled across the
 * restart, the frames its backlog costs are counted and the stream is back within 100 ms. */
static void test_driver_stop_start_recovers(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    static const uint64_t stops_ms[] = {10, 30, 2000};
    static const uint32_t sizes[] = {14, 512, 4096};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (size_t j = 0; j < sizeof stops_ms / sizeof stops_ms[0]; j++) {
            for (int stalled = 0; stalled < 2; stalled++) {
                session_start(s, sizes[i]);
                run_for(s, RATE / 4u);
                s->host->stalled = stalled; /* the host stops too: its backlog meets the restart */
                run_for(s, 5u * sizes[i]);
                losses before = losses_now(s->host);
                session_stop(s, stops_ms[j], !stalled);
                session_start(s, sizes[i]);
                stream_reset(s);
                s->disturbed_at = s->W;
                run_for(s, 3u * sizes[i]);
                s->host->stalled = false;
                run_for(s, RATE / 2u);
                uint64_t counted = counted_since(s->host, before);
                uint64_t resumed = resumed_after(s);
                printf("    IO buffer %4u, stop %4llu ms%s: resumed after %4llu frames at L %u, %llu lost, "
                       "%llu counted\n", sizes[i], (unsigned long long)stops_ms[j],
                       stalled ? " (host stalled)" : "               ", (unsigned long long)resumed, s->L,
                       (unsigned long long)s->lost, (unsigned long long)counted);
                CHECK_EQ(s->misplaced, 0);
                CHECK_EQ(s->latency_changes, 0);
                CHECK(counted >= s->lost);
                if (!stalled)
                    CHECK_EQ(s->lost, 0);
                else
                    CHECK(resumed <= 3u * sizes[i] + RECOVER); /* within 100 ms of the host running */
                session_stop(s, 1000, true);
            }
        }
    }
}

/* A late host: frames not there in time are silence, counted as an underrun, then skipped as
 * late when they come; never silent about it, never misplaced, exact at L again within 100 ms. */
static void test_driver_late_host_is_counted(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    static const uint64_t stalls_ms[] = {20, 50, 350};
    for (size_t j = 0; j < sizeof stalls_ms / sizeof stalls_ms[0]; j++) {
        session_start(s, 128);
        run_for(s, RATE / 4u);
        stream_reset(s);
        losses before = losses_now(s->host);
        s->host->stalled = true;
        run_for(s, RATE * stalls_ms[j] / 1000u);
        s->host->stalled = false;
        s->disturbed_at = s->W;
        run_for(s, RATE / 2u);
        losses after = losses_now(s->host);
        uint64_t counted = counted_since(s->host, before);
        /* lost frames after the stall ended: resumed_after counts from the end of the stall */
        uint64_t resumed = resumed_after(s);
        printf("    host late %3llu ms: %llu lost, underrun %llu + late %llu frames counted, resumed %llu "
               "frames after it ran again\n", (unsigned long long)stalls_ms[j], (unsigned long long)s->lost,
               (unsigned long long)(after.underrun - before.underrun),
               (unsigned long long)(after.late - before.late), (unsigned long long)resumed);
        CHECK(s->lost > 0);
        CHECK(after.underrun - before.underrun >= s->lost / 2u); /* heard as silence: counted */
        CHECK(after.late > before.late);                         /* and skipped when they came */
        CHECK(counted >= s->lost);
        CHECK_EQ(s->misplaced, 0);
        CHECK_EQ(s->latency_changes, 0);
        CHECK(resumed <= RECOVER);
        session_stop(s, 1000, true);
    }
}

/* The latency CoreAudio reports: the output scope has the host's chain latency plus L, the input
 * scope the configured latency only (0), through a configuration change. */
static void test_driver_reports_latency(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    session_start(s, 256);
    run_for(s, RATE / 10u);
    session_stop(s, 0, true);
    uint32_t want = HOST_LATENCY + 256 + HOST_BLOCK + MARGIN, out = 0, in = 1;
    AudioObjectPropertyAddress a = {kAudioDevicePropertyLatency, kAudioObjectPropertyScopeOutput,
                                    kAudioObjectPropertyElementMain};
    AudioObjectPropertyAddress b = {kAudioDevicePropertyLatency, kAudioObjectPropertyScopeInput,
                                    kAudioObjectPropertyElementMain};
    for (int i = 0; i < 300 && out != want; i++) { /* the service thread notes it every 50 ms */
        CHECK_EQ((*s->drv)->PerformDeviceConfigurationChange(s->drv, s->dev, 0, NULL), kAudioHardwareNoError);
        UInt32 size = 0;
        CHECK_EQ((*s->drv)->GetPropertyData(s->drv, s->dev, 0, &a, 0, NULL, 4, &size, &out), kAudioHardwareNoError);
        if (out != want)
            beat(&s->host->r, 10);
    }
    UInt32 size = 0;
    CHECK_EQ((*s->drv)->GetPropertyData(s->drv, s->dev, 0, &b, 0, NULL, 4, &size, &in), kAudioHardwareNoError);
    CHECK_EQ(out, want);
    CHECK_EQ(in, 0);
}

/* The host's audio thread sleeps on the ring (abi.h section 7): WriteMix wakes it (FUTEX_WAKE on
 * Linux, os_sync_wake_by_address_any on macOS 14.4+) instead of letting its bounded wait run out. */
typedef struct sleeper {
    _Atomic uint32_t *word;
    uint32_t seen;
    _Atomic int done;
    uint64_t slept_ns;
} sleeper;

static void *host_sleeps(void *arg)
{
    sleeper *z = arg;
    struct timespec a, b, limit = {5, 0};
    clock_gettime(CLOCK_MONOTONIC, &a);
    while (atomic_load(z->word) == z->seen) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - a.tv_sec >= limit.tv_sec)
            break;
        (void)syscall(SYS_futex, (uint32_t *)(uintptr_t)z->word, FUTEX_WAIT, z->seen, &limit, NULL, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    z->slept_ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)(b.tv_nsec - a.tv_nsec);
    atomic_store(&z->done, 1);
    return NULL;
}

static void test_driver_wakes_a_sleeping_host(void)
{
    stream *s = the_stream();
    if (!s)
        return;
    session_start(s, 512);
    run_for(s, 4096);
    struct vocana_region_header *h = s->host->r.h;
    sleeper z = {.word = &h->to_host.wake_seq, .seen = atomic_load(&h->to_host.wake_seq)};
    atomic_store(&h->to_host.waiting, 1u); /* the host says it sleeps, then sleeps */
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, host_sleeps, &z), 0);
    sleep_ms(100);
    CHECK_EQ(atomic_load(&z.done), 0);
    cycle(s, 512, 0);
    pthread_join(th, NULL);
    atomic_store(&h->to_host.waiting, 0u);
    printf("    the host slept %.1f ms; WriteMix moved wake_seq by %u\n", (double)z.slept_ns / 1e6,
           atomic_load(&h->to_host.wake_seq) - z.seen);
    CHECK(atomic_load(&h->to_host.wake_seq) != z.seen);
    CHECK(z.slept_ns < UINT64_C(2000000000)); /* woken, not timed out after 5 s */
    session_stop(s, 100, true);
}

int main(void)
{
    const th_test tests[] = {
        {"driver: coreaudiod's calls, a host region, audio both ways, rate follows the host",
         test_driver_as_coreaudiod_uses_it},
        {"driver: the default device without a configuration; without owner= nothing attaches",
         test_driver_without_owner_attaches_to_nothing},
        {"driver: steady streams at IO buffers of 14 to 4096 frames are bit-exact at latency L",
         test_driver_steady_streams_are_exact},
        {"driver: overload jumps of 37 frames to 3 s: back at the same L within 100 ms, counted",
         test_driver_overload_jumps_recover},
        {"driver: StopIO/StartIO (10 ms to 2 s, host running or stalled): same L, counted",
         test_driver_stop_start_recovers},
        {"driver: a late host's frames are counted (underrun, late), never misplaced",
         test_driver_late_host_is_counted},
        {"driver: Latency reports the host's chain latency plus L in the output scope",
         test_driver_reports_latency},
        {"driver: WriteMix wakes a host that sleeps on the ring", test_driver_wakes_a_sleeping_host},
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
