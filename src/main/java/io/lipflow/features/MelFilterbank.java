package io.lipflow.features;

/**
 * The 80 x 401 Slaney mel filterbank of the original front end (librosa's {@code filters.mel} with
 * sr 16000, n_fft 800, fmin 55, fmax 7600, Slaney scale and area normalisation), weights rounded to
 * float32 as librosa stores them. Each filter keeps only its non-zero bin range.
 */
public final class MelFilterbank {
    public static final int SAMPLE_RATE = 16_000;
    public static final int N_FFT = 800;
    public static final int BINS = N_FFT / 2 + 1;
    public static final int MELS = 80;
    public static final double FMIN = 55;
    public static final double FMAX = 7600;

    private static final double F_SP = 200.0 / 3;
    private static final double MIN_LOG_HZ = 1000;
    private static final double MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
    private static final double LOG_STEP = Math.log(6.4) / 27;

    private static final MelFilterbank INSTANCE = new MelFilterbank();

    private final float[][] weights = new float[MELS][BINS];
    private final int[] firstBin = new int[MELS];
    private final int[] lastBin = new int[MELS];

    private MelFilterbank() {
        double lo = hzToMel(FMIN);
        double hi = hzToMel(FMAX);
        double[] edges = new double[MELS + 2];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = melToHz(lo + (hi - lo) * i / (MELS + 1));
        }
        for (int m = 0; m < MELS; m++) {
            double enorm = 2.0 / (edges[m + 2] - edges[m]);
            firstBin[m] = BINS;
            lastBin[m] = -1;
            for (int k = 0; k < BINS; k++) {
                double f = k * (SAMPLE_RATE / 2.0) / (BINS - 1);
                double lower = (f - edges[m]) / (edges[m + 1] - edges[m]);
                double upper = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]);
                float w = (float) Math.max(0, Math.min(lower, upper));
                weights[m][k] = (float) (w * enorm);
                if (weights[m][k] != 0) {
                    firstBin[m] = Math.min(firstBin[m], k);
                    lastBin[m] = k;
                }
            }
        }
    }

    public static MelFilterbank get() {
        return INSTANCE;
    }

    /** Weight of FFT bin {@code bin} in mel band {@code mel}. */
    public float weight(int mel, int bin) {
        return weights[mel][bin];
    }

    /** mel[m] = sum over bins of weight[m][k] * magnitude[k]. */
    void apply(double[] magnitude, double[] mel) {
        for (int m = 0; m < MELS; m++) {
            float[] w = weights[m];
            double acc = 0;
            for (int k = firstBin[m]; k <= lastBin[m]; k++) {
                acc += w[k] * magnitude[k];
            }
            mel[m] = acc;
        }
    }

    static double hzToMel(double hz) {
        return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
    }

    static double melToHz(double mel) {
        return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
    }
}
