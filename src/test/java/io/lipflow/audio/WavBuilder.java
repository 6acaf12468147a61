package io.lipflow.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds WAV files byte by byte for tests, including malformed ones. */
public final class WavBuilder {
    private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

    /** A plain PCM/float file of interleaved frames {@code samples[frame][channel]} in [-1, 1]. */
    public static byte[] wav(double[][] samples, int rate, int bits, boolean isFloat) {
        int channels = samples[0].length;
        return new WavBuilder()
                .fmt(isFloat ? 3 : 1, channels, rate, bits)
                .data(encode(samples, bits, isFloat))
                .build();
    }

    /** Mono 16-bit PCM. */
    public static byte[] pcm16(float[] mono, int rate) {
        double[][] s = new double[mono.length][1];
        for (int i = 0; i < mono.length; i++) {
            s[i][0] = mono[i];
        }
        return wav(s, rate, 16, false);
    }

    public static byte[] encode(double[][] samples, int bits, boolean isFloat) {
        int channels = samples[0].length;
        ByteBuffer b = ByteBuffer.allocate(samples.length * channels * bits / 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] frame : samples) {
            for (double v : frame) {
                if (isFloat) {
                    b.putFloat((float) v);
                } else if (bits == 16) {
                    b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
                } else if (bits == 24) {
                    int x = (int) Math.max(-8388608, Math.min(8388607, Math.round(v * 8388608)));
                    b.put((byte) x).put((byte) (x >> 8)).put((byte) (x >> 16));
                } else {
                    b.putInt((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.round(v * 2147483648.0))));
                }
            }
        }
        return b.array();
    }

    public WavBuilder fmt(int tag, int channels, int rate, int bits) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) tag).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        return chunk("fmt ", b.array());
    }

    /** WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID starts with {@code subTag}. */
    public WavBuilder fmtExtensible(int subTag, int channels, int rate, int bits) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xFFFE).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits)
                .putShort((short) 22).putShort((short) bits).putInt(3)
                .putShort((short) subTag).put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        return chunk("fmt ", b.array());
    }

    public WavBuilder data(byte[] body) {
        return chunk("data", body);
    }

    /** A chunk with a correct size, padded to even length. */
    public WavBuilder chunk(String id, byte[] body) {
        return rawChunk(id, body.length, body);
    }

    /** A chunk whose declared size may lie about the body that follows. */
    public WavBuilder rawChunk(String id, long declaredSize, byte[] body) {
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        h.put(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt((int) declaredSize);
        chunks.writeBytes(h.array());
        chunks.writeBytes(body);
        if (body.length % 2 == 1) {
            chunks.write(0);
        }
        return this;
    }

    public byte[] build() {
        byte[] body = chunks.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(4 + body.length)
                .put("WAVE".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(body);
        return b.array();
    }
}
