package io.lipflow.audio;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Band-limited sample-rate conversion by a Kaiser-windowed sinc (polyphase for rational ratios).
 *
 * <p>Passband to 0.45 of the lower rate, stopband from its Nyquist frequency (0.5) with 80 dB
 * attenuation, DC gain exactly 1 per phase. It streams: {@link #process} returns every output sample
 * whose input neighbourhood has fully arrived, {@link #flush} the rest (input beyond the end is zero),
 * and the concatenated output does not depend on how the input was chunked. Output length is
 * {@code ceil(inputLength * to / from)}. Not thread-safe; one instance per stream.
 *
 * <p>The taps are computed once per rate pair and shared by every instance (a stream restored from
 * its state per record costs no filter design): a ratio of up to 1024 phases has one tap set per
 * phase; a larger one (44056 Hz to 16 kHz has 2000) has tap sets at 1025 evenly spaced fractional
 * positions, and an output between two of them is the linear interpolation of their two outputs: DC
 * gain still 1, at most two dot products per output sample, and an error about -100 dB of full scale
 * (on full-scale noise), far under the 80 dB stopband. The shared filters take at most
 * 32 MiB (least recently used dropped first), or one filter's size where that alone is larger.
 */
public final class Resampler {
    private static final double ATTENUATION_DB = 80;
    private static final double PASSBAND = 0.45;
    private static final double STOPBAND = 0.5;
    /** Above this many phases the taps are interpolated between this many + 1 fractional positions. */
    private static final int MAX_TABLE_PHASES = 1024;
    /** Memory the shared filters may hold; the one in use is kept even if it alone is larger. */
    static final long CACHE_BYTES = 32L << 20;

    /** Shared filters by rate pair, least recently used first; guarded by itself. */
    private static final LinkedHashMap<Long, Filter> FILTERS = new LinkedHashMap<>(16, 0.75f, true);
    /** Bytes of the filters in {@link #FILTERS}; guarded by it. */
    private static long cachedBytes;

    private final int fromRate;
    private final int toRate;
    private final Filter filter;

    private float[] buffer = new float[0];
    private long bufferStart;
    private long received;
    private long produced;

    public Resampler(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive: " + fromRate + " -> " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        this.filter = filter(fromRate, toRate);
    }

    /** The shared filter of a rate pair, designed on first use (outside the lock: it may take a while). */
    private static Filter filter(int fromRate, int toRate) {
        Long key = (long) fromRate << 32 | toRate;
        synchronized (FILTERS) {
            Filter cached = FILTERS.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Filter designed = new Filter(fromRate, toRate);
        synchronized (FILTERS) {
            Filter raced = FILTERS.putIfAbsent(key, designed);
            if (raced != null) {
                return raced;
            }
            cachedBytes += designed.bytes();
            Iterator<Map.Entry<Long, Filter>> eldest = FILTERS.entrySet().iterator();
            while (cachedBytes > CACHE_BYTES && FILTERS.size() > 1) {
                cachedBytes -= eldest.next().getValue().bytes();
                eldest.remove();
            }
            return designed;
        }
    }

    /** Bytes the shared filters hold now (for tests). */
    static long cachedFilterBytes() {
        synchronized (FILTERS) {
            return cachedBytes;
        }
    }

    /** The filter this instance uses (for tests: instances of one rate pair share it). */
    Object sharedFilter() {
        return filter;
    }

    /** Resamples a whole signal. */
    public static float[] resample(float[] samples, int fromRate, int toRate) {
        if (fromRate == toRate) {
            return samples.clone();
        }
        Resampler r = new Resampler(fromRate, toRate);
        float[] head = r.process(samples);
        float[] tail = r.flush();
        float[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    /** Adds input and returns the output samples it completes. */
    public float[] process(float[] chunk) {
        int keep = (int) (received - bufferStart);
        float[] grown = Arrays.copyOf(buffer, keep + chunk.length);
        System.arraycopy(chunk, 0, grown, keep, chunk.length);
        buffer = grown;
        received += chunk.length;
        return drain(false);
    }

    /** Ends the input and returns the remaining output. */
    public float[] flush() {
        return drain(true);
    }

    private float[] drain(boolean atEnd) {
        int up = filter.up;
        int down = filter.down;
        int halfTaps = filter.halfTaps;
        long end = ceilDiv(received * up, down);
        if (!atEnd) {
            // output n is ready once its last input, floor(n*down/up) + halfTaps, has arrived
            long lastQ = received - 1 - halfTaps;
            end = lastQ < 0 ? 0 : Math.min(end, ((lastQ + 1) * up - 1) / down + 1);
        }
        int count = (int) Math.max(0, end - produced);
        float[] out = new float[count];
        for (int k = 0; k < count; k++, produced++) {
            long pos = produced * down;
            long q = pos / up;
            long first = q - halfTaps + 1;
            // only taps over received input; the rest multiply zeros
            int from = (int) Math.max(0, -first);
            int to = (int) Math.min(2L * halfTaps, received - first);
            out[k] = (float) filter.apply((int) (pos % up), buffer, (int) (first - bufferStart), from, to);
        }
        long needFrom = Math.max(0, (produced * down) / up - halfTaps + 1);
        if (needFrom > bufferStart) {
            int drop = (int) Math.min(needFrom - bufferStart, received - bufferStart);
            buffer = Arrays.copyOfRange(buffer, drop, buffer.length);
            bufferStart += drop;
        }
        return out;
    }

    /** The taps of one rate pair; immutable, shared by every instance of the pair. */
    private static final class Filter {
        final int up;
        final int down;
        final int halfTaps;
        private final double halfWidth;
        private final double cutoff;
        private final double beta;
        /** Per phase p the taps at p / up; or, interpolating, per k the taps at k / MAX_TABLE_PHASES. */
        private final double[][] table;
        private final boolean interpolated;

        Filter(int fromRate, int toRate) {
            int g = gcd(fromRate, toRate);
            up = toRate / g;
            down = fromRate / g;
            double lower = Math.min(fromRate, toRate);
            cutoff = (PASSBAND + STOPBAND) / 2 * lower / fromRate; // cycles per input sample
            double transition = 2 * Math.PI * (STOPBAND - PASSBAND) * lower / fromRate;
            double length = (ATTENUATION_DB - 7.95) / (2.285 * transition); // Kaiser's length estimate
            halfWidth = length / 2;
            halfTaps = (int) Math.ceil(halfWidth);
            beta = 0.1102 * (ATTENUATION_DB - 8.7);
            interpolated = up > MAX_TABLE_PHASES;
            int positions = interpolated ? MAX_TABLE_PHASES + 1 : up;
            double spacing = interpolated ? MAX_TABLE_PHASES : up;
            table = new double[positions][];
            for (int p = 0; p < positions; p++) {
                table[p] = taps(p / spacing);
            }
        }

        /** Heap the tables take, roughly. */
        long bytes() {
            return table.length * (16L + 2L * halfTaps * Double.BYTES);
        }

        /**
         * The output at phase {@code phase} (of {@code up}) from inputs x[offset + j], taps j in [from, to).
         * Between two tabulated positions the outputs are interpolated, which is interpolating the taps.
         */
        double apply(int phase, float[] x, int offset, int from, int to) {
            if (!interpolated) {
                return dot(table[phase], from, to, x, offset);
            }
            long scaled = (long) phase * MAX_TABLE_PHASES;
            int k = (int) (scaled / up);
            double weight = (scaled % up) / (double) up;
            double below = dot(table[k], from, to, x, offset);
            return weight == 0 ? below : (1 - weight) * below + weight * dot(table[k + 1], from, to, x, offset);
        }

        /** Taps for inputs q-halfTaps+1 .. q+halfTaps of an output at q + frac, normalised to sum 1. */
        private double[] taps(double frac) {
            double[] h = new double[2 * halfTaps];
            double sum = 0;
            for (int j = 0; j < h.length; j++) {
                double t = frac - (j - halfTaps + 1);
                double u = t / halfWidth;
                if (Math.abs(u) < 1) {
                    h[j] = 2 * cutoff * sinc(2 * cutoff * t) * besselI0(beta * Math.sqrt(1 - u * u));
                    sum += h[j];
                }
            }
            for (int j = 0; j < h.length; j++) {
                h[j] /= sum;
            }
            return h;
        }
    }

    /**
     * sum of h[j] * x[offset + j] for j in [from, to), in eight independent sums: each addition waits for
     * the one before in its sum, so eight keep the FPU busy where four left it half idle.
     */
    private static double dot(double[] h, int from, int to, float[] x, int offset) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        double a4 = 0;
        double a5 = 0;
        double a6 = 0;
        double a7 = 0;
        int j = from;
        for (; j + 7 < to; j += 8) {
            a0 += h[j] * x[offset + j];
            a1 += h[j + 1] * x[offset + j + 1];
            a2 += h[j + 2] * x[offset + j + 2];
            a3 += h[j + 3] * x[offset + j + 3];
            a4 += h[j + 4] * x[offset + j + 4];
            a5 += h[j + 5] * x[offset + j + 5];
            a6 += h[j + 6] * x[offset + j + 6];
            a7 += h[j + 7] * x[offset + j + 7];
        }
        for (; j < to; j++) {
            a0 += h[j] * x[offset + j];
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /** Writes the streaming state (rates and buffered input). */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(fromRate);
        out.writeInt(toRate);
        out.writeLong(bufferStart);
        out.writeLong(received);
        out.writeLong(produced);
        out.writeInt(buffer.length);
        PackedArrays.writeFloats(out, buffer);
    }

    /** Reads a state written by {@link #writeTo}. */
    public static Resampler readFrom(DataInput in) throws IOException {
        Resampler r = new Resampler(in.readInt(), in.readInt());
        r.bufferStart = in.readLong();
        r.received = in.readLong();
        r.produced = in.readLong();
        r.buffer = new float[in.readInt()];
        PackedArrays.readFloats(in, r.buffer);
        return r;
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    /** Modified Bessel function of the first kind, order 0 (power series). */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 200 && term > 1e-17 * sum; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
