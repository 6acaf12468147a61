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
import java.util.List;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MP4s read back with FFmpeg show the frames they were written from, in order, with the audio. */
class Mp4WriterTest {
    private static final int FRAMES = 20;

    @TempDir
    Path tmp;

    @Test
    void anUtteranceOfJpegFilesPlaysBackAsItsFramesWithItsAudio() throws Exception {
        // a '%' in the directory must not be read as part of FFmpeg's sequence pattern
        Path dir = Files.createDirectories(tmp.resolve("ada%d").resolve("u1"));
        List<BgrImage> written = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            byte[] jpeg = FrameEncoder.jpeg(DemoAvatar.frame(i));
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
            written.add(DemoAvatar.frame(i));
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

    /** Writes demo frames 0..FRAMES-1 into {@code dir} as {@code format} files; returns the frames. */
    private static List<BgrImage> writeFrames(Path dir, String format) throws IOException {
        List<BgrImage> written = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            written.add(DemoAvatar.frame(i));
            Files.write(dir.resolve(VideoFrame.fileName(i, format)), 
                    format.equals("png") ? FrameEncoder.png(written.get(i)) : FrameEncoder.jpeg(written.get(i)));
        }
        return written;
    }

    private static void assertPlaysBack(Path mp4, List<BgrImage> written, boolean withAudio) throws IOException {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(mp4.toFile())) {
            grabber.start();
            assertEquals(withAudio ? 1 : 0, grabber.getAudioChannels());
            assertEquals(Mp4Writer.FPS, grabber.getFrameRate(), 0.01);
            for (int i = 0; i < written.size(); i++) {
                Frame frame = grabber.grabImage();
                assertTrue(frame != null, "frame " + i + " of " + written.size());
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
