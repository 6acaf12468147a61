package io.lipflow.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.lipflow.inference.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The benchmark on a tiny input: every part runs, and the table, JSON and chart come out. */
class PipelineBenchmarkSmokeTest {
    @TempDir
    Path home;

    @Test
    void smokeRunWritesTableJsonAndChart() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Path results = home.resolve("bench/results");
        PipelineBenchmark.run(home, PipelineBenchmark.Options.smoke(results, Device.CPU), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("best generator:"), out);
        assertTrue(out.contains("full pipeline") && out.contains("x the ceiling measured beside each run"), out);
        assertTrue(out.contains("(the ceiling's configuration") && out.contains("again)"),
                "the ceiling measured again beside the UNet run: " + out);
        // the job's own configuration (a single-threaded session per core, batch 1) is measured beside the run too
        Matcher search = Pattern.compile("best generator: .*\\(batch (\\d+), (\\d+) sessions? x (\\d+) threads?\\)").matcher(out);
        assertTrue(search.find(), out);
        int cores = Runtime.getRuntime().availableProcessors();
        boolean jobIsCeiling = search.group(1).equals("1") && search.group(2).equals(String.valueOf(cores)) && search.group(3).equals("1");
        assertEquals(!jobIsCeiling, out.contains("(the job's configuration, again)"), out);
        assertTrue(out.matches("(?s).*mirror\\s+1\\s+14\\s.*"), "the mirror run's frame count (N + 2 for 0.6 s): " + out);
        List<Path> files;
        try (Stream<Path> s = Files.list(results)) {
            files = s.sorted().toList();
        }
        assertEquals(2, files.size(), files.toString());
        String json = Files.readString(files.get(0));
        for (String key : List.of("\"device\": \"cpu\"", "\"ceiling\"", "\"stageMillisPerFrame\"", "\"pipeline\"", "\"latency\"", "\"p99Ms\"",
                "\"peakRssMb\"", "\"cpuUtilisation\"", "\"ceilingFramesPerSecond\"", "\"model\": \"reference\"", "\"model\": \"mirror\"")) {
            assertTrue(json.contains(key), key + " in " + json);
        }
        // the UNet run's ratio is of the ceiling measured beside it
        Matcher unet = Pattern.compile("\"model\": \"reference\".*?\"framesPerSecond\": ([0-9.]+), "
                + "\"ceilingFramesPerSecond\": ([0-9.]+), \"ofCeiling\": ([0-9.]+)").matcher(json);
        assertTrue(unet.find(), json);
        double fps = Double.parseDouble(unet.group(1));
        double beside = Double.parseDouble(unet.group(2));
        assertTrue(fps > 0 && beside > 0, json);
        assertEquals(fps / beside, Double.parseDouble(unet.group(3)), 0.002, json);
        // the ceiling beside the run is the better of the search's configuration and the job's own
        Matcher own = Pattern.compile("\"model\": \"reference\".*?\"ownConfigFramesPerSecond\": ([0-9.]+)").matcher(json);
        assertTrue(own.find(), json);
        assertTrue(Double.parseDouble(own.group(1)) > 0 && Double.parseDouble(own.group(1)) <= beside, json);
        assertTrue(json.matches("(?s).*\"model\": \"mirror\".*?\"ownConfigFramesPerSecond\": null.*"), json);
        // steady CPU per frame, from the sampler's process CPU around the first and last frames
        Matcher cpu = Pattern.compile("\"cpuMillisPerFrame\": ([0-9.]+)").matcher(json);
        while (cpu.find()) {
            assertTrue(Double.parseDouble(cpu.group(1)) > 0, json);
        }
        byte[] png = Files.readAllBytes(files.get(1));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG chart");
    }

    @Test
    void aDeviceThisBuildCannotRunOnIsRefusedBeforeAnyWork() {
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "this build has CUDA");
        CliRunner r = CliRunner.run("bench", "--device", "cuda");
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out(), "nothing generated or measured first");
        assertTrue(r.err().startsWith("lipflow bench: --device cuda:0 needs the CUDA build") && r.err().contains("-Pcuda"), r.err());
    }
}
