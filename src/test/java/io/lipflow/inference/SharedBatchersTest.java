package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The process-wide batchers that a job's slots share ({@link SharedBatchers}). */
class SharedBatchersTest {
    private static final int WINDOW = 80 * 16;

    private static InferenceBatcher acquire(int sessions, int maxBatch, Duration delay) throws Exception {
        return SharedBatchers.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, sessions, 1, Device.CPU,
                maxBatch, delay);
    }

    @Test
    void slotsAskingForTheSameModelShareOneBatcherThatTheLastReleaseCloses() throws Exception {
        int before = SharedBatchers.open();
        InferenceBatcher a = acquire(2, 4, Duration.ofMillis(1));
        InferenceBatcher b = acquire(2, 4, Duration.ofMillis(1));
        InferenceBatcher otherSessions = acquire(1, 4, Duration.ofMillis(1));
        InferenceBatcher otherDelay = acquire(2, 4, Duration.ofMillis(2));
        try {
            assertSame(a, b);
            assertNotSame(a, otherSessions, "another session count is another batcher");
            assertNotSame(a, otherDelay, "another batch delay is another batcher");
            assertNotSame(otherSessions.pool(), otherDelay.pool());
            assertEquals(before + 3, SharedBatchers.open());
            SharedBatchers.release(a);
            assertEquals(512, b.submit(TensorInput.of(new float[WINDOW])).get(30, TimeUnit.SECONDS).length,
                    "the second user's batcher must stay open");
        } finally {
            SharedBatchers.release(b);
            SharedBatchers.release(otherSessions);
            SharedBatchers.release(otherDelay);
        }
        assertEquals(before, SharedBatchers.open());
        assertThrows(IllegalArgumentException.class, () -> SharedBatchers.release(b));
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> b.submit(TensorInput.of(new float[WINDOW])).get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, refused.getCause(), "the last release closes the batcher");
        assertEquals(0, b.pool().size(), "and then its sessions");
    }

    @Test
    void requestsOfTwoSlotsFillOneBatch() throws Exception {
        InferenceBatcher first = acquire(1, 4, Duration.ofSeconds(30)); // a batch closes when full
        InferenceBatcher second = acquire(1, 4, Duration.ofSeconds(30));
        ExecutorService slots = Executors.newFixedThreadPool(2);
        try {
            float[][] mels = new float[4][];
            float[][] expected = new float[4][];
            for (int i = 0; i < 4; i++) {
                mels[i] = TestModels.random(700 + i, WINDOW, -4, 4);
                expected[i] = first.pool().run(mels[i]);
            }
            // two slots' task threads, two speakers' requests each: alone, each slot's batch would wait 30 s
            List<Future<List<CompletableFuture<float[]>>>> submitted = new ArrayList<>();
            for (InferenceBatcher slot : List.of(first, second)) {
                int from = submitted.size() * 2;
                submitted.add(slots.submit(() -> List.of(slot.submit(TensorInput.of(mels[from])),
                        slot.submit(TensorInput.of(mels[from + 1])))));
            }
            for (int s = 0; s < 2; s++) {
                List<CompletableFuture<float[]>> results = submitted.get(s).get();
                for (int r = 0; r < 2; r++) {
                    assertArrayEquals(expected[2 * s + r], results.get(r).get(10, TimeUnit.SECONDS), 1e-5f);
                }
            }
            assertEquals(1, first.batches(), "one model run for both slots' requests");
            assertEquals(4, first.requests());
        } finally {
            slots.shutdown();
            SharedBatchers.release(first);
            SharedBatchers.release(second);
        }
    }

    /** An input that, while it is staged, waits for the other one to be staged too. */
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
                throw new IllegalStateException("the other request was not staged meanwhile", e);
            }
            dst.put(values);
        }
    }

    @Test
    void oneSharedBatcherRunsOnAllItsSessionsAtOnceAndEachSlotGetsItsOwnResults() throws Exception {
        InferenceBatcher first = acquire(2, 1, Duration.ZERO);
        InferenceBatcher second = acquire(2, 1, Duration.ZERO);
        SessionPool pool = first.pool();
        AtomicInteger inUseWhenMet = new AtomicInteger();
        // the first two requests, each a batch, wait while staged for the other: they went to the two sessions
        CyclicBarrier meeting = new CyclicBarrier(2, () -> inUseWhenMet.set(pool.inUse()));
        try {
            int n = 40;
            float[][] mels = new float[n][];
            float[][] expected = new float[n][];
            for (int i = 0; i < n; i++) {
                mels[i] = TestModels.random(900 + i, WINDOW, -4, 4);
                expected[i] = pool.run(mels[i]);
            }
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TensorInput input = i < 2 ? new Meeting(mels[i], meeting) : TensorInput.of(mels[i]);
                futures.add((i % 2 == 0 ? first : second).submit(input));
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(expected[i], futures.get(i).get(30, TimeUnit.SECONDS), 1e-5f, "request " + i);
            }
            assertEquals(n, first.requests());
            assertEquals(2, inUseWhenMet.get(), "sessions in use while the two first requests were staged");
        } finally {
            SharedBatchers.release(first);
            SharedBatchers.release(second);
        }
    }
}
