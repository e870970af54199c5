/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes a WAV file from planar floats. The samples go to a temporary file next to the target
 * ({@code .NAME.PID.RANDOM.tmp}, readable by the owner only); {@link #commit()} completes the
 * header, forces the data to disk and renames the file onto the target, replacing it (a replaced
 * file keeps its permissions). Closing without a commit deletes the temporary file, so the target
 * never holds a partial file; so does a SIGINT or SIGTERM ({@link TempFiles}), and the next writer
 * of the same target removes what a killed process left. Only a regular file is replaced: a
 * directory, FIFO, device, socket or symbolic link at the target is refused.
 *
 * <p>Integer encodings round to the nearest step (ties to even) of 2^-(bits-1) and clamp to
 * the integer range, so +1.0 becomes the largest positive value; NaN becomes 0. Floats are
 * written as they are. Layout: WAVE_FORMAT_PCM for 16-bit mono and stereo, WAVE_FORMAT_IEEE_FLOAT
 * (with a 'fact' chunk) for float mono and stereo, WAVE_FORMAT_EXTENSIBLE otherwise.
 */
public final class WavWriter implements AutoCloseable {

    /** Largest RIFF chunk size: its size field is an unsigned 32-bit number. */
    static final long RIFF_LIMIT = 0xFFFFFFFFL;
    private static final int BUFFER_FRAMES = 4096;
    private static final int TAG_PCM = 0x0001;
    private static final int TAG_IEEE_FLOAT = 0x0003;
    private static final int TAG_EXTENSIBLE = 0xFFFE;
    /** Speaker masks for 1..8 channels: mono (centre), stereo, 3.0, quad, 5.0, 5.1, 6.1, 7.1. */
    private static final int[] CHANNEL_MASKS = {0x4, 0x3, 0x7, 0x33, 0x37, 0x3F, 0x70F, 0x63F};
    private static final int TEMP_NAME_MAX = 100;
    /** After {@code .NAME.PID}: what a temporary name ends with. */
    private static final Pattern STALE_REST = Pattern.compile("\\.[0-9a-z]{1,13}\\.tmp");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private enum State { OPEN, FAILED, COMMITTED, CLOSED }

    private final String name;
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final WavFormat format;
    private final int blockAlign;
    private final long riffLimit;
    private final Header header;
    private long dataBytes;
    private byte[] bytes;
    private ByteBuffer buffer;
    private State state = State.OPEN;
    private boolean tracked;
    private Set<PosixFilePermission> newFileMode;

    private WavWriter(String name, Path target, Path temp, FileChannel channel, WavFormat format, long riffLimit) {
        this.name = name;
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.format = format;
        this.blockAlign = format.bytesPerFrame();
        this.riffLimit = riffLimit;
        this.header = new Header(format);
    }

    /**
     * Starts writing {@code target} in {@code format}; nothing appears at {@code target} before
     * {@link #commit()}.
     *
     * @throws WavException if the target is a directory or its directory is missing or not writable
     */
    public static WavWriter create(Path target, WavFormat format) throws IOException {
        return create(target, format, RIFF_LIMIT);
    }

    /** As {@link #create(Path, WavFormat)} with a smaller size limit, for tests. */
    static WavWriter create(Path target, WavFormat format, long riffLimit) throws IOException {
        String name = target.toString();
        checkTarget(target);
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path fileName = absolute.getFileName();
        String shownDir = target.getParent() == null ? "." : target.getParent().toString();
        if (dir == null || fileName == null) {
            throw new WavException(name + ": is not a file path; expected a file name for the output WAV");
        }
        if (!Files.exists(dir)) {
            throw new WavException(name + ": directory " + shownDir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new WavException(name + ": " + shownDir + " is not a directory");
        }
        String base = fileName.toString();
        if (base.length() > TEMP_NAME_MAX) {
            base = base.substring(0, TEMP_NAME_MAX);
        }
        String prefix = "." + base + ".";
        Path temp = null;
        FileChannel channel = null;
        for (int attempt = 0; channel == null; attempt++) {
            temp = dir.resolve(prefix + TempFiles.pid() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw new WavException(name + ": cannot create a temporary file in " + shownDir + " ("
                            + WavReader.reason(e) + ")", e);
                }
            } catch (AccessDeniedException e) {
                throw new WavException(name + ": cannot write to directory " + shownDir + " (permission denied)", e);
            } catch (IOException e) {
                throw new WavException(name + ": cannot create a temporary file in " + shownDir + " ("
                        + WavReader.reason(e) + ")", e);
            }
        }
        WavWriter writer = new WavWriter(name, target, temp, channel, format, riffLimit);
        try {
            TempFiles.track(temp);
            writer.tracked = true;
            // what a killed run (SIGKILL) of this output left: removed if that process is gone and it was ours
            TempFiles.removeStale(dir, prefix, STALE_REST, false, owner(temp));
            // a new output gets the mode a new file gets here (umask applied); until then only the owner reads it
            writer.newFileMode = permissions(temp);
            if (writer.newFileMode != null) {
                Files.setPosixFilePermissions(temp, OWNER_ONLY);
            }
            writer.writeFully(writer.header.bytes(0, 0));
        } catch (IOException | RuntimeException | Error e) {
            try {
                writer.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return writer;
    }

    /**
     * Refuses an output path that exists and is not a regular file (a directory, a FIFO, a device,
     * a socket, a symbolic link): only a regular file is replaced. One-line message naming the path.
     */
    public static void checkTarget(Path target) throws WavException {
        String kind = TempFiles.nonRegularKind(target, false);
        if (kind != null) {
            throw new WavException(target + ": is " + kind + "; the output must be a regular file (it is replaced)"
                    + " or a path that does not exist");
        }
    }

    private static java.nio.file.attribute.UserPrincipal owner(Path p) throws IOException {
        try {
            return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static Set<PosixFilePermission> permissions(Path p) {
        try {
            return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no POSIX permissions here: the file system decides
        }
    }

    /** The format being written. */
    public WavFormat format() {
        return format;
    }

    /** Frames written so far. */
    public long frames() {
        return dataBytes / blockAlign;
    }

    /**
     * Appends {@code frames} frames from {@code planar[channel][0..frames)}.
     *
     * @throws WavException if the file would exceed the 4 GiB size limit of WAV (nothing of this
     *                      call is written then) or on a write error
     */
    public void write(float[][] planar, int frames) throws IOException {
        requireState(State.OPEN);
        WavReader.checkBuffers(planar, frames, format.channels());
        long after = dataBytes + (long) frames * blockAlign;
        if (header.size() - 8 + after + (after & 1) > riffLimit) {
            throw new WavException(name + ": output too large; WAV files are limited to 4 GiB (at most "
                    + maxFrames() + " frames of " + format.channels() + " ch " + format.encoding().displayName()
                    + ")");
        }
        if (bytes == null) {
            bytes = new byte[BUFFER_FRAMES * blockAlign];
            buffer = ByteBuffer.wrap(bytes);
        }
        try {
            for (int done = 0; done < frames; ) {
                int n = Math.min(frames - done, BUFFER_FRAMES);
                encode(planar, done, n);
                buffer.clear().limit(n * blockAlign);
                writeFully(buffer);
                dataBytes += (long) n * blockAlign;
                done += n;
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private long maxFrames() {
        long room = riffLimit - (header.size() - 8);
        long f = Math.max(0, room / blockAlign);
        long b = f * blockAlign;
        return b + (b & 1) > room ? f - 1 : f;
    }

    private void encode(float[][] planar, int offset, int count) {
        byte[] b = bytes;
        int channels = format.channels();
        int stride = blockAlign;
        switch (format.encoding()) {
            case PCM_16 -> {
                for (int c = 0; c < channels; c++) {
                    float[] in = planar[c];
                    for (int i = 0, p = 2 * c; i < count; i++, p += stride) {
                        int s = quantize(in[offset + i], 32768.0, Short.MIN_VALUE, Short.MAX_VALUE);
                        b[p] = (byte) s;
                        b[p + 1] = (byte) (s >> 8);
                    }
                }
            }
            case PCM_24 -> {
                for (int c = 0; c < channels; c++) {
                    float[] in = planar[c];
                    for (int i = 0, p = 3 * c; i < count; i++, p += stride) {
                        int s = quantize(in[offset + i], 8388608.0, -8388608, 8388607);
                        b[p] = (byte) s;
                        b[p + 1] = (byte) (s >> 8);
                        b[p + 2] = (byte) (s >> 16);
                    }
                }
            }
            case PCM_32 -> {
                for (int c = 0; c < channels; c++) {
                    float[] in = planar[c];
                    for (int i = 0, p = 4 * c; i < count; i++, p += stride) {
                        putInt(b, p, quantize(in[offset + i], 2147483648.0, Integer.MIN_VALUE, Integer.MAX_VALUE));
                    }
                }
            }
            case FLOAT_32 -> {
                for (int c = 0; c < channels; c++) {
                    float[] in = planar[c];
                    for (int i = 0, p = 4 * c; i < count; i++, p += stride) {
                        putInt(b, p, Float.floatToRawIntBits(in[offset + i]));
                    }
                }
            }
        }
    }

    /** x * scale rounded to the nearest integer (ties to even), clamped to [min, max]; NaN gives 0. */
    static int quantize(float x, double scale, int min, int max) {
        if (Float.isNaN(x)) {
            return 0;
        }
        double v = Math.rint(x * scale);
        if (v >= max) {
            return max;
        }
        if (v <= min) {
            return min;
        }
        return (int) v;
    }

    private static void putInt(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
        b[p + 2] = (byte) (v >> 16);
        b[p + 3] = (byte) (v >> 24);
    }

    /**
     * Completes the file and puts it at the target path, replacing any file there: writes the
     * sizes into the header, forces the data to disk and renames the temporary file (atomically
     * where the file system can).
     */
    public void commit() throws IOException {
        requireState(State.OPEN);
        try {
            if ((dataBytes & 1) != 0) {
                writeFully(ByteBuffer.wrap(new byte[1]));
            }
            channel.position(0);
            writeFully(header.bytes(dataBytes, dataBytes / blockAlign));
            channel.force(true);
            channel.close();
            checkTarget(target); // it may have been replaced meanwhile
            // a replaced file keeps its mode; a new one gets the mode of a new file
            Set<PosixFilePermission> mode = Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                    ? permissions(target) : newFileMode;
            if (mode != null && newFileMode != null) {
                Files.setPosixFilePermissions(temp, mode);
            }
            TempFiles.publish(temp, name, () -> {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            });
            tracked = false;
        } catch (IOException e) {
            throw failed(e);
        }
        state = State.COMMITTED;
        syncDirectory(temp.getParent());
    }

    /** Makes the rename durable where the platform allows opening a directory; best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not possible on every platform; the data itself is on disk
        }
    }

    /** Without a prior {@link #commit()}, deletes the temporary file; the target is untouched. */
    @Override
    public void close() throws IOException {
        if (state == State.CLOSED || state == State.COMMITTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        IOException problem = null;
        try {
            channel.close();
        } catch (IOException e) {
            problem = e;
        }
        try {
            Files.deleteIfExists(temp);
            if (tracked) {
                TempFiles.forget(temp);
                tracked = false;
            }
        } catch (IOException e) {
            WavException w = new WavException(name + ": cannot delete the temporary file " + temp + " ("
                    + WavReader.reason(e) + ")", e);
            if (problem != null) {
                w.addSuppressed(problem);
            }
            throw w;
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private WavException failed(IOException e) {
        state = State.FAILED;
        if (e instanceof WavException w) {
            return w;
        }
        return new WavException(name + ": cannot write (" + WavReader.reason(e) + ")", e);
    }

    private void requireState(State expected) {
        if (state != expected) {
            throw new IllegalStateException(name + ": writer is " + state.name().toLowerCase(Locale.ROOT));
        }
    }

    /** The bytes before the samples; sizes are filled in at commit. */
    private static final class Header {
        private final WavFormat format;
        private final int tag;
        private final int fmtSize;
        private final boolean fact;

        Header(WavFormat f) {
            this.format = f;
            boolean isFloat = f.encoding() == WavEncoding.FLOAT_32;
            boolean small = f.channels() <= 2;
            if (small && f.encoding() == WavEncoding.PCM_16) {
                tag = TAG_PCM;
                fmtSize = 16;
            } else if (small && isFloat) {
                tag = TAG_IEEE_FLOAT;
                fmtSize = 18;
            } else {
                tag = TAG_EXTENSIBLE;
                fmtSize = 40;
            }
            fact = isFloat;
        }

        int size() {
            return 12 + 8 + fmtSize + (fact ? 12 : 0) + 8;
        }

        ByteBuffer bytes(long dataBytes, long frames) {
            ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
            int bits = format.encoding().bitsPerSample();
            int align = format.bytesPerFrame();
            long riff = size() - 8 + dataBytes + (dataBytes & 1);
            b.put(ascii("RIFF")).putInt((int) riff).put(ascii("WAVE"));
            b.put(ascii("fmt ")).putInt(fmtSize);
            b.putShort((short) tag).putShort((short) format.channels()).putInt(format.sampleRate())
                    .putInt(format.sampleRate() * align).putShort((short) align).putShort((short) bits);
            if (tag == TAG_IEEE_FLOAT) {
                b.putShort((short) 0);
            } else if (tag == TAG_EXTENSIBLE) {
                b.putShort((short) 22).putShort((short) bits).putInt(CHANNEL_MASKS[format.channels() - 1]);
                int subformat = format.encoding() == WavEncoding.FLOAT_32 ? TAG_IEEE_FLOAT : TAG_PCM;
                b.putInt(subformat).put(WavReader.GUID_TAIL);
            }
            if (fact) {
                b.put(ascii("fact")).putInt(4).putInt((int) frames);
            }
            b.put(ascii("data")).putInt((int) dataBytes);
            return b.flip();
        }

        private static byte[] ascii(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
    }
}
