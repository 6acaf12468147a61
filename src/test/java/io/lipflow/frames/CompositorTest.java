package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CompositorTest {

    private static BgrImage mirrorComposite(BgrImage template, CropBox box) {
        byte[] crop = FaceCrop.crop(template, box);
        return Compositor.composite(template, box, crop, TestImages.mirror(FaceCrop.input(crop)), 0);
    }

    @Test
    void mirrorGeneratorReproducesTheTemplate() {
        for (int j : new int[] {0, 17, 38}) {
            BgrImage template = DemoAvatar.frame(j);
            CropBox box = CropBox.fromLandmarks(DemoAvatar.landmarks(j));
            BgrImage out = mirrorComposite(template, box);
            CropBox.Region region = box.clip(template.width(), template.height());
            assertEquals(0, TestImages.differingOutside(template, out, region), "frame " + j + " outside the box");
            double psnr = TestImages.psnr(template, out, region);
            assertTrue(psnr >= 40, "frame " + j + " PSNR inside the box " + psnr + " dB");
            // Not trivially equal: the mouth really went through the model path and back.
            assertTrue(Double.isFinite(psnr), "frame " + j + ": the box came back bit-identical, suspicious");
        }
    }

    @Test
    void mirrorOnBoxesCrossingTheEdges() {
        BgrImage template = DemoAvatar.frame(3);
        for (CropBox box : new CropBox[] {
                new CropBox(1150, 560, 240), // crosses right and bottom
                new CropBox(-60, -40, 240), // crosses left and top
                new CropBox(1040, 480, 240), // touches right and bottom exactly
                new CropBox(0, 0, 240)}) { // touches left and top exactly
            BgrImage out = mirrorComposite(template, box);
            CropBox.Region region = box.clip(template.width(), template.height());
            assertEquals(0, TestImages.differingOutside(template, out, region), box + " outside");
            double psnr = TestImages.psnr(template, out, region);
            assertTrue(psnr >= 35, box + " PSNR " + psnr);
        }
    }

    @Test
    void outputToBytesTruncatesAndClamps() {
        assertEquals(127, Compositor.toByte(0.5f) & 0xff);
        assertEquals(254, Compositor.toByte(0.999f) & 0xff);
        assertEquals(255, Compositor.toByte(1.0f) & 0xff);
        assertEquals(255, Compositor.toByte(1.7f) & 0xff);
        assertEquals(0, Compositor.toByte(-0.3f) & 0xff);
        assertEquals(0, Compositor.toByte(0.0039f) & 0xff); // 0.99 -> 0, not rounded to 1
    }

    @Test
    void pasteKeepsOrientationChannelsAndTheCropRing() {
        // Box side 328: the bicubic resizes are the identity, so every pixel position is known exactly.
        BgrImage template = TestImages.filled(1280, 720, 128, 128, 128);
        CropBox box = new CropBox(400, 200, 328);
        TestImages.fill(template, 400, 200, 728, 528, 0, 255, 255); // yellow box: the ring must stay yellow
        byte[] crop = FaceCrop.crop(template, box);
        // Generated face: left half blue, right half green, top 40 rows red, one white marker near top left.
        float[] out = new float[FaceCrop.OUTPUT_SIZE];
        int plane = FaceCrop.FACE * FaceCrop.FACE;
        for (int y = 0; y < FaceCrop.FACE; y++) {
            for (int x = 0; x < FaceCrop.FACE; x++) {
                int channel = y < 40 ? 2 : x < 160 ? 0 : 1;
                boolean marker = x >= 20 && x < 30 && y >= 60 && y < 70;
                for (int c = 0; c < 3; c++) {
                    out[c * plane + y * FaceCrop.FACE + x] = marker || c == channel ? 0.9999f : 0.001f;
                }
            }
        }
        BgrImage frame = Compositor.composite(template, box, crop, out, 0);
        assertPixel(frame, 400 + 4 + 10, 200 + 4 + 100, 254, 0, 0); // blue on the left
        assertPixel(frame, 400 + 4 + 300, 200 + 4 + 100, 0, 254, 0); // green on the right
        assertPixel(frame, 400 + 4 + 300, 200 + 4 + 5, 0, 0, 254); // red at the top
        assertPixel(frame, 400 + 4 + 25, 200 + 4 + 65, 254, 254, 254); // marker top left, not mirrored
        assertPixel(frame, 400 + 4 + 294, 200 + 4 + 65, 0, 254, 0); // where a mirrored marker would be
        assertPixel(frame, 400 + 4 + 25, 200 + 4 + 254, 254, 0, 0); // where a flipped marker would be
        assertPixel(frame, 400 + 1, 200 + 100, 0, 255, 255); // the 4-pixel ring stays the template's
        assertPixel(frame, 400 + 327, 200 + 327, 0, 255, 255);
        assertPixel(frame, 399, 300, 128, 128, 128); // just outside the box
        assertPixel(frame, 728, 300, 128, 128, 128);
    }

    @Test
    void pasteScalesBackIntoASmallerBox() {
        BgrImage template = TestImages.filled(640, 360, 128, 128, 128);
        CropBox box = new CropBox(100, 50, 164); // half of 328: the paste shrinks by 2
        byte[] crop = FaceCrop.crop(template, box);
        float[] out = new float[FaceCrop.OUTPUT_SIZE];
        int plane = FaceCrop.FACE * FaceCrop.FACE;
        for (int y = 0; y < FaceCrop.FACE; y++) {
            for (int x = 0; x < FaceCrop.FACE; x++) {
                // Red in the left half, blue in the right.
                out[(x < 160 ? 2 : 0) * plane + y * FaceCrop.FACE + x] = 0.9999f;
            }
        }
        BgrImage frame = Compositor.composite(template, box, crop, out, 0);
        assertPixel(frame, 100 + 30, 50 + 80, 0, 0, 254);
        assertPixel(frame, 100 + 130, 50 + 80, 254, 0, 0);
        assertPixel(frame, 99, 130, 128, 128, 128);
        assertPixel(frame, 264, 130, 128, 128, 128);
        assertEquals(0, TestImages.differingOutside(template, frame, box.clip(640, 360)));
    }

    static void assertPixel(BgrImage image, int x, int y, int b, int g, int r) {
        String at = "pixel (" + x + ", " + y + ")";
        assertEquals(b, TestImages.channel(image, x, y, 0), at + " B");
        assertEquals(g, TestImages.channel(image, x, y, 1), at + " G");
        assertEquals(r, TestImages.channel(image, x, y, 2), at + " R");
    }
}
