package io.lipflow.output;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Muxes each ended utterance's MP4 from its committed frames and WAV, after {@link FrameFileSink}'s
 * committer has put them in place, on the process's muxing threads: muxing takes 5-10 ms of CPU a frame, so
 * an utterance of a minute holds a thread for seconds, and in the committer it held the task thread of every
 * speaker chained with it (live frames came seconds late). The threads, one for every two cores, are shared
 * by every slot of the process, so that muxing leaves the live frames most of the cores even when several
 * utterances end at once.
 *
 * <p>Exactly once: the committer emits an utterance's MP4 request after the checkpoint that holds it
 * completes, and again from that checkpoint's state after a restore from it; this operator keeps every
 * request not yet muxed in its own state, so a request received before a checkpoint and unmuxed at a
 * failure is muxed after the restore. A request whose MP4 is in place already is skipped, so repeats cost
 * nothing. An MP4 that cannot be made (a frame file removed by hand, say) is logged and counted, and the
 * utterance keeps its frames and WAV.
 */
final class Mp4Muxing extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<CommittableMessage<FrameFileSink.Committable>, Void>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Mp4Muxing.class);

    private static final long STOP_WAIT_NANOS = 10_000_000_000L;
    private static final SharedThreads MUXERS =
            new SharedThreads("lipflow-mp4-muxing", Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

    /** The requests received and not yet muxed, each with its place on the muxing threads. */
    private transient Map<FrameFileSink.Committable, Future<?>> waiting;
    private transient ListState<FrameFileSink.Committable> waitingState;
    private transient ExecutorService muxers;
    private transient Counter muxed;
    private transient Counter failed;
    /** Muxes under way, which a cancel waits for: they stop at their next frame and remove what they wrote. */
    private transient AtomicInteger running;
    /** An Error on a muxing thread, thrown on the task thread to fail the job as it would have there. */
    private transient volatile Throwable fatal;
    private transient volatile boolean stopping;
    private transient boolean inputEnded;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        waitingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("mp4s to mux", TypeInformation.of(FrameFileSink.Committable.class)));
        waiting = new ConcurrentHashMap<>();
        muxers = MUXERS.acquire();
        running = new AtomicInteger();
        muxed = getMetricGroup().counter("mp4s", new ThreadSafeSimpleCounter());
        failed = getMetricGroup().counter("mp4Failures", new ThreadSafeSimpleCounter());
        getMetricGroup().gauge("mp4sWaiting", () -> waiting.size());
        for (FrameFileSink.Committable c : waitingState.get()) {
            submit(c);
        }
    }

    @Override
    public void processElement(StreamRecord<CommittableMessage<FrameFileSink.Committable>> record) {
        failIfFatal();
        if (record.getValue() instanceof CommittableWithLineage<FrameFileSink.Committable> committed
                && committed.getCommittable().mux()) {
            submit(committed.getCommittable());
        }
    }

    /** Queues a request, unless it waits already (a restore's state and the committer's repeat both hold it). */
    private void submit(FrameFileSink.Committable c) {
        if (waiting.containsKey(c)) {
            return;
        }
        FutureTask<Void> task = new FutureTask<>(() -> {
            running.incrementAndGet();
            try {
                mux(c);
                muxed.inc();
                waiting.remove(c);
            } catch (IOException | RuntimeException e) {
                if (stopping) { // interrupted: its read, or the writer between two frames
                    LOG.info("stopped muxing {} as the job stops; a restored job muxes it", c.target());
                } else {
                    failed.inc();
                    LOG.warn("no MP4 {} (its frames and WAV are in place): {}", c.target(), e.toString());
                    waiting.remove(c);
                }
            } catch (Throwable e) { // kept waiting: the job fails and its restore muxes it again
                LOG.error("muxing {} failed", c.target(), e);
                fatal = e;
            } finally {
                running.decrementAndGet();
            }
        }, null);
        waiting.put(c, task);
        muxers.execute(task);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        failIfFatal();
        super.snapshotState(context);
        waitingState.update(new ArrayList<>(waiting.keySet()));
    }

    @Override
    public void endInput() {
        inputEnded = true;
    }

    private void failIfFatal() {
        if (fatal != null) {
            throw new IllegalStateException("MP4 muxing failed: " + fatal, fatal);
        }
    }

    /**
     * At the end of a bounded input waits for every MP4, including those of the final checkpoint (whose
     * requests arrive after the input's end); otherwise (a cancel, a failover) stops muxing at the next
     * frame: the requests are in the last checkpoint's state and are muxed after the restore.
     */
    @Override
    public void close() throws Exception {
        try {
            if (muxers != null) {
                if (inputEnded) {
                    for (Future<?> mp4 : List.copyOf(waiting.values())) {
                        mp4.get(); // its own failures are logged and counted
                    }
                    failIfFatal();
                } else {
                    stop();
                }
            }
        } finally {
            if (muxers != null) {
                muxers = null;
                MUXERS.release();
            }
            super.close();
        }
    }

    /** Cancels the muxes queued and interrupts those under way, then waits a while for them to stop. */
    private void stop() throws InterruptedException {
        stopping = true;
        waiting.values().forEach(mp4 -> mp4.cancel(true));
        long deadline = System.nanoTime() + STOP_WAIT_NANOS;
        while (running.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /**
     * Muxes an utterance's MP4 from its committed frames and WAV, unless it is muxed already: under a
     * pending name of its own (an attempt still stopping after a failover may be writing another) and
     * renamed into place when whole.
     */
    private static void mux(FrameFileSink.Committable c) throws IOException {
        Path mp4 = Path.of(c.target());
        Path wav = Path.of(c.pending() + ".wav");
        if (muxedFrom(mp4, wav)) {
            return;
        }
        // not Files.createTempFile, whose files only their owner may read
        Path tmp = mp4.resolveSibling("." + mp4.getFileName() + "." + UUID.randomUUID() + ".pending");
        try {
            Mp4Writer.writeUtterance(Path.of(c.pending()), c.frameCount(), c.format(), wav, tmp);
            Files.move(tmp, mp4, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp); // the part written before the failure
            } catch (IOException gone) {
                e.addSuppressed(gone);
            }
            throw e;
        }
    }

    /**
     * Whether {@code mp4} was muxed from the utterance whose WAV is {@code wav}. An MP4 in place is whole:
     * it is muxed under a pending name and renamed when done. It is this utterance's when it is newer than
     * the WAV, which is written after the utterance's last frame; an older one is from an earlier run into
     * the same directory, or from before a replay wrote the utterance again, and is muxed again.
     */
    private static boolean muxedFrom(Path mp4, Path wav) throws IOException {
        return Files.exists(mp4) && Files.getLastModifiedTime(mp4).compareTo(Files.getLastModifiedTime(wav)) > 0;
    }
}
