package io.lipflow.output;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of daemon threads of one process (a TaskManager), shared by every slot's operators.
 * Counted: the first {@link #acquire} starts the threads, the last {@link #release} shuts them down once
 * the work queued is done, so that no thread outlives the job that loaded this class.
 */
public final class SharedThreads {
    private final String name;
    private final int size;
    private ExecutorService threads;
    private int users;

    /** @param name the threads' names, numbered from 1 */
    public SharedThreads(String name, int size) {
        this.name = name;
        this.size = size;
    }

    /** The threads; every call must be matched by one {@link #release}. */
    public synchronized ExecutorService acquire() {
        if (threads == null) {
            AtomicInteger ids = new AtomicInteger();
            threads = Executors.newFixedThreadPool(size, r -> {
                Thread t = new Thread(r, name + "-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        users++;
        return threads;
    }

    /** Gives back the threads from {@link #acquire}; the last user shuts them down. */
    public synchronized void release() {
        if (users == 0) {
            throw new IllegalStateException(name + " threads released more often than acquired");
        }
        if (--users == 0) {
            threads.shutdown();
            threads = null;
        }
    }
}
