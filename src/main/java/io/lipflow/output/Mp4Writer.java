package io.lipflow.output;

import io.lipflow.audio.AudioFormatException;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import io.lipflow.frames.BgrImage;
import io.lipflow.frames.FrameEncoder;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes an MP4 in-process with FFmpeg (JavaCV): H.264 video at 25 fps (openh264, which takes a
 * bitrate rather than a CRF) and, when given, AAC mono audio, interleaved frame by frame.
 */
public final class Mp4Writer implements AutoCloseable {
    public static final int FPS = 25;
    private static final int VIDEO_BITRATE = 6_000_000;

    private final FFmpegFrameRecorder recorder;
    private final Frame frame;
    private final PcmAudio audio;
    private int frames;
    private int audioWritten;

    /**
     * @param audio mono audio to mux with the frames, or null for video only
     */
    public Mp4Writer(Path mp4, int width, int height, PcmAudio audio) throws IOException {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        this.audio = audio;
        recorder = new FFmpegFrameRecorder(mp4.toFile(), width, height, audio == null ? 0 : 1);
        recorder.setFormat("mp4");
        recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(FPS);
        recorder.setVideoBitrate(VIDEO_BITRATE);
        if (audio != null) {
            recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
            recorder.setSampleRate(audio.sampleRate());
            recorder.setAudioBitrate(128_000);
        }
        recorder.start();
        frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
    }

    /** Appends one frame, and the audio that plays during it. */
    public void write(BgrImage image) throws IOException {
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        int row = image.width() * 3;
        for (int y = 0; y < image.height(); y++) {
            pixels.position(y * frame.imageStride);
            pixels.put(image.bgr(), y * row, row);
        }
        pixels.rewind();
        recorder.record(frame, avutil.AV_PIX_FMT_BGR24);
        frames++;
        if (audio != null) {
            writeAudioUntil((long) frames * audio.sampleRate() / FPS);
        }
    }

    private void writeAudioUntil(long sample) throws IOException {
        int end = (int) Math.min(sample, audio.samples().length);
        if (end > audioWritten) {
            float[] part = Arrays.copyOfRange(audio.samples(), audioWritten, end);
            recorder.recordSamples(audio.sampleRate(), 1, FloatBuffer.wrap(part));
            audioWritten = end;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (audio != null) {
                writeAudioUntil(audio.samples().length);
            }
            recorder.stop();
        } finally {
            recorder.release();
            frame.close();
        }
    }

    /** Frame {@code i} of a video. */
    @FunctionalInterface
    public interface Frames {
        BgrImage frame(int i) throws IOException;
    }

    /** Writes frames 0..count-1 (all the size of the first) with optional audio. */
    public static void write(Path mp4, int count, Frames frames, PcmAudio audio) throws IOException {
        BgrImage first = frames.frame(0);
        try (Mp4Writer writer = new Mp4Writer(mp4, first.width(), first.height(), audio)) {
            writer.write(first);
            for (int i = 1; i < count; i++) {
                writer.write(frames.frame(i));
            }
        }
    }

    /**
     * Muxes an utterance written by the file sink: {@code frame_%05d.<format>} 0..count-1 from
     * {@code framesDir} with the audio of {@code wav}. Writes nothing for an utterance without frames.
     */
    public static void writeUtterance(Path framesDir, int count, String format, Path wav, Path mp4) throws IOException {
        if (count == 0) {
            return;
        }
        PcmAudio audio;
        try {
            audio = WavDecoder.read(wav);
        } catch (AudioFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
        write(mp4, count, i -> read(framesDir, i, format), audio);
    }

    private static BgrImage read(Path dir, int index, String format) throws IOException {
        return FrameEncoder.decode(Files.readAllBytes(dir.resolve(VideoFrame.fileName(index, format))));
    }
}
