package io.lipflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The Flink settings LipFlow runs with: RocksDB keyed state with incremental checkpoints, exactly-once
 * checkpoints at a fixed interval, restarts with a growing delay, records flushed to the network as they are
 * written ({@link #BUFFER_TIMEOUT_MILLIS}), and object reuse (chained operators hand over records, including
 * the large tensors, without copying them: no operator mutates a record it has emitted).
 */
public final class JobEnvironment {
    /** Restarts in a row (without an hour of normal running between them) before a local job fails. */
    public static final int LOCAL_RESTARTS = 4;
    /**
     * Network buffer timeout: 0, each record is flushed as it is written. Only audio chunks (keyBy) and the
     * rare dead letter cross the network, each worth several frames of work, so holding them to fill a buffer
     * gains nothing; a timed flush (Flink's default 100 ms) delays the audio, and even 5 ms wakes every
     * task's output flusher 200 times a second on the cores the generator needs.
     */
    public static final long BUFFER_TIMEOUT_MILLIS = 0;

    private JobEnvironment() {}

    public static Configuration configuration(Path checkpoints, Duration interval) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toAbsolutePath().toUri().toString());
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(BUFFER_TIMEOUT_MILLIS));
        // restart from the last checkpoint with a growing delay, but a fault that recurs at once (a model
        // that fails on every run) fails the job with its cause instead of retrying forever
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(8));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, LOCAL_RESTARTS);
        return conf;
    }

    /** An embedded MiniCluster without the web UI (benchmarks). */
    public static StreamExecutionEnvironment local(int parallelism, Path checkpoints, Duration interval) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(configuration(checkpoints, interval));
        env.setParallelism(parallelism);
        return env;
    }

    /** An embedded MiniCluster with the web UI on 127.0.0.1:{@code restPort}. */
    public static StreamExecutionEnvironment local(int parallelism, Path checkpoints, Duration interval, int restPort) {
        Configuration conf = configuration(checkpoints, interval);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        // accumulators (the CLI's progress) travel with heartbeats: every second instead of every ten
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        env.setParallelism(parallelism);
        return env;
    }
}
