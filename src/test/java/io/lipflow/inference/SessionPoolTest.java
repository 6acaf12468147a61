package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionPoolTest {
    private static final int FACE = 6 * 320 * 320;
    private static final int AUDIO = 32 * 16 * 16;

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
        float[] out = lease.run(request)[0];
        assertEquals(512, out.length, "the leased session still runs");
        lease.close();
        closer.join(10_000);
        assertFalse(closer.isAlive(), "close ends once the session is back");
        assertEquals(List.of(), closeErrors);
    }
}
