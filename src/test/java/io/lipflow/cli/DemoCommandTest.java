package io.lipflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./lipflow demo} clears only a directory it made. */
class DemoCommandTest {
    @Test
    void refusesAnOutDirectoryWithOtherFilesAndLeavesThemAlone(@TempDir Path tmp) throws Exception {
        Path mine = Files.writeString(tmp.resolve("notes.txt"), "mine");

        CliRunner r = CliRunner.run("demo", "--out", tmp.toString());

        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("is not empty and not an earlier demo's output"), r.err());
        assertEquals("mine", Files.readString(mine));
    }
}
