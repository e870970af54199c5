/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Real-time scheduling for the threads we own: an audio thread asks for SCHED_FIFO once at its
 * start ({@link #promoteCurrentThread}), and a control thread takes it away again, by kernel
 * thread id, from a thread the watchdog abandons ({@link #demoteAbandoned}), so a stuck effect
 * cannot starve the machine.
 *
 * <p>SCHED_FIFO needs CAP_SYS_NICE (root) or an RLIMIT_RTPRIO at or above the priority (the
 * {@code /etc/security/limits.d} {@code rtprio} line that audio distributions give the
 * {@code audio} group). Without it the thread runs on at normal priority and the first refusal in
 * the process says, in one line, how to allow it. rtkit (the D-Bus service PipeWire clients fall
 * back to) is not asked: see the README.
 *
 * <p>On request ({@code -Dvocana.rt.nice}), the process's other threads get a lower nice value
 * ({@link #favourOtherThreads}), so that the JVM's safepoints, where the audio thread stops too,
 * are not held up by starved normal-priority threads.
 *
 * <p>The priority is {@code -Dvocana.rt.priority} ({@value #DEFAULT_PRIORITY} by default, 0
 * turns real-time scheduling off): below PipeWire's data threads (88), so the audio server the
 * host depends on keeps preempting it. The threads get {@code SCHED_RESET_ON_FORK}, so a thread or
 * process they start is not real-time by accident.
 *
 * <p>Allocates: call it at thread start or from a control thread, never inside an audio loop.
 */
public final class Realtime {

    /** The system property with the audio threads' SCHED_FIFO priority (0: real-time off). */
    public static final String PRIORITY_PROPERTY = "vocana.rt.priority";
    /** Below PipeWire's 88; see the class comment. */
    public static final int DEFAULT_PRIORITY = 70;
    /** The highest SCHED_FIFO priority on Linux. */
    public static final int MAX_PRIORITY = 99;

    /** How to allow real-time scheduling, for the one line printed when it is refused. */
    public static final String HOW_TO_ALLOW = "to allow it, put '@audio - rtprio 95' and '@audio - memlock unlimited'"
            + " in /etc/security/limits.d/95-vocana.conf (and '@audio - nice -11' for -Dvocana.rt.nice), add the user"
            + " to group audio and log in again";

    /** The system property with the nice value of the process's other threads (0: left alone). */
    public static final String NICE_PROPERTY = "vocana.rt.nice";
    /**
     * Left alone by default: giving them PipeWire's -11 showed no consistent gain in soak runs (see
     * {@link #favourOtherThreads}).
     */
    public static final int DEFAULT_NICE = 0;

    /**
     * The system property saying what an abandoned audio thread becomes: {@code normal} (the default:
     * SCHED_OTHER at nice 0) or {@code idle} (SCHED_IDLE). See {@link #demoteAbandoned}.
     */
    public static final String ABANDONED_PROPERTY = "vocana.rt.abandoned";

    static final int SCHED_OTHER = 0;
    static final int SCHED_FIFO = 1;
    static final int SCHED_RR = 2;
    static final int SCHED_BATCH = 3;
    static final int SCHED_IDLE = 5;
    static final int SCHED_DEADLINE = 6;
    static final int SCHED_RESET_ON_FORK = 0x40000000;
    static final int EPERM = 1;
    static final int ESRCH = 3;
    static final int EINVAL = 22;

    private static final Realtime SYSTEM = new Realtime(new LinuxKernel());

    private final Kernel kernel;
    private final AtomicBoolean toldHowToAllow = new AtomicBoolean();

    Realtime(Kernel kernel) {
        this.kernel = kernel;
    }

    /** The real kernel's. */
    public static Realtime system() {
        return SYSTEM;
    }

    /**
     * What a thread got.
     *
     * @param tid its kernel thread id (0 if unknown: the system has no {@code gettid})
     * @param realtime true if it runs SCHED_FIFO
     * @param priority its SCHED_FIFO priority, 0 when not real-time
     * @param description one line, e.g. {@code SCHED_FIFO 70} or {@code normal priority (...)}
     */
    public record Scheduling(int tid, boolean realtime, int priority, String description) {
        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * The configured priority: {@code -Dvocana.rt.priority}, {@value #DEFAULT_PRIORITY} if unset.
     * Throws {@link IllegalArgumentException} (one line) for a value outside 0..99.
     */
    public static int configuredPriority() {
        String v = System.getProperty(PRIORITY_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_PRIORITY;
        }
        int p;
        try {
            p = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > MAX_PRIORITY) {
            throw new IllegalArgumentException("-D" + PRIORITY_PROPERTY + "=" + v + " is not valid: accepted 0 (real-time off) or 1.."
                    + MAX_PRIORITY + " (SCHED_FIFO priority; default " + DEFAULT_PRIORITY + ")");
        }
        return p;
    }

    /**
     * The configured nice value of the other threads: {@code -Dvocana.rt.nice}, {@value #DEFAULT_NICE}
     * (left alone) if unset. Throws {@link IllegalArgumentException} (one line) for a value outside -20..0.
     */
    public static int configuredNice() {
        String v = System.getProperty(NICE_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_NICE;
        }
        int n;
        try {
            n = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            n = 1;
        }
        if (n < -20 || n > 0) {
            throw new IllegalArgumentException("-D" + NICE_PROPERTY + "=" + v + " is not valid: accepted -20..0 (0: leave"
                    + " the threads' nice alone; default " + DEFAULT_NICE + ")");
        }
        return n;
    }

    /**
     * Gives every thread of this process whose nice value is above {@code nice} (-20..0; 0 does
     * nothing) that value. Threads they start later inherit it. Why: a real-time audio thread still
     * stops at the JVM's safepoints, which wait until every Java thread has reached one. Under load,
     * a normal-priority thread can take tens of milliseconds to get the CPU and get there (measured:
     * up to 51 ms with 2 busy processes, and the audio thread underran meanwhile). PipeWire gives its
     * own non-real-time threads nice -11. Soak runs with 2 busy processes did not show a consistent
     * gain, though: one run went from 42 underruns to 4, but four paired runs had 113/28/166/17
     * underruns with nice -11 against 71/27/75/24 without. So it is off by default. Returns one
     * line: what the threads got, or why not. Thread: control thread.
     */
    public String favourOtherThreads(int nice) {
        if (nice == 0) {
            return "other threads' nice left alone (-D" + NICE_PROPERTY + "=0)";
        }
        if (nice < -20 || nice > 0) {
            throw new IllegalArgumentException("nice " + nice + " is out of range: accepted -20..0");
        }
        if (!kernel.supported()) {
            return "other threads at their nice (" + kernel.unsupportedReason() + ")";
        }
        try {
            int err = 0;
            for (int tid : kernel.threads()) {
                int now = kernel.niceOf(tid);
                if (now == Integer.MIN_VALUE || now <= nice) {
                    continue; // gone, or already as favoured (a real-time thread's nice does not matter)
                }
                int e = kernel.setNice(tid, nice);
                if (e != 0 && e != ESRCH) {
                    err = e;
                }
            }
            if (err == 0) {
                return "other threads nice " + nice;
            }
            return "other threads at their nice (" + niceRefusal(nice, err) + ")";
        } catch (RuntimeException e) {
            return "other threads at their nice (" + e.getMessage() + ")";
        }
    }

    private String niceRefusal(int nice, int err) {
        if (err != EPERM && err != 13) { // EACCES: lowering nice without the right
            return "nice " + nice + " refused: " + errnoName(err);
        }
        long limit = kernel.niceLimit();
        String why = "nice " + nice + " not permitted: " + (limit < 0 ? "RLIMIT_NICE is unlimited"
                : "RLIMIT_NICE is " + limit + " (allows down to " + (20 - limit) + ")") + " and the process lacks CAP_SYS_NICE";
        if (toldHowToAllow.compareAndSet(false, true)) {
            return why + "; " + HOW_TO_ALLOW;
        }
        return why;
    }

    /** The calling thread's kernel id, or 0 where the system has none (or the call cannot link). */
    public int currentTid() {
        if (!kernel.supported()) {
            return 0;
        }
        try {
            return kernel.gettid();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Asks SCHED_FIFO at {@code priority} (0: none) for the calling thread. Never throws for a
     * refusal: the thread then runs on at normal priority and the result says why (the first
     * refusal in the process also says how to allow it).
     */
    public Scheduling promoteCurrentThread(int priority) {
        if (!kernel.supported()) {
            return new Scheduling(0, false, 0, "normal priority (" + kernel.unsupportedReason() + ")");
        }
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("SCHED_FIFO priority " + priority + " is out of range: accepted 0 (none) or 1.."
                    + MAX_PRIORITY);
        }
        int tid = 0;
        try {
            tid = kernel.gettid();
            if (priority == 0) {
                return new Scheduling(tid, false, 0, "normal priority (real-time off: -D" + PRIORITY_PROPERTY + "=0)");
            }
            int err = kernel.setScheduler(tid, SCHED_FIFO | SCHED_RESET_ON_FORK, priority);
            if (err == 0) {
                return new Scheduling(tid, true, priority, "SCHED_FIFO " + priority);
            }
            return new Scheduling(tid, false, 0, "normal priority (" + refusal(priority, err) + ")");
        } catch (RuntimeException e) { // a downcall that cannot link: run on as we are
            return new Scheduling(tid, false, 0, "normal priority (" + e.getMessage() + ")");
        }
    }

    private String refusal(int priority, int err) {
        if (err != EPERM) {
            return "SCHED_FIFO " + priority + " refused: " + errnoName(err);
        }
        long limit = kernel.rtprioLimit();
        String why;
        if (limit >= 0 && limit < priority) {
            why = "SCHED_FIFO " + priority + " not permitted: RLIMIT_RTPRIO is " + limit + " and the process lacks CAP_SYS_NICE";
        } else {
            why = "SCHED_FIFO " + priority + " not permitted although RLIMIT_RTPRIO is " + (limit < 0 ? "unlimited" : limit)
                    + ": the cgroup may have no real-time budget (cpu.rt_runtime_us 0, as in many containers)";
        }
        if (toldHowToAllow.compareAndSet(false, true)) {
            return why + "; " + HOW_TO_ALLOW;
        }
        return why;
    }

    /**
     * True if {@code -Dvocana.rt.abandoned=idle}, false if {@code normal} or unset. Throws
     * {@link IllegalArgumentException} (one line) for another value.
     */
    public static boolean abandonedIdle() {
        String v = System.getProperty(ABANDONED_PROPERTY);
        if (v == null || v.isBlank() || v.strip().equals("normal")) {
            return false;
        }
        if (v.strip().equals("idle")) {
            return true;
        }
        throw new IllegalArgumentException("-D" + ABANDONED_PROPERTY + "=" + v + " is not valid: accepted normal (the default:"
                + " SCHED_OTHER at nice 0) or idle (SCHED_IDLE)");
    }

    /**
     * Takes real-time scheduling away from an abandoned (stuck, perhaps spinning) audio thread
     * {@code tid}: SCHED_IDLE if {@code idle}, else SCHED_OTHER at nice 0. SCHED_IDLE costs the
     * machine least, but it stalls the whole JVM on a busy machine. The thread still runs Java
     * code, and every safepoint (garbage collections among them) waits until it gets the CPU and
     * reaches one. Meanwhile the new audio thread waits too. Measured with 2 busy processes
     * ({@code ./vocana bench stuck-thread 10 2}), the stuck thread's CPU and the time to safepoint
     * p90: SCHED_IDLE 2.3 % and 124 ms, nice 19 6.3 % and 36 ms, nice 10 7.6 % and 13 ms, nice 0
     * 44 % and 0.3 ms. Hence nice 0 by default, as the thread ran before real-time scheduling.
     * Returns one line for the log, e.g. {@code now runs SCHED_IDLE}. Thread: control thread.
     */
    public String demoteAbandoned(int tid, boolean idle) {
        String err = idle ? demoteToIdle(tid) : demoteToNormal(tid, 0);
        if (err != null) {
            return "was not demoted: " + err;
        }
        return idle ? "now runs SCHED_IDLE (only when nothing else wants the CPU)"
                : "now runs SCHED_OTHER at nice 0 (no longer real-time; -D" + ABANDONED_PROPERTY + "=idle for SCHED_IDLE)";
    }

    /**
     * Drops thread {@code tid} (of this process) to SCHED_IDLE: it then runs only when nothing
     * else wants the CPU. Returns {@code null} when done, else one line saying why not. Thread:
     * control thread.
     */
    public String demoteToIdle(int tid) {
        if (!kernel.supported()) {
            return kernel.unsupportedReason();
        }
        if (tid <= 0) {
            return "its thread id is unknown";
        }
        // keeps SCHED_RESET_ON_FORK: without CAP_SYS_NICE a thread may set it but not clear it
        int err = kernel.setScheduler(tid, SCHED_IDLE | SCHED_RESET_ON_FORK, 0);
        return err == 0 ? null : "sched_setscheduler(" + tid + ", SCHED_IDLE) failed: " + errnoName(err);
    }

    /**
     * Puts thread {@code tid} (of this process) back to normal scheduling (SCHED_OTHER) at
     * {@code nice} (-20..19). Returns {@code null} when done, else one line saying why not.
     * Thread: control thread.
     */
    public String demoteToNormal(int tid, int nice) {
        if (!kernel.supported()) {
            return kernel.unsupportedReason();
        }
        if (tid <= 0) {
            return "its thread id is unknown";
        }
        int err = kernel.setScheduler(tid, SCHED_OTHER | SCHED_RESET_ON_FORK, 0);
        if (err == 0) {
            err = kernel.setNice(tid, nice);
        }
        return err == 0 ? null : "thread " + tid + " not set to SCHED_OTHER nice " + nice + ": " + errnoName(err);
    }

    /**
     * Locks the process's pages in memory ({@code mlockall(MCL_CURRENT | MCL_FUTURE |
     * MCL_ONFAULT)}: a page is locked once touched, so the JVM's large reservations cost nothing).
     * Returns {@code null} when done, else one line saying why not.
     */
    public String lockMemory() {
        if (!kernel.supported()) {
            return kernel.unsupportedReason();
        }
        int err = kernel.lockAll(1 | 2 | 4); // MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT (Linux 4.4)
        return err == 0 ? null : "mlockall failed: " + errnoName(err)
                + (err == EPERM || err == 12 ? " (RLIMIT_MEMLOCK too low: the limits.d 'memlock unlimited' line allows it)" : "");
    }

    static String errnoName(int err) {
        return switch (err) {
            case EPERM -> "operation not permitted (EPERM)";
            case ESRCH -> "no such thread (ESRCH)";
            case EINVAL -> "invalid argument (EINVAL)";
            case 12 -> "out of memory (ENOMEM)";
            default -> "errno " + err;
        };
    }

    /**
     * A thread's scheduling as the kernel reports it in {@code /proc/self/task/TID/stat}.
     *
     * @param policy field 41 (0 normal, 1 SCHED_FIFO, 2 SCHED_RR, 3 SCHED_BATCH, 5 SCHED_IDLE)
     * @param rtPriority field 40 (1..99 for SCHED_FIFO and SCHED_RR, else 0)
     * @param priority field 18 (-1 - rtPriority for real-time threads, 20 + nice otherwise)
     * @param nice field 19
     */
    public record ThreadPolicy(int policy, int rtPriority, int priority, int nice) {
        /** For example {@code SCHED_FIFO 70}, {@code SCHED_IDLE}, {@code SCHED_OTHER}. */
        public String describe() {
            String name = switch (policy) {
                case SCHED_OTHER -> "SCHED_OTHER";
                case SCHED_FIFO -> "SCHED_FIFO";
                case SCHED_RR -> "SCHED_RR";
                case SCHED_BATCH -> "SCHED_BATCH";
                case SCHED_IDLE -> "SCHED_IDLE";
                case SCHED_DEADLINE -> "SCHED_DEADLINE";
                default -> "policy " + policy;
            };
            return rtPriority > 0 ? name + " " + rtPriority : name;
        }

        public boolean fifo() {
            return policy == SCHED_FIFO;
        }

        public boolean idle() {
            return policy == SCHED_IDLE;
        }
    }

    /** Reads thread {@code tid}'s scheduling from {@code /proc} (Linux). */
    public static ThreadPolicy policyOf(int tid) throws IOException {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"), StandardCharsets.US_ASCII);
        return parseStat(stat);
    }

    /** Reads the scheduling of process {@code pid}'s main thread from {@code /proc} (Linux). */
    public static ThreadPolicy policyOfProcess(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        return parseStat(stat);
    }

    /** The fields after the command (which may hold spaces and parentheses: it ends at the last ')'). */
    static ThreadPolicy parseStat(String stat) throws IOException {
        int close = stat.lastIndexOf(')');
        String[] f = close < 0 ? new String[0] : stat.substring(close + 1).strip().split(" ");
        // f[0] is field 3 (state): field N is f[N - 3]
        if (f.length < 41 - 3 + 1) {
            throw new IOException("unexpected /proc stat line: " + stat.strip());
        }
        try {
            return new ThreadPolicy(Integer.parseInt(f[41 - 3]), Integer.parseInt(f[40 - 3]), Integer.parseInt(f[18 - 3]),
                    Integer.parseInt(f[19 - 3]));
        } catch (NumberFormatException e) {
            throw new IOException("unexpected /proc stat line: " + stat.strip(), e);
        }
    }
}
