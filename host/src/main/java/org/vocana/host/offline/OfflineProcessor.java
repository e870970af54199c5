/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.offline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.engine.Chain;
import org.vocana.host.engine.FaultLog;
import org.vocana.host.ring.SampleGuard;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavException;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.TempFiles;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * Renders a WAV file through a chain, block by block, with the same {@link Chain#process} the
 * real-time engine uses. The output has the input's length and is aligned with it: the chain's
 * latency is compensated by dropping its first frames and flushing with silence at the end.
 * The output appears at its path only when complete (written to a temporary file, then renamed).
 * The file is untrusted input: samples that are NaN, infinite or beyond +-2^24
 * are replaced by silence before the chain ({@link Summary#replaced}), so the output is finite and
 * no effect is blamed for them.
 */
public final class OfflineProcessor {

    /** Largest block the offline path accepts. */
    public static final int MAX_BLOCK = 8192;

    private final ChainResolver resolver;

    public OfflineProcessor(ChainResolver resolver) {
        this.resolver = resolver;
    }

    /** Receives progress; called on the processing thread after every block. */
    public interface Progress {
        void update(long framesDone, long framesTotal);

        Progress NONE = (done, total) -> { };
    }

    /** Sample peak and RMS over all channels, linear. */
    public record Levels(double peak, double rms) {
        public double peakDb() {
            return 20 * Math.log10(peak);
        }

        public double rmsDb() {
            return 20 * Math.log10(rms);
        }
    }

    /**
     * Input samples replaced by silence before the chain because they were NaN, infinite or beyond
     * +-2^24 (a float file can hold them), by kind; where the first one was
     * (frame from 0, channel from 1), or -1 if none.
     */
    public record Replaced(long nan, long infinite, long huge, long firstFrame, int firstChannel) {
        public long total() {
            return nan + infinite + huge;
        }
    }

    /** What a run did. */
    public record Summary(WavFormat input, WavFormat output, long frames, int latencyFrames, Levels in,
                          Levels out, long clippedSamples, boolean inputTruncated, long elapsedNanos,
                          List<FaultLog.Fault> faults, Replaced replaced) {
        public double seconds() {
            return (double) frames / input.sampleRate();
        }

        /** Audio duration divided by processing time. */
        public double speed() {
            return seconds() / Math.max(1e-9, elapsedNanos / 1e9);
        }
    }

    /**
     * Processes {@code in} into {@code out}.
     *
     * @param outputEncoding the output's encoding, or null for the input's
     * @param blockFrames block size, 1..{@value #MAX_BLOCK}
     * @throws WavException for unreadable input or unwritable output (one-line message)
     * @throws org.vocana.host.chain.ChainSpecException for a chain that cannot be built
     */
    public Summary process(Path in, Path out, ChainSpec spec, WavEncoding outputEncoding, int blockFrames,
                           Progress progress) throws IOException {
        if (blockFrames < 1 || blockFrames > MAX_BLOCK) {
            throw new IllegalArgumentException("block size " + blockFrames + " is not supported: accepted 1.." + MAX_BLOCK);
        }
        checkFiles(in, out);
        resolver.check(spec);
        long start = System.nanoTime();
        try (WavReader reader = WavReader.open(in)) {
            WavFormat inFormat = reader.format();
            WavFormat outFormat = new WavFormat(inFormat.sampleRate(), inFormat.channels(),
                    outputEncoding == null ? inFormat.encoding() : outputEncoding);
            int channels = inFormat.channels();
            try (Chain chain = Chain.activate(resolver.instantiate(spec), inFormat.sampleRate(), blockFrames, channels);
                 WavWriter writer = WavWriter.create(out, outFormat)) {
                Run run = new Run(reader, writer, chain, blockFrames, outFormat.encoding() != WavEncoding.FLOAT_32, progress);
                List<FaultLog.Fault> faults = new ArrayList<>();
                run.execute(() -> chain.faults().drain(faults::add));
                writer.commit();
                return new Summary(inFormat, outFormat, reader.frames(), chain.latencyFrames(),
                        run.inMeter.levels(), run.outMeter.levels(), run.clipped, reader.truncated(),
                        System.nanoTime() - start, List.copyOf(faults), run.replaced());
            }
        }
    }

    /**
     * The checks made before any work: {@code in} is a regular file (a FIFO or a device is refused,
     * so nothing blocks on it), {@code out} is a regular file or does not exist, and they differ.
     *
     * @throws WavException with a one-line message naming the path
     */
    public static void checkFiles(Path in, Path out) throws WavException {
        if (!Files.exists(in)) {
            throw new WavException(in + ": no such file");
        }
        if (Files.isDirectory(in)) {
            throw new WavException(in + ": is a directory, not a WAV file");
        }
        String kind = TempFiles.nonRegularKind(in, true);
        if (kind != null) {
            throw new WavException(in + ": is " + kind + "; the input must be a regular WAV file");
        }
        WavWriter.checkTarget(out);
        if (Files.exists(out) && isSameFile(in, out)) {
            throw new WavException(out + ": output is the input file; choose another output path");
        }
    }

    private static boolean isSameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /** Running peak and RMS. */
    private static final class Meter {
        private double peak;
        private double sumSquares;
        private long samples;

        void add(float[][] buffers, int channels, int from, int to) {
            for (int c = 0; c < channels; c++) {
                float[] x = buffers[c];
                for (int i = from; i < to; i++) {
                    double v = x[i];
                    double a = Math.abs(v);
                    if (a > peak) {
                        peak = a;
                    }
                    sumSquares += v * v;
                }
            }
            samples += (long) channels * (to - from);
        }

        Levels levels() {
            return new Levels(peak, samples == 0 ? 0 : Math.sqrt(sumSquares / samples));
        }
    }

    /** One run's state: buffers, counters, latency compensation. */
    private static final class Run {
        private final WavReader reader;
        private final WavWriter writer;
        private final Chain chain;
        private final int block;
        private final int channels;
        private final boolean countClipping;
        private final Progress progress;
        private final float[][] buffer;
        private final float[][] shifted;
        final Meter inMeter = new Meter();
        final Meter outMeter = new Meter();
        long clipped;
        /** The trust boundary: the file's samples are checked before the chain sees them. */
        private final SampleGuard guard = new SampleGuard();
        private long framesRead;
        private long firstBadFrame = -1;
        private int firstBadChannel = -1;

        Run(WavReader reader, WavWriter writer, Chain chain, int block, boolean countClipping, Progress progress) {
            this.reader = reader;
            this.writer = writer;
            this.chain = chain;
            this.block = block;
            this.channels = chain.channels();
            this.countClipping = countClipping;
            this.progress = progress;
            this.buffer = new float[channels][block];
            this.shifted = new float[channels][block];
        }

        /** Renders everything; {@code collectFaults} runs between blocks, as a control thread would. */
        void execute(Runnable collectFaults) throws IOException {
            long total = reader.frames();
            int latency = chain.latencyFrames();
            long toFeed = total + latency;
            long fed = 0;
            long inputLeft = total;
            long skip = latency;
            while (fed < toFeed) {
                int want = (int) Math.min(block, toFeed - fed);
                int got = 0;
                if (inputLeft > 0) {
                    got = readFully(want);
                    if (got < want && got < inputLeft) {
                        throw new WavException("input ended early after " + (total - inputLeft + got) + " of "
                                + total + " frames");
                    }
                    inputLeft -= got;
                    inMeter.add(buffer, channels, 0, got);
                }
                for (int c = 0; c < channels; c++) {
                    java.util.Arrays.fill(buffer[c], got, want, 0f);
                }
                chain.process(buffer, want);
                fed += want;
                int from = (int) Math.min(skip, want);
                skip -= from;
                int n = want - from;
                if (n > 0) {
                    float[][] outBlock = buffer;
                    if (from > 0) {
                        for (int c = 0; c < channels; c++) {
                            System.arraycopy(buffer[c], from, shifted[c], 0, n);
                        }
                        outBlock = shifted;
                    }
                    outMeter.add(outBlock, channels, 0, n);
                    if (countClipping) {
                        countClipped(outBlock, n);
                    }
                    writer.write(outBlock, n);
                }
                progress.update(Math.min(fed, total), total);
                collectFaults.run();
            }
        }

        private int readFully(int want) throws IOException {
            int got = 0;
            while (got < want) {
                int n = reader.read(shifted, want - got);
                if (n <= 0) {
                    break;
                }
                for (int c = 0; c < channels; c++) {
                    System.arraycopy(shifted[c], 0, buffer[c], got, n);
                }
                got += n;
            }
            if (firstBadFrame < 0) {
                for (int c = 0; c < channels; c++) {
                    int at = SampleGuard.firstBad(buffer[c], 0, got);
                    if (at >= 0 && (firstBadFrame < 0 || framesRead + at < firstBadFrame)) {
                        firstBadFrame = framesRead + at;
                        firstBadChannel = c + 1;
                    }
                }
            }
            guard.clean(buffer, channels, 0, got);
            framesRead += got;
            return got;
        }

        Replaced replaced() {
            return new Replaced(guard.nan(), guard.infinite(), guard.huge(), firstBadFrame, firstBadChannel);
        }

        private void countClipped(float[][] b, int n) {
            for (int c = 0; c < channels; c++) {
                float[] x = b[c];
                for (int i = 0; i < n; i++) {
                    if (x[i] > 1f || x[i] < -1f) {
                        clipped++;
                    }
                }
            }
        }
    }
}
