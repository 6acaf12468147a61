package io.lipflow.job;

import io.lipflow.testing.TestClusters;
import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import io.lipflow.audio.WavEncoder;
import io.lipflow.features.EncoderWindows;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.BgrImage;
import io.lipflow.frames.FrameEncoder;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.TemplateOrder;
import io.lipflow.inference.Device;
import io.lipflow.output.FrameFileSink;
import io.lipflow.output.VideoFrame;
import io.lipflow.testing.TestAssets;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole job on a MiniCluster at parallelism 2 against the plain-Java whole-file pipeline. */
class JobPipelineTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    @TempDir
    Path tmp;

    /** Speech-like audio: voiced harmonics with a syllable envelope, plus a little noise. */
    static float[] speech(double seconds, int rate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[(int) (seconds * rate)];
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) rate;
            double env = Math.max(0, Math.sin(2 * Math.PI * 3.1 * t));
            x[i] = (float) (env * (0.3 * Math.sin(2 * Math.PI * 140 * t) + 0.15 * Math.sin(2 * Math.PI * 720 * t))
                    + 0.02 * (r.nextDouble() - 0.5));
        }
        return x;
    }

    static StreamExecutionEnvironment environment(Path tmp) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofMillis(500)));
        env.setParallelism(2);
        return env;
    }

    static JobSettings settings(Path generator) throws Exception {
        JobSettings s = new JobSettings();
        s.generator = generator.toString();
        s.encoder = TestAssets.encoder().toString();
        s.avatarDirs.put("a1", TestAssets.avatar("a1", 3, 0).toString());
        s.avatarDirs.put("a2", TestAssets.avatar("a2", 2, 1).toString());
        s.maxBatch = 4;
        return s;
    }

    @Test
    void threeSpeakersGetTheWholeFileFramesInOrder() throws Exception {
        Path input = tmp.resolve("in");
        Map<String, float[]> audio = new HashMap<>();
        Map<String, Integer> rates = Map.of("s1", 16000, "s2", 44100, "s3", 16000);
        writeSpeaker(input, "s1", "u1", speech(2.3, 16000, 1), 16000, audio);
        writeSpeaker(input, "s2", "u2", speech(1.7, 44100, 2), 44100, audio);
        writeSpeaker(input, "s3", "u3", speech(0.1, 16000, 3), 16000, audio); // shorter than one encoder window
        SpeakerRouting routing = new SpeakerRouting(Map.of("s1", "a1", "s2", "a2", "s3", "a1"), null);
        JobSettings settings = settings(TestAssets.mirror());

        StreamExecutionEnvironment env = environment(tmp);
        DataStream<AudioChunk> chunks = AudioSources.wavFiles(env, input, routing, null, 1 << 30);
        LipFlowJob.Outputs outputs = LipFlowJob.build(chunks, settings);
        Path out = tmp.resolve("out");
        outputs.frames().sinkTo(new FrameFileSink(out)).name("frame files").uid("frame-files");
        List<VideoFrame> collected = new ArrayList<>();
        try (CloseableIterator<VideoFrame> it = outputs.frames().executeAndCollect("pipeline test")) {
            it.forEachRemaining(collected::add);
        }

        try (WholeFilePipeline reference = new WholeFilePipeline(TestAssets.encoder(), TestAssets.mirror(), Device.CPU)) {
            for (String speaker : List.of("s1", "s2", "s3")) {
                String utterance = "u" + speaker.substring(1);
                float[] samples = audio.get(speaker);
                int rate = rates.get(speaker);
                long at16k = rate == 16000 ? samples.length : (long) Math.ceil(samples.length * 16000.0 / rate);
                int expectedFrames = EncoderWindows.videoFrames(at16k);
                List<VideoFrame> frames = collected.stream().filter(f -> f.speaker.equals(speaker)).toList();
                assertEquals(expectedFrames + 1, frames.size(), speaker + ": N + 2 frames and the end marker");
                for (int i = 0; i < expectedFrames; i++) {
                    assertEquals(i, frames.get(i).index, speaker + " in order");
                }
                assertTrue(frames.get(expectedFrames).end);

                PreparedAvatar avatar = PreparedAvatar.prepare(Avatar.open(Path.of(settings.avatarDir(routing.avatarOf(speaker)))),
                        "jpg", 95, n -> { });
                List<byte[]> expected = reference.render(samples, rate, avatar);
                assertEquals(expectedFrames, expected.size());
                Path dir = out.resolve(speaker).resolve(utterance);
                for (int i = 0; i < expectedFrames; i++) {
                    assertArrayEquals(expected.get(i), frames.get(i).image, speaker + " frame " + i + " equals the whole-file pipeline's");
                    assertArrayEquals(expected.get(i), Files.readAllBytes(dir.resolve(VideoFrame.fileName(i, "jpg"))),
                            speaker + " frame file " + i);
                }
                assertEquals(expectedFrames, Files.list(dir).count(), "no pending or extra files");
                assertTrue(Files.size(out.resolve(speaker).resolve(utterance + ".mp4")) > 1000);
                PcmAudio wav = WavDecoder.read(out.resolve(speaker).resolve(utterance + ".wav"));
                assertEquals(samples.length, wav.samples().length);
                assertEquals(rate, wav.sampleRate());
            }
        }
    }

    @Test
    void fullUnetFramesMatchTheWholeFilePipeline() throws Exception {
        Path input = tmp.resolve("in");
        Map<String, float[]> audio = new HashMap<>();
        writeSpeaker(input, "s1", "u1", speech(0.9, 16000, 4), 16000, audio);
        writeSpeaker(input, "s2", "u2", speech(0.7, 16000, 5), 16000, audio);
        JobSettings settings = settings(TestAssets.generator());
        settings.format = "png";
        StreamExecutionEnvironment env = environment(tmp);
        LipFlowJob.Outputs outputs = LipFlowJob.build(AudioSources.wavFiles(env, input,
                new SpeakerRouting(Map.of(), "a1"), null, 1 << 30), settings);
        List<VideoFrame> collected = new ArrayList<>();
        try (CloseableIterator<VideoFrame> it = outputs.frames().executeAndCollect("unet test")) {
            it.forEachRemaining(collected::add);
        }
        try (WholeFilePipeline reference = new WholeFilePipeline(TestAssets.encoder(), TestAssets.generator(), Device.CPU)) {
            Avatar templates = Avatar.open(TestAssets.avatar("a1", 3, 0));
            PreparedAvatar avatar = PreparedAvatar.prepare(templates, "png", 95, n -> { });
            for (String speaker : List.of("s1", "s2")) {
                List<byte[]> expected = reference.render(audio.get(speaker), 16000, avatar);
                List<VideoFrame> frames = collected.stream().filter(f -> f.speaker.equals(speaker) && !f.end).toList();
                assertEquals(expected.size(), frames.size());
                boolean mouthDiffers = false;
                for (int i = 0; i < expected.size(); i++) {
                    BgrImage want = FrameEncoder.decode(expected.get(i));
                    BgrImage got = FrameEncoder.decode(frames.get(i).image);
                    // batched inference may round differently from single runs: a pixel may differ by a level or two
                    assertTrue(maxDifference(want, got) <= 3, speaker + " frame " + i + " differs by " + maxDifference(want, got));
                    mouthDiffers |= !want.equals(templates.frame(TemplateOrder.templateFor(i, templates.frameCount())));
                }
                assertTrue(mouthDiffers, "the UNet redraws the face (frames are not the template)");
            }
        }
        assertFalse(collected.isEmpty());
    }

    private static int maxDifference(BgrImage a, BgrImage b) {
        int worst = 0;
        for (int i = 0; i < a.bgr().length; i++) {
            worst = Math.max(worst, Math.abs((a.bgr()[i] & 0xFF) - (b.bgr()[i] & 0xFF)));
        }
        return worst;
    }

    static void writeSpeaker(Path input, String speaker, String utterance, float[] samples, int rate,
                             Map<String, float[]> audio) throws Exception {
        Path file = input.resolve(speaker).resolve(utterance + ".wav");
        Files.createDirectories(file.getParent());
        Files.write(file, WavEncoder.pcm16(samples, rate));
        // what the job reads back: 16-bit quantised
        audio.put(speaker, WavDecoder.read(file).samples());
    }
}
