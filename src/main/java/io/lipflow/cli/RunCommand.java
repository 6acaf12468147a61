package io.lipflow.cli;

import org.apache.flink.api.common.JobExecutionResult;

/** {@code ./lipflow run}: the LipFlow job on an embedded Flink with the web UI. */
final class RunCommand implements Command {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public String usage() {
        return JobSpec.USAGE;
    }

    @Override
    public String summary() {
        return "run the lip-sync job on an embedded Flink (web UI on 127.0.0.1)";
    }

    @Override
    public void run(Args args) throws Exception {
        JobSpec spec = JobSpec.parse(args);
        args.finish();
        long start = System.nanoTime();
        JobExecutionResult result = JobLauncher.runLocal(spec, spec.name, System.out);
        double seconds = (System.nanoTime() - start) / 1e9;
        long frames = JobLauncher.frames(result);
        System.out.printf("lipflow run: %d frames in %.1f s (%.1f frames/s), %d dead letters%s%n", frames, seconds,
                frames / seconds, JobLauncher.deadLetters(result),
                spec.out != null ? "; output in " + spec.out : "; frames on topic " + spec.framesTopic);
    }
}
