package io.lipflow.audio;

import java.nio.ByteBuffer;

/** A little-endian sample encoding of interleaved audio, as WAV files and Kafka records carry it. */
enum SampleFormat {
    PCM_16("PCM 16-bit", 2),
    PCM_24("PCM 24-bit", 3),
    PCM_32("PCM 32-bit", 4),
    FLOAT_32("float 32-bit", 4);

    private final String description;
    /** Bytes per sample. */
    final int bytes;

    SampleFormat(String description, int bytes) {
        this.description = description;
        this.bytes = bytes;
    }

    /**
     * Decodes {@code frames} frames of {@code channels} samples from {@code at} (a little-endian buffer),
     * each averaged to one mono sample in [-1, 1] for integer PCM.
     *
     * @param source named in the error message
     * @throws AudioFormatException if a frame holds a non-finite float
     */
    float[] toMono(ByteBuffer buf, int at, int frames, int channels, String source) throws AudioFormatException {
        float[] mono = new float[frames];
        int p = at;
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            for (int c = 0; c < channels; c++, p += bytes) {
                sum += sample(buf, p);
            }
            if (!Double.isFinite(sum)) {
                throw new AudioFormatException(source + ": non-finite float sample at frame " + f);
            }
            mono[f] = (float) (sum / channels);
        }
        return mono;
    }

    private double sample(ByteBuffer buf, int p) {
        return switch (this) {
            case PCM_16 -> buf.getShort(p) / 32768.0;
            case PCM_24 -> ((buf.get(p) & 0xFF) | (buf.get(p + 1) & 0xFF) << 8 | buf.get(p + 2) << 16) / 8388608.0;
            case PCM_32 -> buf.getInt(p) / 2147483648.0;
            case FLOAT_32 -> buf.getFloat(p);
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
