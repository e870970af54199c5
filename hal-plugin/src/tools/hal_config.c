/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vocana-hal-config [--no-owner] FILE: checks a Vocana.driver configuration
 * with the driver's own parser (vocana_hal_parse_config), so that
 * install-macos.sh refuses a bad file before coreaudiod ever reads it.
 * --no-owner: FILE is the user's devices file, before install-macos.sh puts
 * "owner=<uid>" in front of it; an owner= line there is refused.
 *
 * Exit 0 and one line per device on stdout when the file is accepted;
 * exit 1 with "FILE: line N: reason" on stderr when it is not; exit 2 when
 * it cannot be read or the arguments are wrong.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocana/hal.h"

int main(int argc, char **argv)
{
    bool user_file = argc == 3 && strcmp(argv[1], "--no-owner") == 0;
    if (argc != 2 + (user_file ? 1 : 0) || argv[argc - 1][0] == '-') {
        fprintf(stderr, "usage: vocana-hal-config [--no-owner] FILE   (checks a Vocana.driver devices.conf; "
                        "--no-owner: a devices file without the owner= line install-macos.sh adds)\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot read it: %s\n", path, strerror(errno));
        return 2;
    }
    static const size_t cap = 65537; /* one byte more than the parser accepts */
    char *text = malloc(cap);
    if (!text) {
        fclose(f);
        fprintf(stderr, "%s: out of memory\n", path);
        return 2;
    }
    size_t n = fread(text, 1, cap, f);
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        fprintf(stderr, "%s: cannot read it\n", path);
        return 2;
    }
    vocana_hal_config c;
    char why[160];
    int32_t st = vocana_hal_parse_config(text, n, &c, why, sizeof why);
    free(text);
    if (st != VOCANA_HAL_NO_ERROR) {
        fprintf(stderr, "%s: %s\n", path, why);
        return 1;
    }
    if (user_file && c.has_owner) {
        fprintf(stderr, "%s: owner= is written by install-macos.sh (the installing user's uid); leave it out\n", path);
        return 1;
    }
    if (!user_file && !c.has_owner) {
        fprintf(stderr, "%s: no owner= line; add owner=<uid of the user who runs the host> before the first "
                        "section (install-macos.sh does)\n", path);
        return 1;
    }
    if (user_file)
        printf("%s: %u device%s\n", path, c.count, c.count == 1 ? "" : "s");
    else
        printf("%s: %u device%s for the host of uid %u\n", path, c.count, c.count == 1 ? "" : "s", c.owner);
    for (uint32_t i = 0; i < c.count; i++) {
        const vocana_hal_device_config *d = &c.devices[i];
        printf("  [%s] \"%s\" %u ch, %.0f Hz, latency +%u, safety offset %u, uid %s\n", c.ring_id[i], d->name,
               d->channels, d->sample_rate, d->latency, d->safety_offset, d->uid);
    }
    return 0;
}
