/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * A bounded wait on a 32-bit word of a shared mapping (abi.h section 7): Linux {@code FUTEX_WAIT}
 * through {@code syscall(SYS_futex)} (x86-64: 202, AArch64: 98), without {@code FUTEX_PRIVATE_FLAG}
 * since the device side wakes the same page from another process. Where there is no futex (macOS,
 * another architecture) {@link #supported()} is false and the caller parks instead.
 *
 * <p>One instance per waiting thread: {@link #await} writes its timeout into a struct timespec the
 * instance preallocated, so a wait allocates nothing. Spurious and early returns are fine: the
 * caller re-checks its condition.
 */
public final class Futex {

    private static final int FUTEX_WAIT = 0;
    private static final long SYS_FUTEX = sysFutex();
    private static final MethodHandle SYSCALL = SYS_FUTEX < 0 ? null : syscall();

    private final MemorySegment timeout = Arena.ofAuto().allocate(16, 8);

    /** True where futex waits work (Linux on x86-64 and AArch64). */
    public static boolean supported() {
        return SYSCALL != null;
    }

    /**
     * Sleeps while {@code word} (a 4-byte-aligned segment of the shared mapping) holds
     * {@code expected}, at most {@code nanos}. Returns at once if it already differs. Real-time
     * safe: no allocation, no lock.
     */
    public void await(MemorySegment word, int expected, long nanos) {
        if (SYSCALL == null || nanos <= 0) {
            return;
        }
        timeout.set(JAVA_LONG, 0, nanos / 1_000_000_000L);
        timeout.set(JAVA_LONG, 8, nanos % 1_000_000_000L);
        try {
            long unused = (long) SYSCALL.invokeExact(SYS_FUTEX, word, FUTEX_WAIT, expected, timeout);
        } catch (Throwable t) {
            throw new IllegalStateException("futex wait failed", t);
        }
    }

    private static long sysFutex() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return -1;
        }
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> 202;
            case "aarch64" -> 98;
            default -> -1;
        };
    }

    private static MethodHandle syscall() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("syscall")
                .map(s -> linker.downcallHandle(s,
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                        Linker.Option.firstVariadicArg(1)))
                .orElse(null);
    }
}
