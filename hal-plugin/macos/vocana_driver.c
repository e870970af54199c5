/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vocana.driver: the CoreAudio AudioServerPlugIn.  A thin adapter: every
 * decision about objects, property validation and values, rate changes, the
 * clock and volume is made by the portable HAL model (include/vocana/hal.h),
 * and audio moves through the portable core's rings on its timing model
 * (include/vocana/core.h, abi.h section 6; the IO section below says how
 * CoreAudio's sample times map onto it).  This file converts types (CFString
 * <-> UTF-8), answers the COM plumbing and runs one service thread that
 * attaches each device to the host's shared-memory region.
 *
 * No state at file scope: the factory allocates one driver object that owns
 * everything, including the interface table CoreAudio calls through.
 * IO callbacks take no lock, allocate nothing and log nothing.
 */
#include <CoreAudio/AudioHardware.h> /* constants only (the pins below): no client HAL API is called */
#include <CoreAudio/AudioServerPlugIn.h>
#include <CoreFoundation/CoreFoundation.h>
#include <mach/mach_time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vocana/core.h"
#include "vocana/hal.h"
#include "vocana/region_posix.h"

/* The HAL model's numbers are CoreAudio's: pinned here against the SDK (make macos-check). */
#define PIN(apple, ours) _Static_assert((uint32_t)(apple) == (uint32_t)(ours), #apple " == " #ours)
PIN(kAudioHardwareNoError, VOCANA_HAL_NO_ERROR);
PIN(kAudioHardwareNotRunningError, VOCANA_HAL_NOT_RUNNING);
PIN(kAudioHardwareUnspecifiedError, VOCANA_HAL_UNSPECIFIED);
PIN(kAudioHardwareUnknownPropertyError, VOCANA_HAL_UNKNOWN_PROPERTY);
PIN(kAudioHardwareBadPropertySizeError, VOCANA_HAL_BAD_PROPERTY_SIZE);
PIN(kAudioHardwareIllegalOperationError, VOCANA_HAL_ILLEGAL_OPERATION);
PIN(kAudioHardwareBadObjectError, VOCANA_HAL_BAD_OBJECT);
PIN(kAudioHardwareBadDeviceError, VOCANA_HAL_BAD_DEVICE);
PIN(kAudioHardwareBadStreamError, VOCANA_HAL_BAD_STREAM);
PIN(kAudioHardwareUnsupportedOperationError, VOCANA_HAL_UNSUPPORTED_OPERATION);
PIN(kAudioDeviceUnsupportedFormatError, VOCANA_HAL_UNSUPPORTED_FORMAT);
PIN(kAudioObjectPropertyScopeGlobal, VOCANA_SCOPE_GLOBAL);
PIN(kAudioObjectPropertyScopeInput, VOCANA_SCOPE_INPUT);
PIN(kAudioObjectPropertyScopeOutput, VOCANA_SCOPE_OUTPUT);
PIN(kAudioObjectPropertyScopePlayThrough, VOCANA_SCOPE_PLAYTHROUGH);
PIN(kAudioObjectPropertyElementMain, VOCANA_ELEMENT_MAIN);
PIN(kAudioObjectClassID, VOCANA_CLASS_OBJECT);
PIN(kAudioPlugInClassID, VOCANA_CLASS_PLUGIN);
PIN(kAudioBoxClassID, VOCANA_CLASS_BOX);
PIN(kAudioDeviceClassID, VOCANA_CLASS_DEVICE);
PIN(kAudioStreamClassID, VOCANA_CLASS_STREAM);
PIN(kAudioControlClassID, VOCANA_CLASS_CONTROL);
PIN(kAudioLevelControlClassID, VOCANA_CLASS_LEVEL_CONTROL);
PIN(kAudioVolumeControlClassID, VOCANA_CLASS_VOLUME_CONTROL);
PIN(kAudioBooleanControlClassID, VOCANA_CLASS_BOOLEAN_CONTROL);
PIN(kAudioMuteControlClassID, VOCANA_CLASS_MUTE_CONTROL);
PIN(kAudioObjectPropertyBaseClass, VOCANA_P_BASE_CLASS);
PIN(kAudioObjectPropertyClass, VOCANA_P_CLASS);
PIN(kAudioObjectPropertyOwner, VOCANA_P_OWNER);
PIN(kAudioObjectPropertyName, VOCANA_P_NAME);
PIN(kAudioObjectPropertyManufacturer, VOCANA_P_MANUFACTURER);
PIN(kAudioObjectPropertyOwnedObjects, VOCANA_P_OWNED_OBJECTS);
PIN(kAudioPlugInPropertyBoxList, VOCANA_P_BOX_LIST);
PIN(kAudioPlugInPropertyTranslateUIDToBox, VOCANA_P_TRANSLATE_UID_TO_BOX);
PIN(kAudioPlugInPropertyDeviceList, VOCANA_P_DEVICE_LIST);
PIN(kAudioPlugInPropertyTranslateUIDToDevice, VOCANA_P_TRANSLATE_UID_TO_DEVICE);
PIN(kAudioPlugInPropertyResourceBundle, VOCANA_P_RESOURCE_BUNDLE);
PIN(kAudioBoxPropertyBoxUID, VOCANA_P_BOX_UID);
PIN(kAudioBoxPropertyTransportType, VOCANA_P_TRANSPORT_TYPE);
PIN(kAudioBoxPropertyHasAudio, VOCANA_P_BOX_HAS_AUDIO);
PIN(kAudioBoxPropertyHasVideo, VOCANA_P_BOX_HAS_VIDEO);
PIN(kAudioBoxPropertyHasMIDI, VOCANA_P_BOX_HAS_MIDI);
PIN(kAudioBoxPropertyIsProtected, VOCANA_P_BOX_IS_PROTECTED);
PIN(kAudioBoxPropertyAcquired, VOCANA_P_BOX_ACQUIRED);
PIN(kAudioBoxPropertyAcquisitionFailed, VOCANA_P_BOX_ACQUISITION_FAILED);
PIN(kAudioBoxPropertyDeviceList, VOCANA_P_BOX_DEVICE_LIST);
PIN(kAudioDevicePropertyDeviceUID, VOCANA_P_DEVICE_UID);
PIN(kAudioDevicePropertyModelUID, VOCANA_P_MODEL_UID);
PIN(kAudioDevicePropertyRelatedDevices, VOCANA_P_RELATED_DEVICES);
PIN(kAudioDevicePropertyClockDomain, VOCANA_P_CLOCK_DOMAIN);
PIN(kAudioDevicePropertyDeviceIsAlive, VOCANA_P_DEVICE_IS_ALIVE);
PIN(kAudioDevicePropertyDeviceIsRunning, VOCANA_P_DEVICE_IS_RUNNING);
PIN(kAudioDevicePropertyDeviceCanBeDefaultDevice, VOCANA_P_CAN_BE_DEFAULT);
PIN(kAudioDevicePropertyDeviceCanBeDefaultSystemDevice, VOCANA_P_CAN_BE_DEFAULT_SYSTEM);
PIN(kAudioDevicePropertyLatency, VOCANA_P_LATENCY);
PIN(kAudioDevicePropertyStreams, VOCANA_P_STREAMS);
PIN(kAudioObjectPropertyControlList, VOCANA_P_CONTROL_LIST);
PIN(kAudioDevicePropertySafetyOffset, VOCANA_P_SAFETY_OFFSET);
PIN(kAudioDevicePropertyNominalSampleRate, VOCANA_P_NOMINAL_SAMPLE_RATE);
PIN(kAudioDevicePropertyAvailableNominalSampleRates, VOCANA_P_AVAILABLE_SAMPLE_RATES);
PIN(kAudioDevicePropertyIsHidden, VOCANA_P_IS_HIDDEN);
PIN(kAudioDevicePropertyPreferredChannelsForStereo, VOCANA_P_PREFERRED_STEREO);
PIN(kAudioDevicePropertyZeroTimeStampPeriod, VOCANA_P_ZERO_TIMESTAMP_PERIOD);
PIN(kAudioDevicePropertyClockIsStable, VOCANA_P_CLOCK_IS_STABLE);
PIN(kAudioDevicePropertyBufferFrameSize, VOCANA_P_BUFFER_FRAME_SIZE);
PIN(kAudioDevicePropertyBufferFrameSizeRange, VOCANA_P_BUFFER_FRAME_SIZE_RANGE);
PIN(kAudioStreamPropertyIsActive, VOCANA_P_STREAM_IS_ACTIVE);
PIN(kAudioStreamPropertyDirection, VOCANA_P_STREAM_DIRECTION);
PIN(kAudioStreamPropertyTerminalType, VOCANA_P_STREAM_TERMINAL_TYPE);
PIN(kAudioStreamPropertyStartingChannel, VOCANA_P_STREAM_STARTING_CHANNEL);
PIN(kAudioStreamPropertyVirtualFormat, VOCANA_P_STREAM_VIRTUAL_FORMAT);
PIN(kAudioStreamPropertyAvailableVirtualFormats, VOCANA_P_STREAM_AVAILABLE_VIRTUAL_FORMATS);
PIN(kAudioStreamPropertyPhysicalFormat, VOCANA_P_STREAM_PHYSICAL_FORMAT);
PIN(kAudioStreamPropertyAvailablePhysicalFormats, VOCANA_P_STREAM_AVAILABLE_PHYSICAL_FORMATS);
PIN(kAudioControlPropertyScope, VOCANA_P_CONTROL_SCOPE);
PIN(kAudioControlPropertyElement, VOCANA_P_CONTROL_ELEMENT);
PIN(kAudioLevelControlPropertyScalarValue, VOCANA_P_LEVEL_SCALAR);
PIN(kAudioLevelControlPropertyDecibelValue, VOCANA_P_LEVEL_DECIBELS);
PIN(kAudioLevelControlPropertyDecibelRange, VOCANA_P_LEVEL_DECIBEL_RANGE);
PIN(kAudioLevelControlPropertyConvertScalarToDecibels, VOCANA_P_LEVEL_SCALAR_TO_DECIBELS);
PIN(kAudioLevelControlPropertyConvertDecibelsToScalar, VOCANA_P_LEVEL_DECIBELS_TO_SCALAR);
PIN(kAudioBooleanControlPropertyValue, VOCANA_P_BOOLEAN_VALUE);
PIN(kAudioDeviceTransportTypeVirtual, VOCANA_TRANSPORT_VIRTUAL);
PIN(kAudioFormatLinearPCM, VOCANA_FORMAT_LINEAR_PCM);
PIN(kAudioStreamTerminalTypeMicrophone, VOCANA_TERMINAL_MICROPHONE);
PIN(kAudioStreamTerminalTypeSpeaker, VOCANA_TERMINAL_SPEAKER);
PIN(kAudioObjectPlugInObject, VOCANA_HAL_PLUGIN_ID);
PIN(kAudioFormatFlagIsFloat | kAudioFormatFlagIsPacked, VOCANA_FORMAT_FLAGS_FLOAT_PACKED);
#undef PIN
/* ... and so are the layouts of the property data it writes */
#define SAME_FIELD(apple_t, a, ours_t, o) \
    _Static_assert(offsetof(apple_t, a) == offsetof(ours_t, o) && sizeof(((apple_t *)0)->a) == sizeof(((ours_t *)0)->o), \
                   #apple_t "." #a " == " #ours_t "." #o)
_Static_assert(sizeof(AudioObjectPropertyAddress) == sizeof(vocana_hal_address), "property address size");
SAME_FIELD(AudioObjectPropertyAddress, mSelector, vocana_hal_address, selector);
SAME_FIELD(AudioObjectPropertyAddress, mScope, vocana_hal_address, scope);
SAME_FIELD(AudioObjectPropertyAddress, mElement, vocana_hal_address, element);
_Static_assert(sizeof(AudioValueRange) == sizeof(vocana_hal_range), "AudioValueRange size");
SAME_FIELD(AudioValueRange, mMinimum, vocana_hal_range, minimum);
SAME_FIELD(AudioValueRange, mMaximum, vocana_hal_range, maximum);
_Static_assert(sizeof(AudioStreamBasicDescription) == sizeof(vocana_hal_asbd), "ASBD size");
SAME_FIELD(AudioStreamBasicDescription, mSampleRate, vocana_hal_asbd, sample_rate);
SAME_FIELD(AudioStreamBasicDescription, mFormatID, vocana_hal_asbd, format_id);
SAME_FIELD(AudioStreamBasicDescription, mFormatFlags, vocana_hal_asbd, format_flags);
SAME_FIELD(AudioStreamBasicDescription, mBytesPerPacket, vocana_hal_asbd, bytes_per_packet);
SAME_FIELD(AudioStreamBasicDescription, mFramesPerPacket, vocana_hal_asbd, frames_per_packet);
SAME_FIELD(AudioStreamBasicDescription, mBytesPerFrame, vocana_hal_asbd, bytes_per_frame);
SAME_FIELD(AudioStreamBasicDescription, mChannelsPerFrame, vocana_hal_asbd, channels_per_frame);
SAME_FIELD(AudioStreamBasicDescription, mBitsPerChannel, vocana_hal_asbd, bits_per_channel);
SAME_FIELD(AudioStreamBasicDescription, mReserved, vocana_hal_asbd, reserved);
_Static_assert(sizeof(AudioStreamRangedDescription) == sizeof(vocana_hal_ranged_asbd), "ranged ASBD size");
SAME_FIELD(AudioStreamRangedDescription, mFormat, vocana_hal_ranged_asbd, format);
SAME_FIELD(AudioStreamRangedDescription, mSampleRateRange, vocana_hal_ranged_asbd, sample_rate_range);
#undef SAME_FIELD

#define SERVICE_INTERVAL_US 50000
#define MAX_CHANNELS 8
#define BUNDLE_ID CFSTR("org.vocana.driver")
/* the longest gap in the output's sample time that WriteMix fills with silence (see IO) */
#define GAP_FILL_FRAMES (2u * VOCANA_HAL_MAX_IO_FRAMES)

/* Silence to fill gaps with: read-only, so every device's IO thread may use it at once. */
static const float SILENCE[VOCANA_HAL_MAX_IO_FRAMES * MAX_CHANNELS];

/* One device's IO state: written and read by that device's IO thread only (coreaudiod runs
 * one per device; ReadInput and WriteMix of a cycle come from it). */
typedef struct io_state {
    uint64_t next_out;    /* device time the output continues at (valid if has_next_out) */
    bool has_next_out;
    uint32_t burst;       /* the burst last declared to the core (0: none yet) */
    uint64_t session;     /* the IO session (hal.h) the fields below belong to */
    uint64_t session_out; /* device time of the session's first output frame... */
    bool session_has_out; /* ...once it had one */
} io_state;

typedef struct vocana_driver {
    AudioServerPlugInDriverInterface *interface; /* first: CoreAudio's AudioServerPlugInDriverRef points here */
    AudioServerPlugInDriverInterface table;
    atomic_uint refs;
    AudioServerPlugInHostRef host;
    double host_ticks_per_second;
    vocana_hal hal;
    vocana_registry registry;
    vocana_device *rings[VOCANA_HAL_MAX_DEVICES];
    io_state io[VOCANA_HAL_MAX_DEVICES];
    _Atomic uint32_t requested_latency[VOCANA_HAL_MAX_DEVICES]; /* host latency last asked to apply */
    int reported[VOCANA_HAL_MAX_DEVICES]; /* link state last logged (service thread): 0 live, else the error */
    vocana_hal_config config;
    char config_text[65537];
    pthread_t service;
    atomic_bool stopping;
    bool service_started;
} vocana_driver;

static vocana_driver *self(AudioServerPlugInDriverRef ref) {
    return (vocana_driver *)(void *)ref;
}

/* The device index of a device object ID, or -1. */
static int device_index(const vocana_driver *d, AudioObjectID object) {
    if (vocana_hal_class_of(&d->hal, object) != VOCANA_CLASS_DEVICE) {
        return -1;
    }
    return (int)((object - VOCANA_HAL_DEVICE_BASE) / VOCANA_HAL_IDS_PER_DEVICE);
}

static vocana_hal_address address(const AudioObjectPropertyAddress *a) {
    vocana_hal_address h = {a->mSelector, a->mScope, a->mElement};
    return h;
}

/* ---------------------------------------------------------------- COM */

static HRESULT query_interface(void *driver, REFIID iid, LPVOID *out) {
    if (driver == NULL || out == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    CFUUIDRef wanted = CFUUIDCreateFromUUIDBytes(NULL, iid);
    if (wanted == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    bool ok = CFEqual(wanted, IUnknownUUID) || CFEqual(wanted, kAudioServerPlugInDriverInterfaceUUID);
    CFRelease(wanted);
    if (!ok) {
        *out = NULL;
        return E_NOINTERFACE;
    }
    atomic_fetch_add(&self(driver)->refs, 1u);
    *out = driver;
    return S_OK;
}

static ULONG add_ref(void *driver) {
    return driver == NULL ? 0 : atomic_fetch_add(&self(driver)->refs, 1u) + 1;
}

static ULONG release(void *driver) {
    if (driver == NULL) {
        return 0;
    }
    /* coreaudiod keeps the driver for its lifetime; the object is never freed under it */
    unsigned refs = atomic_load(&self(driver)->refs);
    while (refs > 1 && !atomic_compare_exchange_weak(&self(driver)->refs, &refs, refs - 1)) {
    }
    return refs > 1 ? refs - 1 : 1;
}

/* ------------------------------------------------------- service thread */

/* One line in the system log whenever a device's link to its host changes (service thread). */
static void report(vocana_driver *d, uint32_t i) {
    const vocana_device *ring = d->rings[i];
    enum vocana_dev_state now = vocana_device_state(ring);
    int state = now == VOCANA_DEV_ACTIVE ? 0 : now == VOCANA_DEV_PROBING ? -2 : vocana_device_last_error(ring);
    if (state == d->reported[i]) {
        return;
    }
    d->reported[i] = state;
    if (state == -2) {
        return; /* found, heartbeat not seen yet: the next line says how that ends */
    }
    if (state == 0) {
        syslog(LOG_NOTICE, "Vocana: device [%s]: live, host region " VOCANA_SHM_PREFIX "%s at %u Hz",
               d->config.ring_id[i], d->config.ring_id[i], vocana_device_host_rate(ring));
    } else {
        syslog(LOG_NOTICE, "Vocana: device [%s]: no live host region " VOCANA_SHM_PREFIX "%s (%s); silent until "
               "the host of uid %u runs", d->config.ring_id[i], d->config.ring_id[i], vocana_strerror(state),
               d->config.owner);
    }
}

static void *service_loop(void *arg) {
    vocana_driver *d = arg;
    while (!atomic_load(&d->stopping)) {
        uint64_t now = vocana_monotonic_ns();
        for (uint32_t i = 0; i < d->hal.device_count; i++) {
            if (d->config.has_owner) {
                (void)vocana_device_service_shm(d->rings[i], (uid_t)d->config.owner, now);
                report(d, i);
            }
            /* what the host side adds to playback (its chain's latency and the reader's L, see
             * IO) belongs in the device's latency, and the device runs at the host's rate: both
             * are configuration changes */
            bool change = false;
            uint32_t latency = vocana_device_host_latency(d->rings[i]) + vocana_device_read_latency(d->rings[i]);
            if (vocana_hal_note_host_latency(&d->hal, i, latency) && latency != atomic_load(&d->requested_latency[i])) {
                atomic_store(&d->requested_latency[i], latency);
                change = true;
            }
            change |= vocana_hal_note_host_rate(&d->hal, i, vocana_device_host_rate(d->rings[i]));
            if (change) {
                AudioObjectID device = VOCANA_HAL_DEVICE_BASE + i * VOCANA_HAL_IDS_PER_DEVICE;
                (void)d->host->RequestDeviceConfigurationChange(d->host, device, 0, NULL);
            }
        }
        usleep(SERVICE_INTERVAL_US);
    }
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

/* Contents/Resources/devices.conf of this driver's bundle (the one file the sandbox lets it read). */
static bool config_path(char *buf, size_t len) {
    CFBundleRef bundle = CFBundleGetBundleWithIdentifier(BUNDLE_ID); /* not owned: no release */
    if (bundle == NULL) {
        return false;
    }
    CFURLRef url = CFBundleCopyResourceURL(bundle, CFSTR("devices"), CFSTR("conf"), NULL);
    if (url == NULL) {
        return false;
    }
    bool ok = CFURLGetFileSystemRepresentation(url, true, (UInt8 *)buf, (CFIndex)len);
    CFRelease(url);
    return ok;
}

static OSStatus initialize(AudioServerPlugInDriverRef driver, AudioServerPlugInHostRef host) {
    vocana_driver *d = self(driver);
    if (d == NULL || host == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    d->host = host;
    mach_timebase_info_data_t tb;
    if (mach_timebase_info(&tb) != KERN_SUCCESS || tb.numer == 0) {
        return kAudioHardwareUnspecifiedError;
    }
    d->host_ticks_per_second = 1e9 * (double)tb.denom / (double)tb.numer;
    /* devices from the bundle's configuration, or the default device "Vocana" without one */
    vocana_hal_default_config(&d->config);
    char path[1024];
    if (!config_path(path, sizeof path)) {
        syslog(LOG_ERR, "Vocana: no Contents/Resources/devices.conf in the driver's bundle; using the default "
                        "device, attached to no host (reinstall with install-macos.sh)");
    } else {
        FILE *f = fopen(path, "r");
        size_t n = 0;
        if (f != NULL) {
            n = fread(d->config_text, 1, sizeof d->config_text, f);
            fclose(f);
        }
        char why[160];
        vocana_hal_config parsed;
        if (f == NULL) {
            syslog(LOG_ERR, "Vocana: %s: cannot read it; using the default device", path);
        } else if (n < sizeof d->config_text
                   && vocana_hal_parse_config(d->config_text, n, &parsed, why, sizeof why) == VOCANA_HAL_NO_ERROR) {
            d->config = parsed;
        } else {
            syslog(LOG_ERR, "Vocana: %s: %s; using the default device", path,
                   n >= sizeof d->config_text ? "larger than 64 KiB" : why);
        }
    }
    if (!d->config.has_owner) {
        syslog(LOG_ERR, "Vocana: devices.conf names no owner= (the uid whose host feeds the devices); the devices "
                        "stay silent (reinstall with install-macos.sh)");
    }
    const char *why = NULL;
    OSStatus st = vocana_hal_init(&d->hal, d->config.devices, d->config.count, &why);
    if (st != kAudioHardwareNoError) {
        syslog(LOG_ERR, "Vocana: %s", why != NULL ? why : "no devices");
        return st;
    }
    for (uint32_t i = 0; i < VOCANA_HAL_MAX_DEVICES; i++) {
        d->reported[i] = -1; /* nothing logged yet */
    }
    vocana_registry_init(&d->registry);
    for (uint32_t i = 0; i < d->config.count; i++) {
        /* both rings are stamped in the device's sample time, a clock of this process (abi.h
         * section 6); the burst is declared by the IO cycles (see IO) */
        vocana_device_config ring = {.sample_rate = 0, .channels = d->config.devices[i].channels,
                                     .max_io_frames = VOCANA_HAL_MAX_IO_FRAMES,
                                     .clock = VOCANA_CLOCK_PRIVATE | ((uint32_t)getpid() & ~VOCANA_CLOCK_PRIVATE)};
        memcpy(ring.device_id, d->config.ring_id[i], sizeof ring.device_id);
        if (vocana_registry_add(&d->registry, &ring, &d->rings[i]) != VOCANA_OK) {
            return kAudioHardwareUnspecifiedError;
        }
    }
    atomic_store(&d->stopping, false);
    d->service_started = pthread_create(&d->service, NULL, service_loop, d) == 0;
    return d->service_started ? kAudioHardwareNoError : kAudioHardwareUnspecifiedError;
}

static OSStatus create_device(AudioServerPlugInDriverRef driver, CFDictionaryRef description,
                              const AudioServerPlugInClientInfo *client, AudioObjectID *out) {
    (void)driver;
    (void)description;
    (void)client;
    (void)out;
    return kAudioHardwareUnsupportedOperationError; /* devices come from the configuration */
}

static OSStatus destroy_device(AudioServerPlugInDriverRef driver, AudioObjectID device) {
    (void)driver;
    (void)device;
    return kAudioHardwareUnsupportedOperationError;
}

static OSStatus add_client(AudioServerPlugInDriverRef driver, AudioObjectID device,
                           const AudioServerPlugInClientInfo *client) {
    (void)client;
    return device_index(self(driver), device) < 0 ? kAudioHardwareBadObjectError : kAudioHardwareNoError;
}

static OSStatus remove_client(AudioServerPlugInDriverRef driver, AudioObjectID device,
                              const AudioServerPlugInClientInfo *client) {
    (void)client;
    return device_index(self(driver), device) < 0 ? kAudioHardwareBadObjectError : kAudioHardwareNoError;
}

/* A change that did not happen: the service thread asks again on its next round. */
static void forget_change(vocana_driver *d, uint32_t i) {
    (void)vocana_hal_abort_change(&d->hal, i);
    atomic_store(&d->requested_latency[i], atomic_load(&d->hal.devices[i].host_latency));
}

static OSStatus perform_change(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt64 action, void *info) {
    (void)action;
    (void)info;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0) {
        return kAudioHardwareBadObjectError;
    }
    OSStatus st = vocana_hal_perform_change(&d->hal, (uint32_t)i);
    if (st != kAudioHardwareNoError) {
        forget_change(d, (uint32_t)i);
    }
    return st;
}


static OSStatus abort_change(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt64 action, void *info) {
    (void)action;
    (void)info;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0) {
        return kAudioHardwareBadObjectError;
    }
    forget_change(d, (uint32_t)i);
    return kAudioHardwareNoError;
}

/* ----------------------------------------------------------- properties */

static Boolean has_property(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t pid,
                            const AudioObjectPropertyAddress *addr) {
    (void)pid;
    if (driver == NULL || addr == NULL) {
        return false;
    }
    vocana_hal_address a = address(addr);
    return vocana_hal_has_property(&self(driver)->hal, object, &a);
}

static OSStatus is_settable(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t pid,
                            const AudioObjectPropertyAddress *addr, Boolean *out) {
    (void)pid;
    if (driver == NULL || addr == NULL || out == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    vocana_hal_address a = address(addr);
    bool settable = false;
    OSStatus st = vocana_hal_is_settable(&self(driver)->hal, object, &a, &settable);
    *out = settable;
    return st;
}

/* The UID-translation qualifier is a CFStringRef: hand the model its UTF-8 bytes. */
static bool uid_qualifier(const vocana_hal_address *a, UInt32 size, const void *qualifier, char *buf,
                          UInt32 *out_size) {
    if (a->selector != kAudioPlugInPropertyTranslateUIDToDevice && a->selector != kAudioPlugInPropertyTranslateUIDToBox) {
        return false;
    }
    *out_size = 0;
    if (qualifier == NULL || size != sizeof(CFStringRef)) {
        return true; /* the model reports the bad size */
    }
    CFStringRef s = *(const CFStringRef *)qualifier;
    if (s != NULL && CFGetTypeID(s) == CFStringGetTypeID()
        && CFStringGetCString(s, buf, VOCANA_HAL_MAX_STRING, kCFStringEncodingUTF8)) {
        *out_size = (UInt32)strlen(buf);
    }
    return true;
}

static OSStatus get_size(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t pid,
                         const AudioObjectPropertyAddress *addr, UInt32 qsize, const void *qualifier, UInt32 *out) {
    (void)pid;
    if (driver == NULL || addr == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    vocana_hal_address a = address(addr);
    char uid[VOCANA_HAL_MAX_STRING];
    UInt32 usize;
    if (uid_qualifier(&a, qsize, qualifier, uid, &usize)) {
        return vocana_hal_get_size(&self(driver)->hal, object, &a, usize, uid, out);
    }
    return vocana_hal_get_size(&self(driver)->hal, object, &a, qsize, qualifier, out);
}

static OSStatus get_data(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t pid,
                         const AudioObjectPropertyAddress *addr, UInt32 qsize, const void *qualifier, UInt32 in_size,
                         UInt32 *out_size, void *out) {
    (void)pid;
    if (driver == NULL || addr == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    vocana_driver *d = self(driver);
    vocana_hal_address a = address(addr);
    char uid[VOCANA_HAL_MAX_STRING];
    UInt32 usize;
    if (uid_qualifier(&a, qsize, qualifier, uid, &usize)) {
        return vocana_hal_get(&d->hal, object, &a, usize, uid, in_size, out_size, out);
    }
    if (vocana_hal_is_string(&d->hal, object, &a)) {
        const char *value = NULL;
        UInt32 size = 0;
        OSStatus st = vocana_hal_get(&d->hal, object, &a, qsize, qualifier, sizeof value, &size, &value);
        if (st != kAudioHardwareNoError) {
            return st;
        }
        if (out == NULL || out_size == NULL) {
            return kAudioHardwareIllegalOperationError;
        }
        if (in_size < sizeof(CFStringRef)) {
            return kAudioHardwareBadPropertySizeError;
        }
        CFStringRef s = CFStringCreateWithCString(NULL, value, kCFStringEncodingUTF8); /* the caller releases it */
        if (s == NULL) {
            return kAudioHardwareUnspecifiedError;
        }
        memcpy(out, &s, sizeof s);
        *out_size = sizeof s;
        return kAudioHardwareNoError;
    }
    return vocana_hal_get(&d->hal, object, &a, qsize, qualifier, in_size, out_size, out);
}

static OSStatus set_data(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t pid,
                         const AudioObjectPropertyAddress *addr, UInt32 qsize, const void *qualifier, UInt32 in_size,
                         const void *in) {
    (void)pid;
    if (driver == NULL || addr == NULL) {
        return kAudioHardwareIllegalOperationError;
    }
    vocana_driver *d = self(driver);
    vocana_hal_address a = address(addr);
    vocana_hal_changes changes;
    OSStatus st = vocana_hal_set(&d->hal, object, &a, qsize, qualifier, in_size, in, &changes);
    if (st != kAudioHardwareNoError) {
        return st;
    }
    uint32_t cls = vocana_hal_class_of(&d->hal, object);
    uint32_t index = (object - VOCANA_HAL_DEVICE_BASE) / VOCANA_HAL_IDS_PER_DEVICE;
    if ((cls == VOCANA_CLASS_DEVICE || cls == VOCANA_CLASS_STREAM) && vocana_hal_change_pending(&d->hal, index)) {
        AudioObjectID device = VOCANA_HAL_DEVICE_BASE + index * VOCANA_HAL_IDS_PER_DEVICE;
        st = d->host->RequestDeviceConfigurationChange(d->host, device, 0, NULL);
    }
    for (uint32_t i = 0; i < changes.count; i++) {
        AudioObjectPropertyAddress changed = {changes.address[i].selector, changes.address[i].scope,
                                              changes.address[i].element};
        (void)d->host->PropertiesChanged(d->host, changes.object[i], 1, &changed);
    }
    return st;
}

/* ------------------------------------------------------------------- IO
 *
 * CoreAudio's sample time IS the device clock of the timing model (abi.h section 6): the time
 * stamps this driver gives the HAL (GetZeroTimeStamp, hal.h) define it, every IO cycle names its
 * frames by it, and both rings are stamped in it (clock VOCANA_CLOCK_PRIVATE | coreaudiod's pid:
 * one process serves both directions).  The clock starts at the device's first StartIO and
 * never restarts (hal.h), so no device time is ever used twice.
 *
 * One IO cycle, woken at sample time W, of n frames, nominal IO buffer size N (n <= N
 * normally), safety offsets s_in and s_out:
 *   WriteMix: output sample time o = W + s_out.  The frames of device time [o, o + n) go to
 *     "to host" stamped o (vocana_device_write_at).  The cycle may run as late as its end,
 *     W + N (any later is a HAL overload), so a frame reaches the ring at most N frames after
 *     its own time: the burst, b = max(n, N), declared (vocana_device_set_burst) before the
 *     write, so the reader's latency covers it.
 *   ReadInput: input sample time i = W - n - s_in.  The buffer is filled with the frames of
 *     device time [i, i + n) at latency L (vocana_device_read_at(t = i)): ring position
 *     i - L - from_host.time_base, where L = b + block_frames + margin (abi.h section 6: the
 *     writer's burst, the host's block, the reader's margin).  The frame played at output time o
 *     is recorded at input time o + L exactly, whatever n, N and the phase of the host's blocks.
 *     The read itself runs at wall time W >= i + n, which only adds to the host's slack.
 *   Latency: the core publishes L in read_latency_frames; the service thread reports the host's
 *     chain latency plus L as the output scope's kAudioDevicePropertyLatency (hal.h), as the ALSA
 *     plugin adds both to a playback stream's delay: a round trip counts it once.
 * Discontinuities:
 *   - an overload: the HAL skips ahead, o and i jump forward by J frames.  WriteMix fills a gap
 *     of at most GAP_FILL_FRAMES with silence stamped with its own time (next_out), so the
 *     "to host" timeline stays continuous: no new time_base, nothing to drain, the next frames
 *     are recorded at L at once.  A longer gap, or a step back, is a new time_base, which the
 *     core publishes only into an empty ring (dropping and counting an overrun until the host
 *     has carried what was queued: a partial block waits at most for its deadline).  ReadInput needs nothing: the target moves with i, so
 *     the frames whose input time the HAL skipped are late and skipped, counted in late_frames.
 *   - StopIO/StartIO: the clock ran on meanwhile, so both times have moved on by the time IO
 *     was stopped: a gap for WriteMix, as above.  Until the frames of the new IO session are
 *     due (a read whose device times [i - L, i - L + n) all precede the session's first output
 *     frame), each ReadInput calls vocana_device_restart_read first: what such a read skips or
 *     misses is the end of the previous session or the silence of the stop (nobody recorded a
 *     stopped device), not a loss of this one.
 *   - no host, or a host at another rate (the device is being switched to it): WriteMix
 *     writes nothing, ReadInput is silence (nothing is due: no host, or none at this rate).
 * Frames late or lost in the host are counted by the core (late_frames, underruns, overruns);
 * nothing here is silent about a loss.  Per cycle: arithmetic, copies, atomics and at most one
 * system call (waking a host that sleeps on the ring, abi.h section 7); no lock, no allocation.
 */

/* A sample time as a device time (the model's 64-bit modular time; input times start below 0);
 * false for a value no HAL sends (not finite, or beyond 2^62 frames). */
static bool device_time(Float64 sample_time, uint64_t *out) {
    if (!(sample_time > -0x1p62 && sample_time < 0x1p62)) {
        return false;
    }
    int64_t v = (int64_t)sample_time;
    if ((Float64)v > sample_time) {
        v--; /* floor, for a fractional time */
    }
    *out = (uint64_t)v;
    return true;
}

static OSStatus start_io(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client) {
    (void)client;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0) {
        return kAudioHardwareBadObjectError;
    }
    return vocana_hal_start_io(&d->hal, (uint32_t)i, mach_absolute_time());
}

static OSStatus stop_io(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client) {
    (void)client;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    return i < 0 ? kAudioHardwareBadObjectError : vocana_hal_stop_io(&d->hal, (uint32_t)i);
}

static OSStatus zero_timestamp(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client,
                               Float64 *sample_time, UInt64 *host_time, UInt64 *seed) {
    (void)client;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0 || sample_time == NULL || host_time == NULL || seed == NULL) {
        return kAudioHardwareBadObjectError;
    }
    vocana_hal_timestamp t;
    OSStatus st = vocana_hal_device_zero_timestamp(&d->hal, (uint32_t)i, mach_absolute_time(),
                                                   d->host_ticks_per_second, &t);
    if (st == kAudioHardwareNoError) {
        *sample_time = t.sample_time;
        *host_time = t.host_time;
        *seed = t.seed;
    }
    return st;
}

static OSStatus will_do(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client, UInt32 op,
                        Boolean *will, Boolean *in_place) {
    (void)client;
    if (device_index(self(driver), device) < 0 || will == NULL || in_place == NULL) {
        return kAudioHardwareBadObjectError;
    }
    *will = op == kAudioServerPlugInIOOperationWriteMix || op == kAudioServerPlugInIOOperationReadInput;
    *in_place = true;
    return kAudioHardwareNoError;
}

static OSStatus begin_end_io(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client, UInt32 op,
                             UInt32 frames, const AudioServerPlugInIOCycleInfo *info) {
    (void)client;
    (void)op;
    (void)frames;
    (void)info;
    return device_index(self(driver), device) < 0 ? kAudioHardwareBadObjectError : kAudioHardwareNoError;
}

/* The device's IO state, moved to the HAL's current IO session. */
static io_state *io_session(vocana_driver *d, uint32_t i) {
    io_state *io = &d->io[i];
    uint64_t session = vocana_hal_io_session(&d->hal.devices[i]);
    if (session != io->session) {
        io->session = session;
        io->session_has_out = false;
    }
    return io;
}

/* WriteMix of n frames at output device time t (see IO). */
static void write_mix(vocana_driver *d, uint32_t i, float *buf, uint32_t n, uint64_t t, uint32_t nominal) {
    vocana_device *ring = d->rings[i];
    io_state *io = io_session(d, i);
    if (!io->session_has_out) {
        io->session_out = t;
        io->session_has_out = true;
    }
    uint32_t ch = d->hal.devices[i].cfg.channels;
    uint32_t burst = nominal > n && nominal <= VOCANA_HAL_MAX_IO_FRAMES ? nominal : n;
    if (burst != io->burst) {
        io->burst = burst;
        vocana_device_set_burst(ring, burst);
    }
    uint64_t gap = t - io->next_out;
    if (io->has_next_out && gap > 0 && gap <= GAP_FILL_FRAMES) {
        /* skipped time: silence at its own time keeps the ring's timeline continuous */
        const uint32_t chunk = VOCANA_HAL_MAX_IO_FRAMES * MAX_CHANNELS / ch;
        for (uint64_t at = io->next_out; at != t;) {
            uint32_t k = t - at < chunk ? (uint32_t)(t - at) : chunk;
            (void)vocana_device_write_at(ring, SILENCE, k, at);
            at += k;
        }
    }
    io->next_out = t + n;
    io->has_next_out = true;
    vocana_hal_apply_volume(&d->hal.devices[i], buf, n * ch);
    (void)vocana_device_write_at(ring, buf, n, t);
    vocana_device_wake_host(ring); /* the host sleeps on the ring: one wake-up, only then */
}

/* ReadInput of n frames at input device time t (see IO). */
static void read_input(vocana_driver *d, uint32_t i, float *buf, uint32_t n, uint64_t t) {
    vocana_device *ring = d->rings[i];
    io_state *io = io_session(d, i);
    uint64_t end = t + n - vocana_device_read_latency(ring); /* past the last device time read */
    if (!io->session_has_out || (int64_t)(end - io->session_out) <= 0) {
        vocana_device_restart_read(ring); /* nothing of this session is due yet */
    }
    (void)vocana_device_read_at(ring, buf, n, t);
}

static OSStatus do_io(AudioServerPlugInDriverRef driver, AudioObjectID device, AudioObjectID stream, UInt32 client,
                      UInt32 op, UInt32 frames, const AudioServerPlugInIOCycleInfo *info, void *main_buffer,
                      void *secondary) {
    (void)client;
    (void)stream;
    (void)secondary;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0 || info == NULL || main_buffer == NULL) {
        return kAudioHardwareBadObjectError;
    }
    if (frames > VOCANA_HAL_MAX_IO_FRAMES) {
        return kAudioHardwareBadPropertySizeError; /* more than the advertised buffer size range */
    }
    uint32_t ch = d->hal.devices[i].cfg.channels;
    float *buf = main_buffer;
    /* no host, or one at another rate (the device is being switched to it): nothing moves */
    bool live = vocana_hal_rate_matches(&d->hal.devices[i]);
    uint64_t t;
    if (op == kAudioServerPlugInIOOperationWriteMix) {
        if (!device_time(info->mOutputTime.mSampleTime, &t)) {
            return kAudioHardwareIllegalOperationError;
        }
        if (live && frames > 0) {
            write_mix(d, (uint32_t)i, buf, frames, t, info->mNominalIOBufferFrameSize);
        }
    } else if (op == kAudioServerPlugInIOOperationReadInput) {
        bool timed = device_time(info->mInputTime.mSampleTime, &t);
        if (live && timed && frames > 0) {
            read_input(d, (uint32_t)i, buf, frames, t);
        } else {
            memset(buf, 0, (size_t)frames * ch * sizeof(float));
        }
        if (!timed) {
            return kAudioHardwareIllegalOperationError;
        }
    }
    return kAudioHardwareNoError;
}

/* ---------------------------------------------------------------- factory */

void *VocanaDriverFactory(CFAllocatorRef allocator, CFUUIDRef type);

void *VocanaDriverFactory(CFAllocatorRef allocator, CFUUIDRef type) {
    (void)allocator;
    if (type == NULL || !CFEqual(type, kAudioServerPlugInTypeUUID)) {
        return NULL;
    }
    vocana_driver *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return NULL;
    }
    d->table.QueryInterface = query_interface;
    d->table.AddRef = add_ref;
    d->table.Release = release;
    d->table.Initialize = initialize;
    d->table.CreateDevice = create_device;
    d->table.DestroyDevice = destroy_device;
    d->table.AddDeviceClient = add_client;
    d->table.RemoveDeviceClient = remove_client;
    d->table.PerformDeviceConfigurationChange = perform_change;
    d->table.AbortDeviceConfigurationChange = abort_change;
    d->table.HasProperty = has_property;
    d->table.IsPropertySettable = is_settable;
    d->table.GetPropertyDataSize = get_size;
    d->table.GetPropertyData = get_data;
    d->table.SetPropertyData = set_data;
    d->table.StartIO = start_io;
    d->table.StopIO = stop_io;
    d->table.GetZeroTimeStamp = zero_timestamp;
    d->table.WillDoIOOperation = will_do;
    d->table.BeginIOOperation = begin_end_io;
    d->table.DoIOOperation = do_io;
    d->table.EndIOOperation = begin_end_io;
    d->interface = &d->table;
    atomic_init(&d->refs, 1u);
    return d;
}
