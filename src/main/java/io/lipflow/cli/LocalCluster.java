package io.lipflow.cli;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.GlobalConfiguration;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A Flink standalone session cluster on this machine without Flink's binary distribution: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and one TaskManager ({@code TaskManagerRunner}) as
 * background JVMs on a Maven-resolved classpath, all ports on 127.0.0.1. Its directory holds the
 * generated {@code conf/config.yaml}, logs, pid files and {@code cluster.properties} (the REST address),
 * so a later command finds and stops it.
 */
final class LocalCluster {
    static final String JOBMANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASKMANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final String LOG4J = String.join("\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "appender.file.name = file",
            "appender.file.type = File",
            "appender.file.fileName = ${sys:log.file}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
            "");

    /**
     * Jars the job jar brings itself. The cluster keeps Flink, logging and the native libraries (ONNX
     * Runtime, JavaCV), as the docker image does, so their natives are extracted once per TaskManager.
     */
    private static final List<String> JOB_ONLY = List.of("flink-connector-kafka-", "kafka-clients-", "zstd-jni-",
            "jackson-", "tribuo-", "protobuf-java-", "JTransforms-", "JLargeArrays-");

    private final Path dir;
    private final ClusterRest rest;

    private LocalCluster(Path dir, String restUrl) {
        this.dir = dir;
        this.rest = new ClusterRest(restUrl);
    }

    ClusterRest rest() {
        return rest;
    }

    /**
     * Writes the configuration ({@code baseConfig}, usually the repository's flink-conf/config.yaml, with
     * free ports, local directories, {@code slots} task slots and no metrics reporter plugin, which a
     * Maven classpath lacks), starts both JVMs and waits until the TaskManager has registered.
     */
    static LocalCluster start(Path dir, Path baseConfig, String classpath, int slots, PrintStream out)
            throws IOException, InterruptedException, UserError {
        if (running(dir).isPresent()) {
            throw new UserError("a cluster is already running from " + dir + " (stop it with ./lipflow cluster down)");
        }
        Path conf = dir.resolve("conf");
        Path log = dir.resolve("log");
        Files.createDirectories(conf);
        Files.createDirectories(log);
        int restPort = JobLauncher.freePort(8081);
        Configuration c = GlobalConfiguration.loadConfiguration(baseConfig.getParent().toString());
        c.keySet().stream().filter(k -> k.startsWith("metrics.reporter")).toList().forEach(c::removeKey);
        for (String host : List.of("jobmanager.rpc.address", "jobmanager.bind-host", "taskmanager.host",
                "taskmanager.bind-host", "rest.address", "rest.bind-address")) {
            c.setString(host, "127.0.0.1");
        }
        c.setString("rest.port", String.valueOf(restPort));
        c.setString("jobmanager.rpc.port", String.valueOf(JobLauncher.freePort(6123)));
        c.setString("taskmanager.numberOfTaskSlots", String.valueOf(slots));
        c.setString("parallelism.default", String.valueOf(slots));
        c.setString("taskmanager.memory.process.size", "4g");
        c.setString("jobmanager.memory.process.size", "1g");
        c.setString("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        c.setString("execution.checkpointing.interval", "2s");
        c.setString("io.tmp.dirs", Files.createDirectories(dir.resolve("tmp")).toString());
        c.setString("web.upload.dir", Files.createDirectories(dir.resolve("uploads")).toString());
        // the web UI and the REST API show operator metrics at most this old
        c.setString("metrics.fetcher.update-interval", "1s");
        Files.write(conf.resolve("config.yaml"), ConfigurationUtils.convertConfigToWritableLines(c, false));
        Files.writeString(conf.resolve("log4j.properties"), LOG4J);

        out.println("cluster: starting a JobManager and a TaskManager (" + slots + " slots), logs in " + log);
        List<String> jm = resourceParams(classpath, conf, "GET_JM_RESOURCE_PARAMS");
        long jmPid = launch(dir, "jobmanager", classpath, jm.get(0), JOBMANAGER,
                List.of("--configDir", conf.toString(), "--executionMode", "cluster"), jm.get(1));
        long tmPid;
        try {
            tmPid = launchTaskManager(dir, classpath);
        } catch (IOException e) {
            ProcessHandle.of(jmPid).ifPresent(ProcessHandle::destroy); // no pid file yet: nothing else could stop it
            throw e;
        }

        LocalCluster cluster = new LocalCluster(dir, "http://127.0.0.1:" + restPort);
        Properties p = new Properties();
        p.setProperty("rest", cluster.rest.url());
        p.setProperty("jobmanager.pid", String.valueOf(jmPid));
        p.setProperty("taskmanager.pid", String.valueOf(tmPid));
        try (var w = Files.newBufferedWriter(dir.resolve("cluster.properties"))) {
            p.store(w, "lipflow local cluster");
        }
        cluster.awaitTaskManager(out);
        return cluster;
    }

    /**
     * Kills the TaskManager JVM at once (SIGKILL), as a crashed machine would, and waits until it has exited.
     * The JobManager notices the loss only through missed heartbeats ({@code heartbeat.*} in the configuration).
     */
    void killTaskManager() throws IOException, InterruptedException, ExecutionException, TimeoutException {
        ProcessHandle tm = process(dir, load(dir.resolve("cluster.properties")), "taskmanager.pid")
                .orElseThrow(() -> new IllegalStateException("no TaskManager of " + dir + " is running"));
        tm.destroyForcibly();
        tm.onExit().get(30, TimeUnit.SECONDS);
    }

    /**
     * Starts a fresh TaskManager JVM (same configuration, same {@code classpath} as {@link #start}) against
     * the running JobManager, and records it as the cluster's TaskManager, so {@link #stop} stops it. It
     * registers with the JobManager within seconds; it returns without waiting for that.
     */
    void startTaskManager(String classpath) throws IOException, InterruptedException {
        Path file = dir.resolve("cluster.properties");
        Properties p = load(file);
        p.setProperty("taskmanager.pid", String.valueOf(launchTaskManager(dir, classpath)));
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, "lipflow local cluster");
        }
    }

    /** The cluster's classpath from a LipFlow runtime classpath: without class directories and job-only jars. */
    static String clusterClasspath(String runtimeClasspath) {
        return Arrays.stream(runtimeClasspath.split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar"))
                .filter(e -> JOB_ONLY.stream().noneMatch(Path.of(e).getFileName().toString()::startsWith))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** The cluster started from {@code dir}, if its JVMs are still alive. */
    static Optional<LocalCluster> running(Path dir) throws IOException {
        Path file = dir.resolve("cluster.properties");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = load(file);
        boolean alive = processes(dir, p).stream().anyMatch(ProcessHandle::isAlive);
        return alive ? Optional.of(new LocalCluster(dir, p.getProperty("rest"))) : Optional.empty();
    }

    /** Stops both JVMs (SIGTERM, then SIGKILL after 30 s); returns how many were running. */
    static int stop(Path dir) throws IOException, InterruptedException {
        Path file = dir.resolve("cluster.properties");
        if (!Files.exists(file)) {
            return 0;
        }
        List<ProcessHandle> alive = processes(dir, load(file)).stream().filter(ProcessHandle::isAlive).toList();
        alive.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException slow) {
                h.destroyForcibly();
            }
        }
        Files.delete(file);
        return alive.size();
    }

    private void awaitTaskManager(PrintStream out) throws InterruptedException, UserError, IOException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (running(dir).isEmpty()) {
                throw new UserError("the cluster's JVMs exited during start-up; see " + dir.resolve("log"));
            }
            try {
                if (rest.get("/taskmanagers").path("taskmanagers").size() > 0) {
                    out.println("cluster: up; Flink web UI and REST API at " + rest.url());
                    return;
                }
            } catch (IOException notYet) {
                // the REST endpoint is still starting
            }
            Thread.sleep(500);
        }
        stop(dir);
        throw new UserError("no TaskManager registered within 120 s; see " + dir.resolve("log"));
    }

    /** Memory flags (first) and {@code -D} properties (second) that Flink's scripts compute for a process. */
    private static List<String> resourceParams(String classpath, Path conf, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java(), "-cp", classpath, BASH_JAVA_UTILS, command, "--configDir", conf.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String> result = output.lines().filter(l -> l.startsWith(RESULT_PREFIX))
                .map(l -> l.substring(RESULT_PREFIX.length()).trim()).toList();
        if (p.exitValue() != 0 || result.size() < 2) {
            throw new IOException(command + " failed: " + output.strip());
        }
        return result.subList(result.size() - 2, result.size());
    }

    private static long launchTaskManager(Path dir, String classpath) throws IOException, InterruptedException {
        Path conf = dir.resolve("conf");
        List<String> tm = resourceParams(classpath, conf, "GET_TM_RESOURCE_PARAMS");
        return launch(dir, "taskmanager", classpath, tm.get(0), TASKMANAGER, List.of("--configDir", conf.toString()), tm.get(1));
    }

    private static long launch(Path dir, String name, String classpath, String memoryFlags, String mainClass,
                               List<String> args, String dynamicProperties) throws IOException {
        Path log = dir.resolve("log");
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add(marker(dir)); // first, as Linux shows other processes only the first 4 KB of a command line
        cmd.addAll(Arrays.asList(memoryFlags.split("\\s+")));
        cmd.addAll(moduleFlags());
        cmd.add("-XX:G1HeapRegionSize=8m"); // as flink-conf/config.yaml: per-frame tensors are not humongous objects
        cmd.add("-Dlog.file=" + log.resolve(name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + dir.resolve("conf/log4j.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        cmd.addAll(Arrays.asList(dynamicProperties.split("\\s+")));
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                // appended: a replacement TaskManager keeps its predecessor's output
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolve(name + ".out").toFile()))
                .redirectErrorStream(true)
                .start();
        return p.pid();
    }

    /** This JVM's --add-opens/--add-exports flags (Flink's list for Java 17), passed on to the cluster. */
    private static List<String> moduleFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")).toList();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A system property that marks this cluster's JVMs. */
    private static String marker(Path dir) {
        return "-Dlipflow.cluster=" + dir.toAbsolutePath();
    }

    private static List<ProcessHandle> processes(Path dir, Properties p) {
        List<ProcessHandle> list = new ArrayList<>();
        for (String key : List.of("jobmanager.pid", "taskmanager.pid")) {
            process(dir, p, key).ifPresent(list::add);
        }
        return list;
    }

    /** The live JVM whose pid {@code p} records under {@code key}, if it is still this cluster's. */
    private static Optional<ProcessHandle> process(Path dir, Properties p, String key) {
        // only our JVMs: a pid may have been reused since
        return ProcessHandle.of(Long.parseLong(p.getProperty(key, "-1")))
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker(dir) + " ")).orElse(false));
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }
}
