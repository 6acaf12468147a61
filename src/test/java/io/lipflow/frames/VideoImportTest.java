package io.lipflow.frames;

import io.lipflow.output.Mp4Writer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoImportTest {
    @TempDir
    Path tmp;

    @Test
    void importsTheDrawnFaceFromAnMp4() throws Exception {
        Path mp4 = tmp.resolve("demo.mp4");
        Mp4Writer.write(mp4, 12, DemoAvatar::frame, null);
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        Avatar avatar = VideoAvatarImporter.importVideo(mp4, store, "drawn", 10, n -> { });
        assertEquals(10, avatar.frameCount());
        assertEquals(1280, avatar.width());
        assertEquals(720, avatar.height());
        for (int j = 0; j < avatar.frameCount(); j++) {
            // The drawn face's own landmark box: jaw +-118 around the head centre, top 22 above it.
            double[] c = DemoAvatar.headCentre(j);
            CropBox box = avatar.box(j);
            assertEquals(c[0], box.xmin() + box.side() / 2.0, 25, "frame " + j + " box centre x");
            assertEquals(236, box.side(), 50, "frame " + j + " side");
            assertEquals(c[1] - 22, box.ymin(), 40, "frame " + j + " top");
            // The mouth (centre + 80 rows) must be well inside the box.
            assertTrue(box.ymin() + box.side() > c[1] + 120, "frame " + j + " box ends above the lips");
        }
        assertEquals(avatar.frame(3).width(), 1280);
    }

    @Test
    void aFileThatIsNotAVideoIsAClearError() throws Exception {
        Path notVideo = Files.writeString(tmp.resolve("notes.mp4"), "these are not frames");
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        String message = assertThrows(AvatarException.class,
                () -> VideoAvatarImporter.importVideo(notVideo, store, "v", 0, n -> { })).getMessage();
        assertTrue(message.startsWith("avatar 'v': cannot read video " + notVideo), message);
        assertFalse(Files.exists(store.dir("v")));
    }

    @Test
    void framesWithoutADetectionTakeTheNearestBoxAndBoxesAreSmoothed() throws Exception {
        // Detections: a face at x 100 in frames 0-1, none in 2-3, x 200 in frames 4-6 (w 100, h 100).
        double[] left = {100, 50, 100, 100};
        double[] right = {200, 50, 100, 100};
        List<double[]> faces = Arrays.asList(left, left, null, null, right, right, right);
        List<CropBox> boxes = VideoAvatarImporter.boxes(faces, "v");
        // Filled: L L L R R R R (frame 2 nearest to 1, frame 3 nearest to 4). Frame 0 averages frames 0-2 (all L).
        assertEquals(new CropBox(105, 92, 90), boxes.get(0));
        // Frame 6 averages frames 4-6 (all R).
        assertEquals(new CropBox(205, 92, 90), boxes.get(6));
        // Frame 3 averages frames 1-5: L L R R R -> x 160.
        assertEquals(new CropBox(165, 92, 90), boxes.get(3));
        String none = assertThrows(AvatarException.class,
                () -> VideoAvatarImporter.boxes(Arrays.asList(null, null), "v")).getMessage();
        assertEquals("avatar 'v': no face found in any of the 2 frames", none);
    }
}
