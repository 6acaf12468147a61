package io.lipflow.job;

import io.lipflow.frames.FaceCrop;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.TensorInput;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Runs the generator on each frame's face crop and audio input, batched across speakers; results may
 * complete out of order, and the ordered async operator emits them in order. End markers pass through.
 */
final class FaceGeneration extends ModelFunction<FrameEvent, FrameEvent> {
    private static final long serialVersionUID = 1L;

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
    public void asyncInvoke(FrameEvent frame, ResultFuture<FrameEvent> result) {
        if (frame.end) {
            result.complete(List.of(frame));
            return;
        }
        infer(new FaceInput(frame.crop), TensorInput.of(frame.audioInput)).whenComplete((face, error) -> {
            if (error != null) {
                result.completeExceptionally(failure(error));
            } else {
                // a new event: the input stays intact, as Flink may checkpoint it while in flight
                FrameEvent generated = FrameEvent.frame(frame.speaker, frame.avatar, frame.utterance, frame.index,
                        frame.template, null, frame.crop);
                generated.face = face;
                generated.arrivalMillis = frame.arrivalMillis;
                result.complete(List.of(generated));
            }
        });
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
