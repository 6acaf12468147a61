package io.lipflow.audio;

import java.util.SplittableRandom;

/** Deterministic speech-like test audio at 16 kHz, for the benchmarks and tests (no recording needed). */
public final class SyntheticSpeech {
    public static final int SAMPLE_RATE = 16_000;

    private SyntheticSpeech() {}

    /**
     * {@code n} samples of speech-like audio: syllables of a few hundred milliseconds (a voiced harmonic source with a
     * gliding pitch, shaped by two formant-like resonances, under a smooth envelope) separated by short
     * pauses, with a little noise throughout; the same for the same {@code seed}.
     */
    public static float[] generate(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        int pos = 0;
        while (pos < n) {
            int length = Math.min(n - pos, (int) (SAMPLE_RATE * (0.12 + 0.25 * random.nextDouble())));
            double f0 = 90 + 140 * random.nextDouble();
            double glide = (random.nextDouble() - 0.5) * 0.6;
            double formant1 = 300 + 600 * random.nextDouble();
            double formant2 = 900 + 1600 * random.nextDouble();
            int harmonics = (int) Math.min(16, 3500 / (f0 * (1 + Math.abs(glide))));
            double[] gain = new double[harmonics + 1];
            for (int h = 1; h <= harmonics; h++) {
                double f = h * f0;
                gain[h] = (1 / (1 + Math.pow((f - formant1) / 150, 2)) + 0.5 / (1 + Math.pow((f - formant2) / 250, 2))) / h;
            }
            double phase = 0;
            for (int i = 0; i < length; i++) {
                double t = (double) i / length;
                phase += 2 * Math.PI * f0 * (1 + glide * t) / SAMPLE_RATE;
                // sin(h * phase) for every h by the Chebyshev recurrence: one sin and one cos per sample
                double s1 = Math.sin(phase);
                double twoCos = 2 * Math.cos(phase);
                double s0 = 0;
                double v = 0;
                for (int h = 1; h <= harmonics; h++) {
                    v += gain[h] * s1;
                    double next = twoCos * s1 - s0;
                    s0 = s1;
                    s1 = next;
                }
                x[pos + i] = (float) (0.3 * Math.sin(Math.PI * t) * v);
            }
            pos += length;
            pos += Math.min(n - pos, (int) (SAMPLE_RATE * 0.15 * random.nextDouble())); // a pause
        }
        for (int i = 0; i < n; i++) {
            x[i] += (float) (0.005 * (random.nextDouble() - 0.5));
        }
        return x;
    }
}
