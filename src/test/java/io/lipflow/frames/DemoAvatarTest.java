package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoAvatarTest {
    @Test
    void framesAre720pWithAsymmetricColouredShapes() {
        BgrImage f = DemoAvatar.frame(0);
        assertEquals(1280, f.width());
        assertEquals(720, f.height());
        CompositorTest.assertPixel(f, 200, 150, 0, 0, 255); // red block top left
        CompositorTest.assertPixel(f, 1080, 200, 255, 0, 0); // blue disc right
        assertTrue(TestImages.channel(f, 1080, 150, 2) < 30 && TestImages.channel(f, 200, 150, 0) < 30, "mirror image would swap these");
    }

    @Test
    void landmarkBoxCoversTheMouthAndTheHeadMoves() {
        CropBox first = CropBox.fromLandmarks(DemoAvatar.landmarks(0));
        CropBox quarter = CropBox.fromLandmarks(DemoAvatar.landmarks(12));
        assertNotEquals(first, quarter, "slight head motion");
        assertEquals(110, DemoAvatar.landmarks(0).length);
        for (int j : new int[] {0, 12, 37}) {
            CropBox box = CropBox.fromLandmarks(DemoAvatar.landmarks(j));
            double[] c = DemoAvatar.headCentre(j);
            // Lips are drawn at the centre + 80 rows: dark red, inside the box.
            int mx = (int) Math.round(c[0]);
            int my = (int) Math.round(c[1]) + 80;
            assertTrue(mx > box.xmin() && mx < box.xmin() + box.side() && my > box.ymin() && my < box.ymin() + box.side());
            BgrImage f = DemoAvatar.frame(j);
            assertTrue(TestImages.channel(f, mx + 40, my, 2) > 2 * TestImages.channel(f, mx + 40, my, 1), "lips are red at frame " + j);
            // The box starts below the eyes (eyes at centre - 45).
            assertTrue(box.ymin() > c[1] - 40, "box top below the eyes at frame " + j);
        }
        assertNotEquals(DemoAvatar.frame(0), DemoAvatar.frame(3));
    }
}
