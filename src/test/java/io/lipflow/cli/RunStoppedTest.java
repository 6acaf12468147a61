package io.lipflow.cli;

import io.lipflow.job.JobFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./lipflow run --watch} stopped as a user stops it (SIGTERM, as Ctrl-C's SIGINT) leaves no checkpoints behind. */
class RunStoppedTest {
    @TempDir
    Path tmp;

    @Test
    void stoppedRunRemovesItsCheckpoints() throws Exception {
        JobFixtures.speechWav(tmp.resolve("in/anna/hello.wav"), 1.0, 1);
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).forEach(cmd::add);
        cmd.addAll(List.of("-Djava.io.tmpdir=" + javaTmp, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--audio", tmp.resolve("in").toString(), "--watch", "--out", tmp.resolve("out").toString(),
                "--avatar", JobFixtures.avatar(tmp.resolve("demo")).toString(),
                "--generator", JobFixtures.mirror().toString(), "--encoder", JobFixtures.encoder().toString(),
                "--checkpoint-seconds", "1"));
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean framesMade = false;
            while (!framesMade && (line = out.readLine()) != null) {
                framesMade = line.matches(".*: [1-9][0-9]* frames after .*"); // checkpoints have completed by then
            }
            assertTrue(framesMade, "the run made frames");
            assertEquals(1, checkpointDirs(javaTmp), "the run's checkpoints are there while it runs");
            run.destroy();
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), "stopped");
        } finally {
            run.destroyForcibly();
        }
        assertEquals(0, checkpointDirs(javaTmp), "checkpoints removed");
    }

    private static long checkpointDirs(Path dir) throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("lipflow-checkpoints")).count();
        }
    }
}
