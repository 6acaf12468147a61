package io.lipflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.lipflow.testing.FrameTopic;
import io.lipflow.testing.KafkaBroker;
import io.lipflow.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TaskManager crash on the standalone cluster with Kafka in and out: an unbounded Kafka job takes three
 * speakers streamed at real-time pace, its TaskManager JVM is killed (SIGKILL) once frames are committed,
 * a fresh TaskManager takes over, and a read_committed consumer must then see every speaker's frames
 * complete, in order, without duplicates and equal to the whole-file pipeline's. Runs in {@code mvn verify}.
 */
class ClusterFaultIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** Committed frames per speaker before the kill: well inside each utterance. */
    private static final int FRAMES_BEFORE_KILL = 10;

    @TempDir
    Path tmp;

    @Test
    void aKilledTaskManagerLeavesEverySpeakersFramesCompleteOnKafka() throws Exception {
        String classpath = System.getProperty("lipflow.cluster.classpath");
        assertNotNull(classpath, "run with mvn verify (failsafe passes the cluster classpath)");
        classpath = LocalCluster.clusterClasspath(classpath);
        Path avatar = TestAssets.avatar("fault-avatar", 3, 0);
        Map<String, List<byte[]>> expected = new TreeMap<>();
        for (int s = 1; s <= 3; s++) {
            expected.put("s" + s, KafkaJobTest.speaker(tmp.resolve("s" + s + ".wav"), 6 + s, 16000, s, avatar));
        }
        // the repository's configuration, but a lost TaskManager is noticed within seconds, not 50 s
        Path config = Files.createDirectories(tmp.resolve("base")).resolve("config.yaml");
        Files.writeString(config, Files.readString(Path.of("flink-conf/config.yaml"))
                + "\nheartbeat:\n  interval: 1s\n  timeout: 10s\n");
        Path dir = tmp.resolve("cluster");
        ExecutorService producers = Executors.newFixedThreadPool(expected.size());
        // the cluster stops before the broker, so a job still running on a failure does not outlive it
        try (KafkaBroker broker = KafkaBroker.start()) {
            try {
                broker.createTopic("audio", 2);
                broker.createTopic("frames", 2);
                broker.createTopic("frames-dead-letters", 1);
                LocalCluster cluster = LocalCluster.start(dir, config, classpath, 2, System.out);
                ClusterRest rest = cluster.rest();
                String jar = rest.upload(Path.of(System.getProperty("lipflow.job.jar")));
                String job = rest.run(jar, ClusterJob.class.getName(), List.of("--kafka", broker.bootstrap(), "--topic", "audio",
                        "--kafka-out", broker.bootstrap(), "--frames-topic", "frames", "--avatar", avatar.toString(),
                        "--generator", TestAssets.mirror().toString(), "--encoder", TestAssets.encoder().toString(),
                        "--checkpoint-seconds", "1", "--name", "cluster-fault-it"), 2);
                await("the job runs", () -> running(rest, job));

                List<Future<Integer>> produced = new ArrayList<>();
                for (String s : expected.keySet()) {
                    String[] argv = {"produce", "--wav", tmp.resolve(s + ".wav").toString(), "--kafka", broker.bootstrap(),
                        "--topic", "audio", "--speaker", s, "--utterance", "u", "--speed", "1"};
                    produced.add(producers.submit(() -> Main.run(argv, System.out, System.err)));
                }
                await("every speaker has " + FRAMES_BEFORE_KILL + " frames committed", () -> {
                    Map<String, List<FrameTopic.Record>> now = FrameTopic.readCommitted(broker.bootstrap(), "frames");
                    return expected.keySet().stream().allMatch(s -> now.getOrDefault(s, List.of()).size() >= FRAMES_BEFORE_KILL);
                });
                Map<String, List<FrameTopic.Record>> before = FrameTopic.readCommitted(broker.bootstrap(), "frames");
                cluster.killTaskManager();
                long killed = System.nanoTime();
                System.out.println("fault: TaskManager killed with committed frames " + counts(before));
                expected.forEach((s, frames) -> assertTrue(before.get(s).size() < frames.size(), s + " was killed mid-stream"));
                cluster.startTaskManager(classpath);

                await("the job restarts and runs again", () -> restarts(rest, job) > 0 && running(rest, job));
                System.out.printf("fault: the job runs again %.1f s after the kill, %d restart(s)%n",
                        (System.nanoTime() - killed) / 1e9, restarts(rest, job));
                for (Future<Integer> p : produced) {
                    assertEquals(0, p.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "produce exit code");
                }
                await("every speaker's end marker is committed", () -> {
                    Map<String, List<FrameTopic.Record>> now = FrameTopic.readCommitted(broker.bootstrap(), "frames");
                    return expected.keySet().stream().allMatch(s -> now.containsKey(s) && now.get(s).get(now.get(s).size() - 1).end());
                });
                System.out.printf("fault: every speaker complete %.1f s after the kill%n", (System.nanoTime() - killed) / 1e9);
                rest.cancel(job);
                await("the job is cancelled", () -> rest.state(job).equals("CANCELED"));

                List<String> failures = new ArrayList<>();
                for (JsonNode e : rest.get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries")) {
                    failures.add(e.path("exceptionName").asText() + ": " + e.path("stacktrace").asText().lines().findFirst().orElse(""));
                }
                System.out.println("fault: failures the job recovered from: " + failures);
                assertTrue(failures.stream().anyMatch(f -> f.contains("TaskManager")), "the job failed over the lost TaskManager: " + failures);
                Map<String, List<FrameTopic.Record>> committed = FrameTopic.readCommitted(broker.bootstrap(), "frames");
                KafkaJobTest.assertComplete(expected, committed);
                // the frames in flight at the kill were written twice: in the aborted transaction and after the restart
                int aborted = total(FrameTopic.readUncommitted(broker.bootstrap(), "frames")) - total(committed);
                System.out.println("fault: records of aborted transactions: " + aborted);
                assertTrue(aborted > 0, "the kill aborted a transaction with frames in it");
            } finally {
                producers.shutdownNow();
                LocalCluster.stop(dir);
            }
        }
    }

    /** Whether the job and all its tasks are RUNNING (not merely scheduled after a restart). */
    private static boolean running(ClusterRest rest, String job) throws Exception {
        JsonNode details = rest.get("/jobs/" + job);
        boolean tasks = details.path("vertices").size() > 0;
        for (JsonNode v : details.path("vertices")) {
            tasks &= v.path("status").asText().equals("RUNNING");
        }
        return details.path("state").asText().equals("RUNNING") && tasks;
    }

    private static long restarts(ClusterRest rest, String job) throws Exception {
        for (JsonNode m : rest.get("/jobs/" + job + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return 0;
    }

    private static Map<String, Integer> counts(Map<String, List<FrameTopic.Record>> topic) {
        Map<String, Integer> counts = new TreeMap<>();
        topic.forEach((s, records) -> counts.put(s, records.size()));
        return counts;
    }

    private static int total(Map<String, List<FrameTopic.Record>> topic) {
        return topic.values().stream().mapToInt(List::size).sum();
    }

    /** A condition that may throw while the cluster is in flux. */
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!check.holds()) {
            assertTrue(System.nanoTime() < deadline, what + " within " + TIMEOUT.toSeconds() + " s");
            Thread.sleep(500);
        }
    }
}
