package io.lipflow.job;

import io.lipflow.frames.AvatarException;
import io.lipflow.frames.Compositor;
import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.PreparedTemplate;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.TensorInput;
import io.lipflow.output.SharedThreads;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Makes each frame: runs the generator on the frame's face crop and audio input, batched across speakers,
 * then pastes the face into its template frame and encodes it on the process's compositor threads, so
 * that neither waits on the speaker's task thread; results may complete out of order, and the ordered
 * async operator emits them in order. End markers pass through. A frame whose avatar cannot be had here
 * (dropped from the cache and unreadable since, or imported again without the frame's template) comes out
 * with its {@link FrameEvent#failure} and without a model run, and so do the rest of its utterance's frames
 * without another attempt to read the avatar; {@link FrameAssembly} dead-letters the utterance.
 * Metrics besides {@link ModelFunction}'s: {@code compositeLatencyMicros} and {@code encodeLatencyMicros}.
 */
final class FaceGeneration extends ModelFunction<FrameEvent, FrameEvent> {
    private static final long serialVersionUID = 1L;
    /**
     * The compositor threads, one per core, shared by every slot: pasting a face and encoding its frame (2-3 ms
     * of CPU) on a task thread would bind a speaker's frames to one core, and a slot holding more speakers than
     * the others would hold back the end of a run: keys spread unevenly over slots (the bench's 32 speakers over
     * 16 slots put 5 on two slots and none on three).
     */
    private static final SharedThreads COMPOSITORS = new SharedThreads("lipflow-compositor", Runtime.getRuntime().availableProcessors());

    /** An utterance whose avatar could not be had, and why. */
    private record Broken(String utterance, String reason) {}

    private transient ExecutorService compositors;
    /** By speaker, its open utterance if that one's avatar could not be had. Task thread only. */
    private transient Map<String, Broken> broken;
    private transient Histogram compositeLatency;
    private transient Histogram encodeLatency;

    FaceGeneration(JobSettings settings) {
        super(settings, ModelContract.Kind.GENERATOR, "generator");
    }

    @Override
    int maxBatch(Device device) {
        return settings.maxBatch(device);
    }

    @Override
    String modelPath() {
        return settings.generator;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        super.open(context);
        compositors = COMPOSITORS.acquire();
        broken = new HashMap<>();
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        compositeLatency = JobMetrics.histogram(metrics, "compositeLatencyMicros");
        encodeLatency = JobMetrics.histogram(metrics, "encodeLatencyMicros");
    }

    @Override
    public void asyncInvoke(FrameEvent frame, ResultFuture<FrameEvent> result) {
        if (frame.end) {
            broken.remove(frame.speaker); // the utterance's frames have all passed: the speaker's next one tries anew
            result.complete(List.of(frame));
            return;
        }
        PreparedTemplate template;
        try {
            template = template(frame);
        } catch (AvatarException bad) {
            FrameEvent failed = made(frame);
            failed.failure = bad.getMessage();
            result.complete(List.of(failed));
            return;
        }
        infer(new FaceInput(frame.crop), TensorInput.of(frame.audioInput)).whenCompleteAsync((face, error) -> {
            if (error != null) {
                result.completeExceptionally(failure(error));
                return;
            }
            try {
                FrameEvent made = made(frame);
                made.image = encode(template, composite(template, frame.crop, face));
                result.complete(List.of(made));
            } catch (Throwable e) { // an Error too: the frame's result must complete, or the job waits for its timeout
                result.completeExceptionally(e);
            }
        }, compositors);
    }

    /** The frame's template, from the avatar cache, or the reason its utterance's avatar could not be had. */
    private PreparedTemplate template(FrameEvent frame) throws AvatarException {
        Broken failed = broken.get(frame.speaker);
        if (failed != null && failed.utterance().equals(frame.utterance)) {
            throw new AvatarException(failed.reason());
        }
        try {
            return AvatarCache.get(settings, frame.avatar).template(frame.template);
        } catch (AvatarException bad) {
            broken.put(frame.speaker, new Broken(frame.utterance, bad.getMessage()));
            throw bad;
        }
    }

    /**
     * A new event for the frame's result: the input stays intact, as Flink may checkpoint it while in
     * flight, and the result need not hold the input's crop and audio.
     */
    private static FrameEvent made(FrameEvent frame) {
        FrameEvent made = FrameEvent.frame(frame.speaker, frame.avatar, frame.utterance, frame.index, frame.template, null, null);
        made.arrivalMillis = frame.arrivalMillis;
        return made;
    }

    private Compositor.Patch composite(PreparedTemplate template, byte[] crop, float[] face) {
        long start = System.nanoTime();
        Compositor.Patch patch = Compositor.patch(template.region(), crop, face, 0);
        compositeLatency.update(JobMetrics.micros(start));
        return patch;
    }

    private byte[] encode(PreparedTemplate template, Compositor.Patch patch) {
        long start = System.nanoTime();
        byte[] encoded = template.encode(patch);
        encodeLatency.update(JobMetrics.micros(start));
        return encoded;
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            if (compositors != null) {
                compositors = null;
                COMPOSITORS.release();
            }
        }
    }

    /**
     * The generator input of a crop, built in a session's buffer when its batch is staged: a frame waiting
     * for its batch holds its 323 KB crop, not a 2.4 MB input.
     */
    private record FaceInput(byte[] crop) implements TensorInput {
        FaceInput {
            // checked here, not when its batch runs, where a bad request would fail the whole batch
            if (crop == null || crop.length != FaceCrop.CROP_BYTES) {
                throw new IllegalArgumentException("a crop has " + FaceCrop.CROP_BYTES + " bytes, got "
                        + (crop == null ? "none" : crop.length));
            }
        }

        @Override
        public int size() {
            return FaceCrop.INPUT_SIZE;
        }

        @Override
        public void writeTo(FloatBuffer dst) {
            FaceCrop.writeInput(crop, dst);
        }
    }
}
