package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedAvatarTest {
    @TempDir
    Path tmp;

    @Test
    void preparedTemplatesGiveTheSameInputAndFramesAsTheTemplate() throws Exception {
        Path ds = tmp.resolve("demo");
        DemoAvatar.writeDataset(ds, 3);
        Avatar avatar = Avatar.open(ds);
        PreparedAvatar jpg90 = PreparedAvatar.prepare(avatar, "jpg", 90, n -> { });
        PreparedAvatar jpg95 = PreparedAvatar.prepare(avatar, "jpg", 95, n -> { });
        PreparedAvatar png = PreparedAvatar.prepare(avatar, "png", 95, n -> { });
        for (int j = 0; j < 3; j++) {
            BgrImage frame = avatar.frame(j);
            byte[] crop = FaceCrop.crop(frame, avatar.box(j));
            PreparedTemplate cached = jpg95.template(j);
            assertEquals(avatar.box(j).clip(frame.width(), frame.height()), cached.region());
            assertArrayEquals(crop, cached.crop(), "the crop the generator input is made from");
            float[] output = TestImages.mirror(FaceCrop.input(crop));
            BgrImage composited = Compositor.composite(frame, avatar.box(j), crop, output, 0);
            // the job's encoding: a JPEG spliced from the template's is the whole composited frame's JPEG (with
            // restart markers every 8 MCUs), byte for byte, and has its pixels; a PNG is the composited frame
            byte[] spliced90 = jpg90.template(j).encode(jpg90.template(j).patch(output, 0));
            assertArrayEquals(FrameEncoder.jpeg(composited, 90, 8), spliced90);
            assertEquals(FrameEncoder.decode(FrameEncoder.jpeg(composited, 90, 0)), FrameEncoder.decode(spliced90));
            byte[] spliced95 = cached.encode(cached.patch(output, 0));
            assertArrayEquals(FrameEncoder.jpeg(composited, 95, 8), spliced95);
            assertEquals(FrameEncoder.decode(FrameEncoder.jpeg(composited)), FrameEncoder.decode(spliced95));
            assertEquals(composited, FrameEncoder.decode(png.template(j).encode(png.template(j).patch(output, 0))));
        }
    }

    @Test
    void forJpegOutputATemplateHoldsUnderAThirdOfTheDecodedFrame() throws Exception {
        Path ds = tmp.resolve("demo");
        DemoAvatar.writeDataset(ds, 2);
        Avatar avatar = Avatar.open(ds);
        long frame = avatar.frame(0).bgr().length;
        long jpg = PreparedAvatar.prepare(avatar, "jpg", 95, n -> { }).bytes();
        long png = PreparedAvatar.prepare(avatar, "png", 95, n -> { }).bytes();
        assertEquals(2 * (frame + FaceCrop.CROP_BYTES), png, "PNG output keeps the decoded frames and crops");
        assertTrue(jpg < png / 3, "JPEG output keeps the template JPEG and the pixels around the face: " + jpg + " of " + png);
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PreparedTemplate.prepare(TestImages.filled(64, 48, 1, 1, 1), new CropBox(0, 0, 40), "gif", 95));
    }

    @Test
    void aTemplateTheAvatarLacksIsAnAvatarError() throws Exception {
        PreparedTemplate a = PreparedTemplate.prepare(TestImages.filled(64, 48, 1, 1, 1), new CropBox(0, 0, 40), "png", 95);
        PreparedAvatar avatar = new PreparedAvatar("abc", java.util.List.of(a, a));
        assertSame(a, avatar.template(1));
        for (int j : new int[] {2, -1}) {
            AvatarException e = assertThrows(AvatarException.class, () -> avatar.template(j));
            assertEquals("avatar 'abc' has no template " + j + ": it has 2", e.getMessage());
        }
    }

    @Test
    void framesWalkTheTemplatesPingPong() {
        PreparedTemplate a = PreparedTemplate.prepare(TestImages.filled(64, 48, 1, 1, 1), new CropBox(0, 0, 40), "png", 95);
        PreparedTemplate b = PreparedTemplate.prepare(TestImages.filled(64, 48, 2, 2, 2), new CropBox(0, 0, 40), "png", 95);
        PreparedTemplate c = PreparedTemplate.prepare(TestImages.filled(64, 48, 3, 3, 3), new CropBox(0, 0, 40), "png", 95);
        PreparedAvatar avatar = new PreparedAvatar("abc", java.util.List.of(a, b, c));
        PreparedTemplate[] expected = {b, c, b, a, b, c};
        for (int i = 0; i < expected.length; i++) {
            assertSame(expected[i], avatar.forFrame(i), "frame " + i);
        }
    }
}
