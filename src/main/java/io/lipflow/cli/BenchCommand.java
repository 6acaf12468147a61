package io.lipflow.cli;

import io.lipflow.features.FrontEndBenchmark;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelException;
import io.lipflow.inference.ModelGenerator;
import io.lipflow.inference.SessionPool;
import io.lipflow.job.SoakBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./lipflow bench <what>}: throughput measurements. {@code models} times the generator over batch
 * sizes and session/thread splits of the cores present, and the audio encoder; {@code frontend} times
 * the audio front end; {@code soak} runs the whole job for minutes and reports memory over time.
 */
final class BenchCommand implements Command {
    private static final int[] GENERATOR_BATCHES = {1, 2, 4, 8, 16};
    private static final int[] ENCODER_BATCHES = {1, 16};
    /** The first two or three runs at a batch size are much slower (memory arena growth, page faults). */
    private static final int WARM_UP_RUNS = 3;

    /** One measured configuration. */
    private record Result(int batch, int sessions, int threads, double perSecond) {
        String describe(String unit) {
            return String.format("%7.2f %s (batch %d, %d session%s x %d thread%s)", perSecond, unit, batch,
                    sessions, sessions == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
        }
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "models [--seconds S] [--models DIR] [--device cpu|cuda[:N]]\n"
                + "  (default: 3 s per measurement, models/ (generated if it holds no models), cpu)\n"
                + "frontend [--seconds S]   audio front end, x real time per core\n"
                + "soak [--speakers N] [--seconds S] [--parallelism P]   whole job, memory over time (default 20 x 120 s, 2)";
    }

    @Override
    public String summary() {
        return "measure throughput (generator frames/s, encoder windows/s, front end speed) and soak memory";
    }

    @Override
    public void run(Args args) throws Exception {
        List<String> what = args.positional();
        String target = what.size() == 1 ? what.get(0) : "";
        int seconds = args.intValue("seconds", target.equals("frontend") ? 10 : target.equals("soak") ? 120 : 3);
        if (seconds < 1) {
            throw new UserError("--seconds must be positive");
        }
        if (target.equals("frontend")) {
            args.finish();
            FrontEndBenchmark.run(seconds, System.out);
            return;
        }
        if (target.equals("soak")) {
            soak(args, seconds);
            return;
        }
        if (!target.equals("models")) {
            throw new UserError("say what to bench: bench models | bench frontend | bench soak");
        }
        Path dir = Path.of(args.get("models", "models"));
        Device device;
        try {
            device = Device.parse(args.get("device", "cpu"));
        } catch (ModelException e) {
            throw new UserError(e.getMessage());
        }
        args.finish();
        benchModels(dir, device, seconds);
    }

    private static void soak(Args args, int seconds) throws Exception {
        int speakers = args.intValue("speakers", 20);
        int parallelism = args.intValue("parallelism", 2);
        if (speakers < 1 || parallelism < 1) {
            throw new UserError("--speakers and --parallelism must be positive");
        }
        args.finish();
        Path work = java.nio.file.Files.createTempDirectory("lipflow-soak");
        try {
            if (!SoakBenchmark.run(speakers, seconds, parallelism, 5, work, System.out)) {
                throw new UserError("soak failed: memory grew or frames were lost (see above)");
            }
        } finally {
            org.apache.flink.util.FileUtils.deleteDirectory(work.toFile());
        }
    }

    private static void benchModels(Path dir, Device device, int seconds) throws Exception {
        ModelGenerator.ensureGenerated(dir, step -> System.out.println("bench: " + step));
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("bench models: %s, %d cores, %d s per measurement, models in %s%n", device, cores, seconds, dir);
        SplittableRandom random = new SplittableRandom(1);
        float[][] generatorRequest = {uniform(random, 6 * 320 * 320, 1), uniform(random, 32 * 16 * 16, 2)};
        float[][] encoderRequest = {uniform(random, 80 * 16, 8)};
        Path generator = dir.resolve(ModelGenerator.GENERATOR_FILE);

        List<Result> results = new ArrayList<>();
        Result bestBatch = null;
        for (int batch : GENERATOR_BATCHES) {
            Result r = measure(generator, ModelContract.Kind.GENERATOR, device, generatorRequest, batch, 1, cores, seconds);
            System.out.println("generator " + r.describe("frames/s"));
            results.add(r);
            bestBatch = bestBatch == null || r.perSecond() > bestBatch.perSecond() ? r : bestBatch;
        }
        // Splits of the cores into sessions x threads (and one single-threaded session for scale), at the best batch.
        for (int sessions = 2; sessions <= cores && !device.isCuda(); sessions *= 2) {
            if (cores % sessions == 0) {
                Result r = measure(generator, ModelContract.Kind.GENERATOR, device, generatorRequest, bestBatch.batch(),
                        sessions, cores / sessions, seconds);
                System.out.println("generator " + r.describe("frames/s"));
                results.add(r);
            }
        }
        if (cores > 1 && !device.isCuda()) {
            Result r = measure(generator, ModelContract.Kind.GENERATOR, device, generatorRequest, bestBatch.batch(), 1, 1, seconds);
            System.out.println("generator " + r.describe("frames/s"));
            results.add(r);
        }
        Result bestGenerator = results.stream().max((a, b) -> Double.compare(a.perSecond(), b.perSecond())).orElseThrow();

        Result bestEncoder = null;
        for (int batch : ENCODER_BATCHES) {
            Result r = measure(dir.resolve(ModelGenerator.ENCODER_FILE), ModelContract.Kind.AUDIO_ENCODER, device,
                    encoderRequest, batch, 1, cores, seconds);
            System.out.println("encoder   " + r.describe("windows/s"));
            bestEncoder = bestEncoder == null || r.perSecond() > bestEncoder.perSecond() ? r : bestEncoder;
        }
        System.out.println("best generator:" + bestGenerator.describe("frames/s"));
        System.out.println("best encoder:  " + bestEncoder.describe("windows/s"));
    }

    /**
     * Items per second with {@code sessions} callers each running batches of {@code batch} on its own
     * session, after at least {@value #WARM_UP_RUNS} warm-up runs per session and half of {@code seconds}; each caller keeps going until {@code seconds} have passed.
     */
    private static Result measure(Path model, ModelContract.Kind kind, Device device, float[][] request, int batch,
            int sessions, int threads, double seconds) throws Exception {
        List<float[][]> requests = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            requests.add(request);
        }
        ExecutorService callers = Executors.newFixedThreadPool(sessions);
        try (SessionPool pool = new SessionPool(model, kind, sessions, threads, device)) {
            long warmUpEnd = System.nanoTime() + (long) (seconds / 2 * 1e9);
            do {
                pool.warmUp(batch, WARM_UP_RUNS);
            } while (System.nanoTime() < warmUpEnd);
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                counts.add(callers.submit(() -> {
                    int runs = 0;
                    do {
                        pool.run(requests);
                        runs++;
                    } while (System.nanoTime() < deadline);
                    return runs;
                }));
            }
            long items = 0;
            for (Future<Integer> f : counts) {
                items += (long) f.get() * batch;
            }
            return new Result(batch, sessions, threads, items / ((System.nanoTime() - start) / 1e9));
        } catch (ModelException e) {
            throw new UserError(e.getMessage(), e);
        } finally {
            callers.shutdown();
        }
    }

    private static float[] uniform(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * scale);
        }
        return v;
    }
}
