package io.lipflow.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavDecoderTest {
    private static final double[][] STEREO = {{0.5, -0.25}, {-1.0, 1.0}, {0.125, 0.375}, {0.0, -0.5}};

    @ParameterizedTest
    @CsvSource({"16,false", "24,false", "32,false", "32,true"})
    void decodesEachSupportedEncodingAndAveragesChannels(int bits, boolean isFloat) throws Exception {
        PcmAudio audio = WavDecoder.decode(WavBuilder.wav(STEREO, 22050, bits, isFloat), "t.wav");
        assertEquals(22050, audio.sampleRate());
        assertEquals(2, audio.channels());
        // the mean of the two channels, not channel 0
        float[] expected = {0.125f, 0f, 0.25f, -0.25f};
        double tolerance = bits == 16 ? 1 / 32768.0 : 1e-6;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], audio.samples()[i], tolerance, "sample " + i);
        }
    }

    @Test
    void scalesInt16AsTheOriginal() throws Exception {
        byte[] wav = new WavBuilder().fmt(1, 1, 16000, 16)
                .data(new byte[] {0x00, (byte) 0x80, (byte) 0xFF, 0x7F, 0x01, 0x00}).build();
        assertArrayEquals(new float[] {-1f, 32767 / 32768f, 1 / 32768f}, WavDecoder.decode(wav, "x").samples());
    }

    @Test
    void readsWaveFormatExtensible() throws Exception {
        byte[] pcm = new WavBuilder().fmtExtensible(1, 2, 48000, 24).data(WavBuilder.encode(STEREO, 24, false)).build();
        byte[] flt = new WavBuilder().fmtExtensible(3, 2, 48000, 32).data(WavBuilder.encode(STEREO, 32, true)).build();
        PcmAudio a = WavDecoder.decode(pcm, "pcm");
        PcmAudio b = WavDecoder.decode(flt, "float");
        assertEquals("PCM 24-bit", a.encoding());
        assertEquals("float 32-bit", b.encoding());
        for (int i = 0; i < STEREO.length; i++) {
            assertEquals(b.samples()[i], a.samples()[i], 1e-6);
        }
    }

    @Test
    void walksChunksSkippingListAndOddPaddedChunks() throws Exception {
        byte[] data = WavBuilder.encode(STEREO, 16, false);
        byte[] wav = new WavBuilder()
                .chunk("JUNK", new byte[] {1, 2, 3}) // odd size: padded to 4
                .fmt(1, 2, 16000, 16)
                .chunk("LIST", "INFOISFT\u0005\u0000\u0000\u0000Lavf\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))
                .data(data)
                .chunk("id3 ", new byte[7])
                .build();
        assertArrayEquals(WavDecoder.decode(WavBuilder.wav(STEREO, 16000, 16, false), "plain").samples(),
                WavDecoder.decode(wav, "chunky").samples());
    }

    @Test
    void rejectsBadInputWithOneLineNamingTheFileAndTheProblem() {
        byte[] good = WavBuilder.wav(STEREO, 16000, 16, false);
        byte[] samples = WavBuilder.encode(STEREO, 16, false);
        assertError("not a RIFF/WAVE file", "ID3\u0004 this is an mp3".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertError("not a RIFF/WAVE file", new byte[0]);
        assertError("truncated", Arrays.copyOf(good, good.length - 5));
        assertError("data chunk declares 2147483647 bytes but only 16 remain",
                new WavBuilder().fmt(1, 2, 16000, 16).rawChunk("data", Integer.MAX_VALUE, samples).build());
        assertError("chunk 'LIST' declares 4294967295 bytes",
                new WavBuilder().fmt(1, 2, 16000, 16).rawChunk("LIST", 0xFFFFFFFFL, new byte[4]).build());
        assertError("unsupported encoding PCM 8-bit", new WavBuilder().fmt(1, 1, 8000, 8).data(new byte[8]).build());
        assertError("unsupported encoding mu-law", new WavBuilder().fmt(7, 1, 8000, 8).data(new byte[8]).build());
        assertError("unsupported encoding A-law", new WavBuilder().fmt(6, 1, 8000, 8).data(new byte[8]).build());
        assertError("unsupported encoding IMA ADPCM", new WavBuilder().fmt(0x11, 1, 8000, 4).data(new byte[8]).build());
        assertError("unsupported encoding MS ADPCM", new WavBuilder().fmt(2, 1, 8000, 4).data(new byte[8]).build());
        assertError("unsupported encoding float 64-bit", new WavBuilder().fmt(3, 1, 8000, 64).data(new byte[16]).build());
        assertError("zero channels", new WavBuilder().fmt(1, 0, 16000, 16).data(new byte[8]).build());
        assertError("invalid sample rate 0", new WavBuilder().fmt(1, 1, 0, 16).data(new byte[8]).build());
        assertError("no audio samples", new WavBuilder().fmt(1, 1, 16000, 16).data(new byte[0]).build());
        assertError("no data chunk", new WavBuilder().fmt(1, 1, 16000, 16).build());
        assertError("no fmt chunk", new WavBuilder().chunk("LIST", new byte[4]).build());
        assertError("data chunk before fmt chunk", new WavBuilder().data(samples).fmt(1, 1, 16000, 16).build());
        assertError("fmt chunk too short", new WavBuilder().chunk("fmt ", new byte[10]).data(samples).build());
        assertError("non-finite float sample at frame 1", new WavBuilder().fmt(3, 1, 16000, 32)
                .data(WavBuilder.encode(new double[][] {{0}, {Double.NaN}}, 32, true)).build());
    }

    private static void assertError(String expected, byte[] wav) {
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> WavDecoder.decode(wav, "speaker7.wav"));
        assertTrue(e.getMessage().startsWith("speaker7.wav: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
