/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.speex;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The four functions of libspeexdsp's preprocessor, bound through Panama FFM. The library is
 * looked up once (Debian/Ubuntu: {@code libspeexdsp1}; macOS: Homebrew's {@code speexdsp});
 * when it is absent, {@link #get()} throws an {@link IllegalStateException} saying how to install it.
 */
final class SpeexLibrary {

    /** {@code SPEEX_PREPROCESS_SET_NOISE_SUPPRESS} in speex_preprocess.h: maximum attenuation in dB (negative). */
    static final int SET_NOISE_SUPPRESS = 18;

    private static final String[] NAMES = {"libspeexdsp.so.1", "libspeexdsp.so", "libspeexdsp.1.dylib", "libspeexdsp.dylib",
        "/opt/homebrew/lib/libspeexdsp.dylib", "/usr/local/lib/libspeexdsp.dylib"};

    final MethodHandle init;
    final MethodHandle destroy;
    final MethodHandle ctl;
    final MethodHandle run;

    private SpeexLibrary(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        init = linker.downcallHandle(lib.find("speex_preprocess_state_init").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        destroy = linker.downcallHandle(lib.find("speex_preprocess_state_destroy").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        ctl = linker.downcallHandle(lib.find("speex_preprocess_ctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        run = linker.downcallHandle(lib.find("speex_preprocess_run").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                Linker.Option.critical(false));
    }

    private static final class Holder {
        static final Object LIBRARY = load();

        private static Object load() {
            for (String name : NAMES) {
                try {
                    return new SpeexLibrary(SymbolLookup.libraryLookup(name, Arena.global()));
                } catch (IllegalArgumentException | java.util.NoSuchElementException notHere) {
                    // try the next name
                }
            }
            return "libspeexdsp is not installed (looked for " + String.join(", ", NAMES)
                    + "); install it: apt-get install libspeexdsp1 (Debian/Ubuntu) or brew install speexdsp (macOS)";
        }
    }

    /** The bound library, or an IllegalStateException saying how to install it. */
    static SpeexLibrary get() {
        Object l = Holder.LIBRARY;
        if (l instanceof SpeexLibrary s) {
            return s;
        }
        throw new IllegalStateException((String) l);
    }

    /** True if the library could be loaded. */
    static boolean available() {
        return Holder.LIBRARY instanceof SpeexLibrary;
    }
}
