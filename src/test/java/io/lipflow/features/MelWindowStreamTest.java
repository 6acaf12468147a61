package io.lipflow.features;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming framing: any chunking gives exactly the whole-file output. */
class MelWindowStreamTest {

    /** Everything a stream emitted, in order. */
    static final class Recorder implements MelWindowStream.Sink {
        final List<float[]> frames = new ArrayList<>();
        final List<MelWindow> windows = new ArrayList<>();
        int ends;
        int windowCount = -1;

        @Override
        public void melFrame(int index, float[] frame) {
            assertEquals(frames.size(), index, "mel frames in order");
            frames.add(frame);
        }

        @Override
        public void window(MelWindow window) {
            assertEquals(windows.size(), window.index(), "windows in order");
            windows.add(window);
        }

        @Override
        public void end(int count) {
            ends++;
            windowCount = count;
        }
    }

    static float[] speechLike(int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            double env = 0.5 + 0.5 * Math.sin(2 * Math.PI * i / 3000.0);
            x[i] = (float) (env * (0.3 * Math.sin(2 * Math.PI * 180 * i / 16000.0)
                    + 0.2 * Math.sin(2 * Math.PI * 1250 * i / 16000.0) + 0.1 * (r.nextDouble() - 0.5)));
        }
        return x;
    }

    static Recorder whole(float[] samples, int rate) {
        Recorder rec = new Recorder();
        MelWindowStream s = new MelWindowStream(rate);
        s.accept(samples, rec);
        s.finish(rec);
        return rec;
    }

    /** Feeds random chunks of 1 sample up to 1 s, snapshotting and restoring the state between some. */
    static Recorder chunked(float[] samples, int rate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Recorder rec = new Recorder();
        MelWindowStream s = new MelWindowStream(rate);
        int pos = 0;
        while (pos < samples.length) {
            int n = Math.min(samples.length - pos, r.nextInt(4) == 0 ? 1 + r.nextInt(8) : 1 + r.nextInt(rate));
            float[] chunk = new float[n];
            System.arraycopy(samples, pos, chunk, 0, n);
            s.accept(chunk, rec);
            if (r.nextBoolean()) {
                s = MelWindowStream.restore(s.snapshot());
            }
            pos += n;
        }
        s.finish(rec);
        return rec;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 199, 200, 799, 2999, 3000, 3200, 4801, 10240, 16000, 37123, 80000})
    void anyChunkingGivesTheWholeFileOutput(int length) {
        float[] samples = speechLike(length, length);
        Recorder reference = whole(samples, 16000);
        assertReferenceWindows(reference);
        for (long seed = 1; seed <= 6; seed++) {
            Recorder rec = chunked(samples, 16000, seed * 31 + length);
            assertIdentical(reference, rec);
        }
    }

    @Test
    void resampledInputIsChunkIndependentToo() {
        float[] samples = speechLike(48000 + 777, 5);
        Recorder reference = whole(samples, 48000);
        assertEquals(MelSpectrogram.frameCount((long) Math.ceil((48000 + 777) / 3.0)), reference.frames.size());
        for (long seed = 1; seed <= 3; seed++) {
            assertIdentical(reference, chunked(samples, 48000, seed));
        }
    }

    @Test
    void emitsWindowsAsSoonAsTheirAudioHasArrived() {
        Recorder rec = new Recorder();
        MelWindowStream s = new MelWindowStream(16000);
        float[] samples = speechLike(16000, 1);
        // window k needs mel frames up to s_k + 15, and frame m needs samples up to 200 m + 399
        for (int n = 0; n < samples.length; n++) {
            s.accept(new float[] {samples[n]}, rec);
            int received = n + 1;
            int frames = received < 400 ? 0 : (received - 400) / 200 + 1;
            assertEquals(frames, rec.frames.size(), "frames after " + received + " samples");
            int windows = 0;
            while (EncoderWindows.nominalStart(windows) + 16 <= frames) {
                windows++;
            }
            assertEquals(windows, rec.windows.size(), "windows after " + received + " samples");
        }
        assertEquals(0, rec.ends);
        s.finish(rec);
        assertEquals(1, rec.ends);
    }

    @Test
    void emptyStreamEmitsNothing() {
        Recorder rec = new Recorder();
        MelWindowStream s = new MelWindowStream(16000);
        s.finish(rec);
        assertEquals(0, rec.frames.size());
        assertEquals(0, rec.windows.size());
        assertEquals(0, rec.windowCount);
    }

    @Test
    void windowCountFollowsTheDoubleFormulaNotAnIntegerRewrite() {
        for (int m = 16; m < 20000; m++) {
            assertEquals((int) ((m - 16) / 80.0 * 25.0) + 2, EncoderWindows.count(m), "M=" + m);
        }
        assertEquals(2, EncoderWindows.count(1), "short spectrograms are padded to one window");
        assertEquals(2, EncoderWindows.count(15));
    }

    /** Windows built straight from the spec (§2) out of the whole mel matrix. */
    private static void assertReferenceWindows(Recorder rec) {
        int m = rec.frames.size();
        float[][] mel = new float[Math.max(m, 16)][];
        for (int t = 0; t < mel.length; t++) {
            mel[t] = t < m ? rec.frames.get(t) : silence();
        }
        int n = (int) ((mel.length - 16) / 80.0 * 25.0) + 2;
        assertEquals(n, rec.windowCount);
        assertEquals(n, rec.windows.size());
        for (int k = 0; k < n; k++) {
            int s = (int) (80.0 * (k / 25.0));
            if (s + 16 > mel.length) {
                s = mel.length - 16;
            }
            float[] expected = new float[80 * 16];
            for (int b = 0; b < 80; b++) {
                for (int t = 0; t < 16; t++) {
                    expected[b * 16 + t] = mel[s + t][b];
                }
            }
            assertArrayEquals(expected, rec.windows.get(k).data(), "window " + k);
        }
    }

    private static float[] silence() {
        float[] f = new float[80];
        java.util.Arrays.fill(f, -4f);
        return f;
    }

    private static void assertIdentical(Recorder expected, Recorder actual) {
        assertEquals(expected.frames.size(), actual.frames.size(), "mel frame count");
        for (int t = 0; t < expected.frames.size(); t++) {
            assertArrayEquals(expected.frames.get(t), actual.frames.get(t), "mel frame " + t);
        }
        assertEquals(expected.windowCount, actual.windowCount, "N");
        assertEquals(1, actual.ends);
        assertEquals(expected.windows.size(), actual.windows.size(), "window count");
        for (int k = 0; k < expected.windows.size(); k++) {
            assertArrayEquals(expected.windows.get(k).data(), actual.windows.get(k).data(), "window " + k);
        }
        assertTrue(expected.windows.size() >= 2);
    }
}
