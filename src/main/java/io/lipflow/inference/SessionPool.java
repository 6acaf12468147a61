package io.lipflow.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.BufferOverflowException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed number of ONNX Runtime sessions of one model, sharing the process-wide {@link OrtEnvironment}.
 * {@link #borrow} leases one of a session's two sets of direct buffers (blocking while all are leased); the
 * lease's {@link Lease#run} stages the batch's inputs in them on the calling thread, runs the model on the
 * session's own thread and copies the outputs out on the calling thread again. So while one batch runs,
 * the session's next batch is staged beside it, and the session goes straight from one run to the next
 * (on a GPU, staging a generator batch of 8 takes ~6 ms beside a ~28 ms run, otherwise idle). Every
 * native tensor and result is closed before {@code run} returns. After {@link #close()} nothing can be
 * borrowed, and a session still leased then is closed by its last lease. Thread-safe.
 */
public final class SessionPool implements AutoCloseable {
    /** Buffer sets per session: one batch runs while the next is staged. */
    public static final int LEASES_PER_SESSION = 2;

    /** One session and the thread that runs it. */
    private static final class Session {
        final OrtSession session;
        /**
         * The one thread that runs the session. ONNX Runtime's CUDA provider keeps state per calling thread
         * (cuBLAS and cuDNN handles, streams, memory held per stream): on an H100 a pipeline whose 16 slots'
         * batchers ran four shared sessions from 64 threads took GPU memory from 23 to 80 GB within seconds
         * and failed in cublasCreate, where the raw benchmark, one thread per session, stays at 35 GB.
         */
        final ExecutorService thread;
        /** Its buffer sets leased now; guarded by the pool's lock. */
        int leased;

        Session(OrtSession session, String threadName) {
            this.session = session;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
        }

        /** Closes the session and ends its thread. */
        void close() throws OrtException {
            thread.shutdown();
            session.close();
        }
    }

    /**
     * A session's set of direct buffers that a batch's inputs are staged in and its output is written to
     * (ONNX Runtime writes straight into a pinned output, so results are copied out once).
     */
    private static final class Buffers {
        final Session session;
        final FloatBuffer[] buffers; // the inputs', then the output's

        Buffers(Session session, int inputCount) {
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

    /** How long {@link #close()} waits for leases still out. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final String name;
    /** Every open session; guarded by {@link #lock} once the pool is built (close() clears it). */
    private final List<Session> sessions = new ArrayList<>();
    /** Guards the leases and the closing state; fair: callers waiting for a lease take turns. */
    private final ReentrantLock lock = new ReentrantLock(true);
    /** Signalled when a lease comes back or the pool closes. */
    private final Condition changed = lock.newCondition();
    /** The buffer sets not leased now. */
    private final List<Buffers> free = new ArrayList<>();
    /** {@link #close()} has begun: nothing more is borrowed. */
    private boolean closed;
    /** {@link #close()} has stopped waiting: a session whose last lease comes back later is closed then. */
    private boolean abandoned;
    private final ModelContract contract;
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();
    private final Set<String> runThreads = ConcurrentHashMap.newKeySet();
    /** The batch size every run has (fewer requests padded up to it, more in chunks of it), or 0: exactly the requests. */
    private final int runBatch;

    /**
     * Opens {@code sessionCount} sessions of the model, each run at exactly the batch it is given (a model with a
     * fixed batch size at that size).
     *
     * @param intraOpThreads ONNX Runtime threads per session for one operator
     * @throws ModelException if the file is missing, is not a model, does not fit {@code kind}, or the device is unusable
     */
    public SessionPool(Path modelFile, ModelContract.Kind kind, int sessionCount, int intraOpThreads, Device device)
            throws ModelException, OrtException {
        this(modelFile, kind, sessionCount, intraOpThreads, device, 0);
    }

    /**
     * Opens {@code sessionCount} sessions of the model whose every run has {@code runBatch} inputs: fewer
     * requests are padded up to it and more are run in chunks of it (0: exactly the requests). One
     * input shape is what a GPU needs, see {@link SharedBatchers}. A model with a fixed batch size
     * runs at that size whatever {@code runBatch} says.
     *
     * @param intraOpThreads ONNX Runtime threads per session for one operator
     * @throws ModelException if the file is missing, is not a model, does not fit {@code kind}, or the device is unusable
     */
    public SessionPool(Path modelFile, ModelContract.Kind kind, int sessionCount, int intraOpThreads, Device device, int runBatch)
            throws ModelException, OrtException {
        if (sessionCount < 1 || intraOpThreads < 1 || runBatch < 0) {
            throw new IllegalArgumentException("sessions and threads must be positive, the run batch not negative");
        }
        if (!Files.isRegularFile(modelFile)) {
            throw new ModelException(modelFile + ": no such model file");
        }
        name = modelFile.getFileName().toString();
        ModelContract discovered = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            device.configure(options);
            for (int i = 0; i < sessionCount; i++) {
                OrtSession session = open(modelFile, options);
                if (discovered == null) {
                    discovered = discover(modelFile, kind, session);
                }
                Session opened = new Session(session, "lipflow-" + name + "-session-" + (i + 1));
                sessions.add(opened);
                for (int b = 0; b < LEASES_PER_SESSION; b++) {
                    free.add(new Buffers(opened, discovered.inputNames().size()));
                }
            }
        } catch (ModelException | OrtException | RuntimeException e) {
            closeAfter(e);
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
        } catch (Throwable e) {
            // not yet in the pool: nothing else would close it
            try {
                session.close();
            } catch (OrtException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
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
        lock.lock();
        try {
            return sessions.size();
        } finally {
            lock.unlock();
        }
    }

    /** Leases that can be out at once: {@link #LEASES_PER_SESSION} per session. */
    public int maxLeases() {
        lock.lock();
        try {
            return sessions.size() * LEASES_PER_SESSION;
        } finally {
            lock.unlock();
        }
    }

    /** Sessions with a batch running or being staged for them right now. */
    public int inUse() {
        lock.lock();
        try {
            return (int) sessions.stream().filter(s -> s.leased > 0).count();
        } finally {
            lock.unlock();
        }
    }

    /** Total time callers have waited for a lease. */
    public long waitNanos() {
        return waitNanos.get();
    }

    /** Names of the threads that have run the sessions so far (for tests). */
    Set<String> runThreads() {
        return Set.copyOf(runThreads);
    }

    /**
     * Runs one batch: {@code requests.get(r)[i]} is input {@code i} of request {@code r}, flat, of
     * {@link ModelContract#inputSize(int)} floats. Returns one flat output per request, in order. A pool
     * with a run batch (or of a model with a fixed batch size) runs the requests in chunks of that size, the
     * last one padded.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public float[][] run(List<float[][]> requests) throws OrtException, InterruptedException {
        try (Lease lease = borrow()) {
            return lease.run(requests.stream().map(TensorInput::of).toList()).orThrow();
        }
    }

    /**
     * Waits for a free buffer set, of an idle session where there is one, and holds it until the lease is
     * closed, so that a caller can decide what to run once it has one (the batcher fills its batch meanwhile).
     *
     * @throws IllegalStateException if the pool is closed, or closes while this waits
     */
    public Lease borrow() throws InterruptedException {
        long start = System.nanoTime();
        Buffers buffers = take();
        waitNanos.addAndGet(System.nanoTime() - start);
        return new Lease(buffers);
    }

    /** Waits for a free buffer set and takes the one whose session has the fewest leased. */
    private Buffers take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (free.isEmpty() && !closed) {
                changed.await();
            }
            if (closed) {
                throw new IllegalStateException(name + ": the session pool is closed");
            }
            Buffers best = free.get(0);
            for (Buffers b : free) {
                if (b.session.leased < best.session.leased) {
                    best = b;
                }
            }
            free.remove(best);
            best.session.leased++;
            return best;
        } finally {
            lock.unlock();
        }
    }

    /** Puts a buffer set back; closes its session if {@link #close()} has stopped waiting and this was its last lease. */
    private void giveBack(Buffers buffers) {
        Session session = buffers.session;
        lock.lock();
        try {
            session.leased--;
            if (!abandoned) {
                free.add(buffers);
                changed.signalAll(); // close() waits for all of them, a borrower for any one
                return;
            }
            if (session.leased > 0) {
                return;
            }
        } finally {
            lock.unlock();
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(name + ": cannot close a session given back after the pool closed", e);
        }
    }

    /**
     * What one run gives each request, in order: {@code outputs[r]}, or where that is null {@code
     * failures[r]}, why request r's inputs could not be staged. A request whose input throws or writes
     * other than its {@link TensorInput#size()} floats fails alone: every row of a batch is independent.
     */
    public record Results(float[][] outputs, RuntimeException[] failures) {
        /** The outputs, or the first request's failure thrown. */
        public float[][] orThrow() {
            for (RuntimeException failure : failures) {
                if (failure != null) {
                    throw failure;
                }
            }
            return outputs;
        }
    }

    /**
     * One leased buffer set of a session; {@link #close()} gives it back. Used by one thread at a time; two
     * leases of one session run their batches one after the other.
     */
    public final class Lease implements AutoCloseable {
        private Buffers buffers;

        private Lease(Buffers buffers) {
            this.buffers = buffers;
        }

        /** Runs one batch on this session, as {@link SessionPool#run(List)} does, of inputs that write themselves. */
        public Results run(List<TensorInput[]> requests) throws OrtException {
            if (buffers == null) {
                throw new IllegalStateException("session lease already closed");
            }
            for (TensorInput[] request : requests) {
                checkRequest(request);
            }
            Results results = new Results(new float[requests.size()][], new RuntimeException[requests.size()]);
            int chunk = runBatch > 0 ? runBatch : Math.max(1, requests.size());
            for (int from = 0; from < requests.size(); from += chunk) {
                runChunk(buffers, requests, from, Math.min(requests.size(), from + chunk), chunk, results);
            }
            return results;
        }

        /** The leased session (for tests). */
        OrtSession session() {
            return buffers.session.session;
        }

        /**
         * Gives the buffer set back; if the pool has closed and stopped waiting for it, and this was its
         * session's last lease, closes the session.
         *
         * @throws IllegalStateException if that close fails
         */
        @Override
        public void close() {
            if (buffers != null) {
                Buffers back = buffers;
                buffers = null;
                giveBack(back);
            }
        }
    }

    /**
     * Runs the model on its session's thread and waits for it; an interrupt is kept for later, as the
     * session is busy until its run ends either way.
     */
    private void runOn(Session session, Map<String, OnnxTensor> feeds, Map<String, OnnxTensor> outputs) throws OrtException {
        Future<?> run = session.thread.submit(() -> {
            runThreads.add(Thread.currentThread().getName());
            try (OrtSession.Result ignored = session.session.run(feeds, outputs)) {
                return null; // the outputs are in the pinned buffer
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    run.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof OrtException ort) {
                        throw ort;
                    }
                    if (cause instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs every session {@code runs} times on a zero batch of {@code batch} from each of its buffer sets.
     * The first runs at a new batch size are several times slower (ONNX Runtime sizes its memory arena and the
     * fresh pages are touched), so warm up with the batch size to expect before timing or serving. The
     * sessions warm up one after another.
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
        int count = maxLeases();
        List<Lease> all = new ArrayList<>();
        try {
            while (all.size() < count) {
                all.add(new Lease(take()));
            }
            for (Lease lease : all) {
                for (int i = 0; i < runs; i++) {
                    lease.run(zeros).orThrow();
                }
            }
        } finally {
            all.forEach(Lease::close);
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

    /**
     * Runs requests {@code from} to {@code to} as one batch of {@code batch} inputs, the rows past them
     * padding: staged here, run on the session's thread, copied out here. A request whose input fails to
     * stage gets a failure instead of an output.
     */
    private void runChunk(Buffers buffers, List<TensorInput[]> requests, int from, int to, int batch, Results results)
            throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        OnnxTensor output = null;
        RuntimeException[] failures = results.failures();
        try {
            int inputs = contract.inputNames().size();
            for (int i = 0; i < inputs; i++) {
                int size = contract.inputSize(i);
                FloatBuffer buffer = buffers.buffer(i, batch * size);
                for (int r = from; r < to; r++) {
                    if (failures[r] == null) {
                        failures[r] = stage(requests.get(r)[i], i, buffer, (r - from) * size, batch * size);
                    }
                }
                // The padding rows keep what they held (zeros, or an earlier run's inputs): a row's output
                // depends on that row alone, and rewriting zeros would cost a GPU run of 16 with one request
                // 37 MB of writes. So does a failed request's row, whatever its input left there.
                buffer.position(batch * size).flip();
                feeds.put(contract.inputNames().get(i), OnnxTensor.createTensor(env, buffer, withBatch(batch, contract.inputShape(i))));
            }
            int size = contract.outputSize();
            FloatBuffer out = buffers.buffer(inputs, batch * size);
            output = OnnxTensor.createTensor(env, out, withBatch(batch, contract.outputShape()));
            runs.incrementAndGet();
            runOn(buffers.session, feeds, Map.of(contract.outputName(), output));
            for (int r = from; r < to; r++) {
                if (failures[r] == null) {
                    results.outputs()[r] = new float[size];
                    out.position((r - from) * size).get(results.outputs()[r]);
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

    /**
     * Writes one request's input {@code i} at {@code row} of {@code buffer}; null if it wrote exactly its
     * size, else why not. The buffer is left at the row's end either way.
     */
    private RuntimeException stage(TensorInput input, int i, FloatBuffer buffer, int row, int limit) {
        int size = contract.inputSize(i);
        String wrote = null;
        RuntimeException failure = null;
        buffer.limit(limit).position(row);
        try {
            input.writeTo(buffer);
            if (buffer.position() != row + size) {
                wrote = (buffer.position() - row) + " floats";
            }
        } catch (BufferOverflowException e) {
            wrote = "past the end of the batch";
        } catch (RuntimeException e) {
            failure = e;
        }
        if (wrote != null) {
            failure = new IllegalStateException("input '" + contract.inputNames().get(i) + "': "
                    + input.getClass().getSimpleName() + " wrote " + wrote + ", not its size() of " + size);
        }
        buffer.limit(limit).position(row + size);
        return failure;
    }

    private static long[] withBatch(int batch, long[] perSample) {
        long[] shape = new long[perSample.length + 1];
        shape[0] = batch;
        System.arraycopy(perSample, 0, shape, 1, perSample.length);
        return shape;
    }

    /**
     * Closes every session, each once its leases are back: closing a session under a run would free native
     * memory the run still uses. From now on nothing can be borrowed (callers waiting for a lease get an
     * IllegalStateException). Waits up to {@link #CLOSE_WAIT} for the leases, interrupted or not (a
     * cancelled Flink task is interrupted while it closes); a session whose leases are not all back by then
     * is closed by the last of them.
     *
     * @throws IllegalStateException if a session was still leased after {@link #CLOSE_WAIT}
     */
    @Override
    public void close() throws OrtException {
        close(CLOSE_WAIT);
    }

    /**
     * {@link #close()} after {@code failure} elsewhere (opening this pool or what it was opened for): a
     * failure to close is added to it, which the caller then throws.
     */
    public void closeAfter(Throwable failure) {
        try {
            close();
        } catch (OrtException | RuntimeException closing) {
            failure.addSuppressed(closing);
        }
    }

    /** {@link #close()} waiting {@code wait} for leases (for tests). */
    void close(Duration wait) throws OrtException {
        List<Session> back = new ArrayList<>();
        int running = 0;
        boolean interrupted = false;
        lock.lock();
        try {
            closed = true;
            changed.signalAll(); // waiting borrowers give up
            long deadline = System.nanoTime() + wait.toNanos();
            while (free.size() < maxLeases()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            abandoned = true;
            for (Session s : sessions) {
                if (s.leased == 0) {
                    back.add(s);
                } else {
                    running++;
                }
            }
            free.clear();
            sessions.clear();
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        OrtException first = null;
        for (Session s : back) {
            try {
                s.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        if (running > 0) {
            throw new IllegalStateException(running + " ONNX Runtime session(s) still leased after "
                    + wait.toMillis() / 1000.0 + " s were left open, to be closed when they come back");
        }
    }
}
