/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vocana.driver: the CoreAudio AudioServerPlugIn.  A thin adapter: every
 * decision (objects, property validation and values, rate changes, the
 * clock, IO addressing, volume) is made by the portable HAL model
 * (include/vocana/hal.h), and audio moves through the portable core's rings
 * (include/vocana/core.h).  This file converts types (CFString <-> UTF-8),
 * answers the COM plumbing and runs one service thread that attaches each
 * device to the host's shared-memory region.
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

typedef struct vocana_driver {
    AudioServerPlugInDriverInterface *interface; /* first: CoreAudio's AudioServerPlugInDriverRef points here */
    AudioServerPlugInDriverInterface table;
    atomic_uint refs;
    AudioServerPlugInHostRef host;
    double host_ticks_per_second;
    vocana_hal hal;
    vocana_registry registry;
    vocana_device *rings[VOCANA_HAL_MAX_DEVICES];
    int64_t next_write[VOCANA_HAL_MAX_DEVICES]; /* sample time the "to host" ring is at */
    int64_t next_read[VOCANA_HAL_MAX_DEVICES];  /* sample time the "from host" ring is at */
    _Atomic uint32_t requested_latency[VOCANA_HAL_MAX_DEVICES]; /* host latency last asked to apply */
    int reported[VOCANA_HAL_MAX_DEVICES]; /* link state last logged (service thread): 0 live, else the error */
    vocana_hal_config config;
    char config_text[65537];
    float scratch[VOCANA_HAL_MAX_IO_FRAMES * MAX_CHANNELS]; /* silence and discarded frames */
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
            /* the host's chain latency belongs in the device's latency, and the device runs at
             * the host's rate: both are configuration changes */
            bool change = false;
            uint32_t latency = vocana_device_host_latency(d->rings[i]);
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
        vocana_device_config ring = {.sample_rate = 0, .channels = d->config.devices[i].channels,
                                     .max_io_frames = VOCANA_HAL_MAX_IO_FRAMES};
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

/* ------------------------------------------------------------------- IO */

static OSStatus start_io(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client) {
    (void)client;
    vocana_driver *d = self(driver);
    int i = device_index(d, device);
    if (i < 0) {
        return kAudioHardwareBadObjectError;
    }
    if (atomic_load(&d->hal.devices[i].running) == 0) {
        d->next_write[i] = -1; /* the first cycle sets where the rings are */
        d->next_read[i] = -1;
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
    vocana_device *ring = d->rings[i];
    uint32_t ch = d->hal.devices[i].cfg.channels;
    float *buf = main_buffer;
    if (frames > VOCANA_HAL_MAX_IO_FRAMES) {
        return kAudioHardwareBadPropertySizeError; /* more than the advertised buffer size range */
    }
    /* no host, or one at another rate (the device is being switched to it): nothing moves */
    bool live = vocana_hal_rate_matches(&d->hal.devices[i]);
    if (op == kAudioServerPlugInIOOperationWriteMix) {
        int64_t at = (int64_t)info->mOutputTime.mSampleTime;
        int64_t expected = d->next_write[i] < 0 ? at : d->next_write[i];
        vocana_hal_io_plan p = vocana_hal_io_plan_for(expected, at, frames, VOCANA_HAL_MAX_IO_FRAMES);
        d->next_write[i] = at + frames;
        if (!live) {
            return kAudioHardwareNoError;
        }
        vocana_hal_apply_volume(&d->hal.devices[i], buf + (size_t)p.skip * ch, p.frames * ch);
        if (p.gap > 0) {
            memset(d->scratch, 0, (size_t)p.gap * ch * sizeof(float));
            (void)vocana_device_write(ring, d->scratch, p.gap);
        }
        (void)vocana_device_write(ring, buf + (size_t)p.skip * ch, p.frames);
    } else if (op == kAudioServerPlugInIOOperationReadInput) {
        int64_t at = (int64_t)info->mInputTime.mSampleTime;
        int64_t expected = d->next_read[i] < 0 ? at : d->next_read[i];
        vocana_hal_io_plan p = vocana_hal_io_plan_for(expected, at, frames, VOCANA_HAL_MAX_IO_FRAMES);
        d->next_read[i] = at + frames;
        if (!live) {
            memset(buf, 0, (size_t)frames * ch * sizeof(float));
            return kAudioHardwareNoError;
        }
        if (p.gap > 0) {
            (void)vocana_device_read(ring, d->scratch, p.gap); /* frames nobody asked for */
        }
        memset(buf, 0, (size_t)p.skip * ch * sizeof(float)); /* already delivered once: silence */
        (void)vocana_device_read(ring, buf + (size_t)p.skip * ch, p.frames);
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
