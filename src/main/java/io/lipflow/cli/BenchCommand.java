package io.lipflow.cli;

import io.lipflow.features.FrontEndBenchmark;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./lipflow bench [what]}: throughput measurements. Without a word, the whole pipeline
 * ({@link PipelineBenchmark}); {@code models} times the generator over batch
 * sizes and session/thread splits of the cores present, and the audio encoder; {@code frontend} times
 * the audio front end.
 */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "(no word): the whole pipeline against the generator ceiling [--smoke]\n"
                + "models [--seconds S] [--models DIR] [--device cpu|cuda[:N]]\n"
                + "  (default: 3 s per measurement, models/ (generated if it holds no models), cpu)\n"
                + "frontend [--seconds S]   audio front end, x real time per core\n"
                + "knobs                    the pipeline with one tuning knob changed at a time";
    }

    @Override
    public String summary() {
        return "measure throughput (generator frames/s, encoder windows/s, front end speed)";
    }

    @Override
    public void run(Args args) throws Exception {
        List<String> what = args.positional();
        if (what.isEmpty()) {
            Path home = Path.of(System.getProperty("lipflow.home", ".")).toAbsolutePath().normalize();
            Path results = home.resolve("bench/results");
            boolean smoke = args.flag("smoke");
            args.finish();
            PipelineBenchmark.run(home, smoke ? PipelineBenchmark.Options.smoke(results) : PipelineBenchmark.Options.full(results),
                    System.out);
            return;
        }
        String target = what.size() == 1 ? what.get(0) : "";
        if (target.equals("knobs")) {
            args.finish();
            PipelineBenchmark.knobs(Path.of(System.getProperty("lipflow.home", ".")).toAbsolutePath().normalize(), System.out);
            return;
        }
        int seconds = args.intValue("seconds", target.equals("frontend") ? 10 : 3);
        if (seconds < 1) {
            throw new UserError("--seconds must be positive");
        }
        if (target.equals("frontend")) {
            args.finish();
            FrontEndBenchmark.run(seconds, System.out);
            return;
        }
        if (!target.equals("models")) {
            throw new UserError("say what to bench: bench | bench models | bench frontend | bench knobs");
        }
        Path dir = Path.of(args.get("models", "models"));
        Device device;
        try {
            device = Device.parse(args.get("device", "cpu"));
        } catch (ModelException e) {
            throw new UserError(e.getMessage());
        }
        args.finish();
        ModelBenchmark.run(dir, device, seconds, System.out);
    }
}
