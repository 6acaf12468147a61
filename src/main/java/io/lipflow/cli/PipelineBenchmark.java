package io.lipflow.cli;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.audio.WavEncoder;
import io.lipflow.features.AudioContext;
import io.lipflow.features.EncoderWindows;
import io.lipflow.features.MelWindow;
import io.lipflow.features.MelWindowStream;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.Compositor;
import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.FrameEncoder;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.PreparedTemplate;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelGenerator;
import io.lipflow.inference.SessionPool;
import io.lipflow.job.AudioSources;
import io.lipflow.job.JobEnvironment;
import io.lipflow.job.JobSettings;
import io.lipflow.job.LipFlowJob;
import io.lipflow.job.SpeakerRouting;
import io.lipflow.output.FrameFileSink;
import io.lipflow.output.Mp4Writer;
import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * {@code ./lipflow bench}: in one process, (1) the generator's ceiling on this machine, (2) the whole
 * Flink pipeline with the full UNet on 1, 2, 4 and 8 speakers in three rounds (1, 8 and 32 once on a GPU), (3) the same with the mirror model,
 * which isolates everything but the generator, and (4) a real-time-paced stream's audio-to-frame
 * latency. Prints a table and writes JSON and a PNG chart under {@code bench/results/}.
 */
final class PipelineBenchmark {
    /** What to run; the defaults are the full benchmark, {@link #smoke(Path, Device)} a tiny one. */
    record Options(Device device, int[] speakers, int unetRounds, double secondsPerSpeaker, double minSecondsPerRun,
                   double mirrorAudioFactor, int modelSeconds, int latencySpeakers, double latencySeconds,
                   double unetLatencySeconds, Path results) {
        static Options full(Path results, Device device) {
            if (device.isCuda()) {
                // a GPU's generator runs ~1000 frames/s: many speakers, and a couple of thousand frames per run
                // for a steady window; the mirror is no faster there, so it gets the same audio. Each run opens
                // and warms up its GPU sessions afresh, so three speaker counts.
                return new Options(device, new int[] {1, 8, 32}, 1, 8.0, 120.0, 1, 3, 4, 10.0, 8.0, results);
            }
            // at least 16 s of audio per run, so that start-up transients do not dominate few speakers; the
            // mirror runs ~25x faster than the UNet, so it gets 4x the audio for a steady window of seconds.
            // Live streams of 30 s: a job's first second holds one stall of ~0.1 s (all speakers at once),
            // which in an 8 s stream was the p99 by itself. The UNet stream is short: on a small CPU it
            // falls further behind real time the longer it runs. Three rounds of UNet runs: one 20 s run against
            // the ceiling measured around it has come out 5-15 % low when the machine slowed during the run alone
            // (a "stall": the run's CPU per frame up by as much), so each speaker count's figure is the median of three.
            return new Options(device, new int[] {1, 2, 4, 8}, 3, 4.0, 16.0, 4, 3, 4, 30.0, 8.0, results);
        }

        static Options smoke(Path results, Device device) {
            return new Options(device, new int[] {1}, 2, 0.6, 0, 1, 1, 1, 1.0, 1.0, results);
        }

        /** Audio per speaker in a run of {@code model} with {@code speakers} speakers. */
        double seconds(String model, int speakers) {
            double seconds = Math.max(secondsPerSpeaker, minSecondsPerRun / speakers);
            return model.equals("mirror") ? seconds * mirrorAudioFactor : seconds;
        }
    }

    /**
     * One whole-pipeline run. Steady figures span the first to the last frame; {@code totalCpuMsPerFrame}
     * also counts start-up (models, avatar) and the end (the last checkpoint). {@code ceilingFps} is what
     * the run is compared with: for the UNet, the better of the search's best configuration and the job's
     * own, each measured just before and just after the run (their mean); for the mirror, the search's
     * ceiling. {@code ownConfigFps}: the raw generator in the job's own configuration beside the run (UNet
     * runs only; NaN otherwise), which says how much of the generator's speed the rest of the pipeline costs.
     * {@code round}: which of the rounds of UNet runs this run belongs to, from 1 (mirror runs: 1).
     */
    record PipelineRun(String model, int speakers, long frames, double wallSeconds, double steadyFps,
                       double cpuMsPerFrame, double totalCpuMsPerFrame, double cpuUtilisation, long peakHeapMb,
                       long peakRssMb, double ceilingFps, double ownConfigFps, int round) {
        PipelineRun compared(double ceiling, double ownConfig, int round) {
            return new PipelineRun(model, speakers, frames, wallSeconds, steadyFps, cpuMsPerFrame, totalCpuMsPerFrame,
                    cpuUtilisation, peakHeapMb, peakRssMb, ceiling, ownConfig, round);
        }

        double ofCeiling() {
            return steadyFps / ceilingFps;
        }

        double ofOwnConfig() {
            return steadyFps / ownConfigFps;
        }
    }

    /** The raw generator measured between two UNet runs: in the search's best configuration and in the job's. */
    private record Beside(double ceilingConfig, double jobConfig) {
        /** The mean of this and the measurement on the run's other side. */
        Beside mean(Beside other) {
            return new Beside((ceilingConfig + other.ceilingConfig) / 2, (jobConfig + other.jobConfig) / 2);
        }

        /** The ceiling now: the faster of the two configurations. */
        double best() {
            return Math.max(ceilingConfig, jobConfig);
        }
    }

    /**
     * Audio-to-frame latency beyond the audio a frame needs, in milliseconds. {@code utteranceSeconds}: how long
     * the first speaker's utterances are (each further speaker's a second longer, so that they end at different
     * times), 0 for one utterance per stream; {@code files}: whether the frames went to the frame files and MP4s
     * (else they were discarded).
     */
    record Latency(String model, int speakers, double utteranceSeconds, boolean files, int frames, double p50, double p95,
                   double p99, double max, double cpuUtilisation) {
        String describe() {
            String utterances;
            if (utteranceSeconds == 0) {
                utterances = "one utterance each";
            } else if (speakers == 1) {
                utterances = String.format(Locale.ROOT, "utterances of %.0f s", utteranceSeconds);
            } else {
                utterances = String.format(Locale.ROOT, "utterances of %.0f-%.0f s", utteranceSeconds, utteranceSeconds + speakers - 1);
            }
            return String.format(Locale.ROOT, "%s %d speakers at real time, %s, %s", model, speakers, utterances,
                    files ? "frame files and MP4s" : "frames discarded");
        }
    }

    private static final String MP4_STAGE = "MP4 (decode + H.264 + AAC)";
    /** The first live speaker's utterances when they end during the stream (each further speaker's 1 s longer). */
    private static final double LIVE_UTTERANCE_SECONDS = 6;

    private PipelineBenchmark() {}

    static void run(Path home, Options o, PrintStream out) throws Exception {
        Path models = models(home, out);
        Path avatarDir = avatar(home);
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("bench: %s, %d cores, %d MB max heap; models in %s, avatar %s%n", o.device(), cores,
                Runtime.getRuntime().maxMemory() >> 20, models, avatarDir);

        out.println("bench (1/4): generator ceiling");
        ModelBenchmark.Result ceiling = ModelBenchmark.run(models, o.device(), o.modelSeconds(), out);

        out.println("bench: per-stage CPU time per frame (plain Java, one thread)");
        Map<String, Double> stages = stageCosts(models, avatarDir, ceiling.perSecond());
        stages.forEach((k, v) -> out.printf(Locale.ROOT, "  %-22s %7.2f ms/frame%n", k, v));

        List<PipelineRun> runs = new ArrayList<>();
        Path work = Files.createTempDirectory("lipflow-bench");
        try {
            // the configuration the job runs when nothing is set, which the search need not have found best
            JobSettings defaults = settings(models, avatarDir, o.device(), "reference");
            ModelBenchmark.Result job = new ModelBenchmark.Result(defaults.maxBatch(o.device()), defaults.sessions(o.device()),
                    defaults.intraOpThreads, Double.NaN);
            out.println("bench (2/4): whole pipeline, full UNet; the ceiling's and the job's configurations measured again"
                    + " before and after each run");
            // untimed: the process's first pipelines pay for compiling Flink's and the job's code (JIT), which a
            // running job has long done. The JIT compiler's CPU per frame inside the steady window of 2-speaker
            // runs after a 100-frame warm-up: 2.3, 1.3, 0.8, 0.7 ms; so ~800 frames of warm-up. A frame's Java
            // code reaches the optimising compiler only after thousands of calls, which at the UNet's ~25
            // frames/s takes minutes: the mirror model's run of the most speakers first does most of it in seconds.
            int most = Arrays.stream(o.speakers()).max().orElseThrow();
            pipeline(models, avatarDir, o.device(), "mirror", most, o.seconds("mirror", most), work);
            pipeline(models, avatarDir, o.device(), "reference", 2, 4 * o.secondsPerSpeaker(), work);
            // this machine's speed drifts by 10% and more within minutes: a ceiling measured minutes before a run
            // would compare the run with another machine. Which of the two configurations is faster changes with it
            // too (each has measured 5-15% above the other), so the ceiling beside a run is the better of the two.
            Beside before = beside(models, ceiling, job, false, o, out);
            boolean jobFirst = true; // the first measurement after a run follows it most closely: take turns
            for (int round = 1; round <= o.unetRounds(); round++) {
                if (o.unetRounds() > 1) {
                    out.printf("  round %d of %d%n", round, o.unetRounds());
                }
                for (int speakers : o.speakers()) {
                    PipelineRun r = pipeline(models, avatarDir, o.device(), "reference", speakers, o.seconds("reference", speakers), work);
                    printRun(r, out);
                    Beside after = beside(models, ceiling, job, jobFirst, o, out);
                    Beside around = before.mean(after);
                    runs.add(r.compared(around.best(), around.jobConfig(), round));
                    before = after;
                    jobFirst = !jobFirst;
                }
            }
            out.println("bench (3/4): whole pipeline, mirror model");
            for (int speakers : o.speakers()) {
                PipelineRun r = pipeline(models, avatarDir, o.device(), "mirror", speakers, o.seconds("mirror", speakers), work);
                printRun(r, out);
                runs.add(r.compared(ceiling.perSecond(), Double.NaN, 1));
            }
            out.println("bench (4/4): real-time-paced streams, audio-to-frame latency");
            List<Latency> latencies = new ArrayList<>();
            latencies.add(latency(models, avatarDir, o.device(), "mirror", o.latencySpeakers(), o.latencySeconds(), 0, false, work));
            latencies.add(liveWithFiles(models, avatarDir, o.device(), o, work));
            latencies.add(latency(models, avatarDir, o.device(), "reference", 1, o.unetLatencySeconds(), 0, false, work));
            for (Latency l : latencies) {
                printLatency(l, out);
            }
            report(o, ceiling, stages, runs, latencies, out);
        } finally {
            FileUtils.deleteDirectory(work.toFile());
        }
    }

    private static void printRun(PipelineRun r, PrintStream out) {
        out.printf(Locale.ROOT, "  %-9s %d speakers: %4d frames, %5.1f frames/s steady (%5.1f s wall), "
                        + "%5.1f ms CPU/frame steady (%5.1f with start-up), CPU %3.0f%%, heap %d MB, RSS %d MB%n",
                r.model(), r.speakers(), r.frames(), r.steadyFps(), r.wallSeconds(), r.cpuMsPerFrame(),
                r.totalCpuMsPerFrame(), 100 * r.cpuUtilisation(), r.peakHeapMb(), r.peakRssMb());
    }

    /**
     * The ceiling's configuration and the job's measured again, now, in the order given; once if they are
     * the same configuration.
     */
    private static Beside beside(Path models, ModelBenchmark.Result ceiling, ModelBenchmark.Result job, boolean jobFirst,
                                 Options o, PrintStream out) throws Exception {
        if (ceiling.sameConfiguration(job)) {
            double both = again(models, ceiling, "the ceiling's configuration, the job's own", o, out);
            return new Beside(both, both);
        }
        if (jobFirst) {
            double jobFps = again(models, job, "the job's configuration", o, out);
            return new Beside(again(models, ceiling, "the ceiling's configuration", o, out), jobFps);
        }
        double ceilingFps = again(models, ceiling, "the ceiling's configuration", o, out);
        return new Beside(ceilingFps, again(models, job, "the job's configuration", o, out));
    }

    private static double again(Path models, ModelBenchmark.Result config, String what, Options o, PrintStream out)
            throws Exception {
        ModelBenchmark.Result now = ModelBenchmark.again(models, o.device(), config, 2 * o.modelSeconds());
        out.println("  generator" + now.describe("frames/s") + " (" + what + ", again)");
        return now.perSecond();
    }

    /** The generated models under {@code home}, made on first use. */
    private static Path models(Path home, PrintStream out) throws Exception {
        Path models = home.resolve("models");
        ModelGenerator.ensureGenerated(models, step -> out.println("bench: " + step));
        return models;
    }

    /** The demo avatar the benchmarks composite into, drawn on first use. */
    private static Path avatar(Path home) throws Exception {
        AvatarStore store = new AvatarStore(home.resolve("avatars"));
        DemoCommand.ensureAvatar(store, "demo-a", 0);
        return store.dir("demo-a");
    }

    /** {@code ./lipflow bench latency}: only the real-time-paced streams (part 4). */
    static void latencyOnly(Path home, PrintStream out) throws Exception {
        Path models = models(home, out);
        Path avatarDir = avatar(home);
        Path work = Files.createTempDirectory("lipflow-bench-latency");
        try {
            Options o = Options.full(null, Device.CPU);
            // untimed: a fresh process's first frames wait for the JIT compiler (0.15-0.2 s), which the full
            // bench has long paid for when it gets here
            latency(models, avatarDir, Device.CPU, "mirror", o.latencySpeakers(), 2, 0, false, work);
            printLatency(latency(models, avatarDir, Device.CPU, "mirror", o.latencySpeakers(), o.latencySeconds(), 0, false, work), out);
            printLatency(liveWithFiles(models, avatarDir, Device.CPU, o, work), out);
        } finally {
            FileUtils.deleteDirectory(work.toFile());
        }
    }

    /**
     * Live speakers as a file-writing service has them: utterances that end every few seconds, each muxed to
     * an MP4 when its checkpoint commits, while the other speakers go on talking.
     */
    private static Latency liveWithFiles(Path models, Path avatarDir, Device device, Options o, Path work) throws Exception {
        return latency(models, avatarDir, device, "mirror", o.latencySpeakers(), o.latencySeconds(), LIVE_UTTERANCE_SECONDS,
                true, work);
    }

    private static void printLatency(Latency l, PrintStream out) {
        out.printf(Locale.ROOT, "  %s: p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms"
                        + " beyond the audio each frame needs (%d frames, CPU %.0f%%)%n",
                l.describe(), l.p50(), l.p95(), l.p99(), l.max(), l.frames(), 100 * l.cpuUtilisation());
    }

    /**
     * {@code ./lipflow bench knobs}: the pipeline with one knob changed at a time, against a baseline:
     * the mirror model for everything around the generator, the full UNet for the generator's knobs.
     */
    static void knobs(Path home, PrintStream out) throws Exception {
        Path models = models(home, out);
        Path avatarDir = avatar(home);
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("lipflow-bench-knobs");
        try {
            out.println("bench knobs: mirror model, 8 speakers x 16 s, parallelism " + cores);
            // untimed: the process's first pipeline pays for JIT compilation, which would count against the baseline
            pipeline(settings(models, avatarDir, Device.CPU, "mirror"), "mirror", cores, (s, e) -> { }, 8, 4.0, work);
            Map<String, Knob> mirror = new java.util.LinkedHashMap<>();
            mirror.put("baseline (object reuse, chained, JPEG q95)", (s, e) -> { });
            mirror.put("object reuse off", (s, e) -> e.getConfig().disableObjectReuse());
            mirror.put("chaining off (tensors serialised between operators)", (s, e) -> e.disableOperatorChaining());
            mirror.put("PNG frames", (s, e) -> s.format = "png");
            mirror.put("JPEG quality 80", (s, e) -> s.jpegQuality = 80);
            mirror.put("generator capacity 64 frames (default 8 on the CPU)", (s, e) -> s.generatorCapacity = 64);
            mirror.put("generator capacity 2 frames", (s, e) -> s.generatorCapacity = 2);
            for (var k : mirror.entrySet()) {
                PipelineRun r = pipeline(settings(models, avatarDir, Device.CPU, "mirror"),
                        "mirror", cores, k.getValue(), 8, 16.0, work);
                out.printf(Locale.ROOT, "  %-55s %6.1f frames/s %6.2f ms CPU/frame%n", k.getKey(), r.steadyFps(), r.cpuMsPerFrame());
            }
            out.println("bench knobs: full UNet, 2 speakers x 4 s");
            record Generator(String name, int parallelism, int batch, int delayMs, int sessions, int threads, int capacity) {}
            for (Generator g : List.of(
                    new Generator("default: " + cores + " shared sessions x 1 thread, batch 1, parallelism " + cores, cores, 0, 5, 0, 1, 0),
                    new Generator("1 shared session x " + cores + " threads, batch 1", cores, 0, 5, 1, cores, 0),
                    new Generator(cores + " shared sessions x 1 thread, batch 4, 5 ms", cores, 4, 5, 0, 1, 0),
                    new Generator(cores + " shared sessions x 1 thread, batch 8, 20 ms", cores, 8, 20, 0, 1, 0),
                    new Generator("generator capacity 64 frames (default 8)", cores, 0, 5, 0, 1, 64),
                    new Generator("parallelism 1, " + cores + " sessions x 1 thread, batch 1", 1, 0, 5, 0, 1, 0))) {
                JobSettings s = settings(models, avatarDir, Device.CPU, "reference");
                s.maxBatch = g.batch();
                s.maxBatchDelayMillis = g.delayMs();
                s.sessions = g.sessions();
                s.intraOpThreads = g.threads();
                s.generatorCapacity = g.capacity();
                PipelineRun r = pipeline(s, "reference", g.parallelism(), (x, e) -> { }, 2, 4.0, work);
                out.printf(Locale.ROOT, "  %-55s %6.1f frames/s %6.1f ms CPU/frame%n", g.name(), r.steadyFps(), r.cpuMsPerFrame());
            }
        } finally {
            FileUtils.deleteDirectory(work.toFile());
        }
    }

    /** The per-frame cost of each stage on its own, from the same classes the job runs. */
    private static Map<String, Double> stageCosts(Path models, Path avatarDir, double generatorFps) throws Exception {
        float[] speech = SyntheticSpeech.generate(4 * SyntheticSpeech.SAMPLE_RATE, 1);
        Map<String, Double> costs = new java.util.LinkedHashMap<>();
        List<MelWindow> windows = new ArrayList<>();
        int rounds = 3;
        long t0 = cpuNanos();
        for (int r = 0; r < rounds; r++) {
            windows.clear();
            MelWindowStream s = new MelWindowStream(16000);
            MelWindowStream.Sink sink = windows::add;
            s.accept(speech, sink);
            s.finish(sink);
        }
        int frames = windows.size() + 2;
        costs.put("mel windows", (cpuNanos() - t0) / 1e6 / rounds / frames);
        try (SessionPool encoder = new SessionPool(models.resolve(ModelGenerator.ENCODER_FILE),
                ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU)) {
            encoder.warmUp(1, 3);
            List<float[][]> batch = windows.stream().limit(16).map(w -> new float[][] {w.data()}).toList();
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < 1_000_000_000L) {
                encoder.run(batch);
                n += batch.size();
            }
            // one thread: wall time is CPU time here
            costs.put("audio encoder", (System.nanoTime() - start) / 1e6 / n);
        }
        AudioContext context = new AudioContext();
        float[] enc = new float[AudioContext.EMBEDDING];
        t0 = cpuNanos();
        for (int i = 0; i < 2000; i++) {
            context.add(enc, (f, in) -> { });
        }
        costs.put("audio context", (cpuNanos() - t0) / 1e6 / 2000);
        costs.put("generator (ceiling)", 1000.0 / generatorFps);
        PreparedAvatar avatar = PreparedAvatar.prepare(Avatar.open(avatarDir), "jpg", FrameEncoder.DEFAULT_JPEG_QUALITY, n -> { });
        PreparedTemplate t = avatar.template(1);
        float[] face = Arrays.copyOf(FaceCrop.input(t.crop()), FaceCrop.OUTPUT_SIZE);
        int n = 2 * avatar.templateCount();
        // as the job does: straight into a session's direct buffer
        FloatBuffer staging = ByteBuffer.allocateDirect(FaceCrop.INPUT_SIZE * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        costs.put("generator input", warmCost(n, i -> FaceCrop.writeInput(avatar.forFrame(i).crop(), staging.clear())));
        Compositor.Patch[] patches = new Compositor.Patch[n];
        costs.put("composite (face patch)", warmCost(n, i -> patches[i] = avatar.forFrame(i).patch(face, 0)));
        byte[][] jpegs = new byte[n][];
        costs.put("JPEG (spliced)", warmCost(n,
                i -> jpegs[i] = avatar.forFrame(i).encode(patches[i])));
        // the muxer's work: an utterance's JPEG files (and its WAV) to an MP4
        int mp4Frames = 125; // 5 s: the encoder's start-up is a small part of an utterance, as in the job
        Path utterance = Files.createTempDirectory("lipflow-bench");
        for (int i = 0; i < mp4Frames; i++) {
            Files.write(utterance.resolve(VideoFrame.fileName(i, "jpg")), jpegs[i % n]);
        }
        Path wav = Files.write(utterance.resolve("u.wav"),
                WavEncoder.pcm16(SyntheticSpeech.generate(mp4Frames * 640, 1), SyntheticSpeech.SAMPLE_RATE));
        Path mp4 = utterance.resolve("u.mp4");
        costs.put(MP4_STAGE, warmCost(1, i -> {
            try {
                Mp4Writer.writeUtterance(utterance, mp4Frames, "jpg", wav, mp4);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }) / mp4Frames);
        FileUtils.deleteDirectory(utterance.toFile());
        return costs;
    }

    /**
     * CPU ms per call of {@code step} over 0..n-1: the median of three timed rounds, after two that warm
     * the JIT, caches and libraries up (one round of the MP4 stage measured 4.3 to 6.8 ms per frame).
     */
    private static double warmCost(int n, IntConsumer step) {
        double[] timed = new double[3];
        for (int round = -2; round < timed.length; round++) {
            long t0 = cpuNanos();
            for (int i = 0; i < n; i++) {
                step.accept(i);
            }
            if (round >= 0) {
                timed[round] = (cpuNanos() - t0) / 1e6 / n;
            }
        }
        Arrays.sort(timed);
        return timed[1];
    }

    /** The job's own defaults: sessions, threads and batch as the job picks them for this machine and device. */
    private static JobSettings settings(Path models, Path avatarDir, Device device, String model) {
        JobSettings s = new JobSettings();
        s.device = device.toString();
        s.generator = models.resolve(model.equals("mirror") ? ModelGenerator.MIRROR_FILE : ModelGenerator.GENERATOR_FILE).toString();
        s.encoder = models.resolve(ModelGenerator.ENCODER_FILE).toString();
        s.avatarDirs.put("demo-a", avatarDir.toString());
        return s;
    }

    private static int parallelism() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** One change to the job's settings or environment, for the knob runs. */
    interface Knob {
        void apply(JobSettings settings, StreamExecutionEnvironment env);
    }

    private static PipelineRun pipeline(Path models, Path avatarDir, Device device, String model, int speakers,
                                        double seconds, Path work) throws Exception {
        return pipeline(settings(models, avatarDir, device, model), model,
                parallelism(), (s, e) -> { }, speakers, seconds, work);
    }

    private static PipelineRun pipeline(JobSettings settings, String model, int parallelism, Knob knob, int speakers,
                                        double seconds, Path work) throws Exception {
        Path input = work.resolve("in-" + model + "-" + speakers);
        FileUtils.deleteDirectory(input.toFile());
        FileUtils.deleteDirectory(work.resolve("out-" + model + "-" + speakers).toFile());
        long expectedFrames = 0;
        for (int s = 0; s < speakers; s++) {
            float[] x = SyntheticSpeech.generate((int) (seconds * SyntheticSpeech.SAMPLE_RATE), s + 1);
            Path wav = input.resolve("s" + s).resolve("u.wav");
            Files.createDirectories(wav.getParent());
            Files.write(wav, WavEncoder.pcm16(x, 16000));
            expectedFrames += EncoderWindows.videoFrames(x.length);
        }
        StreamExecutionEnvironment env = JobEnvironment.local(parallelism, work.resolve("checkpoints"), Duration.ofSeconds(2));
        knob.apply(settings, env);
        LipFlowJob.Outputs outputs = LipFlowJob.build(AudioSources.wavFiles(env, input,
                new SpeakerRouting(Map.of(), "demo-a"), null, 1L << 30), settings);
        // no MP4 here: an ended utterance is muxed after its checkpoint commits, which can fall inside the steady
        // window of the speakers still running or after it; its cost is measured on its own (+MP4)
        outputs.frames().map(new EmitProbe()).name("probe")
                .sinkTo(FrameFileSink.withoutMp4(work.resolve("out-" + model + "-" + speakers))).name("frame files");
        outputs.deadLetters().sinkTo(new DiscardingSink<>()).name("dead letters");
        EmitProbe.reset(expectedFrames);
        ResourceSampler sampler = new ResourceSampler();
        long start = System.nanoTime();
        try {
            env.execute("bench " + model + " x" + speakers);
        } finally {
            sampler.close();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long frames = EmitProbe.FRAMES.get();
        if (frames != expectedFrames) {
            // more than expected: the job restarted and emitted again what followed its last checkpoint
            throw new IllegalStateException("bench run emitted " + frames + " frames where its audio makes " + expectedFrames
                    + (frames > expectedFrames ? ": the job restarted (the log says why)" : ""));
        }
        double steadySeconds = (EmitProbe.LAST.get() - EmitProbe.FIRST.get()) / 1e9;
        double steadyCpuMs = (EmitProbe.CPU_LAST.get() - EmitProbe.CPU_FIRST.get()) / 1e6;
        return new PipelineRun(model, speakers, frames, wall, (frames - 1) / steadySeconds, steadyCpuMs / (frames - 1),
                sampler.cpuMillis() / frames, steadyCpuMs / 1000 / steadySeconds / Runtime.getRuntime().availableProcessors(),
                sampler.peakHeapMb(), sampler.peakRssMb(), Double.NaN, Double.NaN, 1);
    }

    private static Latency latency(Path models, Path avatarDir, Device device, String model, int speakers,
                                   double seconds, double utteranceSeconds, boolean files, Path work) throws Exception {
        int chunkSamples = 640; // 40 ms at 16 kHz, what a live feed sends
        int chunks = (int) Math.ceil(seconds * 16000 / chunkSamples);
        PacedChunks feed = new PacedChunks(speakers, chunkSamples, chunks, (int) Math.round(utteranceSeconds * 16000 / chunkSamples));
        JobSettings settings = settings(models, avatarDir, device, model);
        settings.maxBatchDelayMillis = 2;
        StreamExecutionEnvironment env = JobEnvironment.local(parallelism(), work.resolve("checkpoints"), Duration.ofSeconds(2));
        DataStream<AudioChunk> paced = env.fromSequence(0, (long) chunks * speakers - 1).setParallelism(1)
                .map(feed).setParallelism(1).name("real-time audio")
                .returns(TypeInformation.of(AudioChunk.class));
        LipFlowJob.Outputs outputs = LipFlowJob.build(paced, settings);
        DataStream<VideoFrame> probed = outputs.frames().map(new EmitProbe()).name("probe");
        Path out = work.resolve("out-live");
        FileUtils.deleteDirectory(out.toFile());
        if (files) {
            probed.sinkTo(new FrameFileSink(out)).name("frame files").uid("frame-files");
        } else {
            probed.sinkTo(new DiscardingSink<>()).name("discard");
        }
        EmitProbe.reset(0);
        PacedChunks.SENT.clear();
        ResourceSampler sampler = new ResourceSampler();
        try {
            env.execute("bench latency " + model);
        } finally {
            sampler.close();
        }
        double utilisation = sampler.utilisation();
        List<Double> ms = new ArrayList<>();
        EmitProbe.EMITTED.forEach((key, emitted) -> {
            String[] parts = key.split("#"); // speaker, utterance, frame
            int s = Integer.parseInt(parts[0].substring(1));
            int u = Integer.parseInt(parts[1].substring(PacedChunks.UTTERANCE.length()));
            int frame = Integer.parseInt(parts[2]);
            int first = u * feed.utteranceChunks(s);
            long samples = (long) (Math.min(chunks, first + feed.utteranceChunks(s)) - first) * chunkSamples;
            long needed = Math.min(samples, 200L * (EncoderWindows.nominalStart(frame + 6) + 15) + 400);
            Long sent = PacedChunks.SENT.get(parts[0] + "#" + (first + (needed - 1) / chunkSamples));
            ms.add((emitted - sent) / 1e6);
        });
        ms.sort(null);
        if (files) {
            checkMuxed(out, feed, speakers, chunks);
        }
        return new Latency(model, speakers, utteranceSeconds, files, ms.size(), pct(ms, 50), pct(ms, 95), pct(ms, 99),
                ms.get(ms.size() - 1), utilisation);
    }

    /** Every utterance's MP4 is there: a latency bought by not muxing them would be no measurement. */
    private static void checkMuxed(Path out, PacedChunks feed, int speakers, int chunks) {
        for (int s = 0; s < speakers; s++) {
            int utterances = (chunks + feed.utteranceChunks(s) - 1) / feed.utteranceChunks(s);
            for (int u = 0; u < utterances; u++) {
                Path mp4 = out.resolve("s" + s).resolve(PacedChunks.UTTERANCE + u + ".mp4");
                if (!Files.isRegularFile(mp4)) {
                    throw new IllegalStateException("bench latency run made no " + mp4);
                }
            }
        }
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100 * sorted.size()) - 1));
    }

    /** Records when each frame leaves the compositor (one JVM: the embedded cluster). */
    static final class EmitProbe implements MapFunction<VideoFrame, VideoFrame> {
        private static final long serialVersionUID = 1L;
        static final AtomicLong FRAMES = new AtomicLong();
        static final AtomicLong FIRST = new AtomicLong();
        static final AtomicLong LAST = new AtomicLong();
        static final AtomicLong CPU_FIRST = new AtomicLong();
        static final AtomicLong CPU_LAST = new AtomicLong();
        static final Map<String, Long> EMITTED = new ConcurrentHashMap<>();
        private static volatile long expected;

        /** @param expectedFrames the run's frame count (its last frame reads the CPU time), 0 if unknown */
        static void reset(long expectedFrames) {
            expected = expectedFrames;
            FRAMES.set(0);
            FIRST.set(Long.MAX_VALUE);
            LAST.set(0);
            EMITTED.clear();
        }

        @Override
        public VideoFrame map(VideoFrame f) {
            if (!f.end) {
                long now = System.nanoTime();
                long n = FRAMES.incrementAndGet();
                // process CPU time at the first and the last frame only: reading it sums every thread's (a
                // syscall that walks ~150 threads), where JFR found ~8 % of the task thread's samples per frame
                if (n == 1) {
                    CPU_FIRST.set(cpuNanos());
                }
                if (n == expected) {
                    CPU_LAST.set(cpuNanos());
                }
                FIRST.accumulateAndGet(now, Math::min);
                LAST.accumulateAndGet(now, Math::max);
                EMITTED.put(f.speaker + "#" + f.utterance + "#" + f.index, now);
            }
            return f;
        }
    }

    /**
     * Chunk n of speaker s leaves at the wall-clock time its 40 ms of audio would have been spoken. The
     * speakers start after a lead-in, so the job's own start-up (sessions warming up, avatars loading)
     * is not counted as any frame's latency: a live service is up before its speakers talk.
     */
    static final class PacedChunks extends RichMapFunction<Long, AudioChunk> {
        private static final long serialVersionUID = 1L;
        static final Map<String, Long> SENT = new ConcurrentHashMap<>();
        /** Utterance ids: this and the utterance's number in its speaker's stream, from 0. */
        static final String UTTERANCE = "live-";
        private static final long LEAD_IN_NANOS = 4_000_000_000L;
        private static final int CHUNKS_PER_SECOND = 25;
        private final int speakers;
        private final int chunkSamples;
        private final int chunks;
        private final int firstUtteranceChunks;
        private transient float[][] audio;
        private transient long start;

        /** @param utteranceChunks the first speaker's utterances' length in chunks; 0: one utterance per stream */
        PacedChunks(int speakers, int chunkSamples, int chunks, int utteranceChunks) {
            this.speakers = speakers;
            this.chunkSamples = chunkSamples;
            this.chunks = chunks;
            this.firstUtteranceChunks = utteranceChunks;
        }

        /** Speaker {@code s}'s utterances' length in chunks (the last one may be cut short by the stream's end). */
        int utteranceChunks(int s) {
            return firstUtteranceChunks == 0 ? chunks : firstUtteranceChunks + s * CHUNKS_PER_SECOND;
        }

        @Override
        public AudioChunk map(Long n) throws Exception {
            if (audio == null) {
                audio = new float[speakers][];
                for (int s = 0; s < speakers; s++) {
                    audio[s] = SyntheticSpeech.generate(chunks * chunkSamples, s + 1);
                }
                start = System.nanoTime() + LEAD_IN_NANOS;
            }
            int s = (int) (n % speakers);
            int seq = (int) (n / speakers);
            long due = start + (long) ((seq + 1) * chunkSamples * 1e9 / 16000);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            SENT.put("s" + s + "#" + seq, System.nanoTime());
            float[] samples = Arrays.copyOfRange(audio[s], seq * chunkSamples, (seq + 1) * chunkSamples);
            int length = utteranceChunks(s);
            int inUtterance = seq % length;
            return new AudioChunk("s" + s, "demo-a", UTTERANCE + seq / length, inUtterance, 16000, samples,
                    inUtterance == length - 1 || seq == chunks - 1);
        }
    }

    /** Process CPU time, and peak heap and resident memory sampled every 100 ms. */
    private static final class ResourceSampler implements AutoCloseable {
        private final long cpuStart = cpuNanos();
        private final long wallStart = System.nanoTime();
        private final Thread thread;
        private volatile boolean running = true;
        private long peakHeap;
        private long peakRss;
        private long cpuEnd;
        private long wallEnd;

        ResourceSampler() {
            thread = new Thread(() -> {
                while (running) {
                    peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                    peakRss = Math.max(peakRss, rssBytes());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "lipflow-bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        double cpuMillis() {
            return (cpuEnd - cpuStart) / 1e6;
        }

        double utilisation() {
            return (cpuEnd - cpuStart) / (double) (wallEnd - wallStart) / Runtime.getRuntime().availableProcessors();
        }

        long peakHeapMb() {
            return peakHeap >> 20;
        }

        long peakRssMb() {
            return peakRss >> 20;
        }

        @Override
        public void close() throws InterruptedException {
            cpuEnd = cpuNanos();
            wallEnd = System.nanoTime();
            running = false;
            thread.join();
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception unavailable) {
            // not Linux: no resident-memory figure
        }
        return 0;
    }

    private static void report(Options o, ModelBenchmark.Result ceiling, Map<String, Double> stages,
                               List<PipelineRun> runs, List<Latency> latencies, PrintStream out) throws Exception {
        out.println();
        out.printf(Locale.ROOT, "%-10s %8s %5s %7s %10s %8s %8s %7s %9s %10s %6s %9s %8s%n", "model", "speakers", "round",
                "frames", "frames/s", "ceiling", "x ceil", "x own", "CPU ms/f", "+MP4 ms/f", "CPU%", "heap MB", "RSS MB");
        // MP4 muxing runs in the committer after an utterance's last frame, outside the steady window: add its
        // measured per-frame cost to show what a frame costs when MP4s are written
        double mp4 = stages.get(MP4_STAGE);
        for (PipelineRun r : runs) {
            out.printf(Locale.ROOT, "%-10s %8d %5d %7d %10.1f %8.1f %8.2f %7s %9.1f %10.1f %6.0f %9d %8d%n", r.model(),
                    r.speakers(), r.round(), r.frames(), r.steadyFps(), r.ceilingFps(), r.ofCeiling(),
                    Double.isNaN(r.ownConfigFps()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ofOwnConfig()), r.cpuMsPerFrame(),
                    r.cpuMsPerFrame() + mp4, 100 * r.cpuUtilisation(), r.peakHeapMb(), r.peakRssMb());
        }
        List<PipelineRun> unetRuns = runs.stream().filter(r -> r.model().equals("reference")).toList();
        List<PipelineRun> medians = medianRuns(unetRuns);
        if (o.unetRounds() > 1) {
            out.println("full UNet, x the ceiling beside each run, by round (in brackets the median; of an even count, the lower middle one):");
            for (PipelineRun m : medians) {
                out.printf(Locale.ROOT, "  %d speakers: %s (%.2f)%n", m.speakers(), String.join(" / ", unetRuns.stream()
                        .filter(r -> r.speakers() == m.speakers())
                        .map(r -> String.format(Locale.ROOT, "%.2f", r.ofCeiling())).toList()), m.ofCeiling());
            }
        }
        var unet = medians.stream().mapToDouble(PipelineRun::ofCeiling).summaryStatistics();
        var unetEvery = unetRuns.stream().mapToDouble(PipelineRun::ofCeiling).summaryStatistics();
        var unetOfSearch = medians.stream().mapToDouble(r -> r.steadyFps() / ceiling.perSecond()).summaryStatistics();
        var unetOfOwn = medians.stream().mapToDouble(PipelineRun::ofOwnConfig).summaryStatistics();
        var mirrorCpu = runs.stream().filter(r -> r.model().equals("mirror"))
                .mapToDouble(PipelineRun::cpuMsPerFrame).summaryStatistics();
        Latency live = latencies.get(0);
        Latency liveFiles = latencies.stream().filter(Latency::files).findFirst().orElse(live);
        out.printf(Locale.ROOT, "bench: generator ceiling %.1f frames/s (batch %d, %d x %d threads); full pipeline %.2f-%.2fx"
                        + " the ceiling measured beside each run over %s speakers (%s; target >= 0.9; every run %.2f-%.2fx;"
                        + " %.2f-%.2fx the job's own configuration beside, %.2f-%.2fx the search's %.1f);"
                        + " mirror pipeline %.1f-%.1f ms CPU per frame,"
                        + " %.1f-%.1f with MP4 (target <= 10); live p99 %.0f ms beyond the look-ahead, %.0f ms writing frame files"
                        + " and MP4s (target <= 150)%n",
                ceiling.perSecond(), ceiling.batch(), ceiling.sessions(), ceiling.threads(), unet.getMin(), unet.getMax(),
                Arrays.toString(o.speakers()), o.unetRounds() == 1 ? "one round" : "each the median of " + o.unetRounds() + " rounds",
                unetEvery.getMin(), unetEvery.getMax(), unetOfOwn.getMin(), unetOfOwn.getMax(), unetOfSearch.getMin(),
                unetOfSearch.getMax(), ceiling.perSecond(),
                mirrorCpu.getMin(), mirrorCpu.getMax(), mirrorCpu.getMin() + mp4,
                mirrorCpu.getMax() + mp4, live.p99(), liveFiles.p99());
        if (o.device().isCuda()) {
            PipelineRun best = runs.stream().filter(r -> r.model().equals("reference"))
                    .max((a, b) -> Double.compare(a.steadyFps(), b.steadyFps())).orElseThrow();
            out.printf(Locale.ROOT, "bench: on %s the full UNet pipeline's best aggregate is %.0f frames/s (%d speakers;"
                    + " target >= 1000 on one H100)%n", o.device(), best.steadyFps(), best.speakers());
        }

        Files.createDirectories(o.results());
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path json = o.results().resolve("bench-" + stamp + ".json");
        Files.writeString(json, json(o.device(), ceiling, stages, runs, medians, latencies));
        Path png = o.results().resolve("bench-" + stamp + ".png");
        ImageIO.write(chart(ceiling, stages, runs, medians), "png", png.toFile());
        out.println("bench: wrote " + json + " and " + png);
    }

    /**
     * For each speaker count, the UNet run whose ratio to the ceiling beside it is the median of its rounds
     * (of an even number of rounds, the lower of the middle two).
     */
    static List<PipelineRun> medianRuns(List<PipelineRun> runs) {
        return runs.stream().filter(r -> r.model().equals("reference"))
                .collect(Collectors.groupingBy(PipelineRun::speakers, TreeMap::new, Collectors.toList()))
                .values().stream()
                .map(rounds -> rounds.stream().sorted(Comparator.comparingDouble(PipelineRun::ofCeiling)).toList()
                        .get((rounds.size() - 1) / 2))
                .toList();
    }

    private static String json(Device device, ModelBenchmark.Result ceiling, Map<String, Double> stages,
                               List<PipelineRun> runs, List<PipelineRun> medians, List<Latency> latencies) {
        StringBuilder b = new StringBuilder("{\n");
        b.append(String.format(Locale.ROOT, "  \"device\": \"%s\",%n", device));
        b.append(String.format(Locale.ROOT, "  \"cores\": %d,%n  \"ceiling\": {\"framesPerSecond\": %.2f, \"batch\": %d, "
                        + "\"sessions\": %d, \"threads\": %d},%n", Runtime.getRuntime().availableProcessors(),
                ceiling.perSecond(), ceiling.batch(), ceiling.sessions(), ceiling.threads()));
        b.append("  \"stageMillisPerFrame\": {");
        b.append(String.join(", ", stages.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "\"%s\": %.3f", e.getKey(), e.getValue())).toList()));
        b.append("},\n  \"pipeline\": [\n");
        b.append(String.join(",\n", runs.stream().map(r -> String.format(Locale.ROOT,
                "    {\"model\": \"%s\", \"speakers\": %d, \"round\": %d, \"frames\": %d, \"wallSeconds\": %.2f, \"framesPerSecond\": %.2f, "
                        + "\"ceilingFramesPerSecond\": %.2f, \"ofCeiling\": %.3f, \"ownConfigFramesPerSecond\": %s, "
                        + "\"cpuMillisPerFrame\": %.2f, \"totalCpuMillisPerFrame\": %.2f, \"cpuUtilisation\": %.3f, "
                        + "\"peakHeapMb\": %d, \"peakRssMb\": %d}", r.model(), r.speakers(), r.round(), r.frames(), r.wallSeconds(),
                r.steadyFps(), r.ceilingFps(), r.ofCeiling(),
                Double.isNaN(r.ownConfigFps()) ? "null" : String.format(Locale.ROOT, "%.2f", r.ownConfigFps()),
                r.cpuMsPerFrame(), r.totalCpuMsPerFrame(), r.cpuUtilisation(), r.peakHeapMb(), r.peakRssMb())).toList()));
        b.append("\n  ],\n  \"unetMedianOfCeiling\": [");
        b.append(String.join(", ", medians.stream().map(m -> String.format(Locale.ROOT,
                "{\"speakers\": %d, \"round\": %d, \"ofCeiling\": %.3f}", m.speakers(), m.round(), m.ofCeiling())).toList()));
        b.append("],\n  \"latency\": [\n");
        b.append(String.join(",\n", latencies.stream().map(l -> String.format(Locale.ROOT,
                "    {\"model\": \"%s\", \"speakers\": %d, \"utteranceSeconds\": %.0f, \"files\": %b, \"frames\": %d, "
                        + "\"p50Ms\": %.1f, \"p95Ms\": %.1f, \"p99Ms\": %.1f, \"maxMs\": %.1f, \"cpuUtilisation\": %.3f}",
                l.model(), l.speakers(), l.utteranceSeconds(), l.files(), l.frames(), l.p50(), l.p95(),
                l.p99(), l.max(), l.cpuUtilisation())).toList()));
        return b.append("\n  ]\n}\n").toString();
    }

    /**
     * Left: per-stage time per frame; right: frames/s against speakers, with the ceiling. The UNet line joins
     * each speaker count's median run; its other rounds are small dots.
     */
    private static BufferedImage chart(ModelBenchmark.Result ceiling, Map<String, Double> stages, List<PipelineRun> runs,
                                       List<PipelineRun> medians) {
        int w = 1200;
        int h = 500;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Per-stage time per frame (ms, one thread)", 30, 30);
        g.drawString("Frames/s against speakers (log scale)", 660, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double maxMs = stages.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int y = 60;
        for (Map.Entry<String, Double> e : stages.entrySet()) {
            int len = (int) (360 * e.getValue() / maxMs);
            g.setColor(e.getKey().startsWith("generator (") ? new Color(200, 80, 60) : new Color(70, 120, 190));
            g.fillRect(215, y, Math.max(1, len), 26);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), 30, y + 18);
            g.drawString(String.format(Locale.ROOT, "%.2f", e.getValue()), 220 + len, y + 18);
            y += 44;
        }
        int x0 = 700;
        int y0 = 440;
        int pw = 460;
        int ph = 360;
        // log scale: the UNet and its ceiling (~25 frames/s) and the mirror (hundreds) on one chart
        double low = Math.pow(10, Math.floor(Math.log10(Math.max(1, Math.min(ceiling.perSecond(),
                runs.stream().mapToDouble(PipelineRun::steadyFps).min().orElse(1)) * 0.8))));
        double high = Math.pow(10, Math.ceil(Math.log10(Math.max(ceiling.perSecond(),
                runs.stream().mapToDouble(PipelineRun::steadyFps).max().orElse(1)) * 1.2)));
        java.util.function.DoubleToIntFunction yOf =
                v -> y0 - (int) (ph * (Math.log10(Math.max(v, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)));
        int maxSpeakers = runs.stream().mapToInt(PipelineRun::speakers).max().orElse(1);
        g.setColor(Color.BLACK);
        g.drawLine(x0, y0, x0 + pw, y0);
        g.drawLine(x0, y0, x0, y0 - ph);
        for (double decade = low; decade < high * 1.01; decade *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                double v = decade * m;
                if (v <= high * 1.01) {
                    int yy = yOf.applyAsInt(v);
                    g.setColor(m == 1 ? Color.BLACK : Color.GRAY);
                    g.drawString(String.format(Locale.ROOT, "%.0f", v), x0 - 40, yy + 4);
                    g.drawLine(x0 - 4, yy, x0, yy);
                }
            }
        }
        g.setColor(Color.BLACK);
        for (int s = 1; s <= maxSpeakers; s++) {
            g.drawString(Integer.toString(s), x0 + (int) (pw * (s - 0.5) / maxSpeakers), y0 + 18);
        }
        g.drawString("speakers", x0 + pw / 2 - 20, y0 + 36);
        int cy = yOf.applyAsInt(ceiling.perSecond());
        g.setColor(new Color(200, 80, 60));
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0));
        g.drawLine(x0, cy, x0 + pw, cy);
        g.drawString(String.format(Locale.ROOT, "generator ceiling %.1f", ceiling.perSecond()), x0 + pw - 150, cy - 22);
        g.setStroke(new BasicStroke(1.5f));
        g.setColor(Color.DARK_GRAY);
        for (PipelineRun r : medians) { // hollow: the ceiling measured beside each UNet run, which its ratio is of
            g.drawOval(x0 + (int) (pw * (r.speakers() - 0.5) / maxSpeakers) - 5, yOf.applyAsInt(r.ceilingFps()) - 5, 10, 10);
        }
        g.setColor(new Color(200, 80, 60));
        for (PipelineRun r : runs) {
            if (r.model().equals("reference") && !medians.contains(r)) {
                g.fillOval(x0 + (int) (pw * (r.speakers() - 0.5) / maxSpeakers) - 2, yOf.applyAsInt(r.steadyFps()) - 2, 4, 4);
            }
        }
        g.setStroke(new BasicStroke(2.5f));
        for (String model : List.of("reference", "mirror")) {
            g.setColor(model.equals("reference") ? new Color(200, 80, 60) : new Color(70, 120, 190));
            int[] prev = null;
            for (PipelineRun r : model.equals("reference") ? medians : runs) {
                if (!r.model().equals(model)) {
                    continue;
                }
                int px = x0 + (int) (pw * (r.speakers() - 0.5) / maxSpeakers);
                int py = yOf.applyAsInt(r.steadyFps());
                g.fillOval(px - 4, py - 4, 8, 8);
                g.drawString(model.equals("reference")
                        ? String.format(Locale.ROOT, "%.2fx", r.ofCeiling())
                        : String.format(Locale.ROOT, "%.0f", r.steadyFps()), px - 14, py + 20);
                if (prev != null) {
                    g.drawLine(prev[0], prev[1], px, py);
                }
                prev = new int[] {px, py};
            }
        }
        g.setColor(new Color(200, 80, 60));
        g.drawString("full UNet pipeline (median)", x0 + 10, y0 - ph - 8);
        g.setColor(new Color(70, 120, 190));
        g.drawString("mirror pipeline", x0 + 185, y0 - ph - 8);
        g.setColor(Color.DARK_GRAY);
        g.drawString("o ceiling beside the run", x0 + 295, y0 - ph - 8);
        g.dispose();
        return img;
    }
}
