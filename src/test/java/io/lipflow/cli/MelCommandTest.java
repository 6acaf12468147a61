package io.lipflow.cli;

import io.lipflow.Fixtures;
import io.lipflow.audio.WavBuilder;
import io.lipflow.features.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MelCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheReferenceMelAsFloat32Npy() throws Exception {
        Path out = dir.resolve("speech.npy");
        CliRunner r = CliRunner.run("mel", "--wav", Fixtures.path("mel/speech_640ms.wav").toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("52 x 80 mel frames"), r.out());
        assertTrue(new String(Files.readAllBytes(out), 0, 80, java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("'descr': '<f4', 'fortran_order': False, 'shape': (52, 80)"));
        Npy.Array written = Npy.read(out);
        Npy.Array reference = Npy.read(Fixtures.path("mel/speech_640ms.mel.npy"));
        assertArrayEquals(reference.shape(), written.shape());
        assertArrayEquals(reference.data(), written.data(), 1e-4);
    }

    @Test
    void badAudioGivesOneLineAndNonZeroExit() throws Exception {
        Path bad = dir.resolve("bad.wav");
        Files.write(bad, new WavBuilder().fmt(7, 1, 8000, 8).data(new byte[100]).build());
        CliRunner r = CliRunner.run("mel", "--wav", bad.toString(), "--out", dir.resolve("x.npy").toString());
        assertEquals(1, r.exitCode());
        assertEquals("lipflow mel: " + bad + ": unsupported encoding mu-law (supported: PCM 16/24/32-bit, float 32-bit)",
                r.err().strip());
        assertFalse(Files.exists(dir.resolve("x.npy")));
    }

    @Test
    void missingFileAndBadOptionsAreUserErrors() {
        CliRunner missing = CliRunner.run("mel", "--wav", dir.resolve("nope.wav").toString(), "--out", "x.npy");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope.wav: no such file"), missing.err());
        assertEquals(1, missing.err().strip().lines().count());

        CliRunner noOut = CliRunner.run("mel", "--wav", "a.wav");
        assertEquals(1, noOut.exitCode());
        assertTrue(noOut.err().contains("missing required option --out"), noOut.err());

        CliRunner typo = CliRunner.run("mel", "--wav", "a.wav", "--out", "b.npy", "--ouput", "c");
        assertEquals(1, typo.exitCode());
        assertTrue(typo.err().contains("unknown option --ouput"), typo.err());

        CliRunner unknown = CliRunner.run("frobnicate");
        assertEquals(2, unknown.exitCode());
    }

    @Test
    void helpListsTheCommands() {
        CliRunner r = CliRunner.run("help");
        assertEquals(0, r.exitCode());
        for (Command c : Main.commands()) {
            assertTrue(r.out().contains("  " + c.name() + " "), c.name());
        }
    }
}
