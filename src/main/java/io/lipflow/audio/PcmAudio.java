package io.lipflow.audio;

/**
 * Decoded audio, already mixed to mono.
 *
 * @param samples mono samples in [-1, 1]
 * @param sampleRate samples per second
 * @param channels channel count of the source (before averaging)
 * @param encoding the source encoding, e.g. "PCM 16-bit"
 */
public record PcmAudio(float[] samples, int sampleRate, int channels, String encoding) {
    public double seconds() {
        return samples.length / (double) sampleRate;
    }
}
