package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FrameEncoderTest {
    /** Grey frame with a red block top left and a blue block bottom right. */
    private static BgrImage marked() {
        BgrImage image = TestImages.filled(320, 180, 128, 128, 128);
        TestImages.fill(image, 0, 0, 80, 60, 0, 0, 255);
        TestImages.fill(image, 240, 120, 320, 180, 255, 0, 0);
        return image;
    }

    @Test
    void pngIsLosslessAndReadsAsRgbElsewhere() throws Exception {
        byte[] png = FrameEncoder.png(marked());
        assertEquals(marked(), FrameEncoder.decode(png));
        // An independent decoder (Java's ImageIO) sees red top left and blue bottom right: no channel swap.
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(0xff0000, read.getRGB(20, 20) & 0xffffff);
        assertEquals(0x0000ff, read.getRGB(300, 170) & 0xffffff);
    }

    @Test
    void jpegQualityIsApplied() throws Exception {
        BgrImage frame = DemoAvatar.frame(0);
        byte[] q95 = FrameEncoder.jpeg(frame);
        byte[] q50 = FrameEncoder.jpeg(frame, 50, 0);
        assertEquals(0xff, q95[0] & 0xff);
        assertEquals(0xd8, q95[1] & 0xff);
        assertTrue(q50.length < q95.length * 0.8, q50.length + " vs " + q95.length);
        CropBox.Region all = new CropBox.Region(0, 0, frame.width(), frame.height());
        assertTrue(TestImages.psnr(frame, FrameEncoder.decode(q95), all) > 40);
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(FrameEncoder.jpeg(marked())));
        int rgb = read.getRGB(20, 20);
        assertTrue((rgb >> 16 & 0xff) > 240 && (rgb & 0xff) < 15, Integer.toHexString(rgb));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.jpeg(frame, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.jpeg(frame, 101, 0));
    }

    @Test
    void decodeRefusesNonImages() {
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.decode(new byte[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> FrameEncoder.decode(new byte[0]));
    }
}
