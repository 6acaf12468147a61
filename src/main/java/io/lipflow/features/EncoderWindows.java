package io.lipflow.features;

/**
 * Which 16-frame mel windows feed the audio encoder (PIPELINE.md §2 steps 1-2). A mel spectrogram
 * shorter than one window is padded with silence frames up to {@link #LENGTH}: the original code has
 * no defined behaviour there, and a short utterance should still give a short video.
 */
public final class EncoderWindows {
    /** Mel frames per window. */
    public static final int LENGTH = 16;
    /** Mel frames per second. */
    public static final double MEL_FPS = 80.0;
    /** Video frames per second. */
    public static final double VIDEO_FPS = 25.0;

    private EncoderWindows() {}

    /** Mel frames the windows are taken from: the real ones, padded to at least one window. */
    public static int paddedFrames(int melFrames) {
        return Math.max(melFrames, LENGTH);
    }

    /** N = (int)((M - 16) / 80.0 * 25.0) + 2, in double precision as the original. */
    public static int count(int melFrames) {
        int m = paddedFrames(melFrames);
        return (int) ((m - LENGTH) / MEL_FPS * VIDEO_FPS) + 2;
    }

    /**
     * Video frames made of {@code samples} samples at 16 kHz: N encoder windows give N + 2 frames
     * (§2 step 5), none for no audio.
     */
    public static int videoFrames(long samples) {
        return samples == 0 ? 0 : count(MelSpectrogram.frameCount(samples)) + 2;
    }

    /** Unclamped start s = (int)(80.0 * (k / 25.0)) of window k. */
    public static int nominalStart(int k) {
        return (int) (MEL_FPS * (k / VIDEO_FPS));
    }

    /** Start of window k once the whole spectrogram is known: moved back to end at M if it overruns. */
    public static int start(int k, int melFrames) {
        int m = paddedFrames(melFrames);
        return Math.min(nominalStart(k), m - LENGTH);
    }
}
