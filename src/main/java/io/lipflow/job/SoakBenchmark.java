package io.lipflow.job;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.audio.WavEncoder;
import io.lipflow.features.EncoderWindows;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.inference.ModelGenerator;
import io.lipflow.output.VideoFrame;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A soak run: many speakers with minutes of synthetic speech each through the whole job (mirror
 * generator, RocksDB state, checkpoints) on an embedded cluster in this JVM, sampling heap used after a
 * full GC and the process's resident memory every few seconds. Frames go to a sink that checks each
 * utterance arrives complete and in order (N + 2 frames, then its end), so a lost or duplicated frame
 * fails the run. The verdict compares the last third of the samples with the middle third.
 */
public final class SoakBenchmark {
    /** Utterances each speaker's audio is split into (state must be cleared between them). */
    private static final int UTTERANCES_PER_SPEAKER = 4;
    private static final int RATE = SyntheticSpeech.SAMPLE_RATE;
    /** Growth from the middle to the last third still called flat. */
    private static final double FLAT_TOLERANCE = 0.10;

    /** Frames seen per speaker/utterance, and the problems found, shared with the sink in this JVM. */
    private static final Map<String, Integer> NEXT = new ConcurrentHashMap<>();
    private static final Map<String, Integer> COMPLETED = new ConcurrentHashMap<>();
    private static final List<String> PROBLEMS = java.util.Collections.synchronizedList(new ArrayList<>());
    private static final AtomicLong FRAMES = new AtomicLong();

    /** One memory sample. */
    private record Sample(double seconds, long frames, long heapMiB, long rssMiB) {}

    private SoakBenchmark() {}

    /**
     * Runs the soak; returns whether memory stayed flat and every utterance came out complete.
     *
     * @param work a scratch directory for models, avatar and audio
     */
    public static boolean run(int speakers, int secondsPerSpeaker, int parallelism, int sampleSeconds, Path work,
                              PrintStream out) throws Exception {
        Path models = work.resolve("models");
        Files.createDirectories(models);
        Files.write(models.resolve(ModelGenerator.MIRROR_FILE), ModelGenerator.mirrorGenerator().onnx());
        Files.write(models.resolve(ModelGenerator.ENCODER_FILE), ModelGenerator.audioEncoder().onnx());
        Path avatar = work.resolve("avatars").resolve("soak");
        DemoAvatar.writeDataset(avatar, 25);
        Map<String, Integer> expected = writeAudio(work.resolve("audio"), speakers, secondsPerSpeaker);
        long totalFrames = expected.values().stream().mapToLong(Integer::longValue).sum();
        out.printf("soak: %d speakers x %d s (%d utterances, %d frames expected), parallelism %d, mirror generator%n",
                speakers, secondsPerSpeaker, expected.size(), totalFrames, parallelism);

        JobSettings settings = new JobSettings();
        settings.generator = models.resolve(ModelGenerator.MIRROR_FILE).toString();
        settings.encoder = models.resolve(ModelGenerator.ENCODER_FILE).toString();
        settings.avatarDirs.put("soak", avatar.toString());
        StreamExecutionEnvironment env = JobEnvironment.local(parallelism, work.resolve("checkpoints"), Duration.ofSeconds(5));
        LipFlowJob.Outputs outputs = LipFlowJob.build(AudioSources.wavFiles(env, work.resolve("audio"),
                new SpeakerRouting(Map.of(), "soak"), null, settings.maxBufferedBytes), settings);
        outputs.frames().sinkTo(new CheckingSink()).name("checking sink");
        outputs.deadLetters().map(new DeadLetterLog()).sinkTo(new DiscardingSink<>());

        NEXT.clear();
        COMPLETED.clear();
        PROBLEMS.clear();
        FRAMES.set(0);
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        JobClient client = env.executeAsync("lipflow soak");
        out.println("   time   frames  frames/s  heap MiB (after GC)  RSS MiB");
        while (!client.getJobExecutionResult().isDone()) {
            Thread.sleep(sampleSeconds * 1000L);
            Sample s = sample(start);
            samples.add(s);
            out.printf("%6.0fs %8d %9.1f %20d %8d%n", s.seconds(), s.frames(), s.frames() / s.seconds(), s.heapMiB(), s.rssMiB());
        }
        client.getJobExecutionResult().get();
        double seconds = (System.nanoTime() - start) / 1e9;

        expected.forEach((utterance, frames) -> {
            Integer got = COMPLETED.get(utterance);
            if (got == null || got.intValue() != frames) {
                PROBLEMS.add(utterance + ": " + got + " frames, expected " + frames);
            }
        });
        out.printf("soak: %d frames in %.0f s (%.1f frames/s); %d of %d utterances complete%n", FRAMES.get(), seconds,
                FRAMES.get() / seconds, COMPLETED.size(), expected.size());
        PROBLEMS.stream().limit(10).forEach(p -> out.println("soak: PROBLEM " + p));
        boolean flat = verdict(samples, out);
        return flat && PROBLEMS.isEmpty();
    }

    /** Compares the average of the last third of the samples with the middle third's (the first is warm-up). */
    private static boolean verdict(List<Sample> samples, PrintStream out) {
        int third = samples.size() / 3;
        if (third < 1) {
            out.println("soak: too short for a verdict (fewer than 3 samples)");
            return false;
        }
        double heapMiddle = average(samples.subList(third, 2 * third), Sample::heapMiB);
        double heapLast = average(samples.subList(samples.size() - third, samples.size()), Sample::heapMiB);
        double rssMiddle = average(samples.subList(third, 2 * third), Sample::rssMiB);
        double rssLast = average(samples.subList(samples.size() - third, samples.size()), Sample::rssMiB);
        boolean flat = heapLast <= heapMiddle * (1 + FLAT_TOLERANCE) && rssLast <= rssMiddle * (1 + FLAT_TOLERANCE);
        out.printf("soak: %s: heap %.0f -> %.0f MiB (%+.1f%%), RSS %.0f -> %.0f MiB (%+.1f%%), middle third -> last third%n",
                flat ? "FLAT" : "GROWING", heapMiddle, heapLast, 100 * (heapLast / heapMiddle - 1), rssMiddle, rssLast,
                100 * (rssLast / rssMiddle - 1));
        return flat;
    }

    private static double average(List<Sample> samples, java.util.function.ToLongFunction<Sample> value) {
        return samples.stream().mapToLong(value).average().orElse(0);
    }

    private static Sample sample(long start) throws IOException {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rssKiB = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst().orElse(-1);
        return new Sample((System.nanoTime() - start) / 1e9, FRAMES.get(), heap >> 20, rssKiB >> 10);
    }

    /**
     * Writes each speaker's audio as {@code audio/speaker-NN/uK.wav}; returns the frame count each
     * utterance must produce, by {@code speaker/utterance}.
     */
    private static Map<String, Integer> writeAudio(Path dir, int speakers, int seconds) throws IOException {
        Map<String, Integer> frames = new ConcurrentHashMap<>();
        int perUtterance = seconds * RATE / UTTERANCES_PER_SPEAKER;
        for (int s = 0; s < speakers; s++) {
            String speaker = String.format(Locale.ROOT, "speaker-%02d", s);
            Path speakerDir = Files.createDirectories(dir.resolve(speaker));
            for (int u = 0; u < UTTERANCES_PER_SPEAKER; u++) {
                float[] x = SyntheticSpeech.generate(perUtterance, s * 1000L + u);
                Files.write(speakerDir.resolve("u" + u + ".wav"), WavEncoder.pcm16(x, RATE));
                frames.put(speaker + "/u" + u, EncoderWindows.videoFrames(x.length));
            }
        }
        return frames;
    }

    /** Checks each utterance's frames arrive once each, in order, followed by its end marker. */
    private static final class CheckingSink implements Sink<VideoFrame> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<VideoFrame> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(VideoFrame f, Context context) {
                    String key = f.speaker + "/" + f.utterance;
                    int next = NEXT.getOrDefault(key, 0);
                    if (f.index != next) {
                        PROBLEMS.add(key + ": got " + (f.end ? "the end at " : "frame ") + f.index + ", expected " + next);
                    }
                    if (f.end) {
                        NEXT.remove(key);
                        if (COMPLETED.put(key, f.index) != null) {
                            PROBLEMS.add(key + ": ended twice");
                        }
                    } else {
                        NEXT.put(key, next + 1);
                        FRAMES.incrementAndGet();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
