package io.lipflow.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvatarImportTest {
    @TempDir
    Path tmp;

    private static final List<CropBox> EXPECTED_BOXES =
            List.of(new CropBox(10, 20, 60), new CropBox(12, 30, 58), new CropBox(10, 60, 60));

    @Test
    void opensASyncTalkDatasetWithLfAndCrlfLandmarks() throws Exception {
        Path ds = SyncTalkDatasets.write(tmp.resolve("anna"));
        Avatar avatar = Avatar.open(ds);
        assertEquals("anna", avatar.id());
        assertEquals(3, avatar.frameCount());
        assertEquals(SyncTalkDatasets.WIDTH, avatar.width());
        assertEquals(SyncTalkDatasets.HEIGHT, avatar.height());
        assertEquals(EXPECTED_BOXES, avatar.boxes());
    }

    @Test
    void importsASyncTalkDatasetIntoTheStore() throws Exception {
        Path ds = SyncTalkDatasets.write(tmp.resolve("anna"));
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        int[] progress = new int[1];
        Avatar stored = store.importAvatar(Avatar.open(ds), "anna-2", n -> progress[0] = n);
        assertEquals(3, progress[0]);
        Path dir = tmp.resolve("store/anna-2");
        // The layout the README documents.
        assertEquals("frame,xmin,ymin,side\n0,10,20,60\n1,12,30,58\n2,10,60,60\n",
                Files.readString(dir.resolve("boxes.csv"), StandardCharsets.US_ASCII));
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("avatar.json").toFile());
        assertEquals("lipflow-avatar/1", meta.get("format").asText());
        assertEquals("anna-2", meta.get("id").asText());
        assertEquals(3, meta.get("frames").asInt());
        assertEquals(200, meta.get("width").asInt());
        assertEquals(100, meta.get("height").asInt());
        assertEquals("jpg", meta.get("frameFormat").asText());
        assertTrue(meta.get("source").asText().startsWith("synctalk2d:"), meta.get("source").asText());
        for (int j = 0; j < 3; j++) {
            // JPEG bytes are copied, not re-encoded.
            assertArrayEquals(Files.readAllBytes(ds.resolve("full_body_img/" + j + ".jpg")),
                    Files.readAllBytes(dir.resolve(String.format("frames/%05d.jpg", j))));
        }
        // Reopened from the store, it is the same avatar.
        for (Avatar a : new Avatar[] {stored, Avatar.open(dir)}) {
            assertEquals("anna-2", a.id());
            assertEquals(EXPECTED_BOXES, a.boxes());
            assertEquals(Avatar.open(ds).frame(1), a.frame(1));
        }
        try (Stream<Path> entries = Files.list(tmp.resolve("store"))) {
            assertEquals(List.of(dir), entries.toList(), "no temporary directory left behind");
        }
    }

    @Test
    void storedFramesAreNamedInAsciiDigitsWhateverTheLocale() throws Exception {
        Path ds = SyncTalkDatasets.write(tmp.resolve("anna"));
        Locale locale = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("ar-EG")); // formats numbers in Arabic-Indic digits
        try {
            new AvatarStore(tmp.resolve("store")).importAvatar(Avatar.open(ds), "anna", n -> { });
        } finally {
            Locale.setDefault(locale);
        }
        Path dir = tmp.resolve("store/anna");
        try (Stream<Path> frames = Files.list(dir.resolve("frames"))) {
            assertEquals(List.of("00000.jpg", "00001.jpg", "00002.jpg"),
                    frames.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertEquals(Avatar.open(ds).frame(2), Avatar.open(dir).frame(2), "opened in another locale");
    }

    @Test
    void importsFramesWithCropRectanglesJson() throws Exception {
        Path ds = Files.createDirectories(tmp.resolve("rects"));
        for (int j = 0; j < 2; j++) {
            Files.write(ds.resolve(j + ".png"), FrameEncoder.png(SyncTalkDatasets.frame(j)));
        }
        Files.writeString(ds.resolve("crop_rectangles.json"),
                "{\"0\": {\"rect\": [10, 20, 70, 80]}, \"1\": {\"rect\": [150, 0, 250, 100]}}");
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        Avatar stored = store.importAvatar(Avatar.open(ds), "rects", n -> { });
        assertEquals(List.of(new CropBox(10, 20, 60), new CropBox(150, 0, 100)), stored.boxes());
        assertEquals("png", stored.frameExtension(0));
        assertEquals(SyncTalkDatasets.frame(1), stored.frame(1)); // PNG: pixel-exact
        assertTrue(stored.source().startsWith("synctalk2d+crop_rectangles:"));
    }

    @Test
    void cropRectanglesNextToFullBodyImgAndLandmarksWinningOverThem() throws Exception {
        Path ds = SyncTalkDatasets.write(tmp.resolve("both"));
        Files.writeString(ds.resolve("crop_rectangles.json"),
                "{\"0\": {\"rect\": [1, 2, 11, 12]}, \"1\": {\"rect\": [1, 2, 11, 12]}, \"2\": {\"rect\": [5, 5, 25, 25]}}");
        assertEquals(EXPECTED_BOXES, Avatar.open(ds).boxes());
        for (int j = 0; j < 3; j++) {
            Files.delete(ds.resolve("landmarks/" + j + ".lms"));
        }
        Files.delete(ds.resolve("landmarks"));
        assertEquals(List.of(new CropBox(1, 2, 10), new CropBox(1, 2, 10), new CropBox(5, 5, 20)),
                Avatar.open(ds).boxes());
    }

    private Path dataset() throws Exception {
        return SyncTalkDatasets.write(tmp.resolve("ds"));
    }

    private static String openError(Path dir) {
        return assertThrows(AvatarException.class, () -> Avatar.open(dir)).getMessage();
    }

    private String importError(Path dir) {
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        String message = assertThrows(AvatarException.class,
                () -> store.importAvatar(Avatar.open(dir), "ds", n -> { })).getMessage();
        assertFalse(Files.exists(tmp.resolve("store/ds")), "a failed import leaves no avatar");
        return message;
    }

    @Test
    void missingFrame() throws Exception {
        Path ds = dataset();
        Files.delete(ds.resolve("full_body_img/1.jpg"));
        assertEquals("avatar 'ds': frame 1: full_body_img/1.jpg is missing", openError(ds));
    }

    @Test
    void missingLandmarks() throws Exception {
        Path ds = dataset();
        Files.delete(ds.resolve("landmarks/2.lms"));
        assertEquals("avatar 'ds': frame 2: landmarks/2.lms is missing", openError(ds));
    }

    @Test
    void wrongNumberOfLandmarks() throws Exception {
        Path ds = dataset();
        Files.writeString(ds.resolve("landmarks/1.lms"), SyncTalkDatasets.lms(108, 10f, 70f, 20f, "\n"));
        assertEquals("avatar 'ds': frame 1: landmarks/1.lms has 108 points, expected 110", openError(ds));
    }

    @Test
    void garbledLandmarkLine() throws Exception {
        Path ds = dataset();
        Files.writeString(ds.resolve("landmarks/0.lms"), "1 2\n3 4\nabc\n");
        assertEquals("avatar 'ds': frame 0: landmarks/0.lms: line 3 is not 'x y': 'abc'", openError(ds));
    }

    @Test
    void unreadableImage() throws Exception {
        Path ds = dataset();
        Files.writeString(ds.resolve("full_body_img/1.jpg"), "not a jpeg");
        assertEquals("avatar 'ds': frame 1: full_body_img/1.jpg is not a readable image (10 bytes)", importError(ds));
        Files.write(ds.resolve("full_body_img/0.jpg"), new byte[0]);
        assertEquals("avatar 'ds': frame 0: full_body_img/0.jpg is not a readable image (0 bytes)", openError(ds));
    }

    @Test
    void boxOutsideTheFrame() throws Exception {
        Path ds = dataset();
        Files.writeString(ds.resolve("landmarks/2.lms"), SyncTalkDatasets.lms(110, 10f, 70f, 150f, "\n"));
        assertEquals("avatar 'ds': frame 2: crop box [x 10, y 150, side 60] lies outside the 200x100 frame", openError(ds));
    }

    @Test
    void landmarksGivingNoBox() throws Exception {
        Path ds = dataset();
        Files.writeString(ds.resolve("landmarks/1.lms"), SyncTalkDatasets.lms(110, 70f, 10f, 20f, "\n"));
        assertEquals("avatar 'ds': frame 1: landmarks/1.lms: landmark 31 (x 10) is not right of landmark 1 (x 70)",
                openError(ds));
    }

    @Test
    void framesOfDifferentSizes() throws Exception {
        Path ds = dataset();
        Files.write(ds.resolve("full_body_img/2.jpg"), FrameEncoder.jpeg(TestImages.filled(100, 50, 1, 2, 3)));
        assertEquals("avatar 'ds': frame 2: full_body_img/2.jpg is 100x50, the avatar's frames are 200x100", importError(ds));
    }

    @Test
    void cropRectanglesMissingAFrame() throws Exception {
        Path ds = Files.createDirectories(tmp.resolve("rects"));
        for (int j = 0; j < 2; j++) {
            Files.write(ds.resolve(j + ".png"), FrameEncoder.png(SyncTalkDatasets.frame(j)));
        }
        Files.writeString(ds.resolve("crop_rectangles.json"), "{\"0\": {\"rect\": [10, 20, 70, 80]}}");
        assertEquals("avatar 'rects': frame 1: crop_rectangles.json has no \"rect\": [x1, y1, x2, y2] for \"1\"",
                openError(ds));
    }

    @Test
    void notAnAvatar() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertTrue(openError(empty).startsWith("avatar 'empty': "), openError(empty));
    }

    @Test
    void aStoreAvatarWithoutFramesIsRefusedWhenOpened() throws Exception {
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        store.importAvatar(Avatar.open(dataset()), "none", n -> { });
        Path dir = tmp.resolve("store/none");
        Files.writeString(dir.resolve("avatar.json"), Files.readString(dir.resolve("avatar.json")).replaceAll("\"frames\"\\s*:\\s*3", "\"frames\": 0"));
        Files.writeString(dir.resolve("boxes.csv"), "frame,xmin,ymin,side\n");
        assertEquals("avatar 'none': avatar.json says 0 frames; an avatar needs one at least", openError(dir));
    }

    @Test
    void unsafeAndDuplicateIds() throws Exception {
        AvatarStore store = new AvatarStore(tmp.resolve("store"));
        Avatar source = Avatar.open(dataset());
        for (String id : new String[] {"../evil", "a/b", "", ".hidden", "a..b", "x\\y", "é"}) {
            String message = assertThrows(AvatarException.class, () -> store.importAvatar(source, id, n -> { })).getMessage();
            assertTrue(message.startsWith("avatar id '" + id + "' is not allowed"), message);
        }
        store.importAvatar(source, "ok_1.v2", n -> { });
        String message = assertThrows(AvatarException.class, () -> store.importAvatar(source, "ok_1.v2", n -> { })).getMessage();
        assertTrue(message.startsWith("avatar 'ok_1.v2' already exists in "), message);
        try (Stream<Path> entries = Files.list(tmp.resolve("store"))) {
            assertEquals(List.of(tmp.resolve("store/ok_1.v2")), entries.toList());
        }
    }
}
