package io.lipflow.cli;

import io.lipflow.job.JobEnvironment;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.Arrays;

/**
 * Entry point of the shaded job jar ({@code target/lipflow-job.jar}) for {@code flink run} and the REST
 * API's {@code /jars/{id}/run}. It takes the options of {@code ./lipflow run} ({@link JobSpec}) and
 * builds the same job with {@link JobLauncher#assemble}. State backend, checkpoint
 * directory, restart strategy, default parallelism and, where it sets one, the network buffer timeout come
 * from the cluster's config.yaml; the options {@code --parallelism} and {@code --checkpoint-seconds}
 * override them only when given. All paths must be visible to every TaskManager under the same name (a
 * shared volume).
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(Arrays.asList(argv));
        JobSpec spec = JobSpec.parse(args);
        boolean parallelismGiven = args.has("parallelism");
        boolean intervalGiven = args.has("checkpoint-seconds");
        args.finish();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // as in JobEnvironment: no operator mutates a record it has emitted, so chained operators skip copies
        env.getConfig().enableObjectReuse();
        if (parallelismGiven) {
            env.setParallelism(spec.parallelism);
        }
        if (env.getConfiguration().getOptional(ExecutionOptions.BUFFER_TIMEOUT).isEmpty()) {
            env.setBufferTimeout(JobEnvironment.BUFFER_TIMEOUT_MILLIS);
        }
        // the file sink commits on checkpoints: without an interval from the cluster, use the job's default
        if (intervalGiven || !env.getCheckpointConfig().isCheckpointingEnabled()) {
            env.enableCheckpointing(spec.checkpointSeconds * 1000L);
        }
        JobLauncher.assemble(env, spec);
        env.execute(spec.name);
    }
}
