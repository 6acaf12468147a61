package io.lipflow.cli;

import io.lipflow.features.FrontEndBenchmark;
import io.lipflow.inference.Device;
import io.lipflow.job.SoakBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.util.FileUtils;
import java.util.List;

/**
 * {@code ./lipflow bench [what]}: throughput measurements. Without a word, the whole pipeline
 * ({@link PipelineBenchmark}); {@code models} times the generator over batch
 * sizes and session/thread splits of the cores present, and the audio encoder; {@code frontend} times
 * the audio front end; {@code soak} runs the whole job for minutes and reports memory over time.
 */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "(no word): the whole pipeline against the generator ceiling [--device cpu|cuda[:N]] [--cuda-options K=V;K=V] [--smoke]\n"
                + "models [--seconds S] [--models DIR] [--device cpu|cuda[:N]] [--cuda-options K=V;K=V]\n"
                + "  (default: 3 s per measurement, models/ (generated if it holds no models), cpu)\n"
                + "frontend [--seconds S]   audio front end, x real time per core\n"
                + "knobs                    the pipeline with one tuning knob changed at a time\n"
                + "latency                  real-time-paced speakers: audio-to-frame latency\n"
                + "soak [--speakers N] [--seconds S] [--parallelism P]   whole job, memory over time (default 20 x 120 s, 2)";
    }

    @Override
    public String summary() {
        return "measure throughput (generator frames/s, encoder windows/s, front end speed) and soak memory";
    }

    @Override
    public void run(Args args) throws Exception {
        List<String> what = args.positional();
        if (what.isEmpty()) {
            Path home = Path.of(System.getProperty("lipflow.home", ".")).toAbsolutePath().normalize();
            Path results = home.resolve("bench/results");
            boolean smoke = args.flag("smoke");
            Device device = args.device();
            args.finish();
            PipelineBenchmark.run(home, smoke ? PipelineBenchmark.Options.smoke(results, device)
                    : PipelineBenchmark.Options.full(results, device), System.out);
            return;
        }
        String target = what.size() == 1 ? what.get(0) : "";
        Path home = Path.of(System.getProperty("lipflow.home", ".")).toAbsolutePath().normalize();
        if (target.equals("knobs")) {
            args.finish();
            PipelineBenchmark.knobs(home, System.out);
            return;
        }
        if (target.equals("latency")) {
            args.finish();
            PipelineBenchmark.latencyOnly(home, System.out);
            return;
        }
        int seconds = args.intValue("seconds", target.equals("frontend") ? 10 : target.equals("soak") ? 120 : 3, 1, Integer.MAX_VALUE);
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
            throw new UserError("say what to bench: bench | bench models | bench frontend | bench knobs | bench latency | bench soak");
        }
        Path dir = Path.of(args.get("models", "models"));
        Device device = args.device();
        args.finish();
        ModelBenchmark.run(dir, device, seconds, System.out);
    }

    private static void soak(Args args, int seconds) throws Exception {
        int speakers = args.intValue("speakers", 20, 1, Integer.MAX_VALUE);
        int parallelism = args.intValue("parallelism", 2, 1, 256);
        args.finish();
        Path work = Files.createTempDirectory("lipflow-soak");
        try {
            if (!SoakBenchmark.run(speakers, seconds, parallelism, 5, work, System.out)) {
                throw new UserError("soak failed: memory grew or frames were lost (see above)");
            }
        } finally {
            FileUtils.deleteDirectory(work.toFile());
        }
    }
}
