package io.lipflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The Flink settings LipFlow runs with: RocksDB keyed state with incremental checkpoints, exactly-once
 * checkpoints at a fixed interval, and object reuse (chained operators hand over records, including
 * the large tensors, without copying them: no operator mutates a record it has emitted).
 */
public final class JobEnvironment {
    /** Restarts in a row (without an hour of normal running between them) before a local job fails. */
    public static final int LOCAL_RESTARTS = 4;

    private JobEnvironment() {}

    public static Configuration configuration(Path checkpoints, Duration interval) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toAbsolutePath().toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        return conf;
    }

    /**
     * An embedded MiniCluster with the web UI on 127.0.0.1:{@code restPort}. A failing job is restarted
     * from its last checkpoint with a growing delay, but a fault that recurs at once (a model that fails
     * on every run) fails it after {@value #LOCAL_RESTARTS} restarts instead of retrying forever.
     */
    public static StreamExecutionEnvironment local(int parallelism, Path checkpoints, Duration interval, int restPort) {
        Configuration conf = configuration(checkpoints, interval);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(8));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, LOCAL_RESTARTS);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        env.setParallelism(parallelism);
        return env;
    }
}
