/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vocana.host.wav.WavBytes.fmt;
import static org.vocana.host.wav.WavBytes.fmtExtensible;
import static org.vocana.host.wav.WavBytes.fmtFloat;
import static org.vocana.host.wav.WavBytes.fmtPcm;
import static org.vocana.host.wav.WavBytes.pcm16;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file the reader refuses, with its exact one-line message. */
class WavReaderErrorsTest {

    private static final String ACCEPTED = "; accepted: 16/24/32-bit PCM, 32-bit float";

    @TempDir
    Path dir;

    @Test
    void missingFileAndDirectory() throws IOException {
        Path missing = dir.resolve("nope.wav");
        assertEquals(missing + ": no such file",
                assertThrows(WavException.class, () -> WavReader.open(missing)).getMessage());
        Path sub = Files.createDirectory(dir.resolve("sub.wav"));
        assertEquals(sub + ": is a directory, not a WAV file",
                assertThrows(WavException.class, () -> WavReader.open(sub)).getMessage());
    }

    @Test
    void notRiffWave() throws IOException {
        rejected(new byte[0], "empty file, not a WAV file");
        rejected(WavBytes.empty().ascii("ID3").bytes(new byte[13]).raw(), "not a WAV file (no RIFF/WAVE header)");
        rejected(WavBytes.empty().ascii("RIF").raw(), "not a WAV file (no RIFF/WAVE header)");
        rejected(WavBytes.empty().ascii("RIFF").u32(4).ascii("AVI ").raw(), "not a WAV file (no RIFF/WAVE header)");
        rejected(WavBytes.empty().ascii("RIFF").u32(4).raw(), "truncated header (file ends inside the RIFF header)");
        rejected(WavBytes.empty().ascii("RIFX").u32(4).ascii("WAVE").raw(),
                "big-endian RIFX files are not supported; accepted: little-endian RIFF WAVE");
        rejected(WavBytes.empty().ascii("RF64").u32(0xFFFFFFFFL).ascii("WAVE").raw(),
                "RF64 files are not supported; accepted: RIFF WAVE (up to 4 GiB)");
    }

    @Test
    void truncatedHeaders() throws IOException {
        byte[] fmtCut = WavBytes.wave().chunkHeader("fmt ", 16).bytes(new byte[10]).build();
        rejected(fmtCut, "truncated header (file ends inside the 'fmt ' chunk)");
        byte[] listCut = WavBytes.wave().chunkHeader("LIST", 1000).bytes(new byte[20]).build();
        rejected(listCut, "truncated header (file ends inside the 'LIST' chunk)");
        byte[] listHuge = WavBytes.wave().chunk("fmt ", fmtPcm(1, 8000, 16)).chunkHeader("LIST", 0xFFFFFFF0L)
                .bytes(new byte[20]).build();
        rejected(listHuge, "truncated header (file ends inside the 'LIST' chunk)");
        byte[] binaryId = WavBytes.wave().bytes(new byte[] {1, 'a', (byte) 0xFF, 0}).u32(50).build();
        rejected(binaryId, "truncated header (file ends inside a chunk with id 0x0161FF00)");
        byte[] halfHeader = WavBytes.wave().chunk("fmt ", fmtPcm(1, 8000, 16)).ascii("dat").build();
        rejected(halfHeader, "truncated header (file ends inside a chunk header)");
    }

    @Test
    void missingOrMisplacedChunks() throws IOException {
        rejected(WavBytes.wave().build(), "no 'fmt ' chunk");
        rejected(WavBytes.wave().chunk("LIST", new byte[4]).build(), "no 'fmt ' chunk");
        rejected(WavBytes.wave().chunk("fmt ", fmtPcm(1, 8000, 16)).chunk("LIST", new byte[4]).build(),
                "no 'data' chunk");
        rejected(WavBytes.wave().chunk("data", pcm16(1, 2)).chunk("fmt ", fmtPcm(1, 8000, 16)).build(),
                "corrupt header ('data' chunk before 'fmt ' chunk)");
        rejected(WavBytes.wave().chunk("fmt ", fmtPcm(1, 8000, 16)).chunk("fmt ", fmtPcm(1, 8000, 16))
                .chunk("data", pcm16(1)).build(), "corrupt header (two 'fmt ' chunks)");
    }

    @Test
    void corruptFmtChunks() throws IOException {
        rejected(withFmt(Arrays.copyOf(fmtPcm(1, 8000, 16), 14)),
                "corrupt header ('fmt ' chunk is 14 bytes; expected at least 16)");
        rejected(withFmt(fmt(WavBytes.EXTENSIBLE, 1, 8000, 16000, 2, 16)),
                "corrupt header (WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is 16 bytes; expected at least 40)");
        byte[] shortExtension = fmtExtensible(1, 8000, 16, 16, 4, WavBytes.PCM);
        shortExtension[16] = 10;
        rejected(withFmt(shortExtension),
                "corrupt header (WAVE_FORMAT_EXTENSIBLE extension is 10 bytes; expected at least 22)");
        rejected(withFmt(fmt(WavBytes.PCM, 1, 8000, 16000, 2, 0)), "corrupt header (0 bits per sample)");
        rejected(withFmt(fmtExtensible(2, 44100, 24, 32, 3, WavBytes.PCM)),
                "corrupt header (32 valid bits in a 24-bit container)");
        rejected(withFmt(fmt(WavBytes.PCM, 2, 44100, 44100 * 6, 4, 24)),
                "corrupt header (block align 4; expected 6 for 2 channels of 24-bit PCM)");
        rejected(withFmt(fmt(WavBytes.PCM, 1, 44100, 44100 * 2, 4, 16)),
                "corrupt header (block align 4; expected 2 for 1 channel of 16-bit PCM)");
        rejected(withFmt(fmt(WavBytes.PCM, 2, 44100, 176000, 4, 16)),
                "corrupt header (byte rate 176000; expected 176400 = 44100 Hz x 4 bytes per frame)");
    }

    @Test
    void unsupportedEncodings() throws IOException {
        rejected(withFmt(fmtPcm(1, 8000, 8)), "unsupported encoding 8-bit PCM" + ACCEPTED);
        rejected(withFmt(fmtPcm(1, 8000, 40)), "unsupported encoding 40-bit PCM" + ACCEPTED);
        rejected(withFmt(fmt(6, 1, 8000, 8000, 1, 8)), "unsupported encoding A-law" + ACCEPTED);
        rejected(withFmt(fmt(7, 1, 8000, 8000, 1, 8)), "unsupported encoding mu-law" + ACCEPTED);
        rejected(withFmt(fmt(2, 1, 8000, 4096, 256, 4)), "unsupported encoding Microsoft ADPCM" + ACCEPTED);
        rejected(withFmt(fmt(0x11, 1, 8000, 4055, 256, 4)), "unsupported encoding IMA ADPCM" + ACCEPTED);
        rejected(withFmt(fmt(0x55, 2, 44100, 16000, 1, 0)), "unsupported encoding MP3" + ACCEPTED);
        rejected(withFmt(fmt(0x1234, 1, 8000, 16000, 2, 16)), "unsupported encoding with format tag 0x1234" + ACCEPTED);
        rejected(withFmt(fmtFloat(1, 8000, 64)), "unsupported encoding 64-bit float" + ACCEPTED);
        rejected(withFmt(fmtFloat(1, 8000, 16)), "unsupported encoding 16-bit float" + ACCEPTED);
        rejected(withFmt(fmtExtensible(1, 8000, 8, 8, 4, WavBytes.PCM)), "unsupported encoding 8-bit PCM" + ACCEPTED);
        rejected(withFmt(fmtExtensible(1, 8000, 64, 64, 4, WavBytes.FLOAT)),
                "unsupported encoding 64-bit float" + ACCEPTED);
        rejected(withFmt(fmtExtensible(1, 8000, 8, 8, 4, 7)), "unsupported encoding mu-law" + ACCEPTED);
        byte[] foreign = fmtExtensible(4, 48000, 16, 16, 0, WavBytes.PCM);
        foreign[34] = 0x21; // no longer the GUID family derived from format tags
        rejected(withFmt(foreign),
                "unsupported encoding with subformat 00000001-0000-0010-8000-21aa00389b71" + ACCEPTED);
    }

    @Test
    void channelsAndRatesOutOfRange() throws IOException {
        rejected(withFmt(fmtPcm(12, 44100, 16)), "12 channels; accepted 1..8");
        rejected(withFmt(fmtPcm(0, 44100, 16)), "0 channels; accepted 1..8");
        rejected(withFmt(fmtExtensible(9, 44100, 24, 24, 0, WavBytes.PCM)), "9 channels; accepted 1..8");
        rejected(withFmt(fmtPcm(1, 4000, 16)), "sample rate 4000 Hz; accepted 8000..192000 Hz");
        rejected(withFmt(fmtPcm(1, 384000, 16)), "sample rate 384000 Hz; accepted 8000..192000 Hz");
        rejected(withFmt(fmt(WavBytes.PCM, 1, 0xFFFFFFFFL, 0xFFFFFFFEL, 2, 16)),
                "sample rate 4294967295 Hz; accepted 8000..192000 Hz");
    }

    private static byte[] withFmt(byte[] fmtBody) {
        return WavBytes.wave().chunk("fmt ", fmtBody).chunk("data", pcm16(0, 0, 0, 0)).build();
    }

    private void rejected(byte[] file, String expected) throws IOException {
        Path p = WavBytes.write(dir, "in.wav", file);
        WavException e = assertThrows(WavException.class, () -> WavReader.open(p).close());
        assertEquals(p + ": " + expected, e.getMessage());
    }
}
