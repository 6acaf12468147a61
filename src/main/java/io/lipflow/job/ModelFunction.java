package io.lipflow.job;

import io.lipflow.inference.Device;
import io.lipflow.inference.InferenceBatcher;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelException;
import io.lipflow.inference.SessionPool;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An async operator running one ONNX model: each parallel instance (task slot) holds its own
 * {@link SessionPool} and an {@link InferenceBatcher} that batches requests across speakers, both
 * closed with the operator.
 */
abstract class ModelFunction<IN, OUT> extends RichAsyncFunction<IN, OUT> {
    private static final long serialVersionUID = 1L;

    protected final JobSettings settings;
    private final ModelContract.Kind kind;
    private final int maxBatch;
    private transient SessionPool pool;
    protected transient InferenceBatcher batcher;

    ModelFunction(JobSettings settings, ModelContract.Kind kind, int maxBatch) {
        this.settings = settings;
        this.kind = kind;
        this.maxBatch = maxBatch;
    }

    /** The model file this operator runs. */
    abstract String modelPath();

    @Override
    public void open(OpenContext context) throws Exception {
        pool = new SessionPool(Path.of(modelPath()), kind, settings.sessionsPerSlot, settings.intraOpThreads,
                Device.parse(settings.device));
        batcher = new InferenceBatcher(pool, maxBatch, Duration.ofMillis(settings.maxBatchDelayMillis));
    }

    /** A failed model run, named by its model file, so that the job's failure says which model broke. */
    protected Throwable failure(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return new ModelException(Path.of(modelPath()).getFileName() + ": the " + kind + " failed: " + cause.getMessage(), cause);
    }

    @Override
    public void close() throws Exception {
        if (batcher != null) {
            batcher.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
