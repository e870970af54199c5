/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@link Kernel} on Linux through FFM downcalls into glibc ({@code gettid} needs glibc 2.30).
 * Public ABI used: {@code struct sched_param} is one {@code int}; {@code struct rlimit} is two
 * {@code unsigned long}; RLIMIT_RTPRIO is 14 (x86_64 and aarch64); RLIM_INFINITY is all ones.
 * Every call allocates its arguments in a confined arena: call it at thread start or from a
 * control thread, never inside an audio loop.
 */
@SuppressWarnings("restricted") // FFM downcalls into libc: the purpose of this class
final class LinuxKernel implements Kernel {

    private static final int RLIMIT_NICE = 13;
    private static final int RLIMIT_RTPRIO = 14;
    private static final int PRIO_PROCESS = 0;

    private final String unsupported;

    LinuxKernel() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String why = null;
        if (!os.startsWith("linux")) {
            why = "real-time scheduling is implemented for Linux only (this is " + System.getProperty("os.name") + ")";
        } else if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            why = "real-time scheduling is implemented for Linux x86_64 and aarch64 only (this is " + arch + ")";
        } else {
            try {
                Calls.GETTID.type(); // links every call once
            } catch (LinkageError | UnsupportedOperationException e) {
                Throwable t = e instanceof ExceptionInInitializerError i && i.getCause() != null ? i.getCause() : e;
                why = "real-time scheduling is unavailable: " + t.getMessage() + " (needs glibc 2.30 or later)";
            }
        }
        this.unsupported = why;
    }

    private static final class Calls {
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Linker.Option CCS = Linker.Option.captureCallState("errno");
        static final MethodHandle GETTID = handle("gettid", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle SCHED_SETSCHEDULER = handle("sched_setscheduler",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), CCS);
        static final MethodHandle GETRLIMIT = handle("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), CCS);
        static final MethodHandle MLOCKALL = handle("mlockall", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CCS);
        static final MethodHandle SETPRIORITY = handle("setpriority",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CCS);

        private static MethodHandle handle(String symbol, FunctionDescriptor d, Linker.Option... options) {
            MemorySegment f = LINKER.defaultLookup().find(symbol).orElseThrow(
                    () -> new UnsupportedOperationException("the C library has no " + symbol));
            return LINKER.downcallHandle(f, d, options);
        }
    }

    @Override
    public boolean supported() {
        return unsupported == null;
    }

    @Override
    public String unsupportedReason() {
        return unsupported;
    }

    @Override
    public int gettid() {
        try {
            return (int) Calls.GETTID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("gettid failed: " + t, t);
        }
    }

    @Override
    public int setScheduler(int tid, int policy, int priority) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            MemorySegment param = a.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            int rc = (int) Calls.SCHED_SETSCHEDULER.invokeExact(state, tid, policy, param);
            return rc == 0 ? 0 : (int) Calls.ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("sched_setscheduler failed: " + t, t);
        }
    }

    @Override
    public long rtprioLimit() {
        return limit(RLIMIT_RTPRIO);
    }

    @Override
    public long niceLimit() {
        return limit(RLIMIT_NICE);
    }

    private static long limit(int resource) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            MemorySegment limit = a.allocate(JAVA_LONG, 2);
            int rc = (int) Calls.GETRLIMIT.invokeExact(state, resource, limit);
            if (rc != 0) {
                return 0;
            }
            long soft = limit.getAtIndex(JAVA_LONG, 0);
            return soft == -1L ? -1 : soft;
        } catch (Throwable t) {
            throw new IllegalStateException("getrlimit failed: " + t, t);
        }
    }

    @Override
    public int[] threads() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> t.getFileName().toString()).filter(n -> n.matches("\\d+")).mapToInt(Integer::parseInt)
                    .toArray();
        } catch (IOException e) {
            return new int[0];
        }
    }

    @Override
    public int niceOf(int tid) {
        try {
            Realtime.ThreadPolicy p = Realtime.policyOf(tid);
            return p.policy() == Realtime.SCHED_OTHER || p.policy() == Realtime.SCHED_BATCH ? p.nice() : Integer.MIN_VALUE;
        } catch (IOException e) {
            return Integer.MIN_VALUE;
        }
    }

    @Override
    public int setNice(int tid, int nice) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            int rc = (int) Calls.SETPRIORITY.invokeExact(state, PRIO_PROCESS, tid, nice);
            return rc == 0 ? 0 : (int) Calls.ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("setpriority failed: " + t, t);
        }
    }

    @Override
    public int lockAll(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            int rc = (int) Calls.MLOCKALL.invokeExact(state, flags);
            return rc == 0 ? 0 : (int) Calls.ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mlockall failed: " + t, t);
        }
    }
}
