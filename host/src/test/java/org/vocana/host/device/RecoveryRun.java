/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vocana.host.testeffect.TestBundles;

/**
 * One recovery run with the real host and real ALSA clients (issue 16's stall tests), shared by
 * {@code RecoveryIT} and {@code ./vocana bench recovery}: the host ({@code java -jar vocana.jar run},
 * device 'vocana', empty chain, or {@link DelayedSpinEffect} alone for a watchdog replacement) runs
 * in a private runtime folder; {@code arecord -D vocana} records while {@code aplay -D vocana} plays
 * seeded stereo noise (S16, 48 kHz, default periods); meanwhile the audio thread is stuck once (the
 * effect spins and the watchdog replaces the thread) and the host is stopped with SIGSTOP for each
 * of the given lengths. The recording is then judged as {@link DeviceMatrixIT} judges it: every
 * frame from the input's second 1 to its last 100 ms is the input's at one constant offset, bit
 * for bit, or silence; the frames that are not form one loss episode per interruption.
 *
 * <p>Per episode: its extent on the recording (first to last wrong frame), the frames lost in it,
 * and the recovery: the extent minus the interruption (the stop as timed around the two kill(2)
 * calls; for the watchdog, the stall the host reports). The loss starts when the frames the host
 * wrote before the interruption have been heard, i.e. between the reader's margin and its whole
 * latency L after it (5 to 9.7 ms with the plugin's defaults): the time from the host running again
 * to the first correct frame is the recovery plus that.
 */
public final class RecoveryRun implements AutoCloseable {

    public static final int RATE = 48_000;
    /** The watchdog limit the device is configured with (watchdogMs, the default). */
    public static final int WATCHDOG_MS = 300;
    private static final int SIGCONT = 18, SIGSTOP = 19; // Linux
    /** Input frames judged from here (players differ in how they start). */
    private static final int JUDGE_FROM = RATE;
    /**
     * The first stop, in seconds after the player's start (and 1.5 s after the watchdog's
     * replacement at the earliest): an effect started with {@code afterS} 6 spins at about 4.5 s
     * into the input, less the chain's warm-up before the device was ready.
     */
    private static final double FIRST_STOP_S = 7;
    /** Wrong frames closer than this belong to one episode. */
    private static final int MERGE = RATE / 5;

    /** One interruption: a SIGSTOP of {@code seconds}, or the watchdog replacing the audio thread. */
    public record Interruption(String kind, double seconds) {
        public static Interruption stop(double seconds) {
            return new Interruption("stop " + seconds + " s", seconds);
        }

        public static Interruption watchdog() {
            return new Interruption("watchdog", 0);
        }

        public boolean isWatchdog() {
            return kind.equals("watchdog");
        }
    }

    /**
     * What one interruption cost on the recording.
     *
     * @param interruptionMs the stop as timed, or the stall the host reported
     * @param start input frame of the first wrong frame, -1 if none was found near the interruption
     * @param extent frames from the first to the last wrong frame
     * @param lost wrong frames in that span
     * @param notSilent wrong frames that were not silence (misplaced or altered audio)
     */
    public record Episode(Interruption interruption, double interruptionMs, long start, long extent, long lost,
            long notSilent) {
        public double extentMs() {
            return extent * 1000.0 / RATE;
        }

        /** The extent beyond the interruption: how long after it the output was back (see the class). */
        public double recoveryMs() {
            return extentMs() - interruptionMs;
        }

        /** The most the episode may cost: the stop (the watchdog's limit) plus 100 ms. */
        public double allowedMs() {
            return (interruption.isWatchdog() ? WATCHDOG_MS : interruptionMs) + 100;
        }

        @Override
        public String toString() {
            return start < 0 ? interruption.kind() + ": no loss found near it"
                    : String.format(Locale.ROOT, "%s: %.1f ms interruption, loss from %.3f s for %.1f ms (%d frames lost,"
                            + " %d not silence), recovery %.1f ms", interruption.kind(), interruptionMs,
                            start / (double) RATE, extentMs(), lost, notSilent, recoveryMs());
        }
    }

    /**
     * The judged recording.
     *
     * @param offset recording frame minus input frame, found in the input's last second (-1: not found)
     * @param offsetBefore the same, found at the input's second 1, before every interruption
     * @param stray wrong runs near no interruption, as {input frame, length, not silent}
     * @param problems what went wrong outside the recording (client exit, xrun, schedule), or empty
     */
    public record Result(long offset, long offsetBefore, long judged, List<Episode> episodes, List<long[]> stray,
            List<String> problems, String hostLog) {
    }

    private final Path dir;
    private final Path plugin;
    private final String java;
    private final Path jar;
    private final List<Process> apps = new ArrayList<>();
    private Process host;
    private boolean watchdog;

    /** A run in {@code dir} (created) with this plugin build, JVM and host jar. */
    public RecoveryRun(Path dir, Path plugin, String java, Path jar) {
        this.dir = dir;
        this.plugin = plugin;
        this.java = java;
        this.jar = jar;
    }

    /** The host's stderr so far. */
    public String hostLog() throws IOException {
        Path p = dir.resolve("host.err");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /**
     * Starts the host; with {@code watchdog}, the chain is {@link DelayedSpinEffect} alone, which
     * spins {@code afterS} seconds after its first block (from its bundle in {@code load/}).
     * Returns once the device runs that chain.
     */
    public void startHost(boolean watchdog, double afterS) throws IOException, InterruptedException {
        this.watchdog = watchdog;
        Files.createDirectories(dir.resolve("home"));
        Files.writeString(dir.resolve("home/.asoundrc"), """
                pcm_type.vocana { lib "%s" }
                pcm.vocana {
                    @args [ DEVICE ]
                    @args.DEVICE { type string default "vocana" }
                    type plug
                    slave.pcm { type vocana device $DEVICE }
                }
                """.formatted(plugin));
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path load = Files.createDirectories(dir.resolve("load"));
        String chain = "";
        if (watchdog) {
            TestBundles.effectBundle(load.resolve("spin-later.jar"), "org.vocana.test.spinlater", DelayedSpinEffect.class,
                    DelayedSpinEffect.ID, "");
            chain = DelayedSpinEffect.ID + ":afterS=" + afterS + ":spinMs=1000";
        }
        Files.writeString(load.resolve("org.vocana.device-vocana.cfg"),
                "id=vocana\nchain=" + chain + "\nwatchdogMs=" + WATCHDOG_MS + "\n");
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseZGC", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + load,
                "-jar", jar.toString(), "run")
                .directory(dir.toFile()).redirectOutput(dir.resolve("host.out").toFile())
                .redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
        long end = System.nanoTime() + 30_000_000_000L; // a loaded machine starts a JVM slowly
        String ready = "device 'vocana' ready";
        while (System.nanoTime() < end && !hostLog().contains(ready)) {
            Thread.sleep(20);
        }
        if (!hostLog().contains(ready)) {
            throw new IllegalStateException("the host did not start within 30 s: " + hostLog());
        }
        if (watchdog && hostLog().contains("effect " + DelayedSpinEffect.ID + " not installed")) {
            // FileInstall installed the bundle after the device started: the chain is rebuilt with it
            String now = "chain now " + DelayedSpinEffect.ID;
            while (System.nanoTime() < end && !hostLog().contains(now)) {
                Thread.sleep(20);
            }
            if (!hostLog().contains(now)) {
                throw new IllegalStateException("the effect did not join the chain: " + hostLog());
            }
        }
    }

    /** Input seconds a schedule of stops needs: 7 s before the first, 2.5 s after each, 1.5 s at the end. */
    static int inputSeconds(List<Double> stops) {
        double s = FIRST_STOP_S + 1.5;
        for (double d : stops) {
            s += d + 2.5;
        }
        return (int) Math.ceil(s);
    }

    /**
     * Plays and records while the interruptions happen: the watchdog first (if the host was started
     * with it), then each stop, 2.5 s apart; then judges the recording.
     */
    public Result run(List<Double> stops) throws Exception {
        int seconds = inputSeconds(stops);
        Path input = DeviceMatrixIT.noise(dir.resolve("noise.wav"), seconds);
        Path out = dir.resolve("rec.wav");
        List<String> problems = new ArrayList<>();
        Thread.sleep(1_000);
        Process rec = alsa("rec.log", "arecord", "-D", "vocana", "-f", "S16_LE", "-c", "2", "-r", "48000", "-d",
                String.valueOf(seconds + 2), out.toString());
        Thread.sleep(500);
        long played = System.nanoTime();
        Process play = alsa("play.log", "aplay", "-D", "vocana", input.toString());
        // what happened when: {start ns, interruption ms}
        List<Interruption> kinds = new ArrayList<>();
        List<double[]> when = new ArrayList<>();
        long next = played + (long) (FIRST_STOP_S * 1e9);
        if (watchdog) {
            Pattern stalled = Pattern.compile("stalled the audio thread for (\\d+) ms");
            long until = played + 8_000_000_000L;
            Matcher m = stalled.matcher(hostLog());
            while (!m.find() && System.nanoTime() < until) {
                Thread.sleep(5);
                m = stalled.matcher(hostLog());
            }
            long seen = System.nanoTime();
            m = stalled.matcher(hostLog());
            if (!m.find()) {
                problems.add("the watchdog did not replace the audio thread within 8 s of the start");
            } else {
                double ms = Double.parseDouble(m.group(1));
                kinds.add(Interruption.watchdog());
                when.add(new double[] {seen - ms * 1e6 - played, ms});
            }
            next = Math.max(next, System.nanoTime() + 1_500_000_000L);
        }
        for (double d : stops) {
            sleepUntil(next);
            long t0 = signal(host.pid(), SIGSTOP);
            sleepUntil(t0 + (long) (d * 1e9));
            long t1 = signal(host.pid(), SIGCONT);
            kinds.add(Interruption.stop(d));
            when.add(new double[] {t0 - played, (t1 - t0) / 1e6});
            next = t1 + 2_500_000_000L;
        }
        if (next - 1_000_000_000L > played + seconds * 1_000_000_000L) {
            problems.add("the schedule did not fit the input: the last interruption ended "
                    + (next - 2_500_000_000L - played) / 1e9 + " s into " + seconds + " s");
        }
        if (!play.waitFor(seconds + 30, TimeUnit.SECONDS) || !rec.waitFor(30, TimeUnit.SECONDS)) {
            problems.add("a client did not finish");
            return new Result(-1, -1, 0, List.of(), List.of(), problems, hostLog());
        }
        if (play.exitValue() != 0) {
            problems.add("aplay exited with " + play.exitValue() + ": " + read(dir.resolve("play.log")));
        }
        if (rec.exitValue() != 0) {
            problems.add("arecord exited with " + rec.exitValue() + ": " + read(dir.resolve("rec.log")));
        }
        for (String log : new String[] {"play.log", "rec.log"}) {
            for (String line : read(dir.resolve(log)).split("\n")) {
                String l = line.toLowerCase(Locale.ROOT);
                if (l.contains("underrun") || l.contains("overrun") || l.contains("xrun")) {
                    problems.add("client xrun (" + log + "): " + line.strip());
                }
            }
        }
        return judge(DeviceMatrixIT.readShorts(input), DeviceMatrixIT.readShorts(out), kinds, when, problems);
    }

    /** Judges the recording against the input and assigns the wrong frames to the interruptions. */
    private Result judge(short[][] in, short[][] rec, List<Interruption> kinds, List<double[]> when,
            List<String> problems) throws IOException {
        long offset = find(in, rec, in[0].length - RATE / 2);
        long before = find(in, rec, JUDGE_FROM);
        if (offset < 0) {
            problems.add("the input's last second is not in the recording");
            return new Result(-1, before, 0, List.of(), List.of(), problems, hostLog());
        }
        // runs of wrong frames: {start, end (exclusive), not silent}
        List<long[]> runs = new ArrayList<>();
        long judged = 0;
        int end = in[0].length - RATE / 10;
        for (int k = JUDGE_FROM; k < end; k++) {
            long j = k + offset;
            boolean there = j >= 0 && j < rec[0].length;
            judged++;
            if (there && rec[0][(int) j] == in[0][k] && rec[1][(int) j] == in[1][k]) {
                continue;
            }
            boolean silent = there && rec[0][(int) j] == 0 && rec[1][(int) j] == 0;
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && k - last[1] < MERGE) {
                last[1] = k + 1;
                last[2] += silent ? 0 : 1;
                last[3]++;
            } else {
                runs.add(new long[] {k, k + 1, silent ? 0 : 1, 1});
            }
        }
        // an interruption at t (from the player's start) is heard near input frame t * RATE: the
        // player's own start-up (tens of ms) and the latency L shift it a little
        List<Episode> episodes = new ArrayList<>();
        boolean[] used = new boolean[runs.size()];
        for (int i = 0; i < kinds.size(); i++) {
            double at = when.get(i)[0] / 1e9 * RATE;
            double ms = when.get(i)[1];
            long from = (long) (at - 0.5 * RATE), to = (long) (at + (ms / 1000 + 0.6) * RATE);
            Episode e = new Episode(kinds.get(i), ms, -1, 0, 0, 0);
            for (int r = 0; r < runs.size(); r++) {
                long[] run = runs.get(r);
                if (!used[r] && run[0] >= from && run[0] <= to) {
                    used[r] = true;
                    e = e.start() < 0 ? new Episode(kinds.get(i), ms, run[0], run[1] - run[0], run[3], run[2])
                            : new Episode(kinds.get(i), ms, e.start(), run[1] - e.start(), e.lost() + run[3],
                                    e.notSilent() + run[2]);
                }
            }
            episodes.add(e);
        }
        List<long[]> stray = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            if (!used[r]) {
                stray.add(new long[] {runs.get(r)[0], runs.get(r)[1] - runs.get(r)[0], runs.get(r)[2]});
            }
        }
        return new Result(offset, before, judged, episodes, stray, problems, hostLog());
    }

    /** The offset at which 256 frames of the input from {@code probe} appear in the recording, or -1. */
    private static long find(short[][] in, short[][] rec, int probe) {
        outer:
        for (int k = 0; k + 256 <= rec[0].length; k++) {
            for (int i = 0; i < 256; i++) {
                if (rec[0][k + i] != in[0][probe + i] || rec[1][k + i] != in[1][probe + i]) {
                    continue outer;
                }
            }
            return k - probe;
        }
        return -1;
    }

    private Process alsa(String log, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
        pb.environment().put("HOME", dir.resolve("home").toString());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        Process p = pb.start();
        apps.add(p);
        return p;
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static MethodHandle kill;

    /** kill(2) through FFM (exact times, no process start in between); returns System.nanoTime after it. */
    @SuppressWarnings("restricted")
    private static long signal(long pid, int sig) {
        if (kill == null) {
            Linker linker = Linker.nativeLinker();
            kill = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        }
        int rc;
        try {
            rc = (int) kill.invokeExact((int) pid, sig);
        } catch (Throwable e) {
            throw new IllegalStateException("kill(" + pid + ", " + sig + "): " + e, e);
        }
        long now = System.nanoTime();
        if (rc != 0) {
            throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed");
        }
        return now;
    }

    /** The load average now, as /proc/loadavg's first three fields. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : apps) {
            p.destroyForcibly();
        }
        if (host != null && host.isAlive()) {
            signalQuietly(host.pid(), SIGCONT);
            host.destroy();
            if (!host.waitFor(10, TimeUnit.SECONDS)) {
                host.destroyForcibly();
            }
        }
    }

    private static void signalQuietly(long pid, int sig) {
        try {
            signal(pid, sig);
        } catch (IllegalStateException e) {
            // gone already
        }
    }
}
