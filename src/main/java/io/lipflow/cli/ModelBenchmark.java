package io.lipflow.cli;

import io.lipflow.features.AudioContext;
import io.lipflow.features.MelWindow;
import io.lipflow.frames.FaceCrop;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelException;
import io.lipflow.inference.ModelGenerator;
import io.lipflow.inference.SessionPool;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The models' raw throughput: generator frames/s over batch sizes and session x thread splits of the
 * cores present, and encoder windows/s. The better of the two best configurations, each measured again
 * for longer, is the pipeline's ceiling.
 */
final class ModelBenchmark {
    private static final int[] GENERATOR_BATCHES = {1, 2, 4, 8, 16};
    /** A GPU fills only with large batches (on an H100 one session gained ~1.7x from batch 1 to 16-32). */
    private static final int[] GPU_GENERATOR_BATCHES = {1, 4, 8, 16, 32, 64};
    private static final int[] GPU_SESSION_COUNTS = {2, 4};
    private static final int[] ENCODER_BATCHES = {1, 16};
    /** The first two or three runs at a batch size are much slower (memory arena growth, page faults). */
    private static final int WARM_UP_RUNS = 3;

    /** One measured configuration. */
    record Result(int batch, int sessions, int threads, double perSecond) {
        /** Whether {@code other} is the same batch, sessions and threads (whatever it measured). */
        boolean sameConfiguration(Result other) {
            return batch == other.batch && sessions == other.sessions && threads == other.threads;
        }

        String describe(String unit) {
            return String.format("%7.2f %s (batch %d, %d session%s x %d thread%s)", perSecond, unit, batch,
                    sessions, sessions == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
        }
    }

    private ModelBenchmark() {}

    /** Measures and prints the models' throughput; returns the best generator configuration. */
    static Result run(Path dir, Device device, int seconds, PrintStream out) throws Exception {
        ModelGenerator.ensureGenerated(dir, step -> out.println("bench: " + step));
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("bench models: %s, %d cores, %d s per measurement, models in %s%n", device, cores, seconds, dir);
        float[][] generatorRequest = generatorRequest();
        float[][] encoderRequest = {uniform(new SplittableRandom(2), MelWindow.SIZE, 8)};
        Path generator = dir.resolve(ModelGenerator.GENERATOR_FILE);

        // untimed: a fresh process's first model runs are slow for seconds (page faults, JIT, CPU clocks),
        // which would make whichever configuration is measured first look worse than it is
        measure(generator, ModelContract.Kind.GENERATOR, device, generatorRequest, 1, 1, cores, seconds);
        Search search = new Search(generator, device, generatorRequest, seconds, out);
        Result bestBatch = null;
        for (int batch : device.isCuda() ? GPU_GENERATOR_BATCHES : GENERATOR_BATCHES) {
            Result r = search.measure(batch, 1, cores);
            bestBatch = bestBatch == null || r.perSecond() > bestBatch.perSecond() ? r : bestBatch;
        }
        if (device.isCuda()) {
            // several sessions, each with its own stream: one batch's copies overlap another's compute
            for (int sessions : GPU_SESSION_COUNTS) {
                search.measure(bestBatch.batch(), sessions, 1);
            }
        } else {
            // splits of the cores into sessions x threads, one single-threaded session for scale, and the
            // job's own CPU default (one single-threaded session per core, batch 1)
            for (int sessions = 2; sessions <= cores; sessions *= 2) {
                if (cores % sessions == 0) {
                    search.measure(bestBatch.batch(), sessions, cores / sessions);
                }
            }
            if (cores > 1) {
                search.measure(bestBatch.batch(), 1, 1);
                if (search.results.stream().noneMatch(m -> m.batch() == 1 && m.sessions() == cores && m.threads() == 1)) {
                    search.measure(1, cores, 1);
                }
            }
        }
        List<Result> results = search.results;
        // The largest of several noisy measurements overstates its configuration (the winner's curse), and
        // one short measurement can also understate one: the two best are measured again, for longer, and
        // the better of those is the ceiling.
        results.sort((a, b) -> Double.compare(b.perSecond(), a.perSecond()));
        Result bestGenerator = null;
        for (Result candidate : results.subList(0, Math.min(2, results.size()))) {
            Result again = measure(generator, ModelContract.Kind.GENERATOR, device, generatorRequest, candidate.batch(),
                    candidate.sessions(), candidate.threads(), 3 * seconds);
            out.println("generator " + again.describe("frames/s") + " again over " + 3 * seconds + " s");
            bestGenerator = bestGenerator == null || again.perSecond() > bestGenerator.perSecond() ? again : bestGenerator;
        }

        Result bestEncoder = null;
        for (int batch : ENCODER_BATCHES) {
            Result r = measure(dir.resolve(ModelGenerator.ENCODER_FILE), ModelContract.Kind.AUDIO_ENCODER, device,
                    encoderRequest, batch, 1, cores, seconds);
            out.println("encoder   " + r.describe("windows/s"));
            bestEncoder = bestEncoder == null || r.perSecond() > bestEncoder.perSecond() ? r : bestEncoder;
        }
        out.println("best generator:" + bestGenerator.describe("frames/s") + " (measured again: the ceiling)");
        out.println("best encoder:  " + bestEncoder.describe("windows/s"));
        return bestGenerator;
    }

    /** The generator's configurations measured so far, each printed as it is measured. */
    private record Search(Path generator, Device device, float[][] request, int seconds, PrintStream out,
                          List<Result> results) {
        Search(Path generator, Device device, float[][] request, int seconds, PrintStream out) {
            this(generator, device, request, seconds, out, new ArrayList<>());
        }

        Result measure(int batch, int sessions, int threads) throws Exception {
            Result r = ModelBenchmark.measure(generator, ModelContract.Kind.GENERATOR, device, request, batch, sessions,
                    threads, seconds);
            out.println("generator " + r.describe("frames/s"));
            results.add(r);
            return r;
        }
    }

    /**
     * The generator's throughput in {@code config}'s batch, sessions and threads, measured afresh: the
     * pipeline benchmark measures its ceiling again beside each run, as this machine's speed drifts.
     */
    static Result again(Path dir, Device device, Result config, double seconds) throws Exception {
        return measure(dir.resolve(ModelGenerator.GENERATOR_FILE), ModelContract.Kind.GENERATOR, device, generatorRequest(),
                config.batch(), config.sessions(), config.threads(), seconds);
    }

    /** One generator input: a face crop and its audio features, uniform noise in their ranges. */
    private static float[][] generatorRequest() {
        SplittableRandom random = new SplittableRandom(1);
        return new float[][] {uniform(random, FaceCrop.INPUT_SIZE, 1), uniform(random, AudioContext.FRAME_INPUT, 2)};
    }

    /**
     * Items per second of {@code sessions} sessions running batches of {@code batch}, each driven by {@link
     * SessionPool#LEASES_PER_SESSION} callers (so that, as in the job, a session's next batch is staged
     * while one runs), after at least {@value #WARM_UP_RUNS} warm-up runs per session and half of {@code
     * seconds}; each caller keeps going until {@code seconds} have passed.
     */
    private static Result measure(Path model, ModelContract.Kind kind, Device device, float[][] request, int batch,
            int sessions, int threads, double seconds) throws Exception {
        List<float[][]> requests = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            requests.add(request);
        }
        try (SessionPool pool = new SessionPool(model, kind, sessions, threads, device)) {
            long warmUpEnd = System.nanoTime() + (long) (seconds / 2 * 1e9);
            do {
                pool.warmUp(batch, WARM_UP_RUNS);
            } while (System.nanoTime() < warmUpEnd);
            return new Result(batch, sessions, threads, perSecond(pool, requests, seconds));
        } catch (ModelException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /** Items per second of one caller per lease of {@code pool}, each running {@code requests} until {@code seconds} have passed. */
    private static double perSecond(SessionPool pool, List<float[][]> requests, double seconds) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(pool.maxLeases());
        try {
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int c = 0; c < pool.maxLeases(); c++) {
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
                items += (long) f.get() * requests.size();
            }
            return items / ((System.nanoTime() - start) / 1e9);
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
