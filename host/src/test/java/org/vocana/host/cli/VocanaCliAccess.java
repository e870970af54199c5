/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.nio.file.Path;

/** {@link VocanaCliIT}'s way of running the jar, for integration tests in other packages. */
public final class VocanaCliAccess {

    private VocanaCliAccess() {
    }

    public record Result(int exit, String out, String err) {
    }

    public static Result vocana(Path cwd, String... args) throws IOException, InterruptedException {
        VocanaCliIT.Result r = VocanaCliIT.vocana(cwd, args);
        return new Result(r.exit(), r.out(), r.err());
    }
}
