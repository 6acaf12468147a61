package io.lipflow.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AudioContextTest {

    private static float[][] encodings(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] enc = new float[n][512];
        for (float[] row : enc) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextDouble();
            }
        }
        return enc;
    }

    /** PIPELINE.md §2 steps 4–5 over the whole file, written out directly. */
    private static float[][] wholeFile(float[][] enc) {
        int n = enc.length;
        List<float[]> f = new ArrayList<>();
        f.add(enc[0]);
        for (float[] row : enc) {
            f.add(row);
        }
        f.add(enc[n - 1]);
        float[][] frames = new float[n + 2][16 * 512];
        for (int i = 0; i < n + 2; i++) {
            for (int r = 0; r < 16; r++) {
                int row = i - 8 + r;
                if (row >= 0 && row < f.size()) {
                    System.arraycopy(f.get(row), 0, frames[i], r * 512, 512);
                }
            }
        }
        return frames;
    }

    @Test
    void streamingEqualsWholeFileAndEmitsEachFrameOnceItsLastRowArrived() {
        for (int n : new int[] {1, 2, 3, 6, 7, 10, 17, 40}) {
            float[][] enc = encodings(n, n);
            List<float[]> frames = new ArrayList<>();
            AudioContext.FrameSink<RuntimeException> sink = (index, input) -> {
                assertEquals(frames.size(), index, "frames out of order");
                frames.add(input);
            };
            AudioContext context = new AudioContext();
            for (int k = 0; k < n; k++) {
                context.add(enc[k], sink);
                // Frame i is due when enc[i+6] is in: after k+1 outputs, frames 0..k-6.
                assertEquals(Math.max(0, k - 5), frames.size(), "frames emitted after enc[" + k + "], N=" + n);
            }
            context.end(sink);
            float[][] expected = wholeFile(enc);
            assertEquals(n + 2, frames.size(), "frame count for N=" + n);
            for (int i = 0; i < n + 2; i++) {
                assertArrayEquals(expected[i], frames.get(i), "frame " + i + " of N=" + n);
            }
        }
    }

    @Test
    void snapshotAndRestoreBetweenEveryRecordChangeNothing() {
        for (int n : new int[] {1, 2, 3, 10, 40}) {
            float[][] enc = encodings(n, 100 + n);
            List<float[]> frames = new ArrayList<>();
            AudioContext.FrameSink<RuntimeException> sink = (index, input) -> frames.add(input);
            byte[] state = new AudioContext().snapshot();
            for (float[] row : enc) {
                AudioContext context = AudioContext.restore(state);
                context.add(row, sink);
                state = context.snapshot();
                // Only the rows later frames need are kept: header plus at most 16 rows.
                assertTrue(state.length <= 17 + 16 * 512 * 4, "snapshot of " + state.length + " bytes");
            }
            AudioContext last = AudioContext.restore(state);
            last.end(sink);
            assertTrue(AudioContext.restore(last.snapshot()).ended());
            float[][] expected = wholeFile(enc);
            assertEquals(n + 2, frames.size());
            for (int i = 0; i < n + 2; i++) {
                assertArrayEquals(expected[i], frames.get(i), "frame " + i + " of N=" + n);
            }
        }
    }

    @Test
    void frameZeroHasEightSilentRowsThenTheFirstOutputTwice() {
        float[][] enc = encodings(10, 7);
        List<float[]> frames = new ArrayList<>();
        AudioContext context = new AudioContext();
        for (float[] row : enc) {
            context.add(row, (i, input) -> frames.add(input));
        }
        float[] frame0 = frames.get(0);
        for (int j = 0; j < 8 * 512; j++) {
            assertEquals(0f, frame0[j]);
        }
        for (int j = 0; j < 512; j++) {
            assertEquals(enc[0][j], frame0[8 * 512 + j]);
            assertEquals(enc[0][j], frame0[9 * 512 + j]);
            assertEquals(enc[6][j], frame0[15 * 512 + j]);
        }
    }

    @Test
    void misuseIsRejected() {
        AudioContext context = new AudioContext();
        assertThrows(IllegalArgumentException.class, () -> context.add(new float[511], (i, x) -> {}));
        context.end((i, x) -> {});
        assertThrows(IllegalStateException.class, () -> context.add(new float[512], (i, x) -> {}));
        assertThrows(IllegalArgumentException.class, () -> AudioContext.restore(new byte[] {0, 0, 0, 9}));
    }
}
