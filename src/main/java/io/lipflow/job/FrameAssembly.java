package io.lipflow.job;

import io.lipflow.frames.BgrImage;
import io.lipflow.frames.Compositor;
import io.lipflow.frames.FrameEncoder;
import io.lipflow.frames.PreparedTemplate;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by speaker: pastes each generated face into its template frame, encodes it, and emits the
 * speaker's frames strictly in order, holding frames that finished early in keyed state until their
 * predecessors arrive. After the last frame it emits the utterance's end marker and clears the state;
 * an abandoned utterance gets no end marker, so no video is finished from the frames it got.
 */
public class FrameAssembly extends KeyedProcessFunction<String, FrameEvent, VideoFrame> {
    private static final long serialVersionUID = 1L;

    /** Accumulator with the number of frames emitted. */
    public static final String ACCUMULATOR = "frames";

    private final JobSettings settings;
    private transient IntCounter emitted;
    private transient ValueState<Integer> next;
    private transient MapState<Integer, byte[]> waiting;
    private transient ValueState<FrameEvent> end;

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
        end = getRuntimeContext().getState(new ValueStateDescriptor<>("end", TypeInformation.of(FrameEvent.class)));
    }

    @Override
    public void processElement(FrameEvent e, Context ctx, Collector<VideoFrame> out) throws Exception {
        int expected = next.value() == null ? 0 : next.value();
        if (e.end) {
            end.update(e);
        } else {
            byte[] image = encode(composite(e));
            if (e.index != expected) {
                waiting.put(e.index, image);
                return;
            }
            emit(e, expected++, image, out);
            for (byte[] ready = waiting.get(expected); ready != null; ready = waiting.get(expected)) {
                waiting.remove(expected);
                emit(e, expected++, ready, out);
            }
        }
        FrameEvent last = end.value();
        if (last != null && expected == last.index) {
            if (!last.abandoned()) {
                out.collect(VideoFrame.end(last.speaker, last.utterance, last.index, settings.format, last.audio, last.audioRate));
            }
            next.clear();
            waiting.clear();
            end.clear();
        } else {
            next.update(expected);
        }
    }

    private void emit(FrameEvent e, int index, byte[] image, Collector<VideoFrame> out) {
        out.collect(VideoFrame.frame(e.speaker, e.utterance, index, settings.format, image));
        emitted.add(1);
    }

    private BgrImage composite(FrameEvent e) throws Exception {
        PreparedTemplate template = AvatarCache.get(settings, e.avatar).template(e.template);
        return Compositor.composite(template.frame(), template.box(), e.crop, e.face, 0);
    }

    private byte[] encode(BgrImage image) {
        return FrameEncoder.encode(image, settings.format, settings.jpegQuality);
    }
}
