/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * The lossless promise with real clients nobody here wrote (issue 16's matrix, the CI
 * cross-section): one application plays 10 s of seeded stereo noise into {@code -D vocana},
 * another records it back through the host (empty chain): aplay/arecord with their defaults and
 * with 32- and 12000-frame periods (the latter more than the ring allows: reduced at hw-params
 * time), sox, GStreamer's alsasink (float) and alsasrc, ffmpeg, and PortAudio (python3-pyaudio: 1024-frame
 * buffers playing, 4096 recording). Judged from the input's second 1 to 100 ms before its end (players
 * differ in how they drain), one run per cell, no retry:
 * <ul>
 * <li>the recording is the input at one constant offset, bit-exact: every frame that is not
 * silence is the input's, so nothing was inserted, dropped, shifted or altered, and no client
 * reported an xrun;</li>
 * <li>what a late host cost (this machine is shared; the host's audio thread runs SCHED_FIFO but
 * the JVM can still hold it) is silence, in episodes of at most 100 ms, and at most 0.5 % of the
 * run; every cell prints its loss, and the note of the issue reports the figures.</li>
 * </ul>
 * And a host stopped for 1 s in the middle: it costs that second plus at most 100 ms, at the same
 * offset before and after. And aplay/arecord, sox and ffmpeg with two busy loops at normal
 * priority competing for the cores: not one frame lost. (PortAudio's 1024-frame player is left out
 * there: at normal priority, with 21 ms of buffer, it underruns itself when starved, which
 * {@code exception_on_underflow} turns into its own error.)
 *
 * <p>{@code ./vocana bench device-matrix} runs the whole matrix at the device's rate instead of
 * the cross-section ({@code -Dvocana.matrix=full}): S16, S32 and FLOAT, mono and stereo, periods
 * from 32 to 6000 frames, PortAudio buffers from 32 to 4096 frames.
 */
class DeviceMatrixIT extends AlsaTestBase {

    private static final int RATE = 48_000;
    private static final int SECONDS = 10;

    @Override
    String chain() {
        return "";
    }

    /**
     * What one cell measured: the constant offset, the frames judged, the frames that were not the
     * input (silent or not), the longest silent run, and where the wrong ones were.
     */
    record Outcome(long offset, long judged, long wrong, long wrongNotSilent, long longestRun, long firstWrong,
            String runs) {
    }

    /** One pair of clients: what plays, what records, and the input they get. */
    record Cell(String name, String player, String recorder, int channels, WavEncoding encoding) {
        Cell(String name, String player, String recorder) {
            this(name, player, recorder, 2, WavEncoding.PCM_16);
        }
    }

    /** The CI cross-section of issue 16's matrix. */
    private List<Cell> crossSection() throws IOException {
        String py = pyaudioScript();
        return List.of(
                new Cell("aplay defaults", "aplay -D vocana IN", "arecord -D vocana -f S16_LE -c 2 -r 48000 -d 13 OUT"),
                new Cell("aplay/arecord 32-frame periods", "aplay -D vocana --period-size=32 --buffer-size=8192 IN",
                        "arecord -D vocana -f S16_LE -c 2 -r 48000 -d 13 --period-size=32 --buffer-size=8192 OUT"),
                new Cell("aplay 12000-frame periods (reduced)", "aplay -D vocana --period-size=12000 IN",
                        "arecord -D vocana -f S16_LE -c 2 -r 48000 -d 13 --period-size=6000 OUT"),
                new Cell("sox", "sox -q IN -t alsa vocana", "sox -q -t alsa -r 48000 -c 2 -b 16 vocana OUT trim 0 13"),
                new Cell("GStreamer F32", "gst-launch-1.0 -q filesrc location=IN ! wavparse ! audioconvert ! audio/x-raw,format=F32LE ! alsasink device=vocana",
                        "gst-launch-1.0 -q alsasrc device=vocana num-buffers=1300 ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! wavenc ! filesink location=OUT"),
                new Cell("ffmpeg", "ffmpeg -nostdin -loglevel error -i IN -f alsa vocana",
                        "ffmpeg -nostdin -loglevel error -f alsa -channels 2 -sample_rate 48000 -i vocana -t 13 -c:a pcm_s16le -y OUT"),
                new Cell("PortAudio 1024-/4096-frame buffers", "/usr/bin/python3 " + py + " play IN",
                        "/usr/bin/python3 " + py + " record OUT 13"));
    }

    /**
     * The whole matrix at the device's rate ({@code ./vocana bench device-matrix}): aplay/arecord at
     * every period of the issue and their defaults, for S16, S32 and FLOAT, stereo and mono; the other
     * clients with their defaults, mono and stereo; PortAudio at 32- to 4096-frame buffers.
     */
    private List<Cell> fullMatrix() throws IOException {
        List<Cell> cells = new ArrayList<>(crossSection());
        String[][] formats = {{"S16_LE", "PCM_16"}, {"S32_LE", "PCM_32"}, {"FLOAT_LE", "FLOAT_32"}};
        for (String[] f : formats) {
            for (int ch : new int[] {2, 1}) {
                WavEncoding enc = WavEncoding.valueOf(f[1]);
                String rec = "arecord -D vocana -f " + f[0] + " -c " + ch + " -r 48000 -d 13";
                cells.add(new Cell("aplay " + f[0] + " " + ch + " ch defaults", "aplay -D vocana IN", rec + " OUT", ch, enc));
                for (int period : new int[] {32, 128, 1000, 1024, 4096, 6000}) {
                    String sizes = " --period-size=" + period + " --buffer-size=" + Math.max(4 * period, 8192);
                    cells.add(new Cell("aplay " + f[0] + " " + ch + " ch " + period + "-frame periods",
                            "aplay -D vocana" + sizes + " IN", rec + sizes + " OUT", ch, enc));
                }
            }
        }
        cells.add(new Cell("sox mono", "sox -q IN -t alsa vocana", "sox -q -t alsa -r 48000 -c 1 -b 16 vocana OUT trim 0 13",
                1, WavEncoding.PCM_16));
        cells.add(new Cell("GStreamer S16", "gst-launch-1.0 -q filesrc location=IN ! wavparse ! alsasink device=vocana",
                "gst-launch-1.0 -q alsasrc device=vocana num-buffers=1300 ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! wavenc ! filesink location=OUT"));
        cells.add(new Cell("GStreamer mono", "gst-launch-1.0 -q filesrc location=IN ! wavparse ! alsasink device=vocana",
                "gst-launch-1.0 -q alsasrc device=vocana num-buffers=1300 ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! wavenc ! filesink location=OUT",
                1, WavEncoding.PCM_16));
        cells.add(new Cell("ffmpeg mono", "ffmpeg -nostdin -loglevel error -i IN -f alsa vocana",
                "ffmpeg -nostdin -loglevel error -f alsa -channels 1 -sample_rate 48000 -i vocana -t 13 -c:a pcm_s16le -y OUT",
                1, WavEncoding.PCM_16));
        String py = pyaudioScript();
        for (int frames : new int[] {32, 128, 1024, 4096}) {
            cells.add(new Cell("PortAudio " + frames + "-frame buffers", "/usr/bin/python3 " + py + " play IN " + frames,
                    "/usr/bin/python3 " + py + " record OUT 13 " + Math.max(frames, 1024)));
        }
        return cells;
    }

    @Test
    void everyClientPairIsBitExactAtAConstantLatency() throws Exception {
        List<Cell> cells = "full".equals(System.getProperty("vocana.matrix")) ? fullMatrix() : crossSection();
        assertTrue(runMatrix(cells, false), "see the cells above");
    }

    /**
     * Issue 16 and 18: two busy loops at normal priority competing for the cores (what a build does
     * to a call) must cost nothing: the host's audio thread and the plugin's IO threads run
     * SCHED_FIFO, and the clients only need to keep their buffers filled.
     */
    @Test
    void twoBusyLoopsAtNormalPriorityCostNoFrame() throws Exception {
        List<Process> hogs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
            List<Cell> all = crossSection(); // aplay/arecord defaults, sox, ffmpeg
            assertTrue(runMatrix(List.of(all.get(0), all.get(3), all.get(5)), true), "see the cells above");
        } finally {
            for (Process h : hogs) {
                h.destroyForcibly();
            }
        }
    }

    /** Runs the cells against one host; prints each; false (with the failures printed) if any failed. */
    private boolean runMatrix(List<Cell> cells, boolean lossless) throws Exception {
        startHost();
        Thread.sleep(2_000); // the host's start-up work done
        java.util.Map<String, Path> inputs = new java.util.HashMap<>();
        List<String> failures = new ArrayList<>();
        long judged = 0, lost = 0;
        String label = lossless ? "device matrix, 2 busy loops: " : "device matrix: ";
        for (Cell cell : cells) {
            String key = cell.channels() + "-" + cell.encoding();
            Path input = inputs.get(key);
            if (input == null) {
                input = noise(dir.resolve("noise-" + key + ".wav"), SECONDS, cell.channels(), cell.encoding());
                inputs.put(key, input);
            }
            Outcome o = runCell(cell.name(), input, cell.player(), cell.recorder(), false);
            System.out.printf("%s%-36s offset %d frames, %d frames judged, %d lost%s%n", label, cell.name(),
                    o.offset(), o.judged(), o.wrong(), o.wrong() == 0 ? "" : " (" + o.runs() + ")");
            judged += o.judged();
            lost += o.wrong();
            String xrun = clientXrun(cell.name());
            if (o.offset() < 0 || o.wrongNotSilent() != 0 || o.longestRun() > RATE / 10 || o.wrong() * 200 > o.judged()
                    || (lossless && o.wrong() != 0) || o.judged() < (SECONDS - 2) * RATE || xrun != null) {
                failures.add(cell.name() + ": " + (xrun != null ? xrun + "; " : "") + o);
            }
        }
        System.out.printf("%s%d of %d frames lost (%.4f %%)%n", label, lost, judged, 100.0 * lost / judged);
        if (!failures.isEmpty()) {
            System.out.println("cells that shifted, altered or lost too much audio:\n" + String.join("\n", failures)
                    + "\nhost: " + log(dir.resolve("host.err")));
        }
        return failures.isEmpty();
    }

    /** The line a client printed about its own xrun, or null. */
    private String clientXrun(String name) throws IOException {
        String base = name.replaceAll("[^A-Za-z0-9]", "_") + ".wav";
        for (String which : new String[] {".play.log", ".rec.log"}) {
            for (String line : log(dir.resolve(base + which)).split("\n")) {
                String l = line.toLowerCase(java.util.Locale.ROOT);
                if (l.contains("underrun") || l.contains("overrun") || l.contains("xrun") || l.contains("overflow")) {
                    return "client xrun: " + line.strip();
                }
            }
        }
        return null;
    }

    @Test
    void aHostStoppedForOneSecondCostsOnlyThatSecondAndTheLatencyStays() throws Exception {
        startHost();
        Thread.sleep(2_000);
        Path input = noise(dir.resolve("noise.wav"), SECONDS);
        Outcome o = runCell("SIGSTOP 1 s", input, "aplay -D vocana IN",
                "arecord -D vocana -f S16_LE -c 2 -r 48000 -d 13 OUT", true);
        System.out.printf("device matrix: host stopped 1 s: offset %d, %d lost from %.3f s (%s)%n", o.offset(), o.wrong(),
                o.firstWrong() / (double) RATE, o.runs());
        // the offset was found after the stop and checked before it: the same latency on both sides;
        // the loss is the stop itself (1 s) plus at most 100 ms of recovery, and it is silence
        assertTrue(o.wrong() > 0, "a stopped host costs audio: " + o);
        assertEquals(0, o.wrongNotSilent(), "only silence where the host was stopped, the same offset on both sides: " + o);
        assertTrue(o.wrong() <= RATE + RATE / 10, "only the stop and 100 ms: " + o);
    }

    private Outcome runCell(String name, Path input, String player, String recorder, boolean stopHost) throws Exception {
        Path out = dir.resolve(name.replaceAll("[^A-Za-z0-9]", "_") + ".wav");
        Process rec = alsa(out.getFileName() + ".rec.log", command(recorder, input, out));
        Thread.sleep(500);
        Process play = alsa(out.getFileName() + ".play.log", command(player, input, out));
        if (stopHost) {
            Thread.sleep(5_000);
            new ProcessBuilder("kill", "-STOP", String.valueOf(host.pid())).start().waitFor();
            Thread.sleep(1_000);
            new ProcessBuilder("kill", "-CONT", String.valueOf(host.pid())).start().waitFor();
        }
        assertTrue(play.waitFor(40, TimeUnit.SECONDS), name + ": player finished");
        assertTrue(rec.waitFor(40, TimeUnit.SECONDS), name + ": recorder finished");
        assertEquals(0, play.exitValue(), name + " player: " + log(dir.resolve(out.getFileName() + ".play.log")));
        assertEquals(0, rec.exitValue(), name + " recorder: " + log(dir.resolve(out.getFileName() + ".rec.log")));
        return compare(readShorts(input), readShorts(out));
    }

    private static String[] command(String template, Path in, Path out) {
        String[] words = template.split(" ");
        for (int i = 0; i < words.length; i++) {
            words[i] = words[i].replace("IN", in.toString()).replace("OUT", out.toString());
        }
        return words;
    }

    /**
     * Finds the constant offset (an exact match of 256 frames of the input's last second in the
     * recording), then judges every frame from the input's second 1 to its end: recording[k +
     * offset] == input[k] on both channels, bit for bit.
     */
    static Outcome compare(short[][] in, short[][] rec) {
        int probe = in[0].length - RATE / 2; // the offset after any disturbance: judged before it
        long offset = -1;
        for (int k = 0; k + 256 <= rec[0].length && offset < 0; k++) {
            if (rec[0][k] == in[0][probe] && matches(in, rec, probe, k, 256)) {
                offset = k - probe;
            }
        }
        if (offset < 0) {
            return new Outcome(-1, 0, in[0].length, in[0].length, in[0].length, 0,
                    "the input's last second is not in the recording");
        }
        long judged = 0, wrong = 0, wrongNotSilent = 0, longest = 0, firstWrong = -1;
        StringBuilder runs = new StringBuilder();
        long runStart = -1;
        int end = in[0].length - RATE / 10;
        for (int k = RATE; k < end; k++) {
            long j = k + offset;
            boolean there = j >= 0 && j < rec[0].length;
            boolean ok = there && rec[0][(int) j] == in[0][k] && rec[1][(int) j] == in[1][k];
            judged++;
            if (!ok) {
                wrong++;
                if (!there || rec[0][(int) j] != 0 || rec[1][(int) j] != 0) {
                    wrongNotSilent++;
                }
                if (firstWrong < 0) {
                    firstWrong = k;
                }
                if (runStart < 0) {
                    runStart = k;
                }
            }
            if ((ok || k == end - 1) && runStart >= 0) {
                long len = (ok ? k : k + 1) - runStart;
                longest = Math.max(longest, len);
                if (runs.length() < 300) {
                    runs.append(String.format(java.util.Locale.ROOT, "%.3f s: %d frames; ", runStart / (double) RATE, len));
                }
                runStart = -1;
            }
        }
        return new Outcome(offset, judged, wrong, wrongNotSilent, longest, firstWrong, runs.toString());
    }

    private static boolean matches(short[][] in, short[][] rec, int at, int k, int n) {
        for (int i = 0; i < n; i++) {
            if (rec[0][k + i] != in[0][at + i] || rec[1][k + i] != in[1][at + i]) {
                return false;
            }
        }
        return true;
    }

    /** Seeded white noise at about -10 dBFS, 16-bit stereo: every window of it is unique. */
    static Path noise(Path out, int seconds) throws IOException {
        return noise(out, seconds, 2, WavEncoding.PCM_16);
    }

    /**
     * The same noise in {@code channels} channels and {@code encoding}: 16-bit values in every
     * encoding, so that S32 and float paths through the device's float rings are bit-exact too.
     */
    static Path noise(Path out, int seconds, int channels, WavEncoding encoding) throws IOException {
        SplittableRandom rnd = new SplittableRandom(0x5eed);
        float[][] block = new float[channels][RATE];
        try (WavWriter w = WavWriter.create(out, new WavFormat(RATE, channels, encoding))) {
            for (int s = 0; s < seconds; s++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < RATE; i++) {
                        block[c][i] = (rnd.nextInt(-10_000, 10_001)) / 32768f;
                    }
                }
                w.write(block, RATE);
            }
            w.commit();
        }
        return out;
    }

    /** Both channels as 16-bit values (a float recording is scaled by 32768 and rounded). */
    static short[][] readShorts(Path wav) throws IOException {
        float[][] f = readAll(wav);
        short[][] s = new short[2][f[0].length];
        for (int c = 0; c < 2; c++) {
            float[] src = f[Math.min(c, f.length - 1)];
            for (int i = 0; i < src.length; i++) {
                s[c][i] = (short) Math.max(-32768, Math.min(32767, Math.round(src[i] * 32768f)));
            }
        }
        return s;
    }

    /** PortAudio through python3-pyaudio: blocking stream of 1024-frame buffers, both ways. */
    private String pyaudioScript() throws IOException {
        Path p = dir.resolve("pa.py");
        Files.writeString(p, """
                import sys, wave, pyaudio
                pa = pyaudio.PyAudio()
                dev = next(i for i in range(pa.get_device_count()) if pa.get_device_info_by_index(i)['name'] == 'vocana')
                if sys.argv[1] == 'play':
                    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
                    w = wave.open(sys.argv[2], 'rb')
                    s = pa.open(format=pyaudio.paInt16, channels=2, rate=48000, output=True,
                                output_device_index=dev, frames_per_buffer=n)
                    while True:
                        d = w.readframes(n)
                        if not d:
                            break
                        s.write(d, exception_on_underflow=True)
                    s.stop_stream()
                else:
                    n = int(sys.argv[4]) if len(sys.argv) > 4 else 4096
                    w = wave.open(sys.argv[2], 'wb')
                    w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000)
                    s = pa.open(format=pyaudio.paInt16, channels=2, rate=48000, input=True,
                                input_device_index=dev, frames_per_buffer=n)
                    for _ in range(int(float(sys.argv[3]) * 48000 / n)):
                        w.writeframes(s.read(n, exception_on_overflow=True))
                    w.close()
                s.close()
                pa.terminate()
                """);
        return p.toString();
    }
}
