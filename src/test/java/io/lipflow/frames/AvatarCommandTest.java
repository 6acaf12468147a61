package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipflow.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./lipflow avatar ...} end to end through the CLI entry point. */
class AvatarCommandTest {
    @TempDir
    Path tmp;

    private record Result(int exit, String out, String err) {}

    private static Result lipflow(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream systemOut = System.out;
        int exit;
        // Commands print to System.out; capture it for the duration of the call.
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            exit = Main.run(argv, o, e);
        } finally {
            System.setOut(systemOut);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoThenImportTheDatasetAndTheVideo() throws Exception {
        Path demo = tmp.resolve("demo");
        Path store = tmp.resolve("store");
        Result made = lipflow("avatar", "demo", "--out", demo.toString(), "--frames", "8", "--video");
        assertEquals(0, made.exit(), made.err());
        assertTrue(Files.isRegularFile(demo.resolve("full_body_img/7.jpg")));
        assertTrue(Files.isRegularFile(demo.resolve("landmarks/7.lms")));
        assertTrue(Files.size(demo.resolve("demo.mp4")) > 1000);
        assertTrue(made.out().strip().endsWith(" s"), made.out());

        Result dataset = lipflow("avatar", "import", "--from", demo.toString(), "--store", store.toString());
        assertEquals(0, dataset.exit(), dataset.err());
        assertTrue(dataset.out().contains("imported avatar 'demo': 8 frames 1280x720 into " + store.resolve("demo")), dataset.out());
        Avatar imported = Avatar.open(store.resolve("demo"));
        assertEquals(8, imported.frameCount());
        // The demo's landmarks put the box just below the eyes, over the jaw's width.
        assertEquals(CropBox.fromLandmarks(DemoAvatar.landmarks(5)), imported.box(5));

        Result video = lipflow("avatar", "import", "--from", demo.resolve("demo.mp4").toString(), "--store", store.toString(),
                "--id", "from-video", "--max-frames", "6");
        assertEquals(0, video.exit(), video.err());
        assertTrue(video.out().contains("imported avatar 'from-video': 6 frames 1280x720"), video.out());
        Avatar fromVideo = Avatar.open(store.resolve("from-video"));
        assertEquals(6, fromVideo.frameCount());
        assertTrue(fromVideo.source().startsWith("video:"), fromVideo.source());
    }

    @Test
    void errorsAreOneLine() throws Exception {
        Path ds = SyncTalkDatasets.write(tmp.resolve("anna"));
        Files.delete(ds.resolve("landmarks/1.lms"));
        Result bad = lipflow("avatar", "import", "--from", ds.toString(), "--store", tmp.resolve("store").toString());
        assertEquals(1, bad.exit());
        assertEquals("lipflow avatar: avatar 'anna': frame 1: landmarks/1.lms is missing\n", bad.err());

        Result badId = lipflow("avatar", "import", "--from", ds.toString(), "--store", tmp.resolve("store").toString(),
                "--id", "../x");
        assertEquals(1, badId.exit());
        assertTrue(badId.err().startsWith("lipflow avatar: avatar id '../x' is not allowed"), badId.err());

        Result noSub = lipflow("avatar", "export");
        assertEquals(1, noSub.exit());
        assertEquals("lipflow avatar: expected 'avatar import' or 'avatar demo', got 'avatar export'\n", noSub.err());
    }
}
