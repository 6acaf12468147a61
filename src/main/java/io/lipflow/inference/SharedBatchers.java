package io.lipflow.inference;

import ai.onnxruntime.OrtException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The inference batchers of one process (a TaskManager), each with the session pool it runs on, shared by
 * every task slot that runs the same model the same way. One queue per model and process: a batch gathers
 * the requests of every slot's speakers, so batches fill where each slot's own would be mostly padding on
 * a GPU (32 speakers over 16 slots are two per slot); a slot can keep all of the process's sessions busy
 * when it is the only one with work; and the slots never run more sessions at once than the process was
 * given, so they do not oversubscribe the cores (beyond the batcher's workers staging inputs). Counted:
 * the first {@link #acquire} opens the pool, warms it up and starts the batcher, the last {@link #release}
 * closes both.
 */
public final class SharedBatchers {
    private record Key(Path model, ModelContract.Kind kind, int sessions, int threads, Device device, int maxBatch,
                       Duration maxDelay) {}

    private static final class Entry {
        final InferenceBatcher batcher;
        int users;

        Entry(InferenceBatcher batcher) {
            this.batcher = batcher;
        }
    }

    private static final Map<Key, Entry> BATCHERS = new HashMap<>();

    private SharedBatchers() {}

    /**
     * The process's batcher for this model and configuration, its pool opened (and warmed up at {@code
     * maxBatch}) on first use. Every call must be matched by one {@link #release}. On a GPU every run has
     * {@code maxBatch} inputs, padded: ONNX Runtime's CUDA provider redoes its cuDNN convolution set-up
     * whenever a session's input shape changes (CPU work, the GPU idle meanwhile). Measured on an H100: the
     * UNet pipeline with the batcher's changing batch sizes (up to 8) made 9.6 frames/s for one speaker and
     * 10-19 for four; four speakers with the batch fixed at 1, 236; the raw generator at one size, 1,050-1,110.
     */
    public static synchronized InferenceBatcher acquire(Path model, ModelContract.Kind kind, int sessions, int threads,
                                                        Device device, int maxBatch, Duration maxDelay)
            throws ModelException, OrtException, InterruptedException {
        Key key = new Key(model.toAbsolutePath().normalize(), kind, sessions, threads, device, maxBatch, maxDelay);
        Entry entry = BATCHERS.get(key);
        if (entry == null) {
            SessionPool pool = new SessionPool(model, kind, sessions, threads, device, device.isCuda() ? maxBatch : 0);
            try {
                // the first runs at a batch size are several times slower (ONNX Runtime sizes its arena)
                pool.warmUp(maxBatch, 2);
                entry = new Entry(new InferenceBatcher(pool, maxBatch, maxDelay));
            } catch (Throwable e) {
                pool.closeAfter(e);
                throw e;
            }
            BATCHERS.put(key, entry);
        }
        entry.users++;
        return entry.batcher;
    }

    /**
     * Gives back a batcher from {@link #acquire}; the last user closes it (running the requests still
     * queued, or failing them if that user's thread is interrupted: a cancelled task) and then its pool,
     * outside the lock: closing waits for runs in flight, and other operators' acquire and release need
     * not wait meanwhile. A slot that is not the last leaves its requests still queued to run: their
     * results go to an operator that has closed, which drops them.
     */
    public static void release(InferenceBatcher batcher) throws OrtException {
        if (unregister(batcher)) {
            try {
                batcher.close();
            } finally {
                batcher.pool().close();
            }
        }
    }

    /** Counts one user of {@code batcher} out; true when it was the last. */
    private static synchronized boolean unregister(InferenceBatcher batcher) {
        for (var it = BATCHERS.entrySet().iterator(); it.hasNext(); ) {
            Entry entry = it.next().getValue();
            if (entry.batcher == batcher) {
                if (--entry.users == 0) {
                    it.remove();
                    return true;
                }
                return false;
            }
        }
        throw new IllegalArgumentException("not a shared batcher, or released too often");
    }

    /** Batchers open now (for tests). */
    static synchronized int open() {
        return BATCHERS.size();
    }
}
