package io.lipflow.inference;

import ai.onnxruntime.OrtException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The session pools of one process (a TaskManager), shared by every task slot that runs the same model
 * the same way: a speaker's slot can keep all of the process's sessions busy when it is the only one
 * with work, and the slots never run more sessions at once than the process was given, so they do not
 * oversubscribe the cores. Pools are counted: the first {@link #acquire} opens and warms one up, the
 * last {@link #release} closes it.
 */
public final class SharedSessionPools {
    private record Key(Path model, ModelContract.Kind kind, int sessions, int threads, Device device, int runBatch) {}

    private static final class Entry {
        final SessionPool pool;
        int users;

        Entry(SessionPool pool) {
            this.pool = pool;
        }
    }

    private static final Map<Key, Entry> POOLS = new HashMap<>();

    private SharedSessionPools() {}

    /**
     * The process's pool for this model and configuration, opened (and warmed up with {@code warmUpBatch})
     * on first use. Every call must be matched by one {@link #release}. On a GPU every run has {@code
     * warmUpBatch} inputs, padded: ONNX Runtime's CUDA provider redoes its cuDNN convolution set-up
     * whenever a session's input shape changes (CPU work, the GPU idle meanwhile). Measured on an H100: the
     * UNet pipeline with the batcher's changing batch sizes (up to 8) made 9.6 frames/s for one speaker and
     * 10-19 for four; four speakers with the batch fixed at 1, 236; the raw generator at one size, 1,050-1,110.
     */
    public static synchronized SessionPool acquire(Path model, ModelContract.Kind kind, int sessions, int threads,
                                                   Device device, int warmUpBatch)
            throws ModelException, OrtException, InterruptedException {
        int runBatch = device.isCuda() ? warmUpBatch : 0;
        Key key = new Key(model.toAbsolutePath().normalize(), kind, sessions, threads, device, runBatch);
        Entry entry = POOLS.get(key);
        if (entry == null) {
            SessionPool pool = new SessionPool(model, kind, sessions, threads, device, runBatch);
            try {
                // the first runs at a batch size are several times slower (ONNX Runtime sizes its arena)
                pool.warmUp(warmUpBatch, 2);
            } catch (OrtException | InterruptedException | RuntimeException e) {
                try {
                    pool.close();
                } catch (OrtException | RuntimeException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
            entry = new Entry(pool);
            POOLS.put(key, entry);
        }
        entry.users++;
        return entry.pool;
    }

    /**
     * Gives back a pool from {@link #acquire}; the last user closes it, outside the lock: closing waits for
     * runs still in flight, and other operators' acquire and release need not wait meanwhile.
     */
    public static void release(SessionPool pool) throws OrtException {
        if (unregister(pool)) {
            pool.close();
        }
    }

    /** Counts one user of {@code pool} out; true when it was the last. */
    private static synchronized boolean unregister(SessionPool pool) {
        for (var it = POOLS.entrySet().iterator(); it.hasNext(); ) {
            Entry entry = it.next().getValue();
            if (entry.pool == pool) {
                if (--entry.users == 0) {
                    it.remove();
                    return true;
                }
                return false;
            }
        }
        throw new IllegalArgumentException("not a shared pool, or released too often");
    }

    /** Pools open now (for tests). */
    static synchronized int open() {
        return POOLS.size();
    }
}
