package io.lipflow.cli;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.lipflow.job.JobFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code ./lipflow run} refuses bad models, avatars and limits with one line and exit code 1, before any
 * Flink starts (nothing is printed to stdout).
 */
class RunCommandErrorsTest {
    @TempDir
    static Path tmp;
    static Path avatar;

    @BeforeAll
    static void inputs() throws Exception {
        JobFixtures.speechWav(tmp.resolve("in/anna/hello.wav"), 0.5, 1);
        avatar = JobFixtures.avatar(tmp.resolve("demo"));
    }

    /** Runs {@code run} with working inputs, the given options replacing or adding to them. */
    private static CliRunner run(String... options) {
        List<String> argv = new ArrayList<>(List.of("run", "--audio", tmp.resolve("in").toString()));
        List<String> given = List.of(options);
        for (String[] pair : new String[][] {{"--out", tmp.resolve("out").toString()},
                {"--avatar", avatar.toString()}, {"--generator", JobFixtures.mirror().toString()},
                {"--encoder", JobFixtures.encoder().toString()}}) {
            if (!given.contains(pair[0])) {
                argv.addAll(List.of(pair));
            }
        }
        argv.addAll(given);
        return CliRunner.run(argv.toArray(String[]::new));
    }

    private static void assertUserError(CliRunner r, String... fragments) {
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out(), "refused before the job starts");
        assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().startsWith("lipflow run: "), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        }
    }

    @Test
    void missingModel() {
        assertUserError(run("--generator", tmp.resolve("missing.onnx").toString()),
                "--generator " + tmp.resolve("missing.onnx"), "no such file");
    }

    @Test
    void modelOfTheWrongKind() {
        assertUserError(run("--generator", JobFixtures.encoder().toString()),
                "--generator audio_encoder.onnx: expected an input of shape (B,6,320,320)", "found inputs: mel");
        assertUserError(run("--encoder", JobFixtures.mirror().toString()),
                "--encoder mirror_generator.onnx: expected an input of shape (B,1,80,16)");
    }

    @Test
    void unknownOrUnbuiltDeviceIsRefusedBeforeTheJob() {
        assertUserError(run("--device", "gpu"), "unknown device 'gpu': use cpu, cuda or cuda:N");
        assertUserError(run("--cuda-options", "prefer_nhwc=1"), "CUDA provider options 'prefer_nhwc=1' need a CUDA device, not cpu");
        assertUserError(run("--device", "cuda", "--cuda-options", "prefer_nhwc"), "CUDA provider option 'prefer_nhwc' in", "name=value");
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "this build has CUDA");
        assertUserError(run("--device", "cuda:1"), "--device cuda:1 needs the CUDA build", "-Pcuda");
    }

    @Test
    void fileThatIsNotAModel() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.onnx"), "not a protobuf\n");
        assertUserError(run("--generator", junk.toString()), "--generator junk.onnx: ONNX Runtime cannot load it");
    }

    @Test
    void corruptAvatarFrameIsNamed() throws Exception {
        Path bad = JobFixtures.avatarWithCorruptFrame(tmp.resolve("broken"), 2);
        assertUserError(run("--avatar", bad.toString()), "--avatar " + bad, "avatar 'broken': frame 2: full_body_img/2.jpg is");
    }

    @Test
    void badLandmarksAreNamed() throws Exception {
        Path bad = JobFixtures.avatarWithBadLandmarks(tmp.resolve("crooked"), 1);
        assertUserError(run("--avatar", bad.toString()), "avatar 'crooked': frame 1: landmarks/1.lms");
    }

    @Test
    void avatarThatIsNoAvatar() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertUserError(run("--avatar", empty.toString()), "avatar 'empty'", "is neither a LipFlow avatar");
    }

    @Test
    void missingAvatar() {
        assertUserError(run("--avatar", tmp.resolve("nobody").toString()), "--avatar " + tmp.resolve("nobody"), "no such file or directory");
    }

    @Test
    void manifestWithIdsThatAreNotFileNames() throws Exception {
        Path manifest = Files.writeString(tmp.resolve("manifest"), "anna=demo\nbob=../../etc\n");
        assertUserError(run("--manifest", manifest.toString()),
                "--manifest " + manifest + ": 'bob=../../etc': speaker and avatar ids must be 1-64 letters");
    }

    @Test
    void outputThatCannotBeADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("taken"), "a file");
        assertUserError(run("--out", file.resolve("out").toString()), "--out " + file.resolve("out"), "cannot be made a directory");
    }

    @Test
    void jobNameThatCannotPrefixTransactionIds() {
        assertUserError(run("--name", "my job"), "--name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got 'my job'");
    }

    @Test
    void limitsOutOfRange() {
        assertUserError(run("--max-utterance-seconds", "0"), "--max-utterance-seconds must be 1..86400, got 0");
        assertUserError(run("--max-buffered-mb", "lots"), "--max-buffered-mb expects an integer, got 'lots'");
        assertUserError(run("--max-buffered-mb", "1025"), "--max-buffered-mb must be 1..1024, got 1025");
        assertUserError(run("--in-flight", "0"), "--in-flight must be 1..4096, got 0");
        assertUserError(run("--utterance-timeout-seconds", "0"), "--utterance-timeout-seconds must be 1..86400, got 0");
        assertUserError(run("--avatar-cache-mb", "0"), "--avatar-cache-mb must be 1..1048576, got 0");
    }

    @Test
    void outputInsideTheWatchedAudio() {
        Path inside = tmp.resolve("in/out");
        assertUserError(run("--out", inside.toString()), "--out " + inside + " is inside --audio", "would read its own output");
        assertTrue(Files.notExists(inside), "refused before --out is made");
    }

    @Test
    void checkpointsTooFarApartForKafkaTransactions() {
        assertUserError(run("--kafka-out", "127.0.0.1:9", "--frames-topic", "frames", "--checkpoint-seconds", "301"),
                "--checkpoint-seconds is at most 300 with --kafka-out", "time out after 600 s");
    }

    @Test
    void switchGivenAValue() {
        assertUserError(run("--watch", "yes"), "--watch is a switch and takes no value, got 'yes'");
    }
}
