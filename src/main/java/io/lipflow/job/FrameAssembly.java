package io.lipflow.job;

import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.accumulators.IntCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by speaker: emits the speaker's made frames ({@link FaceGeneration}) strictly in order, holding
 * frames that finished early in keyed state until their predecessors arrive. After the last frame it emits
 * the utterance's end marker and clears the state; an abandoned utterance gets no end marker, so no video
 * is finished from the frames it got. An utterance with a frame that could not be made (its avatar could
 * not be had) is dead-lettered once; its frames from then on, and those waiting for it, are dropped and it
 * gets no end marker either.
 * Metrics: {@code frames}, {@code framesPerSecond}, {@code audioToFrameLatencyMillis} (chunk arrival at the
 * mel stage to the frame's emission) and {@code backlogFrames} (frames of this subtask's speakers waiting
 * for a predecessor).
 */
public class FrameAssembly extends KeyedProcessFunction<String, FrameEvent, VideoFrame> {
    private static final long serialVersionUID = 1L;

    /** Accumulator with the number of frames emitted. */
    public static final String ACCUMULATOR = "frames";
    static final String STAGE = "composite";
    /** Stands for a frame that could not be made (no encoded image is empty; held frames go through state). */
    private static final byte[] MISSING = new byte[0];

    private final JobSettings settings;
    private transient IntCounter emitted;
    private transient ValueState<Integer> next;
    private transient MapState<Integer, byte[]> waiting;
    private transient MapState<Integer, Long> waitingArrivals;
    private transient ValueState<FrameEvent> end;
    /** Set once a frame of the open utterance could not be made. */
    private transient ValueState<Boolean> broken;
    private transient Counter frames;
    private transient Histogram audioToFrame;
    /** Frames in this subtask's reorder buffers, counted since it (re)started. */
    private transient int backlog;

    public FrameAssembly(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        emitted = new IntCounter();
        getRuntimeContext().addAccumulator(ACCUMULATOR, emitted);
        next = getRuntimeContext().getState(new ValueStateDescriptor<>("next-frame", Types.INT));
        waiting = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-frames", Types.INT,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        waitingArrivals = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting-arrivals", Types.INT, Types.LONG));
        end = getRuntimeContext().getState(new ValueStateDescriptor<>("end", TypeInformation.of(FrameEvent.class)));
        broken = getRuntimeContext().getState(new ValueStateDescriptor<>("broken", Types.BOOLEAN));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        frames = metrics.counter("frames");
        metrics.meter("framesPerSecond", new MeterView(frames));
        audioToFrame = JobMetrics.histogram(metrics, "audioToFrameLatencyMillis");
        // frames buffered before a restore are not counted, so releasing them must not drive the gauge negative
        metrics.gauge("backlogFrames", () -> Math.max(0, backlog));
        // the TaskManager's, so every subtask there shows the same values
        metrics.gauge("avatarCacheMegabytes", () -> AvatarCache.bytes() >> 20);
        metrics.gauge("avatarCacheDrops", AvatarCache::drops);
    }

    @Override
    public void processElement(FrameEvent e, Context ctx, Collector<VideoFrame> out) throws Exception {
        int expected = next.value() == null ? 0 : next.value();
        if (e.end) {
            end.update(e);
        } else {
            byte[] image = image(e, ctx);
            if (e.index != expected) {
                waiting.put(e.index, image);
                waitingArrivals.put(e.index, e.arrivalMillis);
                backlog++;
                return;
            }
            emit(e, expected++, image, e.arrivalMillis, out);
            for (byte[] ready = waiting.get(expected); ready != null; ready = waiting.get(expected)) {
                long arrived = waitingArrivals.get(expected);
                waiting.remove(expected);
                waitingArrivals.remove(expected);
                backlog--;
                // frames made before one of theirs could not be are dropped with the utterance
                emit(e, expected++, image == MISSING ? MISSING : ready, arrived, out);
            }
        }
        FrameEvent last = end.value();
        if (last != null && expected == last.index) {
            if (!last.abandoned() && broken.value() == null) {
                out.collect(VideoFrame.end(last.speaker, last.utterance, last.index, settings.format, last.audio, last.audioRate));
            }
            next.clear();
            waiting.clear();
            waitingArrivals.clear();
            end.clear();
            broken.clear();
        } else {
            next.update(expected);
        }
    }

    /** The frame's encoded image, or {@link #MISSING} once a frame of its utterance could not be made. */
    private byte[] image(FrameEvent e, Context ctx) throws Exception {
        if (broken.value() != null) {
            return MISSING;
        }
        if (e.failure != null) { // the utterance's first such frame: later ones return above
            broken.update(true);
            ctx.output(DeadLetter.TAG, new DeadLetter(e.speaker, e.utterance, STAGE, e.failure));
            return MISSING;
        }
        return e.image;
    }

    private void emit(FrameEvent e, int index, byte[] image, long arrivalMillis, Collector<VideoFrame> out) {
        if (image.length == 0) { // MISSING
            return;
        }
        out.collect(VideoFrame.frame(e.speaker, e.utterance, index, settings.format, image));
        emitted.add(1);
        frames.inc();
        audioToFrame.update(System.currentTimeMillis() - arrivalMillis);
    }
}
