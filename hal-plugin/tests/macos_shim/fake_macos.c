/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double: CoreFoundation and mach_time for the driver on Linux (see README.md). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <mach/mach_time.h>

static const struct __CFUUID UUIDS[3] = {
    {{FAKE_CF_UUID, false}, {0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46}},
    {{FAKE_CF_UUID, false}, {0x44, 0x3a, 0xba, 0xb8, 0xe7, 0xb3, 0x49, 0x1a, 0xb9, 0x85, 0xbe, 0xb9, 0x18, 0x70, 0x30, 0xdb}},
    {{FAKE_CF_UUID, false}, {0xee, 0xa5, 0x77, 0x3d, 0xcc, 0x43, 0x49, 0xf1, 0x8e, 0x00, 0x8f, 0x96, 0xe7, 0xd2, 0x3b, 0x17}},
};
static const struct fake_cf_object BUNDLE = {FAKE_CF_BUNDLE, false};

struct fake_url {
    struct fake_cf_object base;
    char path[1024];
};

CFUUIDRef fake_cf_uuid(int which)
{
    return which >= 1 && which <= 3 ? &UUIDS[which - 1] : NULL;
}

static int kind(CFTypeRef o)
{
    return o ? ((const struct fake_cf_object *)o)->kind : 0;
}

Boolean CFEqual(CFTypeRef a, CFTypeRef b)
{
    if (!a || !b || kind(a) != kind(b))
        return false;
    switch (kind(a)) {
    case FAKE_CF_UUID:
        return memcmp(&((CFUUIDRef)a)->bytes, &((CFUUIDRef)b)->bytes, sizeof(CFUUIDBytes)) == 0;
    case FAKE_CF_STRING:
        return strcmp(((CFStringRef)a)->chars, ((CFStringRef)b)->chars) == 0;
    default:
        return a == b;
    }
}

void CFRelease(CFTypeRef o)
{
    if (!o) {
        fprintf(stderr, "fake CoreFoundation: CFRelease(NULL) crashes on macOS\n");
        abort();
    }
    const struct fake_cf_object *h = o;
    if (!h->heap)
        return;
    if (h->kind == FAKE_CF_STRING)
        free((void *)(uintptr_t)((CFStringRef)o)->chars);
    free((void *)(uintptr_t)o);
}

CFTypeID CFGetTypeID(CFTypeRef o)
{
    return (CFTypeID)kind(o);
}

CFTypeID CFStringGetTypeID(void)
{
    return FAKE_CF_STRING;
}

CFStringRef CFStringCreateWithCString(CFAllocatorRef allocator, const char *text, CFStringEncoding encoding)
{
    (void)allocator;
    if (!text || encoding != kCFStringEncodingUTF8)
        return NULL;
    struct __CFString *s = malloc(sizeof *s);
    char *copy = strdup(text);
    if (!s || !copy) {
        free(s);
        free(copy);
        return NULL;
    }
    s->base.kind = FAKE_CF_STRING;
    s->base.heap = true;
    s->chars = copy;
    return s;
}

Boolean CFStringGetCString(CFStringRef s, char *buffer, CFIndex size, CFStringEncoding encoding)
{
    if (kind(s) != FAKE_CF_STRING || !buffer || size <= 0 || encoding != kCFStringEncodingUTF8)
        return false;
    size_t n = strlen(s->chars);
    if ((CFIndex)n >= size)
        return false;
    memcpy(buffer, s->chars, n + 1);
    return true;
}

CFUUIDRef CFUUIDCreateFromUUIDBytes(CFAllocatorRef allocator, CFUUIDBytes bytes)
{
    (void)allocator;
    struct __CFUUID *u = malloc(sizeof *u);
    if (!u)
        return NULL;
    u->base.kind = FAKE_CF_UUID;
    u->base.heap = true;
    u->bytes = bytes;
    return u;
}

CFUUIDBytes CFUUIDGetUUIDBytes(CFUUIDRef uuid)
{
    return uuid->bytes;
}

CFBundleRef CFBundleGetBundleWithIdentifier(CFStringRef id)
{
    return kind(id) == FAKE_CF_STRING && strcmp(id->chars, "org.vocana.driver") == 0 ? &BUNDLE : NULL;
}

/* $VOCANA_FAKE_BUNDLE_RESOURCES/<name>.<type>, if that file exists (as CFBundle answers) */
CFURLRef CFBundleCopyResourceURL(CFBundleRef bundle, CFStringRef name, CFStringRef type, CFStringRef subdir)
{
    const char *dir = getenv("VOCANA_FAKE_BUNDLE_RESOURCES");
    if (bundle != &BUNDLE || subdir || !dir || kind(name) != FAKE_CF_STRING || kind(type) != FAKE_CF_STRING)
        return NULL;
    struct fake_url *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->base.kind = FAKE_CF_URL;
    u->base.heap = true;
    int n = snprintf(u->path, sizeof u->path, "%s/%s.%s", dir, name->chars, type->chars);
    FILE *f = n > 0 && (size_t)n < sizeof u->path ? fopen(u->path, "r") : NULL;
    if (!f) {
        free(u);
        return NULL;
    }
    fclose(f);
    return &u->base;
}

Boolean CFURLGetFileSystemRepresentation(CFURLRef url, Boolean resolve, UInt8 *buffer, CFIndex size)
{
    (void)resolve;
    if (kind(url) != FAKE_CF_URL || !buffer || size <= 0)
        return false;
    const struct fake_url *u = (const struct fake_url *)url;
    size_t n = strlen(u->path);
    if ((CFIndex)n >= size)
        return false;
    memcpy(buffer, u->path, n + 1);
    return true;
}

int mach_timebase_info(mach_timebase_info_data_t *info)
{
    info->numer = 1;
    info->denom = 1;
    return KERN_SUCCESS;
}

/* the virtual host clock: starts an hour after "boot", moves only when the test moves it */
static _Atomic uint64_t virtual_now = UINT64_C(3600000000000);

uint64_t mach_absolute_time(void)
{
    return atomic_load(&virtual_now);
}

void fake_mach_time_set(uint64_t ns)
{
    uint64_t now = atomic_load(&virtual_now);
    while (ns > now && !atomic_compare_exchange_weak(&virtual_now, &now, ns)) {
    }
}
