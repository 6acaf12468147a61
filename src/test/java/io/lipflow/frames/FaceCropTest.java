package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FaceCropTest {
    private static final int PLANE = FaceCrop.FACE * FaceCrop.FACE;

    /** Template whose box (400, 200, side) has a red left half, green right half and a blue top band. */
    private static BgrImage colouredTemplate(int side) {
        BgrImage t = TestImages.filled(1280, 720, 128, 128, 128);
        TestImages.fill(t, 400, 200, 400 + side / 2, 200 + side, 0, 0, 255);
        TestImages.fill(t, 400 + side / 2, 200, 400 + side, 200 + side, 0, 255, 0);
        TestImages.fill(t, 400, 200, 400 + side, 200 + side / 8, 255, 0, 0);
        return t;
    }

    private static float at(float[] tensor, int channel, int y, int x) {
        return tensor[channel * PLANE + y * FaceCrop.FACE + x];
    }

    private static void assertBgr(float[] tensor, int firstChannel, int y, int x, float b, float g, float r) {
        String where = "channels " + firstChannel + ".." + (firstChannel + 2) + " at y " + y + ", x " + x;
        assertEquals(b, at(tensor, firstChannel, y, x), 1e-6, where + " B");
        assertEquals(g, at(tensor, firstChannel + 1, y, x), 1e-6, where + " G");
        assertEquals(r, at(tensor, firstChannel + 2, y, x), 1e-6, where + " R");
    }

    @Test
    void tensorIsBgrCHWWithoutMirrorOrOffset() {
        // Side 328: the resize is the identity; face (x, y) is frame (404 + x, 204 + y).
        float[] t = FaceCrop.input(FaceCrop.crop(colouredTemplate(328), new CropBox(400, 200, 328)));
        // Blue band: box rows 0..40, face rows 0..36.
        assertBgr(t, 0, 10, 100, 1, 0, 0);
        assertBgr(t, 0, 36, 100, 1, 0, 0);
        assertBgr(t, 0, 37, 100, 0, 0, 1);
        // Red left half: box columns 0..163, face columns 0..159; green from face column 160.
        assertBgr(t, 0, 200, 159, 0, 0, 1);
        assertBgr(t, 0, 200, 160, 0, 1, 0);
        assertBgr(t, 0, 319, 319, 0, 1, 0);
    }

    @Test
    void aRedPixelInAnImageFileIsChannel2OfTheTensor() throws Exception {
        // Written by Java's ImageIO (RGB API), so the channel order is not our own code's word for it.
        BufferedImage rgb = new BufferedImage(656, 656, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 656; y++) {
            for (int x = 0; x < 656; x++) {
                rgb.setRGB(x, y, x < 328 ? 0xff0000 : 0x0000ff); // red left, blue right
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", png);
        float[] t = FaceCrop.input(FaceCrop.crop(FrameEncoder.decode(png.toByteArray()), new CropBox(0, 0, 656)));
        assertBgr(t, 0, 160, 40, 0, 0, 1); // left: R
        assertBgr(t, 0, 160, 280, 1, 0, 0); // right: B
    }

    @Test
    void maskCoversExactly310By305() {
        float[] t = FaceCrop.input(FaceCrop.crop(colouredTemplate(328), new CropBox(400, 200, 328)));
        // Inside the mask: zero.
        assertBgr(t, 3, 5, 5, 0, 0, 0);
        assertBgr(t, 3, 309, 314, 0, 0, 0);
        assertBgr(t, 3, 200, 100, 0, 0, 0);
        // Just outside each side: the face shows through.
        assertBgr(t, 3, 4, 100, 1, 0, 0); // row 4, blue band
        assertBgr(t, 3, 310, 100, 0, 0, 1); // row 310, red half
        assertBgr(t, 3, 200, 4, 0, 0, 1); // column 4
        assertBgr(t, 3, 200, 315, 0, 1, 0); // column 315
        // Every unmasked pixel of this template has one full channel, so all-black pixels are the mask.
        int black = 0;
        for (int i = 0; i < PLANE; i++) {
            black += t[3 * PLANE + i] == 0f && t[4 * PLANE + i] == 0f && t[5 * PLANE + i] == 0f ? 1 : 0;
        }
        assertEquals(310 * 305, black);
    }

    @Test
    void inputWrittenIntoADirectBufferIsEveryPixelOverTwoFiftyFive() {
        byte[] crop = new byte[FaceCrop.CROP_BYTES];
        new SplittableRandom(5).nextBytes(crop);
        float[] expected = new float[FaceCrop.INPUT_SIZE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 320; y++) {
                for (int x = 0; x < 320; x++) {
                    float v = (crop[((y + 4) * 328 + x + 4) * 3 + c] & 0xff) / 255f;
                    boolean masked = y >= 5 && y <= 309 && x >= 5 && x <= 314;
                    expected[c * PLANE + y * 320 + x] = v;
                    expected[(c + 3) * PLANE + y * 320 + x] = masked ? 0f : v;
                }
            }
        }
        FloatBuffer direct = ByteBuffer.allocateDirect((FaceCrop.INPUT_SIZE + 7) * 4)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.position(7); // the second input of a batch starts past the first
        FaceCrop.writeInput(crop, direct);
        assertEquals(7 + FaceCrop.INPUT_SIZE, direct.position());
        float[] written = new float[FaceCrop.INPUT_SIZE];
        direct.position(7);
        direct.get(written);
        assertArrayEquals(expected, written);
        assertArrayEquals(expected, FaceCrop.input(crop));
    }

    @Test
    void cropResizesBicubicallyKeepingColoursInPlace() {
        // Side 164: the crop is the box enlarged twice; uniform areas stay exact.
        byte[] crop = FaceCrop.crop(colouredTemplate(164), new CropBox(400, 200, 164));
        assertEquals(FaceCrop.CROP_BYTES, crop.length);
        BgrImage c = new BgrImage(FaceCrop.CROP, FaceCrop.CROP, crop);
        CompositorTest.assertPixel(c, 40, 200, 0, 0, 255);
        CompositorTest.assertPixel(c, 280, 200, 0, 255, 0);
        CompositorTest.assertPixel(c, 160, 10, 255, 0, 0);
        CompositorTest.assertPixel(c, 280, 320, 0, 255, 0);
    }

    @Test
    void clippingFollowsNumpySlicingAtTheFarEdgesAndClampsTheNearOnes() {
        assertEquals(new CropBox.Region(1200, 600, 80, 120), new CropBox(1200, 600, 200).clip(1280, 720));
        assertEquals(new CropBox.Region(1080, 520, 200, 200), new CropBox(1080, 520, 200).clip(1280, 720));
        assertEquals(new CropBox.Region(0, 0, 150, 170), new CropBox(-50, -30, 200).clip(1280, 720));
        assertThrows(IllegalArgumentException.class, () -> new CropBox(1280, 100, 50).clip(1280, 720));
        assertThrows(IllegalArgumentException.class, () -> new CropBox(100, -50, 50).clip(1280, 720));
    }

    @Test
    void cropOfABoxCrossingTheRightEdgeUsesOnlyThePixelsInside() {
        // Frame columns 1200..1239 red, 1240..1279 blue; the box runs 1200..1399, clipped to 1200..1279.
        BgrImage t = TestImages.filled(1280, 720, 128, 128, 128);
        TestImages.fill(t, 1200, 0, 1240, 720, 0, 0, 255);
        TestImages.fill(t, 1240, 0, 1280, 720, 255, 0, 0);
        BgrImage c = new BgrImage(FaceCrop.CROP, FaceCrop.CROP, FaceCrop.crop(t, new CropBox(1200, 600, 200)));
        CompositorTest.assertPixel(c, 40, 100, 0, 0, 255); // left half of the 80 clipped columns
        CompositorTest.assertPixel(c, 300, 100, 255, 0, 0); // right half: blue, not the grey beyond
    }

    @Test
    void boxFromLandmarksTruncates() {
        float[][] lm = new float[110][];
        for (int i = 0; i < lm.length; i++) {
            lm[i] = new float[] {500.5f, 300.5f};
        }
        lm[1] = new float[] {410.9f, 390f};
        lm[31] = new float[] {650.2f, 390f};
        lm[52] = new float[] {530f, 333.99f};
        assertEquals(new CropBox(410, 333, 240), CropBox.fromLandmarks(lm));
        assertEquals(new CropBox(10, 20, 30), CropBox.fromRect(10, 20, 40, 50));
    }
}
