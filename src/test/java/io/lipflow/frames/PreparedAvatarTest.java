package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedAvatarTest {
    @TempDir
    Path tmp;

    @Test
    void cachedTemplateGivesTheSameInputAndFrameAsTheJpegPath() throws Exception {
        Path ds = tmp.resolve("demo");
        DemoAvatar.writeDataset(ds, 3);
        Avatar avatar = Avatar.open(ds);
        PreparedAvatar prepared = PreparedAvatar.prepare(avatar, n -> { });
        for (int j = 0; j < 3; j++) {
            BgrImage frame = avatar.frame(j);
            byte[] crop = FaceCrop.crop(frame, avatar.box(j));
            PreparedTemplate cached = prepared.template(j);
            assertEquals(avatar.box(j), cached.box());
            assertEquals(frame, cached.frame());
            float[] fromCache = new float[2 * FaceCrop.INPUT_SIZE];
            cached.writeInput(fromCache, FaceCrop.INPUT_SIZE); // second slot of a batch of two
            assertArrayEquals(FaceCrop.input(crop), Arrays.copyOfRange(fromCache, FaceCrop.INPUT_SIZE, fromCache.length));
            float[] output = TestImages.mirror(FaceCrop.input(crop));
            BgrImage composited = Compositor.composite(frame, avatar.box(j), crop, output, 0);
            assertEquals(composited, cached.composite(output, 0));
            // the job's encoding (a JPEG spliced from the template's, a PNG whole) has the composited pixels
            Compositor.Patch patch = cached.patch(output, 0);
            assertEquals(FrameEncoder.decode(FrameEncoder.jpeg(composited, 90)), FrameEncoder.decode(cached.encode(patch, "jpg", 90)));
            assertEquals(FrameEncoder.decode(FrameEncoder.jpeg(composited)), FrameEncoder.decode(cached.encode(patch, "jpg", 95)));
            assertEquals(composited, FrameEncoder.decode(cached.encode(patch, "png", 95)));
        }
    }

    @Test
    void framesWalkTheTemplatesPingPong() {
        PreparedTemplate a = PreparedTemplate.prepare(TestImages.filled(64, 48, 1, 1, 1), new CropBox(0, 0, 40));
        PreparedTemplate b = PreparedTemplate.prepare(TestImages.filled(64, 48, 2, 2, 2), new CropBox(0, 0, 40));
        PreparedTemplate c = PreparedTemplate.prepare(TestImages.filled(64, 48, 3, 3, 3), new CropBox(0, 0, 40));
        PreparedAvatar avatar = new PreparedAvatar("abc", java.util.List.of(a, b, c));
        PreparedTemplate[] expected = {b, c, b, a, b, c};
        for (int i = 0; i < expected.length; i++) {
            assertSame(expected[i], avatar.forFrame(i), "frame " + i);
        }
    }
}
