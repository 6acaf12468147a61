package io.lipflow.job;

import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.TensorInput;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

import java.util.List;

/** Runs the audio encoder on each mel window (batched across speakers); end markers pass through. */
final class AudioEncoding extends ModelFunction<FeatureEvent, FeatureEvent> {
    private static final long serialVersionUID = 1L;

    AudioEncoding(JobSettings settings) {
        super(settings, ModelContract.Kind.AUDIO_ENCODER, "encoder");
    }

    @Override
    int maxBatch(Device device) {
        return 32;
    }

    @Override
    String modelPath() {
        return settings.encoder;
    }

    @Override
    public void asyncInvoke(FeatureEvent window, ResultFuture<FeatureEvent> result) {
        if (window.end) {
            result.complete(List.of(window));
            return;
        }
        infer(TensorInput.of(window.values)).whenComplete((embedding, error) -> {
            if (error != null) {
                result.completeExceptionally(failure(error));
            } else {
                result.complete(List.of(window.withValues(embedding)));
            }
        });
    }
}
