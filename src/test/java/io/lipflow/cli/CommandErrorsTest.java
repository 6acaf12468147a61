package io.lipflow.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands besides {@code run} refuse what the user can fix in one line and exit code 1, no stack trace. */
class CommandErrorsTest {
    @TempDir
    Path tmp;

    private static void assertUserError(CliRunner r, String command, String... fragments) {
        assertEquals(1, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r.err());
        assertTrue(r.err().startsWith("lipflow " + command + ": "), r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        }
    }

    @Test
    void aSwitchDoesNotSwallowTheSubCommand() {
        // the word after a bare switch is its value: read as false, this ran the whole 15-minute bench
        assertUserError(CliRunner.run("bench", "--smoke", "knobs"), "bench", "--smoke is a switch and takes no value, got 'knobs'");
    }

    @Test
    void chunkLengthOutOfRange() throws Exception {
        // 48 kHz x 60,000 ms overflowed an int and sent one-sample chunks
        Path wav = Files.writeString(tmp.resolve("a.wav"), "not read");
        assertUserError(CliRunner.run("produce", "--wav", wav.toString(), "--kafka", "127.0.0.1:9", "--topic", "t",
                "--speaker", "anna", "--chunk-ms", "600000"), "produce", "--chunk-ms must be 1..60000, got 600000");
    }

    @Test
    void clusterWithoutSlots() {
        assertUserError(CliRunner.run("cluster", "up", "--slots", "0"), "cluster", "--slots must be 1..256, got 0");
    }

    @Test
    void outputDirectoryThatIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("taken"), "a file");
        assertUserError(CliRunner.run("models", "--out", file.toString()), "models", "--out " + file, "cannot be made a directory");
        assertUserError(CliRunner.run("avatar", "demo", "--out", file.toString()), "avatar", "--out " + file, "cannot be made a directory");
    }

    @Test
    void negativeFrameLimit() throws Exception {
        assertUserError(CliRunner.run("avatar", "import", "--from", tmp.toString(), "--store", tmp.resolve("s").toString(),
                "--max-frames", "-3"), "avatar", "--max-frames must be 0..2147483647, got -3");
    }
}
