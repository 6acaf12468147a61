package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedSessionPoolsTest {
    private static final int WINDOW = 80 * 16;

    @Test
    void slotsAskingForTheSameModelShareOnePoolThatTheLastReleaseCloses() throws Exception {
        int before = SharedSessionPools.open();
        SessionPool a = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 4);
        SessionPool b = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 4);
        SessionPool other = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU, 4);
        try {
            assertSame(a, b);
            assertNotSame(a, other, "another session count is another pool");
            assertEquals(before + 2, SharedSessionPools.open());
            SharedSessionPools.release(a);
            assertEquals(512, b.run(new float[WINDOW]).length, "the second user's pool must stay open");
        } finally {
            SharedSessionPools.release(b);
            SharedSessionPools.release(other);
        }
        assertEquals(before, SharedSessionPools.open());
        assertThrows(IllegalArgumentException.class, () -> SharedSessionPools.release(b));
        assertEquals(0, b.size(), "the last release closes the sessions");
    }

    /** An input that, while its batch's session stages it, waits for the other one to be staged too. */
    private record Meeting(float[] values, CyclicBarrier barrier) implements TensorInput {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public void writeTo(FloatBuffer dst) {
            try {
                barrier.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("the other batcher's request was not staged meanwhile", e);
            }
            dst.put(values);
        }
    }

    @Test
    void twoBatchersOnOneSharedPoolRunOnBothItsSessionsAtOnceAndGetTheirOwnResults() throws Exception {
        SessionPool pool = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 1);
        AtomicInteger inUseWhenMet = new AtomicInteger();
        // each batcher's first request waits inside its run for the other's: both sessions busy at once
        CyclicBarrier meeting = new CyclicBarrier(2, () -> inUseWhenMet.set(pool.inUse()));
        try {
            int n = 40;
            float[][] mels = new float[n][];
            float[][] expected = new float[n][];
            for (int i = 0; i < n; i++) {
                mels[i] = TestModels.random(900 + i, WINDOW, -4, 4);
                expected[i] = pool.run(mels[i]);
            }
            InferenceBatcher first = new InferenceBatcher(pool, 1, Duration.ZERO);
            InferenceBatcher second = new InferenceBatcher(pool, 1, Duration.ZERO);
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    TensorInput input = i < 2 ? new Meeting(mels[i], meeting) : TensorInput.of(mels[i]);
                    futures.add((i % 2 == 0 ? first : second).submit(input));
                }
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(expected[i], futures.get(i).get(30, TimeUnit.SECONDS), 1e-5f, "request " + i);
                }
            } finally {
                first.close();
                second.close();
            }
            assertEquals(n / 2, first.requests());
            assertEquals(n / 2, second.requests());
            assertEquals(2, inUseWhenMet.get(), "sessions in use while the two first requests were staged");
        } finally {
            SharedSessionPools.release(pool);
        }
    }
}
