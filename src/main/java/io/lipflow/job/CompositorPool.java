package io.lipflow.job;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The compositor threads of one process (a TaskManager), one per core, shared by every slot: pasting a
 * generated face into its template frame and encoding the frame (2-3 ms of CPU a frame) run here rather
 * than on the speaker's task thread. On a task thread a speaker's frames could use one core, and a slot
 * holding more speakers than the others held back the end of a run: keys spread unevenly over slots (the
 * bench's 32 speakers over 16 slots put 5 on two slots and none on three). Counted: the first {@link
 * #acquire} starts the threads, the last {@link #release} shuts them down once the frames queued are done.
 */
final class CompositorPool {
    private static ExecutorService threads;
    private static int users;

    private CompositorPool() {}

    /** The process's compositor threads; every call must be matched by one {@link #release}. */
    static synchronized ExecutorService acquire() {
        if (threads == null) {
            AtomicInteger ids = new AtomicInteger();
            threads = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
                Thread t = new Thread(r, "lipflow-compositor-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        users++;
        return threads;
    }

    /** Gives back the threads from {@link #acquire}; the last user shuts them down. */
    static synchronized void release() {
        if (users == 0) {
            throw new IllegalStateException("compositor pool released more often than acquired");
        }
        if (--users == 0) {
            threads.shutdown();
            threads = null;
        }
    }
}
