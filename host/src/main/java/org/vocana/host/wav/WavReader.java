/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Reads the samples of a WAV file as planar floats in [-1, 1), streaming through a small reusable
 * buffer. Accepts RIFF WAVE files with 16/24/32-bit integer PCM or 32-bit float samples, as
 * WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_EXTENSIBLE; other chunks are skipped.
 *
 * <p>A data chunk that declares more bytes than the file holds is read up to the last whole frame
 * present and flagged {@link #truncated()}; a declared size of 0 or 0xFFFFFFFF (left by writers
 * that stream) means "until the end of the file".
 *
 * <p>Integer samples are divided by 2^(bits-1): 16 and 24-bit samples convert exactly, 32-bit
 * samples are rounded to the nearest float and kept below 1.0.
 */
public final class WavReader implements AutoCloseable {

    static final String ACCEPTED_ENCODINGS = "16/24/32-bit PCM, 32-bit float";

    private static final int TAG_PCM = 0x0001;
    private static final int TAG_IEEE_FLOAT = 0x0003;
    private static final int TAG_EXTENSIBLE = 0xFFFE;
    private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;
    /** Bytes of the 'fmt ' chunk this reader looks at: the WAVE_FORMAT_EXTENSIBLE layout. */
    private static final int FMT_BYTES = 40;
    /** The last 12 bytes of every KSDATAFORMAT_SUBTYPE GUID derived from a format tag. */
    static final byte[] GUID_TAIL = {
        0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};
    /** Frames per read from the file. */
    private static final int BUFFER_FRAMES = 4096;
    private static final float BELOW_ONE = Math.nextDown(1f);

    private final String name;
    private final FileChannel channel;
    private final WavFormat format;
    private final int blockAlign;
    private final long dataStart;
    private final long frames;
    private final boolean truncated;
    private long framesRead;
    private byte[] bytes;
    private ByteBuffer buffer;
    private boolean closed;

    private WavReader(String name, FileChannel channel, WavFormat format, long dataStart, long frames,
                      boolean truncated) {
        this.name = name;
        this.channel = channel;
        this.format = format;
        this.blockAlign = format.bytesPerFrame();
        this.dataStart = dataStart;
        this.frames = frames;
        this.truncated = truncated;
    }

    /**
     * Opens a WAV file and reads its header.
     *
     * @throws WavException if the file cannot be read or is not a WAV file this reader accepts
     */
    public static WavReader open(Path path) throws IOException {
        String name = path.toString();
        if (Files.isDirectory(path)) {
            throw new WavException(name + ": is a directory, not a WAV file");
        }
        // a FIFO or a device would block or never end: only regular files (or links to one) are read
        String kind = TempFiles.nonRegularKind(path, true);
        if (kind != null) {
            throw new WavException(name + ": is " + kind + "; the input must be a regular WAV file");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WavException(name + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new WavException(name + ": cannot read (permission denied)", e);
        } catch (IOException e) {
            throw new WavException(name + ": cannot open (" + reason(e) + ")", e);
        }
        try {
            return new HeaderParser(name, channel).parse();
        } catch (WavException e) {
            closeQuietly(channel, e);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel, e);
            throw new WavException(name + ": cannot read (" + reason(e) + ")", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    /** The file's sample rate, channels and encoding. */
    public WavFormat format() {
        return format;
    }

    /** Frames the file holds (whole frames only; fewer than declared if {@link #truncated()}). */
    public long frames() {
        return frames;
    }

    /** True if the data chunk declares more bytes than the file holds. */
    public boolean truncated() {
        return truncated;
    }

    /**
     * Reads up to {@code maxFrames} frames into {@code planar[channel][0..]}.
     *
     * @param planar one array per channel (at least {@code format().channels()}), each holding
     *               at least {@code maxFrames} samples
     * @return frames read, 0 at the end of the data
     */
    public int read(float[][] planar, int maxFrames) throws IOException {
        if (closed) {
            throw new IllegalStateException(name + ": reader is closed");
        }
        checkBuffers(planar, maxFrames, format.channels());
        if (bytes == null) {
            bytes = new byte[BUFFER_FRAMES * blockAlign];
            buffer = ByteBuffer.wrap(bytes);
        }
        int done = 0;
        while (done < maxFrames && framesRead < frames) {
            int want = (int) Math.min(Math.min(maxFrames - done, BUFFER_FRAMES), frames - framesRead);
            int got = fill(want);
            if (got == 0) {
                break;
            }
            decode(planar, done, got);
            done += got;
            framesRead += got;
        }
        return done;
    }

    /** Reads up to {@code want} whole frames into the buffer; fewer only if the file shrank. */
    private int fill(int want) throws IOException {
        int length = want * blockAlign;
        buffer.clear().limit(length);
        long position = dataStart + framesRead * blockAlign;
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new WavException(name + ": read error (" + reason(e) + ")", e);
        }
        return buffer.position() / blockAlign;
    }

    private void decode(float[][] planar, int offset, int count) {
        byte[] b = bytes;
        int channels = format.channels();
        int stride = blockAlign;
        switch (format.encoding()) {
            case PCM_16 -> {
                for (int c = 0; c < channels; c++) {
                    float[] out = planar[c];
                    for (int i = 0, p = 2 * c; i < count; i++, p += stride) {
                        int s = (b[p] & 0xFF) | (b[p + 1] << 8);
                        out[offset + i] = s * (1f / 32768f);
                    }
                }
            }
            case PCM_24 -> {
                for (int c = 0; c < channels; c++) {
                    float[] out = planar[c];
                    for (int i = 0, p = 3 * c; i < count; i++, p += stride) {
                        int s = (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] << 16);
                        out[offset + i] = s * (1f / 8388608f);
                    }
                }
            }
            case PCM_32 -> {
                for (int c = 0; c < channels; c++) {
                    float[] out = planar[c];
                    for (int i = 0, p = 4 * c; i < count; i++, p += stride) {
                        float v = int32(b, p) * (1f / 2147483648f);
                        out[offset + i] = v >= 1f ? BELOW_ONE : v;
                    }
                }
            }
            case FLOAT_32 -> {
                for (int c = 0; c < channels; c++) {
                    float[] out = planar[c];
                    for (int i = 0, p = 4 * c; i < count; i++, p += stride) {
                        out[offset + i] = Float.intBitsToFloat(int32(b, p));
                    }
                }
            }
        }
    }

    private static int int32(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | ((b[p + 2] & 0xFF) << 16) | (b[p + 3] << 24);
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    static void checkBuffers(float[][] planar, int frames, int channels) {
        if (frames < 0) {
            throw new IllegalArgumentException("frames " + frames + " is negative");
        }
        if (planar.length < channels) {
            throw new IllegalArgumentException(planar.length + " buffers for " + channels + " channels");
        }
        for (int c = 0; c < channels; c++) {
            if (planar[c].length < frames) {
                throw new IllegalArgumentException("buffer " + c + " holds " + planar[c].length + " frames, not "
                        + frames);
            }
        }
    }

    static String reason(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip();
    }

    private static void closeQuietly(FileChannel channel, Throwable pending) {
        try {
            channel.close();
        } catch (IOException suppressed) {
            pending.addSuppressed(suppressed);
        }
    }

    /** Walks the chunks up to 'data'; never allocates from a size read from the file. */
    private static final class HeaderParser {
        private final String name;
        private final FileChannel channel;
        private final long size;
        private final byte[] head = new byte[FMT_BYTES];
        private final ByteBuffer headBuffer = ByteBuffer.wrap(head);

        HeaderParser(String name, FileChannel channel) throws IOException {
            this.name = name;
            this.channel = channel;
            this.size = channel.size();
        }

        WavReader parse() throws IOException {
            checkRiffHeader();
            WavFormat format = null;
            long pos = 12;
            while (true) {
                long left = size - pos;
                if (left < 8) {
                    if (left > 0) {
                        throw fail("truncated header (file ends inside a chunk header)");
                    }
                    throw fail(format == null ? "no 'fmt ' chunk" : "no 'data' chunk");
                }
                read(pos, 8, "a chunk header");
                int id = u32(0);
                long chunkSize = u32(4) & 0xFFFFFFFFL;
                long body = pos + 8;
                if (id == fourCc("data")) {
                    if (format == null) {
                        throw fail("corrupt header ('data' chunk before 'fmt ' chunk)");
                    }
                    return dataChunk(format, body, chunkSize);
                }
                if (body + chunkSize > size) {
                    throw fail("truncated header (file ends inside " + describeChunk(id) + ")");
                }
                if (id == fourCc("fmt ")) {
                    if (format != null) {
                        throw fail("corrupt header (two 'fmt ' chunks)");
                    }
                    format = fmtChunk(body, chunkSize);
                }
                pos = body + chunkSize + (chunkSize & 1);
            }
        }

        private void checkRiffHeader() throws IOException {
            if (size == 0) {
                throw fail("empty file, not a WAV file");
            }
            int n = (int) Math.min(size, 12);
            read(0, n, "the RIFF header");
            String magic = ascii(0, Math.min(n, 4));
            if (n >= 4 && magic.equals("RIFX")) {
                throw fail("big-endian RIFX files are not supported; accepted: little-endian RIFF WAVE");
            }
            if (n >= 4 && (magic.equals("RF64") || magic.equals("BW64"))) {
                throw fail(magic + " files are not supported; accepted: RIFF WAVE (up to 4 GiB)");
            }
            if (n < 12 && n >= 4 && magic.equals("RIFF")) {
                throw fail("truncated header (file ends inside the RIFF header)");
            }
            if (n < 12 || !magic.equals("RIFF") || !ascii(8, 4).equals("WAVE")) {
                throw fail("not a WAV file (no RIFF/WAVE header)");
            }
        }

        private WavFormat fmtChunk(long body, long chunkSize) throws IOException {
            if (chunkSize < 16) {
                throw fail("corrupt header ('fmt ' chunk is " + chunkSize + " bytes; expected at least 16)");
            }
            int n = (int) Math.min(chunkSize, FMT_BYTES);
            read(body, n, "the 'fmt ' chunk");
            int tag = u16(0);
            int channels = u16(2);
            long rate = u32(4) & 0xFFFFFFFFL;
            long byteRate = u32(8) & 0xFFFFFFFFL;
            int blockAlign = u16(12);
            int bits = u16(14);
            int validBits = 0;
            int code = tag;
            if (tag == TAG_EXTENSIBLE) {
                if (chunkSize < FMT_BYTES) {
                    throw fail("corrupt header (WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is " + chunkSize
                            + " bytes; expected at least 40)");
                }
                int extension = u16(16);
                if (extension < 22) {
                    throw fail("corrupt header (WAVE_FORMAT_EXTENSIBLE extension is " + extension
                            + " bytes; expected at least 22)");
                }
                validBits = u16(18);
                if (!tailMatches(28)) {
                    throw fail("unsupported encoding with subformat " + guid(24) + "; accepted: "
                            + ACCEPTED_ENCODINGS);
                }
                code = u32(24);
            }
            int container = (bits + 7) / 8;
            WavEncoding encoding = encoding(code, bits, container);
            if (validBits > 8 * container) {
                throw fail("corrupt header (" + validBits + " valid bits in a " + (8 * container)
                        + "-bit container)");
            }
            String problem = WavFormat.channelsProblem(channels);
            if (problem == null) {
                problem = WavFormat.rateProblem(rate);
            }
            if (problem != null) {
                throw fail(problem);
            }
            int expectedAlign = channels * container;
            if (blockAlign != expectedAlign) {
                throw fail("corrupt header (block align " + blockAlign + "; expected " + expectedAlign + " for "
                        + channels + (channels == 1 ? " channel" : " channels") + " of " + encoding.displayName()
                        + ")");
            }
            long expectedRate = rate * blockAlign;
            if (byteRate != expectedRate) {
                throw fail("corrupt header (byte rate " + byteRate + "; expected " + expectedRate + " = " + rate
                        + " Hz x " + blockAlign + " bytes per frame)");
            }
            return new WavFormat((int) rate, channels, encoding);
        }

        private WavEncoding encoding(int code, int bits, int container) throws WavException {
            if ((code == TAG_PCM || code == TAG_IEEE_FLOAT) && bits == 0) {
                throw fail("corrupt header (0 bits per sample)");
            }
            if (code == TAG_PCM) {
                return switch (container) {
                    case 2 -> WavEncoding.PCM_16;
                    case 3 -> WavEncoding.PCM_24;
                    case 4 -> WavEncoding.PCM_32;
                    default -> throw unsupported(bits + "-bit PCM");
                };
            }
            if (code == TAG_IEEE_FLOAT) {
                if (bits == 32) {
                    return WavEncoding.FLOAT_32;
                }
                throw unsupported(bits + "-bit float");
            }
            String what = switch (code) {
                case 0x0002 -> "Microsoft ADPCM";
                case 0x0006 -> "A-law";
                case 0x0007 -> "mu-law";
                case 0x0011 -> "IMA ADPCM";
                case 0x0031 -> "GSM 6.10";
                case 0x0050 -> "MPEG audio";
                case 0x0055 -> "MP3";
                case 0x00FF, 0x1610 -> "AAC";
                case TAG_EXTENSIBLE -> "WAVE_FORMAT_EXTENSIBLE inside WAVE_FORMAT_EXTENSIBLE";
                default -> "with format tag " + String.format(Locale.ROOT, "0x%04X", code);
            };
            throw unsupported(what);
        }

        private WavException unsupported(String what) {
            return fail("unsupported encoding " + what + "; accepted: " + ACCEPTED_ENCODINGS);
        }

        private WavReader dataChunk(WavFormat format, long body, long declared) {
            long available = Math.max(0, size - body);
            long bytes;
            boolean cut = false;
            if (declared == 0 || declared == UNKNOWN_SIZE) {
                bytes = available;
            } else if (declared > available) {
                bytes = available;
                cut = true;
            } else {
                bytes = declared;
            }
            return new WavReader(name, channel, format, body, bytes / format.bytesPerFrame(), cut);
        }

        /** Reads {@code n <= 40} bytes at {@code pos} into {@link #head}. */
        private void read(long pos, int n, String where) throws IOException {
            headBuffer.clear().limit(n);
            while (headBuffer.hasRemaining()) {
                if (channel.read(headBuffer, pos + headBuffer.position()) < 0) {
                    throw fail("truncated header (file ends inside " + where + ")");
                }
            }
        }

        private int u16(int at) {
            return (head[at] & 0xFF) | ((head[at + 1] & 0xFF) << 8);
        }

        private int u32(int at) {
            return int32(head, at);
        }

        private boolean tailMatches(int at) {
            for (int i = 0; i < GUID_TAIL.length; i++) {
                if (head[at + i] != GUID_TAIL[i]) {
                    return false;
                }
            }
            return true;
        }

        private String guid(int at) {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%08x-%04x-%04x-", u32(at), u16(at + 4),
                    u16(at + 6)));
            for (int i = 8; i < 16; i++) {
                if (i == 10) {
                    s.append('-');
                }
                s.append(String.format(Locale.ROOT, "%02x", head[at + i] & 0xFF));
            }
            return s.toString();
        }

        private String ascii(int at, int n) {
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                s.append((char) (head[at + i] & 0xFF));
            }
            return s.toString();
        }

        /** "the 'LIST' chunk", or with the id's bytes in hex if they are not printable ASCII. */
        private static String describeChunk(int id) {
            StringBuilder s = new StringBuilder("the '");
            for (int i = 0; i < 4; i++) {
                int c = (id >>> (8 * i)) & 0xFF;
                if (c < 0x20 || c > 0x7E) {
                    return String.format(Locale.ROOT, "a chunk with id 0x%08X", Integer.reverseBytes(id));
                }
                s.append((char) c);
            }
            return s.append("' chunk").toString();
        }

        private static int fourCc(String s) {
            return s.charAt(0) | (s.charAt(1) << 8) | (s.charAt(2) << 16) | (s.charAt(3) << 24);
        }

        private WavException fail(String what) {
            return new WavException(name + ": " + what);
        }
    }
}
