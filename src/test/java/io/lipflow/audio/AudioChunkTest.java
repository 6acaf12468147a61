package io.lipflow.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AudioChunkTest {
    /** A record as a producer other than {@link AudioChunk#toKafkaValue} would write it. */
    private static ByteBuffer header(int format, int channels, int pcmBytes) {
        ByteBuffer b = ByteBuffer.allocate(24 + 1 + 1 + pcmBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AudioChunk.MAGIC).put((byte) 0).put((byte) format).putShort((short) channels).putInt(16000).putLong(0);
        b.putShort((short) 1).put((byte) 'a').putShort((short) 1).put((byte) 'u');
        return b;
    }

    @Test
    void idsUpTo256BytesRoundTrip() throws AudioFormatException {
        String avatar = "a".repeat(256);
        String utterance = "é".repeat(128); // 256 bytes of UTF-8
        AudioChunk chunk = new AudioChunk("s", avatar, utterance, 3, 44100, new float[] {0.25f, -0.5f}, true);
        assertEquals(chunk, AudioChunk.fromKafkaValue("s", chunk.toKafkaValue(), "test"));
        AudioChunk noAvatar = new AudioChunk("s", "", "u", 0, 16000, new float[1], false);
        assertEquals(noAvatar, AudioChunk.fromKafkaValue("s", noAvatar.toKafkaValue(), "test"));
    }

    @Test
    void idsTheParserWouldRefuseAreNotWritten() {
        // 257 bytes made a record the parser rejects; over 65535 the u16 length wrapped and corrupted it
        for (String utterance : new String[] {"u".repeat(257), "é".repeat(129), "u".repeat(65536 + 5), ""}) {
            AudioChunk chunk = new AudioChunk("s", "a", utterance, 0, 16000, new float[1], false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, chunk::toKafkaValue);
            assertEquals("utterance id of " + utterance.getBytes(StandardCharsets.UTF_8).length
                    + " bytes of UTF-8: a record takes 1-256", e.getMessage());
        }
        AudioChunk chunk = new AudioChunk("s", "a".repeat(300), "u", 0, 16000, new float[1], false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, chunk::toKafkaValue);
        assertEquals("avatar id of 300 bytes of UTF-8: a record takes 0-256", e.getMessage());
    }

    @Test
    void s16ChannelsAreAveragedToMono() throws AudioFormatException {
        ByteBuffer b = header(AudioChunk.FORMAT_S16, 2, 8);
        b.putShort((short) 16384).putShort((short) -16384).putShort((short) 32767).putShort((short) 32767);
        AudioChunk chunk = AudioChunk.fromKafkaValue("s", b.array(), "test");
        assertArrayEquals(new float[] {0f, 32767 / 32768f}, chunk.samples);
    }

    @Test
    void nonFiniteFloatSampleIsReported() {
        ByteBuffer b = header(AudioChunk.FORMAT_F32, 1, 8);
        b.putFloat(0.5f).putFloat(Float.NaN);
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> AudioChunk.fromKafkaValue("s", b.array(), "audio/0@7"));
        assertEquals("audio/0@7: non-finite float sample at frame 1", e.getMessage());
    }
}
