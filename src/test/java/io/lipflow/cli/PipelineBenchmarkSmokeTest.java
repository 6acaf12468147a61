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
        assertTrue(out.matches("(?s).*mirror\\s+1\\s+1\\s+14\\s.*"), "the mirror run's frame count (N + 2 for 0.6 s): " + out);
        // the smoke run's two rounds of UNet runs: a table row each, and the lower ratio as the median of two
        assertTrue(out.matches("(?s).*\nreference\\s+1\\s+1\\s+14\\s.*\nreference\\s+1\\s+2\\s+14\\s.*"), out);
        assertTrue(out.contains("each the median of 2 rounds"), out);
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
        double first = Double.parseDouble(unet.group(3));
        assertTrue(unet.find(), "the second round's run: " + json);
        double second = Double.parseDouble(unet.group(3));
        Matcher median = Pattern.compile("\"unetMedianOfCeiling\": \\[\\{\"speakers\": 1, \"round\": [12], \"ofCeiling\": ([0-9.]+)\\}\\]")
                .matcher(json);
        assertTrue(median.find(), json);
        assertEquals(Math.min(first, second), Double.parseDouble(median.group(1)), 0.0005, json);
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
        // the live streams: frames discarded, and frames written with each utterance's MP4 (which the run checks)
        assertTrue(out.contains("mirror 1 speakers at real time, one utterance each, frames discarded: p50"), out);
        assertTrue(out.contains("mirror 1 speakers at real time, utterances of 6 s, frame files and MP4s: p50"), out);
        assertTrue(json.contains("\"files\": false") && json.contains("\"files\": true"), json);
        byte[] png = Files.readAllBytes(files.get(1));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG chart");
    }

    @Test
    void eachSpeakerCountsFigureIsItsMedianRound() {
        List<PipelineBenchmark.PipelineRun> runs = List.of(
                unet(1, 1, 20, 25), unet(2, 1, 22, 24), unet(1, 2, 24, 25), unet(2, 2, 18, 24),
                unet(1, 3, 23, 25), unet(2, 3, 23, 24), mirror(1), mirror(2));
        List<PipelineBenchmark.PipelineRun> medians = PipelineBenchmark.medianRuns(runs);
        // 1 speaker: 0.80 / 0.96 / 0.92 -> round 3; 2 speakers: 0.92 / 0.75 / 0.96 -> round 1
        assertEquals(List.of(runs.get(4), runs.get(1)), medians);
        // of two rounds, the lower
        assertEquals(List.of(runs.get(0)), PipelineBenchmark.medianRuns(List.of(runs.get(0), runs.get(2))));
    }

    private static PipelineBenchmark.PipelineRun unet(int speakers, int round, double fps, double ceiling) {
        return new PipelineBenchmark.PipelineRun("reference", speakers, 400, 20, fps, 85, 90, 0.96, 400, 2500, ceiling,
                ceiling, round);
    }

    private static PipelineBenchmark.PipelineRun mirror(int speakers) {
        // a mirror run's ratio is far above any UNet run's: it must not be taken for one
        return new PipelineBenchmark.PipelineRun("mirror", speakers, 1600, 4, 500, 3, 4, 0.8, 600, 3000, 25, Double.NaN, 1);
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
