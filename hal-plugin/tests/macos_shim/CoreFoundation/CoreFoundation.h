/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double: the CoreFoundation subset macos/vocana_driver.c uses (see ../README.md). */
#ifndef FAKE_COREFOUNDATION_H
#define FAKE_COREFOUNDATION_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t UInt8;
typedef uint16_t UInt16;
typedef uint32_t UInt32;
typedef uint64_t UInt64;
typedef int32_t SInt32;
typedef float Float32;
typedef double Float64;
typedef unsigned char Boolean;
typedef long CFIndex;
typedef unsigned long CFTypeID;
typedef UInt32 CFStringEncoding;
#define kCFStringEncodingUTF8 0x08000100u

/* every fake object starts with its kind */
enum fake_cf_kind { FAKE_CF_STRING = 1, FAKE_CF_UUID, FAKE_CF_BUNDLE, FAKE_CF_URL };
struct fake_cf_object {
    int kind;
    bool heap; /* released by CFRelease */
};
struct __CFString {
    struct fake_cf_object base;
    const char *chars;
};
typedef struct {
    UInt8 byte0, byte1, byte2, byte3, byte4, byte5, byte6, byte7, byte8, byte9, byte10, byte11, byte12, byte13,
        byte14, byte15;
} CFUUIDBytes;
struct __CFUUID {
    struct fake_cf_object base;
    CFUUIDBytes bytes;
};

typedef const void *CFTypeRef;
typedef const struct __CFString *CFStringRef;
typedef const struct __CFUUID *CFUUIDRef;
typedef const struct fake_cf_object *CFAllocatorRef;
typedef const struct fake_cf_object *CFDictionaryRef;
typedef const struct fake_cf_object *CFBundleRef;
typedef const struct fake_cf_object *CFURLRef;

/* a string constant: a compound literal, valid in the enclosing block (enough for the driver) */
#define CFSTR(s) ((CFStringRef) & (const struct __CFString){{FAKE_CF_STRING, false}, "" s ""})

Boolean CFEqual(CFTypeRef a, CFTypeRef b);
void CFRelease(CFTypeRef object);
CFTypeID CFGetTypeID(CFTypeRef object);
CFTypeID CFStringGetTypeID(void);
CFStringRef CFStringCreateWithCString(CFAllocatorRef allocator, const char *text, CFStringEncoding encoding);
Boolean CFStringGetCString(CFStringRef s, char *buffer, CFIndex size, CFStringEncoding encoding);
CFUUIDRef CFUUIDCreateFromUUIDBytes(CFAllocatorRef allocator, CFUUIDBytes bytes);
CFUUIDBytes CFUUIDGetUUIDBytes(CFUUIDRef uuid);
CFBundleRef CFBundleGetBundleWithIdentifier(CFStringRef id);
CFURLRef CFBundleCopyResourceURL(CFBundleRef bundle, CFStringRef name, CFStringRef type, CFStringRef subdir);
Boolean CFURLGetFileSystemRepresentation(CFURLRef url, Boolean resolve, UInt8 *buffer, CFIndex size);

/* the fake's own: a constant UUID by number (1 IUnknown, 2 plug-in type, 3 driver interface) */
CFUUIDRef fake_cf_uuid(int which);

#endif
