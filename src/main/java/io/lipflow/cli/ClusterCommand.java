package io.lipflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.lipflow.job.DeadLetterLog;
import io.lipflow.job.FrameAssembly;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./lipflow cluster up|submit|down}: a standalone Flink session cluster on this machine
 * ({@link LocalCluster}, under {@code target/cluster}) and job submission to it through the REST API,
 * as to any Flink cluster.
 */
final class ClusterCommand implements Command {
    /** Options of {@link JobSpec} that name files: sent to the cluster as absolute paths. */
    private static final Set<String> PATH_OPTIONS = Set.of("audio", "avatar", "avatars", "manifest", "generator", "encoder", "out");

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "up [--slots N]                        start a JobManager and a TaskManager on 127.0.0.1",
                "submit <run options> [--detach] [--jar JAR]   run the job jar on it",
                "down                                  stop the cluster");
    }

    @Override
    public String summary() {
        return "a local Flink standalone cluster, and job submission through its REST API";
    }

    @Override
    public void run(Args args) throws Exception {
        String action = args.positional().isEmpty() ? "" : args.positional().get(0);
        Path home = home();
        Path dir = home.resolve("target/cluster");
        switch (action) {
            case "up" -> {
                int slots = args.intValue("slots", 2, 1, 256);
                args.finish();
                long start = System.nanoTime();
                LocalCluster.start(dir, home.resolve("flink-conf/config.yaml"),
                        LocalCluster.clusterClasspath(System.getProperty("java.class.path")), slots, System.out);
                System.out.printf("lipflow cluster up: ready in %.0f s; submit with ./lipflow cluster submit, stop with ./lipflow cluster down%n",
                        (System.nanoTime() - start) / 1e9);
            }
            case "submit" -> submit(args, home, dir);
            case "down" -> {
                args.finish();
                int stopped = LocalCluster.stop(dir);
                System.out.println("lipflow cluster down: " + (stopped == 0 ? "no cluster was running" : "stopped " + stopped + " JVMs"));
            }
            default -> throw new UserError("give up, submit or down (e.g. ./lipflow cluster up)");
        }
    }

    private static void submit(Args args, Path home, Path dir) throws Exception {
        JobSpec spec = JobSpec.parse(args); // the cluster would report the same mistakes, less readably
        boolean detach = args.flag("detach");
        Path jar = Path.of(args.get("jar", home.resolve("target/lipflow-job.jar").toString()));
        args.finish();
        if (args.has("jar") && !Files.isRegularFile(jar)) {
            throw new UserError("--jar " + jar + ": no such file");
        }
        ClusterRest rest = LocalCluster.running(dir).orElseThrow(
                () -> new UserError("no cluster is running; start one with ./lipflow cluster up")).rest();
        if (!args.has("jar")) {
            buildJobJar(home, jar);
        }
        List<String> programArgs = new ArrayList<>();
        for (Map.Entry<String, String> o : args.options().entrySet()) {
            if (o.getKey().equals("jar") || o.getKey().equals("detach")) {
                continue;
            }
            programArgs.add("--" + o.getKey());
            if (!o.getValue().equals("true")) {
                programArgs.add(PATH_OPTIONS.contains(o.getKey())
                        ? Path.of(o.getValue()).toAbsolutePath().normalize().toString() : o.getValue());
            }
        }
        System.out.println("cluster submit: uploading " + jar + " (" + Files.size(jar) / (1 << 20) + " MiB) to " + rest.url());
        int parallelism = args.has("parallelism") ? spec.parallelism : rest.defaultParallelism();
        String jobId = rest.run(rest.upload(jar), ClusterJob.class.getName(), programArgs, parallelism);
        System.out.println("cluster submit: job " + spec.name + " is " + jobId + " at parallelism " + parallelism + "; web UI: " + rest.url() + "/#/job/running/" + jobId + "/overview");
        if (detach) {
            System.out.println("lipflow cluster submit: job " + jobId + " submitted (detached)");
            return;
        }
        long start = System.nanoTime();
        long lastFrames = -1;
        String lastState = "";
        String state = rest.state(jobId);
        while (!Set.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
            Thread.sleep(2000);
            state = rest.state(jobId);
            long frames = rest.accumulator(jobId, FrameAssembly.ACCUMULATOR);
            if (frames != lastFrames || !state.equals(lastState)) {
                // a job that keeps failing shows as RESTARTING with its cause, not as silence
                String cause = state.equals("RESTARTING") ? rootCause(rest, jobId) : "";
                cause = cause.isEmpty() ? "" : " (" + cause + ")";
                System.out.printf("cluster submit: %s%s, %d frames after %.0f s%n", state, cause, frames,
                        (System.nanoTime() - start) / 1e9);
                lastFrames = frames;
                lastState = state;
            }
        }
        if (!state.equals("FINISHED")) {
            String cause = rootCause(rest, jobId);
            throw new UserError("job " + jobId + " " + state + (cause.isEmpty() ? "" : ": " + cause));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long frames = rest.accumulator(jobId, FrameAssembly.ACCUMULATOR);
        System.out.printf("lipflow cluster submit: job %s FINISHED: %d frames in %.1f s (%.1f frames/s), %d dead letters%n",
                jobId, frames, seconds, frames / seconds, rest.accumulator(jobId, DeadLetterLog.ACCUMULATOR));
    }

    /** The first line of the job's latest failure (Flink 2's exception history), or "" when it has none. */
    private static String rootCause(ClusterRest rest, String jobId) throws IOException, InterruptedException {
        JsonNode latest = rest.get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries").path(0);
        return latest.path("stacktrace").asText("").lines().findFirst().orElse(latest.path("exceptionName").asText(""));
    }

    /** Builds the shaded job jar when it is missing or older than the classes {@code ./lipflow} built. */
    private static void buildJobJar(Path home, Path jar) throws IOException, InterruptedException, UserError {
        Path stamp = home.resolve("target/.lipflow-built");
        if (Files.exists(jar) && (!Files.exists(stamp)
                || !Files.getLastModifiedTime(jar).toInstant().isBefore(Files.getLastModifiedTime(stamp).toInstant()))) {
            return;
        }
        System.out.println("cluster submit: building " + jar + " (mvn package, about a minute)...");
        Path log = home.resolve("target/job-jar-build.log");
        Process mvn = new ProcessBuilder("mvn", "-q", "-B", "-ntp", "-DskipTests", "package")
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (mvn.waitFor() != 0 || !Files.exists(jar)) {
            throw new UserError("building the job jar failed; see " + log);
        }
    }

    /** The repository this launcher runs from: the parent of target/classes. */
    private static Path home() throws UserError {
        try {
            Path classes = Path.of(ClusterCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(classes) && Files.exists(classes.resolve("../../flink-conf/config.yaml"))) {
                return classes.resolve("../..").normalize();
            }
        } catch (URISyntaxException | SecurityException unusual) {
            // fall through
        }
        throw new UserError("./lipflow cluster runs from a LipFlow checkout (target/classes beside flink-conf/)");
    }
}
