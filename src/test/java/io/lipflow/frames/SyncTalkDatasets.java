package io.lipflow.frames;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small hand-made SyncTalk_2D datasets for the import tests. */
final class SyncTalkDatasets {
    static final int WIDTH = 200;
    static final int HEIGHT = 100;

    private SyncTalkDatasets() {}

    /** Frame j: a 200x100 image in its own colour, so frames can be told apart after import. */
    static BgrImage frame(int j) {
        BgrImage image = TestImages.filled(WIDTH, HEIGHT, 40 * j, 200 - 40 * j, 90);
        TestImages.fill(image, 0, 0, 20, 10, 0, 0, 255); // a red corner top left
        return image;
    }

    /** 110 points, all at (50.5, 50.5) except 1, 31 and 52, which give the box. */
    static String lms(int points, float x1, float x31, float y52, String lineEnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < points; i++) {
            float x = i == 1 ? x1 : i == 31 ? x31 : 50.5f;
            float y = i == 52 ? y52 : 50.5f;
            sb.append(x).append(' ').append(y).append(lineEnd);
        }
        return sb.toString();
    }

    /**
     * Three frames: boxes (10, 20, 60) from an LF file, (12, 30, 58) from a CRLF file, (10, 60, 60) (crossing
     * the bottom edge) from a file without a final newline.
     */
    static Path write(Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("full_body_img"));
        Path lms = Files.createDirectories(dir.resolve("landmarks"));
        for (int j = 0; j < 3; j++) {
            Files.write(images.resolve(j + ".jpg"), FrameEncoder.jpeg(frame(j)));
        }
        Files.writeString(lms.resolve("0.lms"), lms(110, 10.7f, 70.2f, 20.9f, "\n"), StandardCharsets.US_ASCII);
        Files.writeString(lms.resolve("1.lms"), lms(110, 12.1f, 70.99f, 30.5f, "\r\n"), StandardCharsets.US_ASCII);
        Files.writeString(lms.resolve("2.lms"), lms(110, 10f, 70f, 60.3f, "\n").strip(), StandardCharsets.US_ASCII);
        return dir;
    }
}
