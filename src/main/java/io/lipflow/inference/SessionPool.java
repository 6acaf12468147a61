package io.lipflow.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed number of ONNX Runtime sessions of one model, sharing the process-wide {@link OrtEnvironment}.
 * {@link #run} borrows a free session (blocking while all are busy), runs a batch on it and returns it.
 * Each session keeps its own direct input buffers, reused from run to run, and every native tensor and
 * result is closed before {@code run} returns. Thread-safe.
 */
public final class SessionPool implements AutoCloseable {
    /**
     * One session and the direct buffers its inputs are staged in and its output is written to (ONNX
     * Runtime writes straight into a pinned output, so results are copied out once).
     */
    private static final class Slot {
        final OrtSession session;
        final FloatBuffer[] buffers; // the inputs', then the output's

        Slot(OrtSession session, int inputCount) {
            this.session = session;
            this.buffers = new FloatBuffer[inputCount + 1];
        }

        /** Buffer {@code i} (the output's is the last) holding exactly {@code floats}, position 0. */
        FloatBuffer buffer(int i, int floats) {
            if (buffers[i] == null || buffers[i].capacity() < floats) {
                buffers[i] = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            }
            buffers[i].clear().limit(floats);
            return buffers[i];
        }
    }

    /** How long {@link #close()} waits for sessions still running a batch. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> free;
    private final ModelContract contract;
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();
    /** The batch size every run has (fewer requests padded up to it, more in chunks of it), or 0: exactly the requests. */
    private final int runBatch;

    /**
     * Opens {@code sessions} sessions of the model, each run at exactly the batch it is given (a model with a
     * fixed batch size at that size).
     *
     * @param intraOpThreads ONNX Runtime threads per session for one operator
     * @throws ModelException if the file is missing, is not a model, does not fit {@code kind}, or the device is unusable
     */
    public SessionPool(Path modelFile, ModelContract.Kind kind, int sessions, int intraOpThreads, Device device)
            throws ModelException, OrtException {
        this(modelFile, kind, sessions, intraOpThreads, device, 0);
    }

    /**
     * Opens {@code sessions} sessions of the model whose every run has {@code runBatch} inputs: fewer
     * requests are padded up to it and more are run in chunks of it (0: exactly the requests). One
     * input shape is what a GPU needs, see {@link SharedSessionPools}. A model with a fixed batch size
     * runs at that size whatever {@code runBatch} says.
     *
     * @param intraOpThreads ONNX Runtime threads per session for one operator
     * @throws ModelException if the file is missing, is not a model, does not fit {@code kind}, or the device is unusable
     */
    public SessionPool(Path modelFile, ModelContract.Kind kind, int sessions, int intraOpThreads, Device device, int runBatch)
            throws ModelException, OrtException {
        if (sessions < 1 || intraOpThreads < 1 || runBatch < 0) {
            throw new IllegalArgumentException("sessions and threads must be positive, the run batch not negative");
        }
        if (!Files.isRegularFile(modelFile)) {
            throw new ModelException(modelFile + ": no such model file");
        }
        free = new ArrayBlockingQueue<>(sessions, true); // fair: the slots sharing a pool take turns
        ModelContract discovered = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            device.configure(options);
            for (int i = 0; i < sessions; i++) {
                OrtSession session = open(modelFile, options);
                if (discovered == null) {
                    discovered = discover(modelFile, kind, session);
                }
                Slot slot = new Slot(session, discovered.inputNames().size());
                slots.add(slot);
                free.add(slot);
            }
        } catch (ModelException | OrtException | RuntimeException e) {
            close();
            throw e;
        }
        contract = discovered;
        this.runBatch = contract.fixedBatch() > 0 ? contract.fixedBatch() : runBatch;
    }

    private OrtSession open(Path modelFile, OrtSession.SessionOptions options) throws ModelException {
        try {
            return env.createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new ModelException(modelFile.getFileName() + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        }
    }

    private static ModelContract discover(Path modelFile, ModelContract.Kind kind, OrtSession session)
            throws ModelException, OrtException {
        try {
            return ModelContract.discover(modelFile.getFileName().toString(), kind, session.getInputInfo(), session.getOutputInfo());
        } catch (ModelException | OrtException e) {
            session.close();
            throw e;
        }
    }

    /** The discovered names and shapes. */
    public ModelContract contract() {
        return contract;
    }

    /** The batch size every run has, or 0 where runs have exactly the requests (for tests). */
    int runBatch() {
        return runBatch;
    }

    /** Model runs so far, padded chunks each counted (for tests). */
    long runs() {
        return runs.get();
    }

    /** Number of sessions. */
    public int size() {
        return slots.size();
    }

    /** Sessions running a batch right now. */
    public int inUse() {
        return slots.size() - free.size();
    }

    /** Total time callers have waited for a free session. */
    public long waitNanos() {
        return waitNanos.get();
    }

    /**
     * Runs one batch: {@code requests.get(r)[i]} is input {@code i} of request {@code r}, flat, of
     * {@link ModelContract#inputSize(int)} floats. Returns one flat output per request, in order. A pool
     * with a run batch (or of a model with a fixed batch size) runs the requests in chunks of that size, the
     * last one padded.
     */
    public float[][] run(List<float[][]> requests) throws OrtException, InterruptedException {
        try (Lease lease = borrow()) {
            return lease.run(requests.stream().map(TensorInput::of).toList());
        }
    }

    /**
     * Waits for a free session and holds it until the lease is closed, so that a caller can decide what
     * to run once a session is there (the batcher fills its batch meanwhile).
     */
    public Lease borrow() throws InterruptedException {
        long start = System.nanoTime();
        Slot slot = free.take();
        waitNanos.addAndGet(System.nanoTime() - start);
        return new Lease(slot);
    }

    /** One borrowed session; {@link #close()} gives it back. Used by one thread at a time. */
    public final class Lease implements AutoCloseable {
        private Slot slot;

        private Lease(Slot slot) {
            this.slot = slot;
        }

        /** Runs one batch on this session, as {@link SessionPool#run(List)} does, of inputs that write themselves. */
        public float[][] run(List<TensorInput[]> requests) throws OrtException {
            if (slot == null) {
                throw new IllegalStateException("session lease already closed");
            }
            for (TensorInput[] request : requests) {
                checkRequest(request);
            }
            return runOn(slot, requests);
        }

        @Override
        public void close() {
            if (slot != null) {
                free.add(slot);
                slot = null;
            }
        }
    }

    /** Runs the requests on one session, in chunks of the run batch if there is one. */
    private float[][] runOn(Slot slot, List<TensorInput[]> requests) throws OrtException {
        float[][] outputs = new float[requests.size()][];
        int chunk = runBatch > 0 ? runBatch : Math.max(1, requests.size());
        for (int from = 0; from < requests.size(); from += chunk) {
            runChunk(slot, requests, from, Math.min(requests.size(), from + chunk), chunk, outputs);
        }
        return outputs;
    }

    /**
     * Runs every session {@code runs} times on a zero batch of {@code batch}. The first runs at a new batch
     * size are several times slower (ONNX Runtime sizes its memory arena and the fresh pages are touched), so
     * warm up with the batch size to expect before timing or serving.
     */
    public void warmUp(int batch, int runs) throws OrtException, InterruptedException {
        List<TensorInput[]> zeros = new ArrayList<>();
        TensorInput[] zero = new TensorInput[contract.inputNames().size()];
        for (int i = 0; i < zero.length; i++) {
            zero[i] = TensorInput.of(new float[contract.inputSize(i)]);
        }
        for (int r = 0; r < batch; r++) {
            zeros.add(zero);
        }
        List<Slot> all = new ArrayList<>();
        try {
            while (all.size() < slots.size()) {
                all.add(free.take());
            }
            for (Slot slot : all) {
                for (int i = 0; i < runs; i++) {
                    runOn(slot, zeros);
                }
            }
        } finally {
            free.addAll(all);
        }
    }

    /** Runs a single request: {@code inputs[i]} is input {@code i}, flat. */
    public float[] run(float[]... inputs) throws OrtException, InterruptedException {
        return run(List.<float[][]>of(inputs))[0];
    }

    /** Throws IllegalArgumentException unless the request has one input of the right size per model input. */
    void checkRequest(TensorInput[] request) {
        if (request.length != contract.inputNames().size()) {
            throw new IllegalArgumentException("expected " + contract.inputNames().size() + " inputs, got " + request.length);
        }
        for (int i = 0; i < request.length; i++) {
            if (request[i].size() != contract.inputSize(i)) {
                throw new IllegalArgumentException("input " + contract.inputNames().get(i) + " needs "
                        + contract.inputSize(i) + " floats, got " + request[i].size());
            }
        }
    }

    /** Runs requests {@code from} to {@code to} as one batch of {@code batch} inputs, the rows past them padding. */
    private void runChunk(Slot slot, List<TensorInput[]> requests, int from, int to, int batch, float[][] outputs)
            throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        OnnxTensor output = null;
        try {
            int inputs = contract.inputNames().size();
            for (int i = 0; i < inputs; i++) {
                int size = contract.inputSize(i);
                FloatBuffer buffer = slot.buffer(i, batch * size);
                for (int r = from; r < to; r++) {
                    requests.get(r)[i].writeTo(buffer);
                }
                // The padding rows keep what they held (zeros, or an earlier run's inputs): a row's output
                // depends on that row alone, and rewriting zeros would cost a GPU run of 16 with one request
                // 37 MB of writes.
                buffer.position(batch * size).flip();
                feeds.put(contract.inputNames().get(i), OnnxTensor.createTensor(env, buffer, withBatch(batch, contract.inputShape(i))));
            }
            int size = contract.outputSize();
            FloatBuffer out = slot.buffer(inputs, batch * size);
            output = OnnxTensor.createTensor(env, out, withBatch(batch, contract.outputShape()));
            runs.incrementAndGet();
            try (OrtSession.Result result = slot.session.run(feeds, Map.of(contract.outputName(), output))) {
                out.rewind();
                for (int r = from; r < to; r++) {
                    outputs[r] = new float[size];
                    out.get(outputs[r]);
                }
            }
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
            if (output != null) {
                output.close();
            }
        }
    }

    private static long[] withBatch(int batch, long[] perSample) {
        long[] shape = new long[perSample.length + 1];
        shape[0] = batch;
        System.arraycopy(perSample, 0, shape, 1, perSample.length);
        return shape;
    }

    /**
     * Closes every session, each once it is back from a run: closing a session under a run would free native
     * memory the run still uses. Waits up to {@link #CLOSE_WAIT} for leased sessions, interrupted or not (a
     * cancelled Flink task is interrupted while it closes), and leaves open one not back by then.
     *
     * @throws IllegalStateException if a session was still leased after {@link #CLOSE_WAIT}
     */
    @Override
    public void close() throws OrtException {
        List<Slot> back = new ArrayList<>(slots.size());
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        boolean interrupted = false;
        while (back.size() < slots.size()) {
            try {
                Slot slot = free.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (slot == null) {
                    break;
                }
                back.add(slot);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        OrtException first = null;
        for (Slot slot : back) {
            try {
                slot.session.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        int running = slots.size() - back.size();
        slots.clear();
        if (first != null) {
            throw first;
        }
        if (running > 0) {
            throw new IllegalStateException(running + " ONNX Runtime session(s) still running after "
                    + CLOSE_WAIT.toSeconds() + " s were left open");
        }
    }
}
