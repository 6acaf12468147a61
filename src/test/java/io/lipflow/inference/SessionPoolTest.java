package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionPoolTest {
    private static final int FACE = 6 * 320 * 320;
    private static final int AUDIO = 32 * 16 * 16;

    /** An input that says it has {@code size} floats but writes {@code values}. */
    record Miscounted(float[] values, int size) implements TensorInput {
        @Override
        public void writeTo(FloatBuffer dst) {
            dst.put(values);
        }
    }

    @Test
    void batchOfEightGivesTheSameOutputsAsEightSingleRuns() throws Exception {
        List<float[][]> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(new float[][] {TestModels.random(100 + i, FACE, 0, 1), TestModels.random(200 + i, AUDIO, 0, 2)});
        }
        try (SessionPool gen = new SessionPool(TestModels.generator(), ModelContract.Kind.GENERATOR, 1, 2, Device.CPU)) {
            float[][] batched = gen.run(requests);
            assertEquals(8, batched.length);
            for (int i = 0; i < 8; i++) {
                float[] single = gen.run(requests.get(i));
                assertEquals(3 * 320 * 320, batched[i].length);
                // Batching may change the order of float sums inside the convolutions, nothing more.
                assertArrayEquals(single, batched[i], 1e-5f, "request " + i);
            }
            // The requests really differ, so a mix-up between batch slots would be caught above.
            assertTrue(!Arrays.equals(batched[0], batched[1]));
        }
    }

    @Test
    void onePoolUsedFromSeveralThreadsMatchesSequentialUse() throws Exception {
        int windows = 24;
        float[][] mels = new float[windows][];
        for (int i = 0; i < windows; i++) {
            mels[i] = TestModels.random(300 + i, 80 * 16, -4, 4);
        }
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU)) {
            float[][] sequential = new float[windows][];
            for (int i = 0; i < windows; i++) {
                sequential[i] = enc.run(mels[i]);
            }
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> parallel = new ArrayList<>();
                for (int i = 0; i < windows; i++) {
                    float[] mel = mels[i];
                    parallel.add(threads.submit(() -> enc.run(mel)));
                }
                for (int i = 0; i < windows; i++) {
                    assertArrayEquals(sequential[i], parallel.get(i).get(), "window " + i);
                }
            } finally {
                threads.shutdown();
            }
        }
    }

    @Test
    void fixedBatchModelIsRunInChunksOfItsBatch(@TempDir Path tmp) throws Exception {
        ModelProto.Builder model = ModelProto.parseFrom(Files.readAllBytes(TestModels.mirror())).toBuilder();
        for (ValueInfoProto.Builder v : model.getGraphBuilder().getInputBuilderList()) {
            v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0, TensorShapeProto.Dimension.newBuilder().setDimValue(4));
        }
        for (ValueInfoProto.Builder v : model.getGraphBuilder().getOutputBuilderList()) {
            v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0, TensorShapeProto.Dimension.newBuilder().setDimValue(4));
        }
        Path fixed = tmp.resolve("fixed4.onnx");
        Files.write(fixed, model.build().toByteArray());
        try (SessionPool mirror = new SessionPool(fixed, ModelContract.Kind.GENERATOR, 1, 1, Device.CPU)) {
            assertEquals(4, mirror.contract().fixedBatch());
            List<float[][]> requests = new ArrayList<>();
            for (int i = 0; i < 6; i++) { // one full chunk of 4, one chunk of 2 padded to 4
                requests.add(new float[][] {TestModels.random(400 + i, FACE, 0, 1), new float[AUDIO]});
            }
            float[][] out = mirror.run(requests);
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(Arrays.copyOf(requests.get(i)[0], 3 * 320 * 320), out[i], "request " + i);
            }
        }
    }

    @Test
    void poolWithARunBatchPadsAndChunksEveryRun() throws Exception {
        try (SessionPool mirror = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU, 4);
             SessionPool exact = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU)) {
            assertEquals(4, mirror.runBatch());
            assertEquals(0, exact.runBatch());
            exact.run(Collections.nCopies(6, new float[][] {new float[FACE], new float[AUDIO]}));
            assertEquals(1, exact.runs(), "exactly the requests: one run of 6");
            // 6 first: the later, smaller runs have its requests in their padding rows
            for (int n : new int[] {6, 1, 3, 4}) { // 4 + 2 padded; padded to 4; padded; one run
                List<float[][]> requests = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    requests.add(new float[][] {TestModels.random(500 + 10 * n + i, FACE, 0, 1), new float[AUDIO]});
                }
                long before = mirror.runs();
                float[][] out = mirror.run(requests);
                assertEquals(n > 4 ? 2 : 1, mirror.runs() - before, n + " requests in runs of 4");
                assertEquals(n, out.length);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(Arrays.copyOf(requests.get(i)[0], 3 * 320 * 320), out[i], n + " requests, request " + i);
                }
            }
        }
    }

    @Test
    void eachSessionRunsOnOneThreadWhoeverBorrowsIt() throws Exception {
        // ONNX Runtime's CUDA provider keeps memory per calling thread: runs from many threads exhausted an H100
        Set<String> callerThreads = ConcurrentHashMap.newKeySet();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU)) {
            List<Future<float[][]>> runs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                float[] mel = TestModels.random(900 + i, 80 * 16, -4, 4);
                runs.add(callers.submit(() -> {
                    callerThreads.add(Thread.currentThread().getName());
                    try (SessionPool.Lease lease = enc.borrow()) {
                        return lease.run(List.<TensorInput[]>of(new TensorInput[] {TensorInput.of(mel)})).orThrow();
                    }
                }));
            }
            for (Future<float[][]> run : runs) {
                assertEquals(512, run.get()[0].length);
            }
            Set<String> threads = enc.runThreads();
            assertTrue(callerThreads.size() > 2, "callers: " + callerThreads);
            assertTrue(!threads.isEmpty() && threads.size() <= 2, "threads that ran the two sessions: " + threads);
            assertTrue(threads.stream().allMatch(t -> t.startsWith("lipflow-audio_encoder")), threads.toString());
        } finally {
            callers.shutdown();
        }
    }

    /** An input that waits, while it is staged, for {@code other} to be staged too. */
    private record Waiting(float[] values, CountDownLatch mine, CountDownLatch other) implements TensorInput {
        @Override
        public int size() {
            return values.length;
        }

        @Override
        public void writeTo(FloatBuffer dst) {
            mine.countDown();
            try {
                if (!other.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other batch was not staged meanwhile");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            dst.put(values);
        }
    }

    @Test
    void twoBatchesOfOneSessionAreStagedAtOnce() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        float[][] mels = {TestModels.random(950, 80 * 16, -4, 4), TestModels.random(951, 80 * 16, -4, 4)};
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            float[][] expected = {enc.run(mels[0]), enc.run(mels[1])};
            assertEquals(2, enc.maxLeases());
            SessionPool.Lease a = enc.borrow();
            SessionPool.Lease b = enc.borrow(); // the one session's second buffer set
            assertSame(a.session(), b.session());
            Future<float[][]> ranA = callers.submit(() -> a.run(List.<TensorInput[]>of(
                    new TensorInput[] {new Waiting(mels[0], first, second)})).orThrow());
            Future<float[][]> ranB = callers.submit(() -> b.run(List.<TensorInput[]>of(
                    new TensorInput[] {new Waiting(mels[1], second, first)})).orThrow());
            assertArrayEquals(expected[0], ranA.get(30, TimeUnit.SECONDS)[0], 1e-6f);
            assertArrayEquals(expected[1], ranB.get(30, TimeUnit.SECONDS)[0], 1e-6f);
            a.close();
            b.close();
            assertEquals(0, enc.inUse());
        } finally {
            callers.shutdown();
        }
    }

    @Test
    void aLeaseGoesToAnIdleSessionWhileThereIsOne() throws Exception {
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU);
             SessionPool.Lease a = enc.borrow();
             SessionPool.Lease b = enc.borrow()) {
            assertNotSame(a.session(), b.session());
            assertEquals(2, enc.inUse());
        }
    }

    @Test
    void wrongSizedRequestIsRejected() throws Exception {
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.run(new float[80]));
            assertEquals("input mel needs 1280 floats, got 80", e.getMessage());
        }
    }

    @Test
    void missingModelFileIsReported(@TempDir Path tmp) {
        ModelException e = assertThrows(ModelException.class,
                () -> new SessionPool(tmp.resolve("none.onnx"), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU));
        assertTrue(e.getMessage().endsWith("none.onnx: no such model file"), e.getMessage());
    }

    @Test
    void closeWaitsForALeasedSessionToComeBackEvenWhenInterrupted() throws Exception {
        SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU);
        SessionPool.Lease lease = pool.borrow();
        List<Throwable> closeErrors = Collections.synchronizedList(new ArrayList<>());
        Thread closer = new Thread(() -> {
            try {
                pool.close();
            } catch (Exception | Error e) {
                closeErrors.add(e);
            }
        });
        closer.start();
        closer.join(300);
        assertTrue(closer.isAlive(), "close waits while a session is leased");
        closer.interrupt(); // as Flink does when it cancels a task
        closer.join(300);
        assertTrue(closer.isAlive(), "an interrupt does not cut the wait short");

        List<TensorInput[]> request = new ArrayList<>();
        request.add(new TensorInput[] {TensorInput.of(TestModels.random(3, 80 * 16, -4, 4))});
        float[] out = lease.run(request).orThrow()[0];
        assertEquals(512, out.length, "the leased session still runs");
        lease.close();
        closer.join(10_000);
        assertFalse(closer.isAlive(), "close ends once the session is back");
        assertEquals(List.of(), closeErrors);
    }

    @Test
    void aRequestWhoseInputWritesTheWrongCountFailsAloneInItsBatch() throws Exception {
        float[][] faces = new float[5][];
        List<TensorInput[]> requests = new ArrayList<>();
        for (int i = 0; i < faces.length; i++) {
            faces[i] = TestModels.random(800 + i, FACE, 0, 1);
            requests.add(TensorInput.of(faces[i], new float[AUDIO]));
        }
        requests.get(1)[0] = new Miscounted(Arrays.copyOf(faces[1], FACE - 7), FACE);
        requests.get(2)[0] = new Miscounted(Arrays.copyOf(faces[2], FACE + 7), FACE);
        // the last row's excess does not fit the batch's buffer
        requests.get(4)[0] = new Miscounted(Arrays.copyOf(faces[4], FACE + 7), FACE);
        try (SessionPool mirror = new SessionPool(TestModels.mirror(), ModelContract.Kind.GENERATOR, 1, 1, Device.CPU);
             SessionPool.Lease lease = mirror.borrow()) {
            SessionPool.Results results = lease.run(requests);
            assertEquals(1, mirror.runs(), "one run for the batch");
            for (int i : new int[] {0, 3}) {
                assertNull(results.failures()[i], "request " + i);
                // the mirror's output is the first three channels of its face input
                assertArrayEquals(Arrays.copyOf(faces[i], 3 * 320 * 320), results.outputs()[i], "request " + i);
            }
            assertEquals("input 'input': Miscounted wrote 614393 floats, not its size() of 614400",
                    results.failures()[1].getMessage());
            assertEquals("input 'input': Miscounted wrote 614407 floats, not its size() of 614400",
                    results.failures()[2].getMessage());
            assertEquals("input 'input': Miscounted wrote past the end of the batch, not its size() of 614400",
                    results.failures()[4].getMessage());
            for (int i : new int[] {1, 2, 4}) {
                assertNull(results.outputs()[i], "request " + i);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, results::orThrow);
            assertSame(results.failures()[1], e);
        }
    }

    @Test
    void aClosedPoolLendsNothingAndThoseWaitingForASessionAreTold() throws Exception {
        SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU);
        SessionPool.Lease lease = pool.borrow();
        SessionPool.Lease second = pool.borrow(); // every lease out
        AtomicReference<Throwable> waited = new AtomicReference<>();
        Thread borrower = new Thread(() -> {
            try (SessionPool.Lease never = pool.borrow()) {
                waited.set(new AssertionError("lent a session of a closing pool"));
            } catch (Exception | Error e) {
                waited.set(e);
            }
        });
        borrower.start();
        while (borrower.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        Thread closer = new Thread(() -> {
            try {
                pool.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        closer.start();
        borrower.join(10_000);
        assertFalse(borrower.isAlive(), "the waiting borrower is told once the pool closes");
        assertTrue(waited.get() instanceof IllegalStateException, String.valueOf(waited.get()));
        assertEquals(ModelGenerator.ENCODER_FILE + ": the session pool is closed", waited.get().getMessage());
        assertThrows(IllegalStateException.class, pool::borrow);
        assertThrows(IllegalStateException.class, () -> pool.run(new float[80 * 16]));

        assertTrue(closer.isAlive(), "close waits for the leased session");
        lease.close();
        closer.join(300);
        assertTrue(closer.isAlive(), "close waits for the session's every lease");
        second.close();
        closer.join(10_000);
        assertFalse(closer.isAlive(), "close ends once the session is back");
    }

    @Test
    void aSessionStillLeasedWhenCloseGivesUpIsClosedByItsLastLease() throws Exception {
        SessionPool pool = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU);
        SessionPool.Lease a = pool.borrow();
        SessionPool.Lease b = pool.borrow();
        OrtSession session = a.session();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.close(Duration.ofMillis(50)));
        assertTrue(e.getMessage().startsWith("1 ONNX Runtime session(s) still leased after 0.05 s"), e.getMessage());
        List<TensorInput[]> request = List.<TensorInput[]>of(new TensorInput[] {TensorInput.of(new float[80 * 16])});
        assertEquals(512, a.run(request).orThrow()[0].length, "the leased session still runs");
        a.close();
        assertEquals(512, b.run(request).orThrow()[0].length, "the session's other lease still runs");
        b.close();
        assertThrows(IllegalStateException.class, session::getInputInfo, "the last lease closed the session");
    }

    @Test
    void warmUpRunsEverySessionFromEachOfItsBufferSets() throws Exception {
        try (SessionPool enc = new SessionPool(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU)) {
            enc.warmUp(1, 3);
            assertEquals(2L * SessionPool.LEASES_PER_SESSION * 3, enc.runs());
            assertEquals(0, enc.inUse());
        }
    }
}
