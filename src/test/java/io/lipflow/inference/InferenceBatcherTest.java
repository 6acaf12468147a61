package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
    void closeWhileInterruptedFailsTheBatchNotYetRunAndGivesItsLeaseBack() throws Exception {
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

    @Test
    void anInputThatWritesTheWrongCountFailsOnlyItsOwnRequest() throws Exception {
        int face = 6 * 320 * 320;
        float[][] faces = {TestModels.random(710, face, 0, 1), TestModels.random(711, face, 0, 1), TestModels.random(712, face, 0, 1)};
        try (SessionPool mirror = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU)) {
            // three requests fill a batch long before its delay is up: they run together
            InferenceBatcher batcher = new InferenceBatcher(mirror, 3, Duration.ofSeconds(30));
            try {
                CompletableFuture<float[]> first = batcher.submit(TensorInput.of(faces[0]), TensorInput.of(new float[32 * 16 * 16]));
                CompletableFuture<float[]> bad = batcher.submit(new SessionPoolTest.Miscounted(new float[100], face),
                        TensorInput.of(new float[32 * 16 * 16]));
                CompletableFuture<float[]> last = batcher.submit(TensorInput.of(faces[2]), TensorInput.of(new float[32 * 16 * 16]));
                // the mirror's output is the first three channels of its face input
                assertArrayEquals(Arrays.copyOf(faces[0], 3 * 320 * 320), first.get(30, TimeUnit.SECONDS));
                assertArrayEquals(Arrays.copyOf(faces[2], 3 * 320 * 320), last.get(30, TimeUnit.SECONDS));
                ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
                assertEquals("input 'input': Miscounted wrote 100 floats, not its size() of 614400", e.getCause().getMessage());
            } finally {
                batcher.close();
            }
            assertEquals(1, batcher.batches());
        }
    }

    @Test
    void futuresCompleteOnceTheirLeaseIsBack() throws Exception {
        try (SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            InferenceBatcher batcher = new InferenceBatcher(pool, 2, Duration.ofSeconds(30));
            try {
                CompletableFuture<float[]> first = batcher.submit(TensorInput.of(TestModels.random(720, WINDOW, -4, 4)));
                // registered before the batch can run (it waits for a second request), so it runs on the worker
                CompletableFuture<Integer> inUseThen = first.thenApply(out -> pool.inUse());
                batcher.submit(TensorInput.of(TestModels.random(721, WINDOW, -4, 4)));
                assertEquals(0, inUseThen.get(30, TimeUnit.SECONDS), "sessions leased when the future completed");
            } finally {
                batcher.close();
            }
        }
    }

    @Test
    void requestsToABatcherWhosePoolClosedFail() throws Exception {
        SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU);
        InferenceBatcher batcher = new InferenceBatcher(pool, 4, Duration.ofMillis(5));
        try {
            pool.close();
            CompletableFuture<float[]> late = batcher.submit(TensorInput.of(new float[WINDOW]));
            ExecutionException e = assertThrows(ExecutionException.class, () -> late.get(30, TimeUnit.SECONDS));
            assertEquals(ModelGenerator.ENCODER_FILE + ": the session pool is closed", e.getCause().getMessage());
        } finally {
            batcher.close();
        }
    }
}
