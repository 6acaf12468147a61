package io.lipflow.job;

import ai.onnxruntime.OrtException;
import io.lipflow.inference.Device;
import io.lipflow.inference.InferenceBatcher;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelException;
import io.lipflow.inference.SessionPool;
import io.lipflow.inference.SharedBatchers;
import io.lipflow.inference.TensorInput;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * An async operator running one ONNX model: each parallel instance (task slot) holds the process's
 * shared {@link InferenceBatcher} for the model and its {@link SessionPool} ({@link SharedBatchers}), so
 * that a batch gathers the requests of every slot's speakers; it is given back when the operator closes.
 * A cancelled slot's requests still queued then run all the same unless it was the last user (at most its
 * in-flight frames, whose results go nowhere).
 * Metrics, prefixed with the stage name ({@code encoder}, {@code generator}): {@code LatencyMicros} (request
 * to result, batching included), and of the shared batcher and pool {@code BatchSizeMean}, {@code
 * SessionsInUse} and {@code SessionWaitMillis} (total time batches waited for a free buffer set).
 */
abstract class ModelFunction<IN, OUT> extends RichAsyncFunction<IN, OUT> {
    private static final long serialVersionUID = 1L;

    protected final JobSettings settings;
    private final ModelContract.Kind kind;
    private final String stage;
    private transient InferenceBatcher batcher;
    private transient Histogram latency;

    ModelFunction(JobSettings settings, ModelContract.Kind kind, String stage) {
        this.settings = settings;
        this.kind = kind;
        this.stage = stage;
    }

    /** The model file this operator runs. */
    abstract String modelPath();

    /** Largest batch on {@code device}. */
    abstract int maxBatch(Device device);

    @Override
    public void open(OpenContext context) throws Exception {
        Device device = Device.parse(settings.device);
        try {
            batcher = SharedBatchers.acquire(Path.of(modelPath()), kind, settings.sessions(device), settings.intraOpThreads,
                    device, maxBatch(device), Duration.ofMillis(settings.maxBatchDelayMillis));
        } catch (OrtException e) {
            throw failure(e); // a model that cannot run fails here, named as on any run
        }
        InferenceBatcher shared = batcher; // the gauges may be read after close()
        SessionPool pool = shared.pool();
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        latency = JobMetrics.histogram(metrics, stage + "LatencyMicros");
        metrics.gauge(stage + "BatchSizeMean", () -> shared.batches() == 0 ? 0.0 : (double) shared.requests() / shared.batches());
        metrics.gauge(stage + "SessionsInUse", pool::inUse);
        metrics.gauge(stage + "SessionWaitMillis", () -> pool.waitNanos() / 1_000_000);
    }

    /** Queues one model request with the batcher and records its latency when the result is there. */
    protected CompletableFuture<float[]> infer(TensorInput... inputs) {
        long start = System.nanoTime();
        return batcher.submit(inputs).whenComplete((result, error) -> latency.update(JobMetrics.micros(start)));
    }

    /** A failed model run, named by its model file, so that the job's failure says which model broke. */
    protected ModelException failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return new ModelException(Path.of(modelPath()).getFileName() + ": the " + kind + " failed: " + cause.getMessage(), cause);
    }

    @Override
    public void close() throws Exception {
        if (batcher != null) {
            InferenceBatcher held = batcher;
            batcher = null;
            SharedBatchers.release(held);
        }
    }
}
