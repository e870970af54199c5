/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vocana HAL model: everything the macOS AudioServerPlugIn driver decides,
 * in portable C11 so that it is unit-tested and fuzzed on Linux.  The macOS
 * glue (hal-plugin/macos/) only converts between CoreAudio's types and these
 * (CFString <-> UTF-8, the driver interface's callbacks) and forwards.
 *
 * Objects: the plug-in (ID 1), one box (ID 2) and, per configured device d,
 * a device, its input stream (reads the "from host" ring), its output stream
 * (feeds the "to host" ring) and two output-scope controls, volume and mute:
 * IDs VOCANA_HAL_DEVICE_BASE + d * VOCANA_HAL_IDS_PER_DEVICE + role.  Each
 * device has its own state (rate, clock, volume, mute, running count); no
 * state is shared between devices and none lives at file scope.
 *
 * Property access validates, in this order, the object ID, the selector for
 * that object's class, the scope and element, the qualifier, the data
 * pointer and size, then the value, before touching anything; each failure
 * returns the CoreAudio status a HAL client expects.
 *
 * String-valued properties (CFStringRef in CoreAudio) are passed as a
 * `const char *` (UTF-8, static for the model's lifetime) in a slot of
 * pointer size: the glue turns it into a CFString.  The UID-translation
 * qualifiers are the UID's UTF-8 bytes (the glue converts the CFString).
 *
 * Thread contract as in core.h: [any] pure; [control] the HAL's property
 * threads (a device's state is written through atomics, so property reads
 * may race with writes without tearing); [IO] bounded, lock-free.
 */
#ifndef VOCANA_HAL_H
#define VOCANA_HAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOCANA_FOURCC(a, b, c, d) \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* CoreAudio status codes (OSStatus; public values from AudioHardwareBase.h). */
enum {
    VOCANA_HAL_NO_ERROR = 0,
    VOCANA_HAL_NOT_RUNNING = VOCANA_FOURCC('s', 't', 'o', 'p'),
    VOCANA_HAL_UNSPECIFIED = VOCANA_FOURCC('w', 'h', 'a', 't'),
    VOCANA_HAL_UNKNOWN_PROPERTY = VOCANA_FOURCC('w', 'h', 'o', '?'),
    VOCANA_HAL_BAD_PROPERTY_SIZE = VOCANA_FOURCC('!', 's', 'i', 'z'),
    VOCANA_HAL_ILLEGAL_OPERATION = VOCANA_FOURCC('n', 'o', 'p', 'e'),
    VOCANA_HAL_BAD_OBJECT = VOCANA_FOURCC('!', 'o', 'b', 'j'),
    VOCANA_HAL_BAD_DEVICE = VOCANA_FOURCC('!', 'd', 'e', 'v'),
    VOCANA_HAL_BAD_STREAM = VOCANA_FOURCC('!', 's', 't', 'r'),
    VOCANA_HAL_UNSUPPORTED_OPERATION = VOCANA_FOURCC('u', 'n', 'o', 'p'),
    VOCANA_HAL_UNSUPPORTED_FORMAT = VOCANA_FOURCC('!', 'd', 'a', 't'),
};

/* Scopes and the main element. */
enum {
    VOCANA_SCOPE_GLOBAL = VOCANA_FOURCC('g', 'l', 'o', 'b'),
    VOCANA_SCOPE_INPUT = VOCANA_FOURCC('i', 'n', 'p', 't'),
    VOCANA_SCOPE_OUTPUT = VOCANA_FOURCC('o', 'u', 't', 'p'),
    VOCANA_SCOPE_PLAYTHROUGH = VOCANA_FOURCC('p', 't', 'r', 'u'),
    VOCANA_ELEMENT_MAIN = 0,
};

/* Class IDs. */
enum {
    VOCANA_CLASS_OBJECT = VOCANA_FOURCC('a', 'o', 'b', 'j'),
    VOCANA_CLASS_PLUGIN = VOCANA_FOURCC('a', 'p', 'l', 'g'),
    VOCANA_CLASS_BOX = VOCANA_FOURCC('a', 'b', 'o', 'x'),
    VOCANA_CLASS_DEVICE = VOCANA_FOURCC('a', 'd', 'e', 'v'),
    VOCANA_CLASS_STREAM = VOCANA_FOURCC('a', 's', 't', 'r'),
    VOCANA_CLASS_CONTROL = VOCANA_FOURCC('a', 'c', 't', 'l'),
    VOCANA_CLASS_LEVEL_CONTROL = VOCANA_FOURCC('l', 'e', 'v', 'l'),
    VOCANA_CLASS_VOLUME_CONTROL = VOCANA_FOURCC('v', 'l', 'm', 'e'),
    VOCANA_CLASS_BOOLEAN_CONTROL = VOCANA_FOURCC('t', 'o', 'g', 'l'),
    VOCANA_CLASS_MUTE_CONTROL = VOCANA_FOURCC('m', 'u', 't', 'e'),
};

/* Property selectors (AudioHardwareBase.h, AudioServerPlugIn.h). */
enum {
    /* every object */
    VOCANA_P_BASE_CLASS = VOCANA_FOURCC('b', 'c', 'l', 's'),
    VOCANA_P_CLASS = VOCANA_FOURCC('c', 'l', 'a', 's'),
    VOCANA_P_OWNER = VOCANA_FOURCC('s', 't', 'd', 'v'),
    VOCANA_P_NAME = VOCANA_FOURCC('l', 'n', 'a', 'm'),
    VOCANA_P_MANUFACTURER = VOCANA_FOURCC('l', 'm', 'a', 'k'),
    VOCANA_P_OWNED_OBJECTS = VOCANA_FOURCC('o', 'w', 'n', 'd'),
    /* plug-in */
    VOCANA_P_BOX_LIST = VOCANA_FOURCC('b', 'o', 'x', '#'),
    VOCANA_P_TRANSLATE_UID_TO_BOX = VOCANA_FOURCC('u', 'i', 'd', 'b'),
    VOCANA_P_DEVICE_LIST = VOCANA_FOURCC('d', 'e', 'v', '#'),
    VOCANA_P_TRANSLATE_UID_TO_DEVICE = VOCANA_FOURCC('u', 'i', 'd', 'd'),
    VOCANA_P_RESOURCE_BUNDLE = VOCANA_FOURCC('r', 's', 'r', 'c'),
    /* box */
    VOCANA_P_BOX_UID = VOCANA_FOURCC('b', 'u', 'i', 'd'),
    VOCANA_P_TRANSPORT_TYPE = VOCANA_FOURCC('t', 'r', 'a', 'n'),
    VOCANA_P_BOX_HAS_AUDIO = VOCANA_FOURCC('b', 'h', 'a', 'u'),
    VOCANA_P_BOX_HAS_VIDEO = VOCANA_FOURCC('b', 'h', 'v', 'i'),
    VOCANA_P_BOX_HAS_MIDI = VOCANA_FOURCC('b', 'h', 'm', 'i'),
    VOCANA_P_BOX_IS_PROTECTED = VOCANA_FOURCC('b', 'p', 'r', 'o'),
    VOCANA_P_BOX_ACQUIRED = VOCANA_FOURCC('b', 'x', 'o', 'n'),
    VOCANA_P_BOX_ACQUISITION_FAILED = VOCANA_FOURCC('b', 'x', 'o', 'f'),
    VOCANA_P_BOX_DEVICE_LIST = VOCANA_FOURCC('b', 'd', 'v', '#'),
    /* device */
    VOCANA_P_DEVICE_UID = VOCANA_FOURCC('u', 'i', 'd', ' '),
    VOCANA_P_MODEL_UID = VOCANA_FOURCC('m', 'u', 'i', 'd'),
    VOCANA_P_RELATED_DEVICES = VOCANA_FOURCC('a', 'k', 'i', 'n'),
    VOCANA_P_CLOCK_DOMAIN = VOCANA_FOURCC('c', 'l', 'k', 'd'),
    VOCANA_P_DEVICE_IS_ALIVE = VOCANA_FOURCC('l', 'i', 'v', 'n'),
    VOCANA_P_DEVICE_IS_RUNNING = VOCANA_FOURCC('g', 'o', 'i', 'n'),
    VOCANA_P_CAN_BE_DEFAULT = VOCANA_FOURCC('d', 'f', 'l', 't'),
    VOCANA_P_CAN_BE_DEFAULT_SYSTEM = VOCANA_FOURCC('s', 'f', 'l', 't'),
    VOCANA_P_LATENCY = VOCANA_FOURCC('l', 't', 'n', 'c'),
    VOCANA_P_STREAMS = VOCANA_FOURCC('s', 't', 'm', '#'),
    VOCANA_P_CONTROL_LIST = VOCANA_FOURCC('c', 't', 'r', 'l'),
    VOCANA_P_SAFETY_OFFSET = VOCANA_FOURCC('s', 'a', 'f', 't'),
    VOCANA_P_NOMINAL_SAMPLE_RATE = VOCANA_FOURCC('n', 's', 'r', 't'),
    VOCANA_P_AVAILABLE_SAMPLE_RATES = VOCANA_FOURCC('n', 's', 'r', '#'),
    VOCANA_P_IS_HIDDEN = VOCANA_FOURCC('h', 'i', 'd', 'n'),
    VOCANA_P_PREFERRED_STEREO = VOCANA_FOURCC('d', 'c', 'h', '2'),
    VOCANA_P_ZERO_TIMESTAMP_PERIOD = VOCANA_FOURCC('r', 'i', 'n', 'g'),
    VOCANA_P_CLOCK_IS_STABLE = VOCANA_FOURCC('c', 's', 't', 'b'),
    VOCANA_P_BUFFER_FRAME_SIZE = VOCANA_FOURCC('f', 's', 'i', 'z'),
    VOCANA_P_BUFFER_FRAME_SIZE_RANGE = VOCANA_FOURCC('f', 's', 'z', '#'),
    /* stream */
    VOCANA_P_STREAM_IS_ACTIVE = VOCANA_FOURCC('s', 'a', 'c', 't'),
    VOCANA_P_STREAM_DIRECTION = VOCANA_FOURCC('s', 'd', 'i', 'r'),
    VOCANA_P_STREAM_TERMINAL_TYPE = VOCANA_FOURCC('t', 'e', 'r', 'm'),
    VOCANA_P_STREAM_STARTING_CHANNEL = VOCANA_FOURCC('s', 'c', 'h', 'n'),
    VOCANA_P_STREAM_VIRTUAL_FORMAT = VOCANA_FOURCC('s', 'f', 'm', 't'),
    VOCANA_P_STREAM_AVAILABLE_VIRTUAL_FORMATS = VOCANA_FOURCC('s', 'f', 'm', 'a'),
    VOCANA_P_STREAM_PHYSICAL_FORMAT = VOCANA_FOURCC('p', 'f', 't', ' '),
    VOCANA_P_STREAM_AVAILABLE_PHYSICAL_FORMATS = VOCANA_FOURCC('p', 'f', 't', 'a'),
    /* controls */
    VOCANA_P_CONTROL_SCOPE = VOCANA_FOURCC('c', 's', 'c', 'p'),
    VOCANA_P_CONTROL_ELEMENT = VOCANA_FOURCC('c', 'e', 'l', 'm'),
    VOCANA_P_LEVEL_SCALAR = VOCANA_FOURCC('l', 'c', 's', 'v'),
    VOCANA_P_LEVEL_DECIBELS = VOCANA_FOURCC('l', 'c', 'd', 'v'),
    VOCANA_P_LEVEL_DECIBEL_RANGE = VOCANA_FOURCC('l', 'c', 'd', 'r'),
    VOCANA_P_LEVEL_SCALAR_TO_DECIBELS = VOCANA_FOURCC('l', 'c', 's', 'd'),
    VOCANA_P_LEVEL_DECIBELS_TO_SCALAR = VOCANA_FOURCC('l', 'c', 'd', 's'),
    VOCANA_P_BOOLEAN_VALUE = VOCANA_FOURCC('b', 'c', 'v', 'l'),
};

/* Every selector above: some object of the model has each of them. */
#define VOCANA_HAL_SELECTOR_COUNT 56
extern const uint32_t vocana_hal_selectors[VOCANA_HAL_SELECTOR_COUNT];

/* Values. */
enum {
    VOCANA_TRANSPORT_VIRTUAL = VOCANA_FOURCC('v', 'i', 'r', 't'),
    VOCANA_FORMAT_LINEAR_PCM = VOCANA_FOURCC('l', 'p', 'c', 'm'),
    /* kAudioFormatFlagIsFloat | kAudioFormatFlagIsPacked (little-endian native) */
    VOCANA_FORMAT_FLAGS_FLOAT_PACKED = 0x1 | 0x8,
    VOCANA_TERMINAL_MICROPHONE = VOCANA_FOURCC('m', 'i', 'c', 'r'), /* kAudioStreamTerminalTypeMicrophone */
    VOCANA_TERMINAL_SPEAKER = VOCANA_FOURCC('s', 'p', 'k', 'r'),    /* kAudioStreamTerminalTypeSpeaker */
};

/* AudioObjectPropertyAddress */
typedef struct vocana_hal_address {
    uint32_t selector;
    uint32_t scope;
    uint32_t element;
} vocana_hal_address;

/* AudioValueRange */
typedef struct vocana_hal_range {
    double minimum;
    double maximum;
} vocana_hal_range;

/* AudioStreamBasicDescription (40 bytes) */
typedef struct vocana_hal_asbd {
    double sample_rate;
    uint32_t format_id;
    uint32_t format_flags;
    uint32_t bytes_per_packet;
    uint32_t frames_per_packet;
    uint32_t bytes_per_frame;
    uint32_t channels_per_frame;
    uint32_t bits_per_channel;
    uint32_t reserved;
} vocana_hal_asbd;

/* AudioStreamRangedDescription (56 bytes) */
typedef struct vocana_hal_ranged_asbd {
    vocana_hal_asbd format;
    vocana_hal_range sample_rate_range;
} vocana_hal_ranged_asbd;

#define VOCANA_HAL_MAX_DEVICES 8
#define VOCANA_HAL_PLUGIN_ID 1u
#define VOCANA_HAL_BOX_ID 2u
#define VOCANA_HAL_DEVICE_BASE 16u
#define VOCANA_HAL_IDS_PER_DEVICE 8u
enum vocana_hal_role {
    VOCANA_ROLE_DEVICE = 0,
    VOCANA_ROLE_INPUT_STREAM = 1,  /* audio from the host to applications */
    VOCANA_ROLE_OUTPUT_STREAM = 2, /* audio from applications to the host */
    VOCANA_ROLE_VOLUME = 3,        /* output-scope volume */
    VOCANA_ROLE_MUTE = 4,          /* output-scope mute */
    VOCANA_ROLE_COUNT = 5,
};

/* Sample rates a device offers (Hz). */
#define VOCANA_HAL_RATE_COUNT 6
extern const double vocana_hal_rates[VOCANA_HAL_RATE_COUNT];

/* Buffer frame sizes the device accepts, and the volume control's range. */
#define VOCANA_HAL_MIN_IO_FRAMES 16u
#define VOCANA_HAL_MAX_IO_FRAMES 4096u
#define VOCANA_HAL_VOLUME_MIN_DB (-96.0f)
#define VOCANA_HAL_VOLUME_MAX_DB 0.0f
#define VOCANA_HAL_MAX_STRING 128

/* One device as configured (control thread, at load). */
typedef struct vocana_hal_device_config {
    char name[VOCANA_HAL_MAX_STRING]; /* shown to users, e.g. "Vocana" */
    char uid[VOCANA_HAL_MAX_STRING];  /* stable, e.g. "org.vocana.device.vocana" */
    uint32_t channels;                /* 1..8 */
    double sample_rate;               /* one of vocana_hal_rates */
    uint32_t safety_offset;           /* frames */
    uint32_t latency;                 /* frames added to the device's latency in both scopes */
    uint32_t period;                  /* ZeroTimeStampPeriod, frames (>= max IO frames) */
} vocana_hal_device_config;

/* The driver's configuration: the devices, and each one's ring id (the host's device id). */
#define VOCANA_HAL_RING_ID_SIZE 32
typedef struct vocana_hal_config {
    uint32_t owner;     /* uid whose host's regions the devices accept (see has_owner) */
    bool has_owner;     /* false: no owner= line; the driver then attaches to no region */
    uint32_t count;
    vocana_hal_device_config devices[VOCANA_HAL_MAX_DEVICES];
    char ring_id[VOCANA_HAL_MAX_DEVICES][VOCANA_HAL_RING_ID_SIZE];
} vocana_hal_config;

/* [any] The built-in configuration: one stereo 48 kHz device "Vocana" on ring "vocana". */
void vocana_hal_default_config(vocana_hal_config *out);

/* [any] Parses a configuration file's text (not NUL-terminated; at most 64 KiB):
 *
 *     # comment
 *     owner=501         before the first section: the uid of the user whose host feeds the
 *                       devices (the driver runs as another user; install-macos.sh writes it)
 *     [vocana]          a device on the host's ring "vocana" (1..22 of A-Z a-z 0-9 _ . -, not
 *                       "."-first: the shared-memory object "/vocana.<id>" is at most 30 characters)
 *     name=Vocana       shown to users, 1..127 bytes, no control characters (default: the ring id)
 *     channels=2        1..8 (default 2)
 *     rate=48000        44100, 48000, 88200, 96000, 176400 or 192000 (default 48000)
 *     latency=0         frames added to what the host reports, 0..65536 (default 0)
 *     safety_offset=0   frames, 0..65536 (default 0)
 *
 * 1..8 devices; UIDs are "org.vocana.device.<ring id>".  Returns VOCANA_HAL_NO_ERROR, or
 * VOCANA_HAL_ILLEGAL_OPERATION with a one-line reason ("line N: ...") in why. */
int32_t vocana_hal_parse_config(const char *text, size_t len, vocana_hal_config *out, char *why, size_t why_len);

/* A device's state.  Written by property setters and the configuration-change
 * callbacks (control), read by IO and clock callbacks. */
typedef struct vocana_hal_device {
    vocana_hal_device_config cfg;
    char model_uid[VOCANA_HAL_MAX_STRING];
    _Atomic uint64_t rate_bits;       /* double bits of the nominal rate */
    _Atomic uint64_t pending_rate_bits; /* requested, applied by perform_change */
    _Atomic uint32_t volume_bits;     /* float bits of the scalar volume 0..1 */
    atomic_bool mute;
    atomic_uint running;              /* StartIO count */
    _Atomic uint32_t host_latency;    /* frames the host side adds to playback (output Latency) */
    _Atomic uint32_t pending_host_latency;
    _Atomic uint32_t host_rate;       /* the attached host region's rate, 0 without one */
    _Atomic uint64_t anchor_host_time; /* where the clock started (the first StartIO ever) */
    atomic_bool anchored;             /* the clock has started: it never restarts */
    _Atomic uint64_t clock_seed;      /* changes whenever the time stamps become another series */
    _Atomic uint64_t io_sessions;     /* StartIOs that found IO stopped: a new IO session each */
} vocana_hal_device;

/* The whole model: what the driver object owns. */
typedef struct vocana_hal {
    uint32_t device_count;
    vocana_hal_device devices[VOCANA_HAL_MAX_DEVICES];
    char box_uid[VOCANA_HAL_MAX_STRING];
    char resource_bundle[VOCANA_HAL_MAX_STRING];
} vocana_hal;

/* What a successful set changed, for PropertiesChanged notifications. */
typedef struct vocana_hal_changes {
    uint32_t count;
    uint32_t object[4];
    vocana_hal_address address[4];
} vocana_hal_changes;

/* [control] Builds the model from configured devices (1..VOCANA_HAL_MAX_DEVICES).
 * Returns VOCANA_HAL_NO_ERROR, or VOCANA_HAL_ILLEGAL_OPERATION with *why set to
 * a one-line reason (bad count, channels, rate, period, duplicate or empty UID). */
int32_t vocana_hal_init(vocana_hal *hal, const vocana_hal_device_config *devices, uint32_t count,
                        const char **why);

/* [any] The class of an object ID, or 0 if no such object. */
uint32_t vocana_hal_class_of(const vocana_hal *hal, uint32_t object);

/* [control] HasProperty / IsPropertySettable / GetPropertyDataSize /
 * GetPropertyData / SetPropertyData.  Pointers may be NULL (that is an error
 * the functions report, not a crash). */
bool vocana_hal_has_property(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr);
int32_t vocana_hal_is_settable(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                               bool *out_settable);
int32_t vocana_hal_get_size(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                            uint32_t qualifier_size, const void *qualifier, uint32_t *out_size);
int32_t vocana_hal_get(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                       uint32_t qualifier_size, const void *qualifier, uint32_t in_size,
                       uint32_t *out_size, void *out_data);
int32_t vocana_hal_set(vocana_hal *hal, uint32_t object, const vocana_hal_address *addr,
                       uint32_t qualifier_size, const void *qualifier, uint32_t in_size,
                       const void *in_data, vocana_hal_changes *changes);

/* [control] True if the property's value is a string (CFStringRef to the glue). */
bool vocana_hal_is_string(const vocana_hal *hal, uint32_t object, const vocana_hal_address *addr);

/* Configuration changes (sample rate, the host's latency): a set of
 * NominalSampleRate or a stream format only records the request, as does
 * vocana_hal_note_host_latency; the glue then calls the HAL's
 * RequestDeviceConfigurationChange, and the HAL later calls
 * PerformDeviceConfigurationChange, which applies everything pending for
 * that device.  [control] */
bool vocana_hal_change_pending(const vocana_hal *hal, uint32_t device_index);
int32_t vocana_hal_perform_change(vocana_hal *hal, uint32_t device_index);
/* AbortDeviceConfigurationChange (or a failed perform): forget what was pending, so that the
 * next vocana_hal_note_host_rate / _latency asks again. */
int32_t vocana_hal_abort_change(vocana_hal *hal, uint32_t device_index);
/* Records what the host side adds to the device's playback latency (frames, clamped to 65536):
 * the glue passes the host's chain latency plus the "from host" reader's L (abi.h section 6),
 * the time from a frame's output sample time until a recorder of the device hears it, as the
 * ALSA plugin adds both to a playback stream's delay.  Reported as the output scope's
 * kAudioDevicePropertyLatency (plus the configured latency); the input scope reports the
 * configured latency only.  True if that is a change to request. */
bool vocana_hal_note_host_latency(vocana_hal *hal, uint32_t device_index, uint32_t frames);
/* The device runs at its host's rate (the rings carry no rate conversion): records the rate of
 * the attached host's region (0: none) and, when it is an offered rate other than the one the
 * device runs at or is about to, makes it the pending rate; true if that is a change to request.
 * A rate the device does not offer is not requested: the device stays silent
 * (vocana_hal_rate_matches) until the host runs at one it does. */
bool vocana_hal_note_host_rate(vocana_hal *hal, uint32_t device_index, uint32_t rate);
/* [IO] Whether audio may move: a host is attached and its region runs at the device's nominal
 * rate.  Lock-free (two atomic loads). */
bool vocana_hal_rate_matches(const vocana_hal_device *device);

/* StartIO / StopIO of one client [control].  The device's first start ever
 * anchors its clock at now_host_time and changes its seed; the clock then
 * runs on whether IO runs or not, so the sample time after StopIO/StartIO
 * continues where the host time says (a gap, never a step back) and frames
 * still queued in the rings keep their meaning (abi.h section 6).  A start
 * that finds IO stopped begins a new IO session (io_sessions + 1).  stop
 * without a start is VOCANA_HAL_NOT_RUNNING. */
int32_t vocana_hal_start_io(vocana_hal *hal, uint32_t device_index, uint64_t now_host_time);
int32_t vocana_hal_stop_io(vocana_hal *hal, uint32_t device_index);
/* [any] The device's IO session count (see vocana_hal_start_io); lock-free. */
uint64_t vocana_hal_io_session(const vocana_hal_device *device);

/* ------------------------------------------------------------------------
 * Clock.  A device's zero time stamps are a pure function of where its clock
 * started (anchor host time), the host clock's ticks per second, the sample
 * rate and the period: the k-th stamp is (k * period, anchor + k * period *
 * ticks_per_frame).  [any]
 * ---------------------------------------------------------------------- */
typedef struct vocana_hal_timestamp {
    double sample_time;
    uint64_t host_time;
    uint64_t seed;
} vocana_hal_timestamp;

/* The latest zero time stamp at or before now_host_time; seed changes with
 * every rate change (the caller passes the device's generation). */
vocana_hal_timestamp vocana_hal_zero_timestamp(uint64_t anchor_host_time, uint64_t now_host_time,
                                               double host_ticks_per_second, double sample_rate,
                                               uint32_t period, uint64_t seed);

/* GetZeroTimeStamp of a device [IO]: the pure function above at the device's
 * anchor, current rate and period.  VOCANA_HAL_NOT_RUNNING if IO is stopped. */
int32_t vocana_hal_device_zero_timestamp(const vocana_hal *hal, uint32_t device_index, uint64_t now_host_time,
                                         double host_ticks_per_second, vocana_hal_timestamp *out);

/* [IO] Applies the device's volume and mute to n samples in place. */
void vocana_hal_apply_volume(const vocana_hal_device *dev, float *samples, uint32_t n);

#endif
