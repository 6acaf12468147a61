package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InferenceBatcherTest {
    private static final int WINDOW = 80 * 16;

    @Test
    void batchedResultsFromManyThreadsMatchSingleRuns() throws Exception {
        int n = 48;
        float[][] mels = new float[n][];
        for (int i = 0; i < n; i++) {
            mels[i] = TestModels.random(500 + i, WINDOW, -4, 4);
        }
        try (SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU)) {
            float[][] expected = new float[n][];
            for (int i = 0; i < n; i++) {
                expected[i] = pool.run(mels[i]);
            }
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            InferenceBatcher batcher = new InferenceBatcher(pool, 8, Duration.ofMillis(5));
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<CompletableFuture<float[]>>> submitted = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    float[] mel = mels[i];
                    submitted.add(callers.submit(() -> batcher.submit(TensorInput.of(mel))));
                }
                for (var s : submitted) {
                    futures.add(s.get());
                }
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(expected[i], futures.get(i).get(30, TimeUnit.SECONDS), 1e-5f, "request " + i);
                }
            } finally {
                callers.shutdown();
                batcher.close();
            }
            assertEquals(n, batcher.requests());
            assertTrue(batcher.batches() >= n / 8, "a batch held more than maxBatch requests: " + batcher.batches());
            assertTrue(batcher.batches() < n, "requests were never batched");
        }
    }

    @Test
    void closeRunsQueuedRequestsAndRefusesNewOnes() throws Exception {
        try (SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            InferenceBatcher batcher = new InferenceBatcher(pool, 4, Duration.ofMillis(50));
            List<CompletableFuture<float[]>> queued = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                queued.add(batcher.submit(TensorInput.of(TestModels.random(600 + i, WINDOW, -4, 4))));
            }
            batcher.close();
            for (CompletableFuture<float[]> f : queued) {
                assertTrue(f.isDone() && !f.isCompletedExceptionally());
                assertEquals(512, f.get().length);
            }
            ExecutionException late = assertThrows(ExecutionException.class, () -> batcher.submit(TensorInput.of(new float[WINDOW])).get());
            assertTrue(late.getCause() instanceof IllegalStateException);
        }
    }

    @Test
    void closeWhileInterruptedFailsTheBatchNotYetRunAndGivesItsSessionBack() throws Exception {
        try (SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            // a long batching delay: the dispatcher holds the pool's session while it waits for more requests
            InferenceBatcher batcher = new InferenceBatcher(pool, 4, Duration.ofSeconds(30));
            CompletableFuture<float[]> gathering = batcher.submit(TensorInput.of(TestModels.random(700, WINDOW, -4, 4)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.inUse() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, pool.inUse(), "the dispatcher holds the session");

            Thread.currentThread().interrupt(); // as Flink does when it cancels a task
            batcher.close();
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");

            ExecutionException e = assertThrows(ExecutionException.class, () -> gathering.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
            while (pool.inUse() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, pool.inUse(), "the session went back to the pool");
            assertEquals(512, pool.run(TestModels.random(701, WINDOW, -4, 4)).length);
        }
    }

    @Test
    void misfittingRequestIsRejectedAtSubmit() throws Exception {
        try (SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            InferenceBatcher batcher = new InferenceBatcher(pool, 4, Duration.ofMillis(5));
            try {
                assertThrows(IllegalArgumentException.class, () -> batcher.submit(TensorInput.of(new float[WINDOW], new float[WINDOW])));
            } finally {
                batcher.close();
            }
        }
    }
}
