package io.lipflow.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.audio.WavEncoder;
import io.lipflow.frames.BgrImage;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.FrameEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MP4s read back with FFmpeg show the frames they were written from, in order, with the audio. */
class Mp4WriterTest {
    private static final int FRAMES = 20;
    /** The frames' index stamp: {@value #STAMP_BITS} blocks of 32x32 pixels from (768, 672), bit 0 first. */
    private static final int STAMP_BITS = 5;
    private static final int STAMP_BLOCK = 32;
    private static final int STAMP_X = 768;
    private static final int STAMP_Y = 672;

    @TempDir
    Path tmp;

    @Test
    void anUtteranceOfJpegFilesPlaysBackAsItsFramesWithItsAudio() throws Exception {
        // a '%' in the directory must not be read as part of FFmpeg's sequence pattern
        Path dir = Files.createDirectories(tmp.resolve("ada%d").resolve("u1"));
        List<BgrImage> written = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            byte[] jpeg = FrameEncoder.jpeg(frame(i));
            Files.write(dir.resolve(VideoFrame.fileName(i, "jpg")), jpeg);
            written.add(FrameEncoder.decode(jpeg));
        }
        Path wav = Files.write(tmp.resolve("u1.wav"), WavEncoder.pcm16(SyntheticSpeech.generate(FRAMES * 640, 1), 16_000));
        Path mp4 = tmp.resolve("u1.mp4");

        Mp4Writer.writeUtterance(dir, FRAMES, "jpg", wav, mp4);

        assertPlaysBack(mp4, written, true);
    }

    @Test
    void audioAtARateAacLacksIsResampled() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("u2"));
        writeFrames(dir, "jpg");
        // 22 kHz: a valid WAV, but no AAC sampling frequency (22.05 kHz is)
        Path wav = Files.write(tmp.resolve("u2.wav"), WavEncoder.pcm16(SyntheticSpeech.generate(FRAMES * 880, 1), 22_000));
        Path mp4 = tmp.resolve("u2.mp4");

        Mp4Writer.writeUtterance(dir, FRAMES, "jpg", wav, mp4);

        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(mp4.toFile())) {
            grabber.start();
            assertEquals(1, grabber.getAudioChannels());
            assertEquals(Mp4Writer.AAC_FALLBACK_RATE, grabber.getSampleRate());
            // the audio lasts as long as the frames (AAC adds a frame of priming at most)
            assertEquals(FRAMES / (double) Mp4Writer.FPS, grabber.getLengthInTime() / 1e6, 0.05);
        }
    }

    @Test
    void anUtteranceOfPngFilesPlaysBackAsItsFrames() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("u3"));
        List<BgrImage> written = writeFrames(dir, "png");
        Path mp4 = tmp.resolve("u3.mp4");

        Mp4Writer.writeUtterance(dir, FRAMES, "png", null, mp4);

        assertPlaysBack(mp4, written, false);
    }

    @Test
    void bgrImagesPlayBackAsWritten() throws Exception {
        List<BgrImage> written = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            written.add(frame(i));
        }
        Path mp4 = tmp.resolve("demo.mp4");

        Mp4Writer.write(mp4, FRAMES, written::get, null);

        assertPlaysBack(mp4, written, false);
    }

    @Test
    void aMissingFrameIsAClearError() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("u2"));
        for (int i = 0; i < 3; i++) {
            Files.write(dir.resolve(VideoFrame.fileName(i, "jpg")), FrameEncoder.jpeg(DemoAvatar.frame(i)));
        }
        String message = assertThrows(IOException.class,
                () -> Mp4Writer.writeUtterance(dir, 5, "jpg", null, tmp.resolve("u2.mp4"))).getMessage();
        assertEquals(dir + " has 3 of its 5 frames", message);
    }

    @Test
    void anImageOfAnotherSizeIsRefused() throws Exception {
        BgrImage first = plain(64, 48);
        for (BgrImage other : List.of(plain(80, 48), plain(64, 32))) {
            BgrImage[] images = {first, other};
            String message = assertThrows(IllegalArgumentException.class,
                    () -> Mp4Writer.write(tmp.resolve("sizes.mp4"), 2, i -> images[i], null)).getMessage();
            assertEquals("frame 1 is " + other.width() + "x" + other.height() + ", the video 64x48", message);
        }
    }

    @Test
    void aVideoOfNoFramesIsRefused() {
        Path mp4 = tmp.resolve("none.mp4");
        assertThrows(IllegalArgumentException.class, () -> Mp4Writer.write(mp4, 0, i -> plain(64, 48), null));
        assertTrue(Files.notExists(mp4));
    }

    private static BgrImage plain(int width, int height) {
        return new BgrImage(width, height, new byte[width * height * 3]);
    }

    /**
     * Demo frame {@code i} stamped with {@code i} in binary, a black (0) or white (1) block a bit along the
     * bottom: blocks that H.264 keeps far from the other colour, so each decoded frame tells which it is.
     */
    private static BgrImage frame(int i) {
        BgrImage image = DemoAvatar.frame(i);
        byte[] bgr = image.bgr();
        for (int bit = 0; bit < STAMP_BITS; bit++) {
            byte level = (byte) ((i >> bit & 1) == 1 ? 255 : 0);
            for (int y = STAMP_Y; y < STAMP_Y + STAMP_BLOCK; y++) {
                int row = (y * image.width() + STAMP_X + bit * STAMP_BLOCK) * 3;
                Arrays.fill(bgr, row, row + STAMP_BLOCK * 3, level);
            }
        }
        return image;
    }

    /** The index a decoded frame is stamped with: each block's centre read as white or black. */
    private static int stamp(Frame frame) {
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        int index = 0;
        for (int bit = 0; bit < STAMP_BITS; bit++) {
            long sum = 0;
            int margin = STAMP_BLOCK / 4; // the edges blur into the neighbouring block
            int x0 = STAMP_X + bit * STAMP_BLOCK + margin;
            int x1 = STAMP_X + (bit + 1) * STAMP_BLOCK - margin;
            int y0 = STAMP_Y + margin;
            int y1 = STAMP_Y + STAMP_BLOCK - margin;
            for (int y = y0; y < y1; y++) {
                for (int x = 3 * x0; x < 3 * x1; x++) {
                    sum += pixels.get(y * frame.imageStride + x) & 0xff;
                }
            }
            if (sum > 128L * (y1 - y0) * 3 * (x1 - x0)) {
                index |= 1 << bit;
            }
        }
        return index;
    }

    /** Writes frames 0..FRAMES-1 into {@code dir} as {@code format} files; returns the frames. */
    private static List<BgrImage> writeFrames(Path dir, String format) throws IOException {
        List<BgrImage> written = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            written.add(frame(i));
            Files.write(dir.resolve(VideoFrame.fileName(i, format)),
                    format.equals("png") ? FrameEncoder.png(written.get(i)) : FrameEncoder.jpeg(written.get(i)));
        }
        return written;
    }

    /**
     * Asserts that {@code mp4} decodes to the {@link #frame stamped} frames {@code written}, each in its place
     * (its stamp: the colour difference alone would let a repeated or skipped frame through) and in its colours.
     */
    private static void assertPlaysBack(Path mp4, List<BgrImage> written, boolean withAudio) throws IOException {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(mp4.toFile())) {
            grabber.start();
            assertEquals(withAudio ? 1 : 0, grabber.getAudioChannels());
            assertEquals(Mp4Writer.FPS, grabber.getFrameRate(), 0.01);
            for (int i = 0; i < written.size(); i++) {
                Frame frame = grabber.grabImage();
                assertTrue(frame != null, "frame " + i + " of " + written.size());
                assertEquals(i, stamp(frame), "the frame in place " + i);
                double error = meanAbsoluteDifference(frame, written.get(i));
                // 6 Mbit/s H.264 keeps these frames within a few levels; colours read with the wrong
                // range or matrix would be 10 or more off on average
                assertTrue(error < 3, "frame " + i + " differs by " + error + " levels on average");
            }
            assertEquals(null, grabber.grabImage(), "no frames beyond those written");
        }
    }

    private static double meanAbsoluteDifference(Frame frame, BgrImage image) {
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        byte[] bgr = image.bgr();
        int row = image.width() * 3;
        long sum = 0;
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < row; x++) {
                sum += Math.abs((pixels.get(y * frame.imageStride + x) & 0xff) - (bgr[y * row + x] & 0xff));
            }
        }
        return sum / (double) (row * image.height());
    }
}
