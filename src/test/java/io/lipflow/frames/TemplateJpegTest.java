package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Spliced frames are the JPEG of the whole frame, byte for byte, for regions anywhere in any frame size. */
class TemplateJpegTest {
    @Test
    void aSplicedFrameIsTheWholeFramesJpeg() {
        BgrImage template = DemoAvatar.frame(7);
        TemplateJpeg jpeg = whole(template, 95);
        assertEquals(128, jpeg.segmentWidth());
        List<CropBox.Region> regions = List.of(
                new CropBox.Region(517, 203, 236, 236), // a face, off the segment grid
                new CropBox.Region(512, 192, 256, 256), // on the grid
                new CropBox.Region(0, 0, 40, 30), // the top left corner
                new CropBox.Region(1100, 500, 180, 220), // the bottom right corner
                new CropBox.Region(640, 360, 1, 1),
                new CropBox.Region(0, 0, 1280, 720));
        for (CropBox.Region region : regions) {
            assertSplicesAsWhole(template, jpeg, region, 95);
        }
    }

    @Test
    void framesOfOtherSizesAndQualities() {
        // 1001 wide: 63 MCUs a row, so segments of 7 MCUs; partial MCUs on the right and at the bottom
        BgrImage odd = noise(1001, 601, 3);
        TemplateJpeg jpeg = whole(odd, 80);
        assertEquals(112, jpeg.segmentWidth());
        for (CropBox.Region region : List.of(new CropBox.Region(900, 500, 101, 101), new CropBox.Region(3, 590, 500, 11),
                new CropBox.Region(300, 17, 320, 320))) {
            assertSplicesAsWhole(odd, jpeg, region, 80);
        }
        BgrImage narrow = noise(40, 24, 4); // 3 MCUs a row: segments of 3
        assertSplicesAsWhole(narrow, whole(narrow, 95), new CropBox.Region(10, 10, 5, 5), 95);
    }

    @Test
    void aTemplateKeptForOneRegionSplicesItAndRefusesOthers() {
        BgrImage template = DemoAvatar.frame(3);
        CropBox.Region face = new CropBox.Region(517, 203, 236, 236);
        TemplateJpeg kept = TemplateJpeg.encode(template, 95, face);
        TemplateJpeg all = whole(template, 95);
        // the segments around the face: 2 of 10 across (512..768), 16 of 45 rows (192..448); the JPEGs are the same
        long jpegBytes = all.bytes() - 1280 * 720 * 3;
        assertEquals(2 * 128 * 16 * 16 * 3, kept.bytes() - jpegBytes);
        assertSplicesAsWhole(template, kept, face, 95);
        assertSplicesAsWhole(template, kept, new CropBox.Region(520, 210, 100, 100), 95); // inside the same segments
        assertSplicesAsWhole(template, kept, new CropBox.Region(512, 192, 256, 256), 95); // exactly those segments
        assertThrows(IllegalArgumentException.class, () -> kept.withRegion(new CropBox.Region(768, 192, 8, 8), new byte[8 * 8 * 3]));
        assertThrows(IllegalArgumentException.class, () -> kept.withRegion(new CropBox.Region(100, 100, 50, 50), new byte[50 * 50 * 3]));
        assertThrows(IllegalArgumentException.class, () -> kept.withRegion(new CropBox.Region(517, 203, 236, 250), new byte[236 * 250 * 3]));
    }

    @Test
    void aTemplateKeptForARegionAtTheEdgesOfAnOddFrame() {
        BgrImage odd = noise(1001, 601, 7); // the last segments and rows are partial
        CropBox.Region corner = new CropBox.Region(900, 500, 101, 101);
        TemplateJpeg kept = TemplateJpeg.encode(odd, 80, corner);
        assertSplicesAsWhole(odd, kept, corner, 80);
        assertSplicesAsWhole(odd, kept, new CropBox.Region(1000, 600, 1, 1), 80);
        assertThrows(IllegalArgumentException.class, () -> kept.withRegion(new CropBox.Region(880, 500, 10, 10), new byte[10 * 10 * 3]));
    }

    @Test
    void aRegionOutsideTheTemplateIsRefused() {
        TemplateJpeg jpeg = whole(noise(64, 48, 5), 95);
        assertThrows(IllegalArgumentException.class, () -> jpeg.withRegion(new CropBox.Region(60, 0, 8, 8), new byte[8 * 8 * 3]));
        assertThrows(IllegalArgumentException.class, () -> jpeg.withRegion(new CropBox.Region(-1, 0, 8, 8), new byte[8 * 8 * 3]));
    }

    private static void assertSplicesAsWhole(BgrImage template, TemplateJpeg jpeg, CropBox.Region region, int quality) {
        byte[] pixels = noise(region.width(), region.height(), region.x() * 31 + region.y()).bgr();
        BgrImage whole = template.copy();
        whole.writeRegion(region, pixels);

        byte[] spliced = jpeg.withRegion(region, pixels);

        assertArrayEquals(FrameEncoder.jpeg(whole, quality, jpeg.segmentWidth() / 16), spliced, "bytes, region " + region);
        // restart markers change the coding, not the coefficients: the pixels of a plain encoding
        assertEquals(FrameEncoder.decode(FrameEncoder.jpeg(whole, quality, 0)), FrameEncoder.decode(spliced), "pixels, region " + region);
    }

    /** A template JPEG any region of which may be replaced. */
    private static TemplateJpeg whole(BgrImage template, int quality) {
        return TemplateJpeg.encode(template, quality, new CropBox.Region(0, 0, template.width(), template.height()));
    }

    private static BgrImage noise(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bgr = new byte[width * height * 3];
        for (int i = 0; i < bgr.length; i++) {
            // smooth gradients plus noise, like a photograph more than static
            bgr[i] = (byte) (((i / 3) % width + (i / 3) / width + random.nextInt(24)) & 0xff);
        }
        return new BgrImage(width, height, bgr);
    }
}
