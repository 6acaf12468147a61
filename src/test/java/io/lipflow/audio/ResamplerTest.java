package io.lipflow.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResamplerTest {

    static float[] tone(double hz, int rate, double seconds, double amplitude) {
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    /** RMS over the middle half, away from the edges' transients. */
    static double rms(float[] x) {
        double sum = 0;
        int from = x.length / 4;
        int to = 3 * x.length / 4;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    /** Frequency of the strongest component near {@code hz}, by a fine DFT scan of the middle half. */
    static double peakFrequency(float[] x, int rate, double hz) {
        double best = 0;
        double bestHz = 0;
        for (double f = hz - 20; f <= hz + 20; f += 0.05) {
            double re = 0;
            double im = 0;
            for (int i = x.length / 4; i < 3 * x.length / 4; i++) {
                re += x[i] * Math.cos(2 * Math.PI * f * i / rate);
                im += x[i] * Math.sin(2 * Math.PI * f * i / rate);
            }
            double p = re * re + im * im;
            if (p > best) {
                best = p;
                bestHz = f;
            }
        }
        return bestHz;
    }

    @ParameterizedTest
    @ValueSource(ints = {44100, 48000})
    void keepsA1kHzToneFrequencyAndLevel(int rate) {
        float[] in = tone(1000, rate, 1.0, 0.5);
        float[] out = Resampler.resample(in, rate, 16000);
        assertEquals(16000, out.length);
        double gainDb = 20 * Math.log10(rms(out) / rms(in));
        assertTrue(Math.abs(gainDb) <= 0.1, "level change " + gainDb + " dB");
        assertEquals(1000, peakFrequency(out, 16000, 1000), 0.1);
    }

    @ParameterizedTest
    @CsvSource({"44100,8050", "44100,9000", "44100,12000", "44100,20000", "48000,8050", "48000,10000", "48000,15999", "48000,23000"})
    void attenuatesContentAbove8kHzByAtLeast60dB(int rate, double hz) {
        float[] in = tone(hz, rate, 1.0, 0.9);
        float[] out = Resampler.resample(in, rate, 16000);
        double attenuationDb = 20 * Math.log10(rms(in) / rms(out));
        assertTrue(attenuationDb >= 60, hz + " Hz attenuated only " + attenuationDb + " dB");
    }

    @ParameterizedTest
    @CsvSource({"44100,16000", "48000,16000", "8000,16000", "22050,16000", "44099,16000"})
    void outputDoesNotDependOnChunking(int from, int to) {
        SplittableRandom r = new SplittableRandom(from);
        float[] in = new float[from / 2 + 17];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] whole = Resampler.resample(in, from, to);
        assertEquals((long) Math.ceil(in.length * (double) to / from), whole.length);
        Resampler s = new Resampler(from, to);
        float[] got = new float[0];
        int pos = 0;
        while (pos < in.length) {
            int n = Math.min(in.length - pos, 1 + r.nextInt(3000));
            got = concat(got, s.process(java.util.Arrays.copyOfRange(in, pos, pos + n)));
            pos += n;
        }
        got = concat(got, s.flush());
        assertArrayEquals(whole, got);
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025})
    void upsamplingKeepsTheTone(int rate) {
        float[] out = Resampler.resample(tone(440, rate, 1.0, 0.5), rate, 16000);
        assertEquals(16000, out.length);
        assertEquals(0.5 / Math.sqrt(2), rms(out), 0.5 / Math.sqrt(2) * 0.012);
    }

    @ParameterizedTest
    @CsvSource({"44056,1000", "44056,5000", "44099,5000"})
    void ratioOfMoreThan1024PhasesKeepsTheWaveform(int rate, double hz) {
        // 2000 and 16000 phases: the taps are interpolated between tabulated positions
        float[] out = Resampler.resample(tone(hz, rate, 1.0, 0.5), rate, 16000);
        assertEquals(16000, out.length);
        double worst = 0;
        for (int n = 1000; n < out.length - 1000; n++) {
            worst = Math.max(worst, Math.abs(out[n] - 0.5 * Math.sin(2 * Math.PI * hz * n / 16000)));
        }
        // the exact filter's passband ripple gives up to 7e-6 here; the tabulated position below
        // without interpolation would be off by 3.5e-4 at 5 kHz
        assertTrue(worst < 2e-5, "largest deviation from the ideal tone " + worst);
    }

    @Test
    void streamsOfOneRatePairShareTheirFilterAlsoWhenRestored() throws IOException {
        for (int rate : new int[] {44100, 44056}) {
            Resampler a = new Resampler(rate, 16000);
            a.process(tone(440, rate, 0.1, 0.5));
            ByteArrayOutputStream state = new ByteArrayOutputStream();
            a.writeTo(new DataOutputStream(state));
            Resampler restored = Resampler.readFrom(new DataInputStream(new ByteArrayInputStream(state.toByteArray())));
            assertSame(a.sharedFilter(), new Resampler(rate, 16000).sharedFilter(), rate + " Hz");
            assertSame(a.sharedFilter(), restored.sharedFilter(), rate + " Hz, restored");
        }
        assertNotSame(new Resampler(44100, 16000).sharedFilter(), new Resampler(48000, 16000).sharedFilter());
    }

    @Test
    void sharedFiltersStayWithinTheirMemoryBound() {
        // 24 odd rates of about 2.3 MB of taps each: well over the bound if every one were kept
        for (int rate = 44001; rate <= 44024; rate++) {
            new Resampler(rate, 16000);
            assertTrue(Resampler.cachedFilterBytes() <= Resampler.CACHE_BYTES,
                    Resampler.cachedFilterBytes() + " bytes of filters after " + rate + " Hz");
        }
        assertSame(new Resampler(44024, 16000).sharedFilter(), new Resampler(44024, 16000).sharedFilter());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
