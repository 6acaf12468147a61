package io.lipflow.job;

import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A watched directory hands out a file only once it has stopped changing, and never a hidden one. */
class SettledFilesTest {
    @TempDir
    java.nio.file.Path tmp;

    private static Path flink(java.nio.file.Path p) {
        return new Path(p.toUri());
    }

    @Test
    void fileStillBeingWrittenWaitsForALaterScan() throws Exception {
        AudioSources.SettledFiles settled = new AudioSources.SettledFiles(2000);
        java.nio.file.Path wav = Files.write(tmp.resolve("fresh.wav"), new byte[44]);
        assertFalse(settled.test(flink(wav)), "a file modified just now may still be growing");
        Files.setLastModifiedTime(wav, FileTime.from(Instant.now().minusSeconds(3)));
        assertTrue(settled.test(flink(wav)), "unchanged for 3 s: read it");
    }

    @Test
    void directoriesPassAndHiddenOrVanishedFilesDoNot() throws Exception {
        AudioSources.SettledFiles settled = new AudioSources.SettledFiles(0);
        java.nio.file.Path dir = Files.createDirectories(tmp.resolve("anna")); // just modified, still passes
        assertTrue(settled.test(flink(dir)));
        assertTrue(settled.test(flink(Files.write(dir.resolve("a.wav"), new byte[44]))));
        assertFalse(settled.test(flink(Files.write(dir.resolve(".a.wav.part"), new byte[44]))));
        assertFalse(settled.test(flink(Files.write(dir.resolve("_b.wav"), new byte[44]))));
        assertFalse(settled.test(flink(dir.resolve("gone.wav"))));
    }
}
