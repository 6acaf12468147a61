package io.lipflow.cli;

import io.lipflow.testing.TestClusters;
import io.lipflow.audio.WavBuilder;
import io.lipflow.audio.WavEncoder;
import io.lipflow.job.JobFixtures;
import io.lipflow.job.JobEnvironment;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./lipflow run} job over a directory of WAV files where some speakers send garbage: the dead-letter
 * files under {@code OUT/_dead-letters} hold one JSON line per bad file with its reason, and every good
 * utterance has all its frames and its MP4.
 */
class RunDeadLettersTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    @TempDir
    Path tmp;

    @Test
    void badFilesAreDeadLetteredAndGoodSpeakersAreComplete() throws Exception {
        Path in = tmp.resolve("in");
        Map<String, float[]> good = new TreeMap<>();
        good.put("anna/hello", JobFixtures.speech(0.8, 1));
        good.put("bob/one", JobFixtures.speech(0.6, 2));
        good.put("bob/two", JobFixtures.speech(0.5, 3)); // a second file of one speaker
        for (var e : good.entrySet()) {
            write(in.resolve(e.getKey() + ".wav"), WavEncoder.pcm16(e.getValue(), 16000));
        }
        write(in.resolve("carl/noise.wav"), "RIFX and then some".getBytes());
        write(in.resolve("dora/mulaw.wav"), new WavBuilder().fmt(7, 1, 8000, 8).data(new byte[800]).build());
        write(in.resolve("eve/bad name.wav"), WavEncoder.pcm16(JobFixtures.speech(0.3, 4), 16000));
        write(in.resolve("finn/long.wav"), WavEncoder.pcm16(JobFixtures.speech(2.5, 5), 16000));
        write(in.resolve("gina/hi.wav"), WavEncoder.pcm16(JobFixtures.speech(0.3, 6), 16000));
        Path manifest = Files.writeString(tmp.resolve("manifest"), "gina=nobody\n");
        Path avatar = JobFixtures.avatar(tmp.resolve("demo"));
        Path out = tmp.resolve("out");

        // the run command's wiring (JobSpec, JobLauncher.assemble) on the test cluster, which needs no web UI port
        JobSpec spec = JobSpec.parse(new Args(List.of("--audio", in.toString(), "--avatar", avatar.toString(),
                "--manifest", manifest.toString(), "--generator", JobFixtures.mirror().toString(),
                "--encoder", JobFixtures.encoder().toString(), "--out", out.toString(), "--max-utterance-seconds", "2",
                "--avatar-cache-mb", "64")));
        assertEquals(64, spec.settings.avatarCacheMegabytes);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofSeconds(1)));
        env.setParallelism(2);
        JobLauncher.assemble(env, spec);
        JobExecutionResult result = env.execute("dead letters");

        assertEquals(5, JobLauncher.deadLetters(result), "the dead-letter metric");
        List<String> letters = deadLetters(out.resolve(JobLauncher.DEAD_LETTER_DIR));
        assertEquals(List.of(
                "{\"speaker\":\"carl\",\"utterance\":\"noise\",\"stage\":\"mel-windows\",\"reason\":\"noise.wav: not a RIFF/WAVE file\"}",
                "{\"speaker\":\"dora\",\"utterance\":\"mulaw\",\"stage\":\"mel-windows\",\"reason\":\"mulaw.wav: unsupported encoding mu-law (supported: PCM 16/24/32-bit, float 32-bit)\"}",
                "{\"speaker\":\"eve\",\"utterance\":\"bad name\",\"stage\":\"mel-windows\",\"reason\":\"speaker 'eve' utterance 'bad name': ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit\"}",
                "{\"speaker\":\"finn\",\"utterance\":\"long\",\"stage\":\"mel-windows\",\"reason\":\"speaker 'finn' utterance 'long': longer than the limit of 2.0 s\"}",
                "{\"speaker\":\"gina\",\"utterance\":\"hi\",\"stage\":\"audio-context\",\"reason\":\"unknown avatar 'nobody' (no avatar store or --avatar for it)\"}"),
                letters);
        for (var e : good.entrySet()) {
            Path frames = out.resolve(e.getKey());
            List<String> names = new ArrayList<>();
            try (Stream<Path> files = Files.list(frames)) {
                files.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
            }
            int n = JobFixtures.frameCount(e.getValue().length);
            assertEquals(n, names.size(), e.getKey() + ": " + names);
            assertEquals("frame_00000.jpg", names.get(0));
            assertEquals(String.format("frame_%05d.jpg", n - 1), names.get(n - 1));
            assertTrue(Files.size(out.resolve(e.getKey() + ".mp4")) > 0, e.getKey() + ".mp4");
        }
        try (Stream<Path> speakers = Files.list(out)) {
            assertEquals(List.of(JobLauncher.DEAD_LETTER_DIR, "anna", "bob", "finn"),
                    speakers.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList(),
                    "no output for refused files");
        }
        // refused part way: the frames made before the limit stay, no video is finished
        assertTrue(Files.isRegularFile(out.resolve("finn/long/frame_00000.jpg")));
        assertTrue(Files.notExists(out.resolve("finn/long.mp4")) && Files.notExists(out.resolve("finn/long.wav")));
    }

    private static void write(Path file, byte[] bytes) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /** Every committed line of the dead-letter files, sorted. */
    private static List<String> deadLetters(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                lines.addAll(Files.readAllLines(f));
            }
        }
        lines.sort(null);
        return lines;
    }
}
