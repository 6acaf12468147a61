package io.lipflow.cli;

import io.lipflow.audio.AudioChunk;
import io.lipflow.inference.ModelException;
import io.lipflow.job.AudioSources;
import io.lipflow.job.DeadLetterLog;
import io.lipflow.job.FrameAssembly;
import io.lipflow.job.JobEnvironment;
import io.lipflow.job.LipFlowJob;
import io.lipflow.output.FrameFileSink;
import io.lipflow.output.KafkaFrameSink;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.SerializedThrowable;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Wires a {@link JobSpec}'s sources and sinks around {@link LipFlowJob} and runs it. */
final class JobLauncher {
    /** Dead letters go here under the output directory ('_' cannot start a speaker id). */
    static final String DEAD_LETTER_DIR = "_dead-letters";

    private JobLauncher() {}

    /** Adds the whole job to {@code env}. */
    static void assemble(StreamExecutionEnvironment env, JobSpec spec) {
        DataStream<AudioChunk> audio = spec.audio != null
                ? AudioSources.wavFiles(env, spec.audio, spec.routing, spec.watch ? Duration.ofSeconds(1) : null,
                        spec.settings.maxBufferedBytes)
                : AudioSources.kafka(env, spec.kafkaIn, spec.topic, spec.group, spec.bounded, spec.routing);
        LipFlowJob.Outputs outputs = LipFlowJob.build(audio, spec.settings);
        if (spec.out != null) {
            outputs.frames().sinkTo(new FrameFileSink(spec.out)).name("frame files").uid("frame-files");
        }
        if (spec.kafkaOut != null) {
            outputs.frames().sinkTo(KafkaFrameSink.create(spec.kafkaOut, spec.framesTopic, spec.name + "-" + spec.framesTopic))
                    .name("kafka frames").uid("kafka-frames");
        }
        DataStream<String> deadLetters = outputs.deadLetters().map(new DeadLetterLog()).name("dead letters").uid("dead-letters");
        if (spec.out != null) {
            // part files right in _dead-letters/, each complete at the checkpoint after its lines (the default
            // would bucket by hour and hold lines back for a minute's roll)
            deadLetters.sinkTo(FileSink.forRowFormat(new org.apache.flink.core.fs.Path(spec.out.resolve(DEAD_LETTER_DIR).toUri()),
                            new SimpleStringEncoder<String>())
                    .withBucketAssigner(new BasePathBucketAssigner<>())
                    .withRollingPolicy(OnCheckpointRollingPolicy.build())
                    .build()).name("dead-letter files").uid("dead-letter-files");
        } else {
            deadLetters.sinkTo(KafkaFrameSink.lines(spec.kafkaOut, spec.framesTopic + "-dead-letters",
                    spec.name + "-dl-" + spec.framesTopic)).name("dead-letter topic").uid("dead-letter-topic");
        }
    }

    /** Runs the job on an embedded Flink with the web UI, printing progress; returns the result. */
    static JobExecutionResult runLocal(JobSpec spec, String name, PrintStream out) throws Exception {
        int port = freePort(8081);
        Path checkpoints = Files.createTempDirectory("lipflow-checkpoints");
        AtomicReference<JobClient> running = new AtomicReference<>();
        // an embedded run's checkpoints cannot be resumed from once it has ended, however it ends (Ctrl-C too);
        // the job is cancelled first, or a checkpoint under way writes the directory again after it is deleted
        Thread cleanUp = new Thread(() -> {
            cancel(running.get());
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
        }, "lipflow-checkpoints-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUp);
        try {
            return runLocal(spec, name, port, checkpoints, running, out);
        } finally {
            cancel(running.get()); // still running if the progress loop failed
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException shuttingDown) {
                // the hook deletes them
            }
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
    }

    /** Cancels a job still running and waits a while for it to end; at JVM shutdown, so nothing here may throw. */
    private static void cancel(JobClient client) {
        if (client == null) {
            return;
        }
        try {
            client.cancel().get(10, TimeUnit.SECONDS);
            client.getJobExecutionResult().get(20, TimeUnit.SECONDS);
        } catch (Exception endedOrStopping) {
            // ended already, cancelled (its result is then an error), or the cluster is shutting down too
        }
    }

    private static JobExecutionResult runLocal(JobSpec spec, String name, int port, Path checkpoints,
            AtomicReference<JobClient> running, PrintStream out) throws Exception {
        StreamExecutionEnvironment env = JobEnvironment.local(spec.parallelism, checkpoints,
                Duration.ofSeconds(spec.checkpointSeconds), port);
        assemble(env, spec);
        long start = System.nanoTime();
        JobClient client = env.executeAsync(name);
        running.set(client);
        out.println(name + ": running at parallelism " + spec.parallelism + "; Flink web UI: http://127.0.0.1:" + port);
        long lastFrames = -1;
        while (!client.getJobExecutionResult().isDone()) {
            Thread.sleep(2000);
            long frames = counter(client, FrameAssembly.ACCUMULATOR);
            if (frames != lastFrames && frames >= 0) {
                double seconds = (System.nanoTime() - start) / 1e9;
                out.printf("%s: %d frames after %.0f s (%.1f frames/s)%n", name, frames, seconds, frames / seconds);
                lastFrames = frames;
            }
        }
        try {
            return client.getJobExecutionResult().get();
        } catch (ExecutionException failed) {
            throw modelFailure(failed).orElseThrow(() -> failed);
        }
    }

    /** A job that failed because a model failed on every run is the user's to fix: one line naming the model. */
    static Optional<UserError> modelFailure(Throwable failed) {
        for (Throwable t = failed; t != null; t = t.getCause()) {
            String type = t instanceof SerializedThrowable s ? s.getOriginalErrorClassName() : t.getClass().getName();
            if (type.equals(ModelException.class.getName())) {
                return Optional.of(new UserError("the job failed after " + JobEnvironment.LOCAL_RESTARTS + " restarts: "
                        + t.getMessage(), failed));
            }
        }
        return Optional.empty();
    }

    static long frames(JobExecutionResult result) {
        return value(result.getAllAccumulatorResults(), FrameAssembly.ACCUMULATOR);
    }

    static long deadLetters(JobExecutionResult result) {
        return value(result.getAllAccumulatorResults(), DeadLetterLog.ACCUMULATOR);
    }

    private static long counter(JobClient client, String name) {
        try {
            return value(client.getAccumulators().get(5, TimeUnit.SECONDS), name);
        } catch (Exception notYet) {
            return -1; // the job is still starting or already finishing
        }
    }

    private static long value(Map<String, Object> accumulators, String name) {
        Object v = accumulators.get(name);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** The first free loopback port from {@code from}. */
    static int freePort(int from) throws IOException {
        for (int port = from; port < from + 100; port++) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException busy) {
                // try the next one
            }
        }
        throw new IOException("no free port in " + from + ".." + (from + 99));
    }
}
