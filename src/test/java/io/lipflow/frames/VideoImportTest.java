package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoImportTest {
    @TempDir
    Path tmp;

    @Test
    void importsTheDrawnFaceFromAnMp4() throws Exception {
        Path mp4 = tmp.resolve("demo.mp4");
        DemoAvatar.writeVideo(mp4, 12);
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
}
