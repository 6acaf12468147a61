package io.lipflow.cli;

import io.lipflow.features.FrontEndBenchmark;

/** {@code ./lipflow bench <what>}: benchmarks that print numbers. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return "frontend [--seconds S]   audio front end speed (x real time per core)";
    }

    @Override
    public String summary() {
        return "benchmarks that print measured figures";
    }

    @Override
    public void run(Args args) throws Exception {
        String what = args.positional().isEmpty() ? "" : args.positional().get(0);
        switch (what) {
            case "frontend" -> {
                int seconds = args.intValue("seconds", 10);
                args.finish();
                FrontEndBenchmark.run(seconds, System.out);
            }
            default -> throw new UserError("bench: say what to measure: frontend");
        }
    }
}
