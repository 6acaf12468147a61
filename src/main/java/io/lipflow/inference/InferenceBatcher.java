package io.lipflow.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gathers single inference requests into batches and runs them on a {@link SessionPool}: a batch closes
 * when it holds {@code maxBatch} requests or when its oldest request has waited {@code maxDelay}. One
 * dispatcher thread takes the first request, waits for a free {@link SessionPool.Lease}, then fills the
 * batch, so under load (every lease out) requests queue up and batches fill; worker threads (one per lease,
 * so a session's next batch is staged while one runs) run them and complete the futures, in any order. In
 * a job one batcher per model serves every slot of a process ({@link SharedBatchers}). Thread-safe. Does
 * not own the pool: close this first, then the pool.
 */
public final class InferenceBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceBatcher.class);
    private record Request(TensorInput[] inputs, long submittedNanos, CompletableFuture<float[]> result) {}

    private final SessionPool pool;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final ExecutorService workers;
    private final Thread dispatcher;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param maxBatch  most requests per model run
     * @param maxDelay  longest a request waits for others to join its batch
     */
    public InferenceBatcher(SessionPool pool, int maxBatch, Duration maxDelay) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive");
        }
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelay.toNanos();
        AtomicInteger ids = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(pool.maxLeases(), r -> daemon(r, "lipflow-inference-" + ids.incrementAndGet()));
        this.dispatcher = daemon(this::dispatch, "lipflow-batcher");
        dispatcher.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Queues one request ({@code inputs[i]} is model input {@code i}, flat); the future completes with the
     * flat output, or exceptionally if the run fails, an input writes other than its size, or the
     * batcher (or the pool) was closed.
     *
     * @throws IllegalArgumentException if the inputs do not fit the model (checked here so that one bad
     *     request cannot fail the others in its batch)
     */
    public CompletableFuture<float[]> submit(TensorInput... inputs) {
        pool.checkRequest(inputs);
        CompletableFuture<float[]> result = new CompletableFuture<>();
        synchronized (this) { // no request may slip in after close() has let the dispatcher drain the queue
            if (closed) {
                result.completeExceptionally(new IllegalStateException("inference batcher is closed"));
            } else {
                queue.add(new Request(inputs, System.nanoTime(), result));
            }
        }
        return result;
    }

    /** The pool this runs its batches on. */
    public SessionPool pool() {
        return pool;
    }

    /** Model runs so far. */
    public long batches() {
        return batches.get();
    }

    /** Requests run so far. */
    public long requests() {
        return requests.get();
    }

    private void dispatch() {
        try {
            while (!closed || !queue.isEmpty()) {
                Request first = queue.poll(50, TimeUnit.MILLISECONDS); // wakes up now and then to notice close()
                if (first == null) {
                    continue;
                }
                List<Request> batch = new ArrayList<>(maxBatch);
                batch.add(first);
                SessionPool.Lease lease = null;
                try {
                    // while every lease is out, requests queue up
                    lease = pool.borrow();
                    gather(batch);
                    workers.execute(new Run(lease, batch));
                } catch (IllegalStateException e) {
                    // the pool was closed before this batcher: its requests fail rather than wait for ever
                    fail(batch, e);
                } catch (InterruptedException | RejectedExecutionException e) {
                    // close() was interrupted and stops at once: this batch will not run, its lease goes back
                    if (lease != null) {
                        lease.close();
                    }
                    fail(batch, closedEarly());
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds queued requests to {@code batch} (holding its first) until it is full or the first one's delay is up. */
    private void gather(List<Request> batch) throws InterruptedException {
        long deadline = batch.get(0).submittedNanos() + maxDelayNanos;
        while (batch.size() < maxBatch) {
            queue.drainTo(batch, maxBatch - batch.size());
            long left = deadline - System.nanoTime();
            if (batch.size() >= maxBatch || left <= 0 || closed) {
                break;
            }
            Request next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            batch.add(next);
        }
    }

    /** One batch on its lease, for a worker; the lease goes back before the futures complete. */
    private final class Run implements Runnable {
        private final SessionPool.Lease lease;
        private final List<Request> batch;

        Run(SessionPool.Lease lease, List<Request> batch) {
            this.lease = lease;
            this.batch = batch;
        }

        @Override
        public void run() {
            List<TensorInput[]> inputs = new ArrayList<>(batch.size());
            for (Request r : batch) {
                inputs.add(r.inputs());
            }
            SessionPool.Results results = null;
            Throwable failed = null;
            try {
                results = lease.run(inputs);
            } catch (Exception | Error e) {
                failed = e;
            }
            try {
                lease.close();
            } catch (RuntimeException closing) {
                // only a session handed back after its pool closed can fail to close: a finished batch stands
                if (failed != null) {
                    failed.addSuppressed(closing);
                } else {
                    LOG.warn("a session could not be closed after its batch", closing);
                }
            }
            if (failed != null) {
                fail(batch, failed);
                return;
            }
            batches.incrementAndGet();
            requests.addAndGet(batch.size());
            // with the lease back: what the futures' callbacks do does not keep it from the next batch
            for (int i = 0; i < batch.size(); i++) {
                RuntimeException failure = results.failures()[i];
                if (failure != null) {
                    batch.get(i).result().completeExceptionally(failure);
                } else {
                    batch.get(i).result().complete(results.outputs()[i]);
                }
            }
        }

        /** Gives the lease back and fails the batch without running it. */
        void abandon(Exception why) {
            lease.close();
            fail(batch, why);
        }
    }

    private static void fail(List<Request> batch, Throwable why) {
        for (Request r : batch) {
            r.result().completeExceptionally(why);
        }
    }

    private static IllegalStateException closedEarly() {
        return new IllegalStateException("inference batcher closed while interrupted");
    }

    /**
     * Stops taking requests, runs those already queued, and waits for the running batches to finish. If the
     * calling thread is interrupted meanwhile (Flink cancelling the task), stops at once: the requests not
     * yet running fail and their leases go back to the pool; batches already inside the model finish on
     * their own, and the pool's {@link SessionPool#close()} waits for them.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            dispatcher.join();
            workers.shutdown();
            if (!workers.awaitTermination(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("inference workers did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dispatcher.interrupt();
            // a Run waits in the executor's queue only in the moment between a worker giving its lease back
            // and taking the next task, but then it holds a lease that must go back
            for (Runnable waiting : workers.shutdownNow()) {
                ((Run) waiting).abandon(closedEarly());
            }
            for (Request r; (r = queue.poll()) != null; ) {
                r.result().completeExceptionally(closedEarly());
            }
        }
    }
}
