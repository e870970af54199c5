/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double: the AudioServerPlugIn interface as macos/vocana_driver.c uses it (see ../README.md). */
#ifndef FAKE_AUDIOSERVERPLUGIN_H
#define FAKE_AUDIOSERVERPLUGIN_H

#include <CoreAudio/fake_coreaudio.h>

/* COM plumbing */
typedef SInt32 HRESULT;
typedef UInt32 ULONG;
typedef void *LPVOID;
typedef CFUUIDBytes REFIID;
#define S_OK ((HRESULT)0)
#define E_NOINTERFACE ((HRESULT)0x80000004)

#define IUnknownUUID fake_cf_uuid(1)
#define kAudioServerPlugInTypeUUID fake_cf_uuid(2)
#define kAudioServerPlugInDriverInterfaceUUID fake_cf_uuid(3)

enum {
    kAudioServerPlugInIOOperationReadInput = 1,
    kAudioServerPlugInIOOperationWriteMix = 2,
    kAudioServerPlugInIOOperationProcessOutput = 3,
};

typedef struct AudioServerPlugInClientInfo {
    UInt32 mClientID;
    pid_t mProcessID;
    Boolean mIsNativeEndian;
    CFStringRef mBundleID;
} AudioServerPlugInClientInfo;

typedef struct AudioServerPlugInIOCycleInfo {
    UInt64 mIOCycleCounter;
    UInt32 mNominalIOBufferFrameSize;
    AudioTimeStamp mInputTime;
    AudioTimeStamp mOutputTime;
} AudioServerPlugInIOCycleInfo;

typedef struct AudioServerPlugInHostInterface AudioServerPlugInHostInterface;
typedef const AudioServerPlugInHostInterface *AudioServerPlugInHostRef;
struct AudioServerPlugInHostInterface {
    OSStatus (*PropertiesChanged)(AudioServerPlugInHostRef host, AudioObjectID object, UInt32 count,
                                  const AudioObjectPropertyAddress *addresses);
    OSStatus (*RequestDeviceConfigurationChange)(AudioServerPlugInHostRef host, AudioObjectID device,
                                                 UInt64 action, void *info);
};

typedef struct AudioServerPlugInDriverInterface AudioServerPlugInDriverInterface;
typedef AudioServerPlugInDriverInterface **AudioServerPlugInDriverRef;
struct AudioServerPlugInDriverInterface {
    void *_reserved;
    HRESULT (*QueryInterface)(void *driver, REFIID iid, LPVOID *out);
    ULONG (*AddRef)(void *driver);
    ULONG (*Release)(void *driver);
    OSStatus (*Initialize)(AudioServerPlugInDriverRef driver, AudioServerPlugInHostRef host);
    OSStatus (*CreateDevice)(AudioServerPlugInDriverRef driver, CFDictionaryRef description,
                             const AudioServerPlugInClientInfo *client, AudioObjectID *out);
    OSStatus (*DestroyDevice)(AudioServerPlugInDriverRef driver, AudioObjectID device);
    OSStatus (*AddDeviceClient)(AudioServerPlugInDriverRef driver, AudioObjectID device,
                                const AudioServerPlugInClientInfo *client);
    OSStatus (*RemoveDeviceClient)(AudioServerPlugInDriverRef driver, AudioObjectID device,
                                   const AudioServerPlugInClientInfo *client);
    OSStatus (*PerformDeviceConfigurationChange)(AudioServerPlugInDriverRef driver, AudioObjectID device,
                                                 UInt64 action, void *info);
    OSStatus (*AbortDeviceConfigurationChange)(AudioServerPlugInDriverRef driver, AudioObjectID device,
                                               UInt64 action, void *info);
    Boolean (*HasProperty)(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t client,
                           const AudioObjectPropertyAddress *address);
    OSStatus (*IsPropertySettable)(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t client,
                                   const AudioObjectPropertyAddress *address, Boolean *out);
    OSStatus (*GetPropertyDataSize)(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t client,
                                    const AudioObjectPropertyAddress *address, UInt32 qualifier_size,
                                    const void *qualifier, UInt32 *out);
    OSStatus (*GetPropertyData)(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t client,
                                const AudioObjectPropertyAddress *address, UInt32 qualifier_size,
                                const void *qualifier, UInt32 in_size, UInt32 *out_size, void *out);
    OSStatus (*SetPropertyData)(AudioServerPlugInDriverRef driver, AudioObjectID object, pid_t client,
                                const AudioObjectPropertyAddress *address, UInt32 qualifier_size,
                                const void *qualifier, UInt32 in_size, const void *in);
    OSStatus (*StartIO)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client);
    OSStatus (*StopIO)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client);
    OSStatus (*GetZeroTimeStamp)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client,
                                 Float64 *sample_time, UInt64 *host_time, UInt64 *seed);
    OSStatus (*WillDoIOOperation)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client,
                                  UInt32 operation, Boolean *will, Boolean *in_place);
    OSStatus (*BeginIOOperation)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client,
                                 UInt32 operation, UInt32 frames, const AudioServerPlugInIOCycleInfo *info);
    OSStatus (*DoIOOperation)(AudioServerPlugInDriverRef driver, AudioObjectID device, AudioObjectID stream,
                              UInt32 client, UInt32 operation, UInt32 frames,
                              const AudioServerPlugInIOCycleInfo *info, void *main_buffer, void *secondary);
    OSStatus (*EndIOOperation)(AudioServerPlugInDriverRef driver, AudioObjectID device, UInt32 client,
                               UInt32 operation, UInt32 frames, const AudioServerPlugInIOCycleInfo *info);
};

#endif
