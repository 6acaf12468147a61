package io.lipflow.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes audio as a canonical 44-byte-header WAV, PCM 16-bit. */
public final class WavEncoder {
    private WavEncoder() {}

    /** Mono. */
    public static byte[] pcm16(float[] mono, int sampleRate) {
        return pcm16(mono, sampleRate, 1);
    }

    /** The same signal on both channels of a stereo file. */
    public static byte[] pcm16Stereo(float[] mono, int sampleRate) {
        return pcm16(mono, sampleRate, 2);
    }

    private static byte[] pcm16(float[] mono, int sampleRate, int channels) {
        int dataBytes = mono.length * 2 * channels;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) channels).putInt(sampleRate).putInt(sampleRate * 2 * channels)
                .putShort((short) (2 * channels)).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
        for (float v : mono) {
            short s = (short) Math.max(-32768, Math.min(32767, Math.round(v * 32768.0)));
            for (int c = 0; c < channels; c++) {
                b.putShort(s);
            }
        }
        return b.array();
    }
}
