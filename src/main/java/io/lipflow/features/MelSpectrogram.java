package io.lipflow.features;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * One frame of the normalised log-mel spectrogram of PIPELINE.md §1: periodic Hann window of 800,
 * |FFT| of the 401 non-negative bins, Slaney mel, {@code 20 log10(max(1e-5, mel)) - 20}, then
 * {@code clip(8 (S + 100) / 100 - 4, -4, 4)}. The input is the pre-emphasised signal. Holds FFT
 * scratch space: one instance per thread.
 */
public final class MelSpectrogram {
    public static final int HOP = 200;
    public static final int WIN = MelFilterbank.N_FFT;
    /** Normalised value of silence (and of every bin below the -100 dB floor). */
    public static final float SILENCE = -4f;

    private static final double[] HANN = new double[WIN];

    static {
        for (int n = 0; n < WIN; n++) {
            HANN[n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / WIN);
        }
    }

    private final DoubleFFT_1D fft = new DoubleFFT_1D(WIN);
    private final double[] frame = new double[WIN];
    private final double[] magnitude = new double[MelFilterbank.BINS];
    private final double[] mel = new double[MelFilterbank.MELS];
    private final MelFilterbank filterbank = MelFilterbank.get();

    /**
     * Computes the frame centred on sample {@code centre} of a pre-emphasised signal held in
     * {@code signal}, whose element 0 is sample {@code offset}. Samples before 0 or at/after
     * {@code length} are the centring zero padding.
     */
    public float[] frame(double[] signal, long offset, long centre, long length) {
        long start = centre - WIN / 2;
        for (int n = 0; n < WIN; n++) {
            long i = start + n;
            frame[n] = i >= 0 && i < length ? signal[(int) (i - offset)] * HANN[n] : 0;
        }
        fft.realForward(frame); // packs Re0, Re(n/2), then (Re k, Im k) pairs
        magnitude[0] = Math.abs(frame[0]);
        magnitude[WIN / 2] = Math.abs(frame[1]);
        for (int k = 1; k < WIN / 2; k++) {
            double re = frame[2 * k];
            double im = frame[2 * k + 1];
            magnitude[k] = Math.sqrt(re * re + im * im);
        }
        filterbank.apply(magnitude, mel);
        float[] out = new float[MelFilterbank.MELS];
        for (int m = 0; m < out.length; m++) {
            double db = 20 * Math.log10(Math.max(1e-5, mel[m])) - 20;
            out[m] = (float) Math.max(-4, Math.min(4, 8 * (db + 100) / 100 - 4));
        }
        return out;
    }

    /** Number of mel frames of a centred STFT over {@code samples} samples: 1 + floor(L / 200). */
    public static int frameCount(long samples) {
        return (int) (1 + samples / HOP);
    }
}
