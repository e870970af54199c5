/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.device.DeviceRuntime;
import org.vocana.host.device.DeviceSettings;
import org.vocana.host.device.DeviceStats;
import org.vocana.host.wav.WavReader;

/**
 * The soak run: one real-time device (48 kHz stereo, 128-frame IO buffers) with a chain of the
 * built-in effects, driven by the C device simulator in real time (a -12 dBFS 440 Hz tone in,
 * everything recorded), while a background thread allocates at least 200 MB/s in the same JVM and
 * a control loop makes random chain edits and parameter changes (insert, remove, move, bypass,
 * parameter jumps). Reports underruns/overruns, deadline misses, block time p99.9 and max, bytes
 * allocated by the audio thread in the first and second halves of the run (after a 1 s start; the
 * first half holds the JIT's one-off deoptimisations of new code paths), and clicks: sample-to-sample steps in the
 * recording larger than the tone's own steepest step at the chain's highest gain (x1.5).
 *
 * <p>{@code ./vocana bench soak [SECONDS] [EDITS] [--configs LIST] [--hogs N]} runs it once per
 * configuration in child JVMs and prints them side by side. A configuration is
 * {@code zgc|g1} with {@code -rt} (the defaults: the host's audio thread at SCHED_FIFO 70, the
 * simulator's IO thread at SCHED_FIFO 80), {@code -rtnice} (the same with the host's other threads
 * at nice -11) or {@code -nort} (everything at normal priority), and optionally
 * {@code -mlock} (the child locks its memory first: {@code mlockall}); the default list is
 * {@code zgc-rt,g1-rt}. {@code --hogs N} starts N busy processes ({@code yes > /dev/null}) at
 * normal priority for the whole bench. {@link #run} is also used by a short test in the build
 * ({@code SoakTest}).
 */
public final class Soak {

    /** What one run measured. */
    public record Result(String gc, double seconds, int edits, long blocks, long deviceUnderruns,
                         long deviceOverruns, long hostOverruns, long deadlineMisses, long p999Nanos, long maxNanos,
                         long earlyAudioThreadBytes, long audioThreadBytes, long clicks, long underrunClicks, long allocatedMegabytes, long faults, String finalChain) {

        String row() {
            return String.format(Locale.ROOT, "%-12s %6.0f s %6d %8d %10d %9d %9d %9.1f %9.1f %8d/%-6d %6d/%-6d %8d MB/s",
                    gc, seconds, edits, blocks, deviceUnderruns, deviceOverruns + hostOverruns, deadlineMisses,
                    p999Nanos / 1000.0, maxNanos / 1000.0, earlyAudioThreadBytes, audioThreadBytes, clicks - underrunClicks,
                    underrunClicks, (long) (allocatedMegabytes / seconds));
        }

        static String header() {
            return String.format(Locale.ROOT, "%-12s %8s %6s %8s %10s %9s %9s %9s %9s %15s %13s %13s", "run", "time",
                    "edits", "blocks", "underruns", "overruns", "deadline", "p99.9 µs", "max µs", "audio B 1st/2nd",
                    "clicks other/gap", "allocator");
        }
    }

    private static final String[] EFFECTS = {"highpass", "gain", "limiter"};
    private static final double MAX_GAIN_DB = 6;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            String label = args[5];
            if (label.endsWith("-mlock")) {
                String why = org.vocana.host.os.Realtime.system().lockMemory();
                System.err.println("soak " + label + ": memory " + (why == null ? "locked (mlockall)" : "not locked: " + why));
            }
            int simPriority = label.contains("-nort") ? 0 : -1; // -fifo and -rt: the simulator at SCHED_FIFO 80
            Result r = run(Path.of(args[1]), Path.of(args[2]), Double.parseDouble(args[3]), Integer.parseInt(args[4]),
                    simPriority, label);
            System.out.println("RESULT " + String.join(" ", List.of(r.gc(), String.valueOf(r.seconds()),
                    String.valueOf(r.edits()), String.valueOf(r.blocks()), String.valueOf(r.deviceUnderruns()),
                    String.valueOf(r.deviceOverruns()), String.valueOf(r.hostOverruns()), String.valueOf(r.deadlineMisses()),
                    String.valueOf(r.p999Nanos()), String.valueOf(r.maxNanos()), String.valueOf(r.earlyAudioThreadBytes()),
                    String.valueOf(r.audioThreadBytes()),
                    String.valueOf(r.clicks()), String.valueOf(r.underrunClicks()), String.valueOf(r.allocatedMegabytes()),
                    String.valueOf(r.faults()))));
            return;
        }
        List<String> positional = new ArrayList<>();
        List<String> configs = List.of("zgc-rt", "g1-rt");
        int hogs = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--configs" -> configs = List.of(args[++i].split(","));
                case "--hogs" -> hogs = Integer.parseInt(args[++i]);
                default -> positional.add(args[i]);
            }
        }
        for (String c : configs) {
            if (!c.matches("(zgc|g1)-(rt|rtnice|nort)(-mlock)?")) {
                throw new IllegalArgumentException("soak: configuration '" + c + "' is not valid: accepted zgc|g1, then"
                        + " -rt|-rtnice|-nort, then optionally -mlock (e.g. zgc-rt,zgc-rtnice,zgc-nort,zgc-rt-mlock)");
            }
        }
        double seconds = positional.size() > 0 ? Double.parseDouble(positional.get(0)) : 60;
        int edits = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 1000;
        Path sim = Path.of("hal-plugin", "build", "vocana-sim").toAbsolutePath();
        System.out.printf(Locale.ROOT, "soak: %.0f s per run, %d edits, 48 kHz stereo, 128-frame IO, chain of %s,"
                + " >= 200 MB/s allocated in the background, %d busy processes at normal priority%n", seconds, edits,
                String.join("/", EFFECTS), hogs);
        List<Process> busy = new ArrayList<>();
        for (int i = 0; i < hogs; i++) {
            busy.add(new ProcessBuilder("yes").redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        try {
            soakAll(sim, seconds, edits, configs);
        } finally {
            for (Process b : busy) {
                b.destroy();
            }
        }
    }

    private static void soakAll(Path sim, double seconds, int edits, List<String> configs) throws Exception {
        System.out.println(Result.header());
        for (String config : configs) {
            Path scratch = Files.createTempDirectory("vocana-soak");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    config.startsWith("g1") ? "-XX:+UseG1GC" : "-XX:+UseZGC", "-Xmx2g",
                    "--enable-native-access=ALL-UNNAMED"));
            if (config.contains("-nort")) {
                cmd.add("-D" + org.vocana.host.os.Realtime.PRIORITY_PROPERTY + "=0");
            }
            if (config.contains("-rtnice")) {
                cmd.add("-D" + org.vocana.host.os.Realtime.NICE_PROPERTY + "=-11");
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    Soak.class.getName(), "--child", sim.toString(), scratch.toString(), String.valueOf(seconds),
                    String.valueOf(edits), config));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            String line = out.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("soak child failed: " + out));
            String[] f = line.substring(7).split(" ");
            Result r = new Result(f[0], Double.parseDouble(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]),
                    Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]), Long.parseLong(f[11]),
                    Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]), Long.parseLong(f[15]), "");
            System.out.println(r.row());
        }
    }

    /** One soak run in this JVM (the simulator at its default real-time priority). */
    public static Result run(Path sim, Path scratch, double seconds, int edits) throws Exception {
        return run(sim, scratch, seconds, edits, -1, null);
    }

    /**
     * One soak run in this JVM; the simulator's IO thread at SCHED_FIFO {@code simPriority} (0: normal
     * priority, -1: its default); {@code label} names the run in the result (null: the collector's name).
     */
    public static Result run(Path sim, Path scratch, double seconds, int edits, int simPriority, String label)
            throws Exception {
        String gc = label != null ? label : ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName())
                .anyMatch(n -> n.startsWith("ZGC")) ? "ZGC" : ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(b -> b.getName().startsWith("G1")) ? "G1" : "other";
        TestCatalog catalog = TestCatalog.builtIns();
        Path regions = scratch.resolve("regions");
        Path recording = scratch.resolve("soak.wav");
        DeviceSettings settings = new DeviceSettings("soak", "Soak", 48_000, 2, 128, "highpass,gain,limiter", 480, 300);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong allocated = new AtomicLong();
        Thread allocator = Thread.ofPlatform().daemon().name("soak-allocator").start(() -> allocate(stop, allocated));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DeviceRuntime device = new DeviceRuntime(settings, catalog, regions, 300, line -> {
            if (label != null && line.startsWith("audio thread ")) {
                System.err.println("soak " + label + ": " + line);
            }
        })) {
            List<String> simCmd = new ArrayList<>(List.of(sim.toString(), "--device", "soak", "--dir", regions.toString(),
                    "--tone", "440:-12", "--record", recording.toString(), "--seconds", String.valueOf(seconds + 3), "--quiet"));
            if (simPriority >= 0) {
                simCmd.addAll(List.of("--rt-priority", String.valueOf(simPriority)));
            }
            Process p = new ProcessBuilder(simCmd).redirectErrorStream(true).start();
            Thread.sleep(1_000); // the pipeline fills, the JIT settles
            if (label != null) {
                System.err.println("soak " + label + ": simulator IO thread " + org.vocana.host.os.Realtime.policyOfProcess(p.pid()).describe());
            }
            long audio = device.audioThreadId();
            DeviceStats first = device.stats(); // xruns are counted after the first second
            long bytesBefore = threads.getThreadAllocatedBytes(audio);
            long allocatedBefore = allocated.get();
            long start = System.nanoTime();
            Random random = new Random(42);
            ChainSpec spec = ChainSpec.parse(settings.chain());
            int done = 0;
            long pause = (long) (seconds * 1e9 / Math.max(1, edits));
            long half = -1;
            while (done < edits) { // every edit is made, however long a loaded machine takes
                if (half < 0 && System.nanoTime() - start >= seconds * 0.5e9) {
                    half = threads.getThreadAllocatedBytes(audio);
                }
                spec = edit(spec, random);
                device.setChain(spec);
                done++;
                long next = start + (done * pause);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            long remaining = (long) (seconds * 1e9) - (System.nanoTime() - start);
            if (remaining > 0) {
                TimeUnit.NANOSECONDS.sleep(remaining);
            }
            if (half < 0) {
                half = threads.getThreadAllocatedBytes(audio);
            }
            long early = half - bytesBefore;
            long bytes = threads.getThreadAllocatedBytes(device.audioThreadId()) - half;
            double elapsed = (System.nanoTime() - start) / 1e9;
            long megabytes = (allocated.get() - allocatedBefore) >> 20;
            stop.set(true);
            DeviceStats stats = device.stats();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the simulator did not finish");
            }
            Map<String, Long> report = report(new String(p.getInputStream().readAllBytes()));
            if (System.getProperty("soak.debug") != null) {
                System.err.println("simulator: " + report);
            }
            long[] clicks = clicks(recording);
            // the device side's counters as the host sees them in shared memory, after the first second
            return new Result(gc, elapsed, done, stats.blocks(), stats.fromHostUnderruns() - first.fromHostUnderruns(),
                    stats.toHostOverruns() - first.toHostOverruns(), stats.fromHostOverruns() - first.fromHostOverruns(),
                    stats.deadlineMisses() - first.deadlineMisses(),
                    stats.blockTime().p999(), stats.blockTime().max(), early, bytes, clicks[0], clicks[1], megabytes, stats.faults(),
                    spec.toString());
        } finally {
            stop.set(true);
            allocator.join();
        }
    }

    /** A random edit: insert, remove, move, bypass toggle or parameter jump; 1 to 4 effects. */
    static ChainSpec edit(ChainSpec spec, Random random) {
        List<ChainSpec.Slot> slots = new ArrayList<>(spec.slots());
        switch (random.nextInt(5)) {
            case 0 -> {
                if (slots.size() < 4) {
                    slots.add(random.nextInt(slots.size() + 1), new ChainSpec.Slot(EFFECTS[random.nextInt(3)], Map.of()));
                }
            }
            case 1 -> {
                if (slots.size() > 1) {
                    slots.remove(random.nextInt(slots.size()));
                }
            }
            case 2 -> slots.add(random.nextInt(slots.size()), slots.remove(random.nextInt(slots.size())));
            case 3 -> {
                int i = random.nextInt(slots.size());
                slots.set(i, slots.get(i).bypassed(!slots.get(i).bypass()));
            }
            default -> {
                int i = random.nextInt(slots.size());
                ChainSpec.Slot s = slots.get(i);
                slots.set(i, switch (s.effectId()) {
                    case "gain" -> s.with("gainDb", String.format(Locale.ROOT, "%.1f", random.nextDouble(-MAX_GAIN_DB, MAX_GAIN_DB)));
                    case "highpass" -> s.with("cutoffHz", String.valueOf(20 + random.nextInt(200)));
                    default -> s.with("ceilingDb", String.format(Locale.ROOT, "%.1f", random.nextDouble(-6, -0.5)));
                });
            }
        }
        // at most one gain: the click bound assumes the gain never exceeds MAX_GAIN_DB
        boolean seen = false;
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).effectId().equals("gain")) {
                if (seen) {
                    slots.remove(i--);
                }
                seen = true;
            }
        }
        return new ChainSpec(slots);
    }

    /** At least 200 MB/s of short-lived garbage with a 64 MB live set that churns. */
    private static void allocate(AtomicBoolean stop, AtomicLong allocated) {
        byte[][] live = new byte[256][];
        int i = 0;
        long start = System.nanoTime();
        while (!stop.get()) {
            byte[] b = new byte[256 * 1024];
            b[i & 1023] = (byte) i;
            live[i++ & 255] = b;
            long total = allocated.addAndGet(b.length);
            long due = start + (long) (total * (1e9 / (250L << 20))); // 250 MB/s
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    /**
     * Click events in the recording after its first second: sample-to-sample steps larger than the
     * tone's steepest (440 Hz at -12 dBFS, times the highest gain, x1.5), steps within 5 ms being one
     * event. Returns {events, events next to a gap}: a gap is a run of 8 or more exact zeros, the
     * silence a device inserts when it underruns (the tone never holds exactly 0), so those clicks
     * are the underruns'; the others would be the engine's.
     */
    static long[] clicks(Path recording) throws IOException {
        double bound = 1.5 * Math.pow(10, (-12 + MAX_GAIN_DB) / 20) * 2 * Math.PI * 440 / 48_000;
        float[] x;
        try (WavReader r = WavReader.open(recording)) {
            int frames = (int) r.frames();
            float[][] all = new float[2][frames];
            int got = 0;
            float[][] buf = new float[2][4096];
            for (int n; (n = r.read(buf, 4096)) > 0; got += n) {
                System.arraycopy(buf[0], 0, all[0], got, n);
            }
            x = java.util.Arrays.copyOf(all[0], got);
        }
        boolean[] gap = new boolean[x.length];
        for (int i = 0, run = 0; i < x.length; i++) {
            run = x[i] == 0f ? run + 1 : 0;
            if (run >= 8) {
                for (int k = i - run + 1; k <= i; k++) {
                    gap[k] = true;
                }
            }
        }
        long events = 0;
        long nearGap = 0;
        long lastClick = -1_000_000;
        for (int i = 48_001; i < x.length; i++) {
            if (Math.abs(x[i] - x[i - 1]) > bound) {
                if (i - lastClick > 240) {
                    events++;
                    boolean near = false;
                    for (int k = Math.max(0, i - 96); k < Math.min(x.length, i + 96) && !near; k++) {
                        near = gap[k];
                    }
                    if (near) {
                        nearGap++;
                    }
                }
                lastClick = i;
            }
        }
        return new long[] {events, nearGap};
    }

    private static Map<String, Long> report(String text) {
        Map<String, Long> report = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.strip().split(" ");
            if (kv.length == 2 && kv[1].matches("-?\\d+")) {
                report.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        return report;
    }
}
