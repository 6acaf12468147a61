package io.lipflow.cli;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import io.lipflow.audio.WavEncoder;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.inference.Device;
import io.lipflow.job.WholeFilePipeline;
import io.lipflow.testing.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster deployment end to end: a standalone session cluster (JobManager and TaskManager JVMs),
 * the shaded job jar uploaded and run through the REST API, a multi-speaker file job to completion with
 * frames identical to {@link WholeFilePipeline}'s and the custom metrics read through the REST API while
 * it runs, then a Kafka job against a real broker. Runs in {@code mvn verify} after the jar is built.
 */
class ClusterIT {
    /** The metrics checked, as the REST API names them after the operator: name to plausible [min, max]. */
    private static final Map<String, double[]> PLAUSIBLE = new LinkedHashMap<>();
    private static final long JOB_TIMEOUT_NANOS = 180_000_000_000L;

    static {
        PLAUSIBLE.put("frames", new double[] {1, 1e6});
        PLAUSIBLE.put("framesPerSecond", new double[] {0.01, 1e4});
        PLAUSIBLE.put("melLatencyMicros_mean", new double[] {1, 1e6});
        PLAUSIBLE.put("encoderLatencyMicros_median", new double[] {10, 3e7});
        PLAUSIBLE.put("generatorLatencyMicros_median", new double[] {10, 3e7});
        PLAUSIBLE.put("compositeLatencyMicros_median", new double[] {10, 1e6});
        PLAUSIBLE.put("encodeLatencyMicros_median", new double[] {10, 1e6});
        PLAUSIBLE.put("audioToFrameLatencyMillis_median", new double[] {0, 6e4});
        PLAUSIBLE.put("encoderBatchSizeMean", new double[] {1, 32});
        PLAUSIBLE.put("generatorBatchSizeMean", new double[] {1, 8});
        PLAUSIBLE.put("encoderSessionsInUse", new double[] {0, 1});
        PLAUSIBLE.put("generatorSessionWaitMillis", new double[] {0, 6e5});
        PLAUSIBLE.put("backlogFrames", new double[] {0, 1e4});
        PLAUSIBLE.put("avatarCacheMegabytes", new double[] {1, 1e4}); // the 12-template demo avatar: ~7 MB
        PLAUSIBLE.put("avatarCacheDrops", new double[] {0, 0}); // one avatar, far within half the heap
        PLAUSIBLE.put("deadLetters", new double[] {1, 1});
    }

    @TempDir
    static Path tmp;
    private static Path models;
    private static Path avatar;
    private static PcmAudio speech;
    private static LocalCluster cluster;
    private static String jarId;

    @BeforeAll
    static void startCluster() throws Exception {
        String classpath = System.getProperty("lipflow.cluster.classpath");
        assertNotNull(classpath, "run with mvn verify (failsafe passes the cluster classpath)");
        models = tmp.resolve("models");
        avatar = tmp.resolve("avatars/demo-a");
        assertEquals(0, CliRunner.run("models", "--out", models.toString()).exitCode());
        assertEquals(0, CliRunner.run("avatar", "demo", "--out", avatar.toString(), "--frames", "12").exitCode());
        speech = WavDecoder.read(Path.of("src/main/resources/demo/speech.wav"));
        cluster = LocalCluster.start(tmp.resolve("cluster"), Path.of("flink-conf/config.yaml"),
                LocalCluster.clusterClasspath(classpath), 2, System.out);
        jarId = cluster.rest().upload(Path.of(System.getProperty("lipflow.job.jar")));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        LocalCluster.stop(tmp.resolve("cluster"));
        assertTrue(LocalCluster.running(tmp.resolve("cluster")).isEmpty());
    }

    @Test
    void runsAMultiSpeakerFileJobAndReportsMetrics() throws Exception {
        Path in = tmp.resolve("in");
        Map<String, float[]> utterances = new HashMap<>();
        // long enough (well over 10 s of work) for the 60 s frame rate meter to update (every 5 s) while the
        // job runs, however fast the frames are made
        int repeats = 6;
        float[] repeated = new float[speech.samples().length * repeats];
        for (int k = 0; k < repeats; k++) {
            System.arraycopy(speech.samples(), 0, repeated, k * speech.samples().length, speech.samples().length);
        }
        utterances.put("anna/hello", repeated);
        utterances.put("erin/again", Arrays.copyOf(speech.samples(), speech.sampleRate()));
        utterances.put("bob/hi", Arrays.copyOfRange(speech.samples(), speech.sampleRate() / 2, speech.samples().length));
        utterances.put("carl/short", Arrays.copyOf(speech.samples(), speech.sampleRate() * 23 / 10));
        for (Map.Entry<String, float[]> u : utterances.entrySet()) {
            Path wav = in.resolve(u.getKey() + ".wav");
            Files.createDirectories(wav.getParent());
            Files.write(wav, WavEncoder.pcm16(u.getValue(), speech.sampleRate()));
        }
        Files.createDirectories(in.resolve("dora"));
        Files.writeString(in.resolve("dora/broken.wav"), "not a wav file"); // one dead letter
        Path out = tmp.resolve("out");

        Map<String, double[]> metrics = new HashMap<>();
        String job = submit("--audio", in.toString(), "--out", out.toString());
        String state;
        long deadline = System.nanoTime() + JOB_TIMEOUT_NANOS;
        do {
            Thread.sleep(1000);
            state = cluster.rest().state(job);
            // a finished job's metrics are gone: keep the last values seen while it ran
            metrics.putAll(cluster.rest().operatorMetrics(job, List.copyOf(PLAUSIBLE.keySet())));
        } while (!finished(state) && System.nanoTime() < deadline);
        assertEquals("FINISHED", state);

        PreparedAvatar prepared = PreparedAvatar.prepare(Avatar.open(avatar), "jpg", 95, i -> { });
        try (WholeFilePipeline reference = new WholeFilePipeline(models.resolve("audio_encoder.onnx"),
                models.resolve("mirror_generator.onnx"), Device.parse("cpu"))) {
            for (Map.Entry<String, float[]> u : utterances.entrySet()) {
                List<byte[]> expected = reference.render(u.getValue(), speech.sampleRate(), prepared);
                Path frames = out.resolve(u.getKey());
                try (var listing = Files.list(frames)) {
                    assertEquals(expected.size(), listing.count(), u.getKey());
                }
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), Files.readAllBytes(frames.resolve(String.format("frame_%05d.jpg", i))),
                            u.getKey() + " frame " + i);
                }
                assertTrue(Files.size(out.resolve(u.getKey() + ".mp4")) > 0, u.getKey() + ".mp4");
            }
        }

        for (Map.Entry<String, double[]> p : PLAUSIBLE.entrySet()) {
            double[] value = metrics.entrySet().stream().filter(m -> m.getKey().endsWith("." + p.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            assertNotNull(value, "metric " + p.getKey() + " not seen; saw " + metrics.keySet());
            double v = p.getKey().equals("deadLetters") || p.getKey().equals("frames") ? value[3] : value[1]; // sum, max
            System.out.printf("metric %-32s min %.1f max %.1f avg %.1f sum %.1f%n", p.getKey(), value[0], value[1], value[2], value[3]);
            assertTrue(v >= p.getValue()[0] && v <= p.getValue()[1],
                    p.getKey() + " = " + v + ", expected " + p.getValue()[0] + ".." + p.getValue()[1]);
        }
    }

    @Test
    void runsAKafkaJob() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createTopic("audio", 2);
            broker.createTopic("frames", 2);
            broker.createTopic("frames-dead-letters", 1);
            Map<String, float[]> utterances = Map.of("anna", Arrays.copyOf(speech.samples(), speech.sampleRate() * 2),
                    "bob", Arrays.copyOf(speech.samples(), speech.sampleRate() * 3));
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrap()),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (Map.Entry<String, float[]> u : utterances.entrySet()) {
                    float[] samples = u.getValue();
                    int chunk = speech.sampleRate() / 2;
                    for (int seq = 0; seq * chunk < samples.length; seq++) {
                        float[] piece = Arrays.copyOfRange(samples, seq * chunk, Math.min(samples.length, (seq + 1) * chunk));
                        boolean last = (seq + 1) * chunk >= samples.length;
                        producer.send(new ProducerRecord<>("audio", u.getKey(), new AudioChunk(u.getKey(), "demo-a", "u1",
                                seq, speech.sampleRate(), piece, last).toKafkaValue()));
                    }
                }
            }
            String job = submit("--kafka", broker.bootstrap(), "--topic", "audio", "--bounded",
                    "--kafka-out", broker.bootstrap(), "--frames-topic", "frames");
            String state;
            long deadline = System.nanoTime() + JOB_TIMEOUT_NANOS;
            do {
                Thread.sleep(1000);
                state = cluster.rest().state(job);
            } while (!finished(state) && System.nanoTime() < deadline);
            assertEquals("FINISHED", state);

            Map<String, List<String>> frames = new TreeMap<>();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
                    "group.id", "cluster-it", "auto.offset.reset", "earliest", "isolation.level", "read_committed",
                    "max.partition.fetch.bytes", "20971520"), new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("frames"));
                long readDeadline = System.nanoTime() + 30_000_000_000L;
                while (frames.values().stream().filter(f -> f.get(f.size() - 1).startsWith("end")).count() < utterances.size()
                        && System.nanoTime() < readDeadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                        String label = r.headers().lastHeader("end") != null
                                ? "end " + new String(r.headers().lastHeader("end").value(), StandardCharsets.UTF_8)
                                : new String(r.headers().lastHeader("frame").value(), StandardCharsets.UTF_8);
                        frames.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(label);
                    }
                }
            }
            PreparedAvatar prepared = PreparedAvatar.prepare(Avatar.open(avatar), "jpg", 95, i -> { });
            try (WholeFilePipeline reference = new WholeFilePipeline(models.resolve("audio_encoder.onnx"),
                    models.resolve("mirror_generator.onnx"), Device.parse("cpu"))) {
                for (Map.Entry<String, float[]> u : utterances.entrySet()) {
                    int count = reference.render(u.getValue(), speech.sampleRate(), prepared).size();
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        expected.add(Integer.toString(i));
                    }
                    expected.add("end " + count);
                    assertEquals(expected, frames.get(u.getKey()), u.getKey() + ": frames in order, then the end marker");
                }
            }
        }
    }

    private static String submit(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--avatar", avatar.toString(), "--name", "cluster-it",
                "--generator", models.resolve("mirror_generator.onnx").toString(),
                "--encoder", models.resolve("audio_encoder.onnx").toString(), "--batch", "8"));
        args.addAll(List.of(options));
        return cluster.rest().run(jarId, ClusterJob.class.getName(), args, 2);
    }

    private static boolean finished(String state) {
        return Set.of("FINISHED", "FAILED", "CANCELED").contains(state);
    }
}
