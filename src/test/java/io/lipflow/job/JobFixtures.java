package io.lipflow.job;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.audio.WavEncoder;

import io.lipflow.features.EncoderWindows;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.inference.ModelGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Inputs for tests that run the whole job: the audio encoder and mirror generator (written once per test
 * JVM), small demo avatars, broken copies of them, and short speech-like audio.
 */
public final class JobFixtures {
    /** Template frames in a test avatar: few, since each is a 1280x720 JPEG to decode. */
    public static final int AVATAR_FRAMES = 3;
    private static Path models;

    private JobFixtures() {}

    /** A directory with {@link ModelGenerator#ENCODER_FILE} and {@link ModelGenerator#MIRROR_FILE}. */
    public static synchronized Path models() {
        if (models == null) {
            try {
                models = Files.createTempDirectory("lipflow-job-models");
                Files.write(models.resolve(ModelGenerator.ENCODER_FILE), ModelGenerator.audioEncoder().onnx());
                Files.write(models.resolve(ModelGenerator.MIRROR_FILE), ModelGenerator.mirrorGenerator().onnx());
                models.resolve(ModelGenerator.ENCODER_FILE).toFile().deleteOnExit();
                models.resolve(ModelGenerator.MIRROR_FILE).toFile().deleteOnExit();
                models.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return models;
    }

    public static Path encoder() {
        return models().resolve(ModelGenerator.ENCODER_FILE);
    }

    public static Path mirror() {
        return models().resolve(ModelGenerator.MIRROR_FILE);
    }

    /** A SyncTalk_2D-layout demo avatar of {@link #AVATAR_FRAMES} frames in {@code dir}. */
    public static Path avatar(Path dir) throws IOException {
        DemoAvatar.writeDataset(dir, AVATAR_FRAMES);
        return dir;
    }

    /** A demo avatar whose template {@code frame} is not an image. */
    public static Path avatarWithCorruptFrame(Path dir, int frame) throws IOException {
        avatar(dir);
        Files.write(dir.resolve("full_body_img").resolve(frame + ".jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        return dir;
    }

    /** A demo avatar whose landmarks for {@code frame} are not numbers. */
    public static Path avatarWithBadLandmarks(Path dir, int frame) throws IOException {
        avatar(dir);
        Files.writeString(dir.resolve("landmarks").resolve(frame + ".lms"), "12 oops\n");
        return dir;
    }

    /** {@code seconds} of a voiced, syllable-like 16 kHz signal. */
    public static float[] speech(double seconds, long seed) {
        return SyntheticSpeech.generate((int) (seconds * SyntheticSpeech.SAMPLE_RATE), seed);
    }

    /** Writes {@code seconds} of {@link #speech} as a 16 kHz 16-bit WAV at {@code file}, making its directory. */
    public static Path speechWav(Path file, double seconds, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, WavEncoder.pcm16(speech(seconds, seed), SyntheticSpeech.SAMPLE_RATE));
    }

    /** Frames the job makes from {@code samples} of 16 kHz audio: N encoder windows give N + 2 frames. */
    public static int frameCount(int samples) {
        return EncoderWindows.videoFrames(samples);
    }
}
