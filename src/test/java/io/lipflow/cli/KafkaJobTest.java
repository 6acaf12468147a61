package io.lipflow.cli;

import io.lipflow.testing.TestClusters;
import io.lipflow.audio.WavDecoder;
import io.lipflow.audio.WavEncoder;
import io.lipflow.features.EncoderWindows;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.inference.Device;
import io.lipflow.job.AudioSources;
import io.lipflow.job.JobEnvironment;
import io.lipflow.job.JobSettings;
import io.lipflow.job.LipFlowJob;
import io.lipflow.job.SpeakerRouting;
import io.lipflow.job.WholeFilePipeline;
import io.lipflow.output.FrameFileSink;
import io.lipflow.output.KafkaFrameSink;
import io.lipflow.output.VideoFrame;
import io.lipflow.testing.FrameTopic;
import io.lipflow.testing.KafkaBroker;
import io.lipflow.testing.TestAssets;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job with a real Kafka broker: audio in and frames out through Kafka, and recovery from a failure. */
class KafkaJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    static KafkaBroker kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    static StreamExecutionEnvironment environment(Path tmp) {
        Configuration conf = JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofMillis(300));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        return env;
    }

    /** Writes a speaker's WAV and returns the frames the whole-file pipeline makes of it with the mirror model. */
    static List<byte[]> speaker(Path wav, double seconds, int rate, long seed, Path avatar) throws Exception {
        Files.createDirectories(wav.getParent());
        float[] x = new float[(int) (seconds * rate)];
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) rate;
            x[i] = (float) (Math.max(0, Math.sin(2 * Math.PI * 2.7 * t)) * 0.4 * Math.sin(2 * Math.PI * (120 + seed * 20) * t)
                    + 0.01 * (r.nextDouble() - 0.5));
        }
        Files.write(wav, WavEncoder.pcm16(x, rate));
        float[] read = WavDecoder.read(wav).samples();
        int expected = EncoderWindows.videoFrames((long) Math.ceil(read.length * 16000.0 / rate));
        try (WholeFilePipeline pipeline = new WholeFilePipeline(TestAssets.encoder(), TestAssets.mirror(), Device.CPU)) {
            List<byte[]> frames = pipeline.render(read, rate, PreparedAvatar.prepare(Avatar.open(avatar), "jpg", 95, n -> { }));
            assertEquals(expected, frames.size());
            return frames;
        }
    }

    /** Each speaker's records: frames 0..N+1 exactly once, in order, equal to the reference, then one end marker. */
    static void assertComplete(Map<String, List<byte[]>> expected, Map<String, List<FrameTopic.Record>> topic) {
        assertEquals(expected.keySet(), topic.keySet());
        expected.forEach((speaker, frames) -> {
            List<FrameTopic.Record> records = topic.get(speaker);
            assertEquals(frames.size() + 1, records.size(), speaker + ": every frame once, and the end marker");
            for (int i = 0; i < frames.size(); i++) {
                assertFalse(records.get(i).end());
                assertEquals(i, records.get(i).index(), speaker + " in order");
                assertArrayEquals(frames.get(i), records.get(i).image(), speaker + " frame " + i);
            }
            assertTrue(records.get(frames.size()).end());
            assertEquals(frames.size(), records.get(frames.size()).index());
        });
    }

    @Test
    void produceFailsWhenTheBrokerRefusesItsRecords() throws Exception {
        kafka.createTopic("audio-small", 1, Map.of("max.message.bytes", "2000"));
        Path wav = Files.write(tmp.resolve("s.wav"), WavEncoder.pcm16(new float[16000], 16000));
        // 500 ms chunks: 8000 samples a record, over the topic's 2000 bytes
        CliRunner r = CliRunner.run("produce", "--wav", wav.toString(), "--kafka", kafka.bootstrap(),
                "--topic", "audio-small", "--speaker", "s", "--chunk-ms", "500", "--speed", "0");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("topic audio-small"), r.err());
        assertFalse(r.out().contains("chunks to topic"), "no success line: " + r.out());
    }

    @Test
    void audioInThroughKafkaFramesOutThroughKafka() throws Exception {
        kafka.createTopic("audio-in", 2);
        kafka.createTopic("frames-out", 2);
        Path avatar = TestAssets.avatar("k-avatar", 3, 0);
        Map<String, List<byte[]>> expected = Map.of(
                "k1", speaker(tmp.resolve("k1.wav"), 1.3, 16000, 1, avatar),
                "k2", speaker(tmp.resolve("k2.wav"), 1.1, 22050, 2, avatar));
        for (String s : expected.keySet()) {
            CliRunner r = CliRunner.run("produce", "--wav", tmp.resolve(s + ".wav").toString(), "--kafka", kafka.bootstrap(),
                    "--topic", "audio-in", "--speaker", s, "--utterance", "hello", "--chunk-ms", "100", "--speed", "0");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("chunks to topic audio-in"), r.out());
        }
        JobSpec spec = JobSpec.parse(new Args(List.of("--kafka", kafka.bootstrap(), "--topic", "audio-in", "--bounded",
                "--avatar", avatar.toString(), "--generator", TestAssets.mirror().toString(),
                "--encoder", TestAssets.encoder().toString(), "--kafka-out", kafka.bootstrap(), "--frames-topic", "frames-out")));
        StreamExecutionEnvironment env = environment(tmp);
        JobLauncher.assemble(env, spec);
        env.execute("kafka test");

        assertComplete(expected, FrameTopic.readCommitted(kafka.bootstrap(), "frames-out"));
    }

    /** Throws once, at frame {@code index} of {@code speaker}; counts completed checkpoints. */
    static final class FailOnce extends RichMapFunction<VideoFrame, VideoFrame> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger CHECKPOINTS = new AtomicInteger();
        private final String speaker;
        private final int index;

        FailOnce(String speaker, int index) {
            this.speaker = speaker;
            this.index = index;
        }

        @Override
        public VideoFrame map(VideoFrame f) {
            if (f.speaker.equals(speaker) && f.index == index && !f.end && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure at " + speaker + " frame " + index);
            }
            return f;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @Test
    void aFailureMidStreamLeavesEverySpeakersOutputCompleteOnBothSinks() throws Exception {
        kafka.createTopic("frames-failover", 2);
        Path avatar = TestAssets.avatar("f-avatar", 3, 1);
        Path input = tmp.resolve("in");
        Path later = tmp.resolve("later");
        Map<String, List<byte[]>> expected = Map.of(
                "f1", speaker(input.resolve("f1/u.wav"), 2.4, 16000, 3, avatar),
                "f2", speaker(input.resolve("f2/u.wav"), 2.0, 16000, 4, avatar),
                "f3", speaker(later.resolve("f3/u.wav"), 1.6, 48000, 5, avatar));
        JobSettings settings = new JobSettings();
        settings.generator = TestAssets.mirror().toString();
        settings.encoder = TestAssets.encoder().toString();
        settings.avatarDirs.put("f-avatar", avatar.toString());

        // a watched directory: the job stays up, and f3 arrives after a checkpoint has completed
        StreamExecutionEnvironment env = environment(tmp);
        LipFlowJob.Outputs outputs = LipFlowJob.build(AudioSources.wavFiles(env, input,
                new SpeakerRouting(Map.of(), "f-avatar"), Duration.ofMillis(200), 1 << 30), settings);
        DataStream<VideoFrame> frames = outputs.frames().map(new FailOnce("f3", 10)).name("fault injector");
        Path out = tmp.resolve("out");
        frames.sinkTo(new FrameFileSink(out)).name("frame files").uid("frame-files");
        frames.sinkTo(KafkaFrameSink.create(kafka.bootstrap(), "frames-failover", "lipflow-failover-test")).name("kafka frames");
        FailOnce.FAILED.set(false);
        FailOnce.CHECKPOINTS.set(0);
        JobClient job = env.executeAsync("failover test");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (FailOnce.CHECKPOINTS.get() == 0) {
            assertTrue(System.nanoTime() < deadline, "a checkpoint completes");
            Thread.sleep(50);
        }
        Files.move(later.resolve("f3"), input.resolve("f3"), StandardCopyOption.ATOMIC_MOVE);
        while (!expected.keySet().stream().allMatch(s -> Files.exists(out.resolve(s).resolve("u.mp4")))) {
            assertTrue(System.nanoTime() < deadline, "all utterances committed within 120 s");
            assertFalse(job.getJobExecutionResult().isDone(), "the job recovers and keeps running");
            Thread.sleep(200);
        }
        job.cancel().get();
        assertTrue(FailOnce.FAILED.get(), "the failure was injected mid-stream and the job recovered");

        assertComplete(expected, FrameTopic.readCommitted(kafka.bootstrap(), "frames-failover"));
        for (var e : expected.entrySet()) {
            Path dir = out.resolve(e.getKey()).resolve("u");
            for (int i = 0; i < e.getValue().size(); i++) {
                assertArrayEquals(e.getValue().get(i), Files.readAllBytes(dir.resolve(VideoFrame.fileName(i, "jpg"))));
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(e.getValue().size(), files.count(), e.getKey() + ": exactly N + 2 frame files");
            }
            assertTrue(Files.size(out.resolve(e.getKey()).resolve("u.mp4")) > 1000);
        }
        try (Stream<Path> all = Files.walk(out)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().endsWith(".pending")).toList(),
                    "no pending files left behind");
        }
    }
}
