package io.lipflow.cli;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.audio.WavEncoder;
import io.lipflow.features.EncoderWindows;
import io.lipflow.inference.Device;
import io.lipflow.job.*;
import io.lipflow.output.FrameFileSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import java.lang.reflect.Method;
import java.nio.file.*;
import java.time.Duration;
import java.util.Map;

/** Scratch: mirror pipeline with U utterances per speaker (spec speakers:utterances:seconds). */
public final class Utt {
    public static void main(String[] a) throws Exception {
        Path home = Path.of(System.getProperty("lipflow.home"));
        Method m = PipelineBenchmark.class.getDeclaredMethod("models", Path.class, java.io.PrintStream.class); m.setAccessible(true);
        Path models = (Path) m.invoke(null, home, System.out);
        Method av = PipelineBenchmark.class.getDeclaredMethod("avatar", Path.class); av.setAccessible(true);
        Path avatar = (Path) av.invoke(null, home);
        Method st = PipelineBenchmark.class.getDeclaredMethod("settings", Path.class, Path.class, Device.class, String.class); st.setAccessible(true);
        Path work = Files.createTempDirectory("utt");
        int run = 0;
        for (String spec : a) {
            String[] p = spec.split(":");
            int speakers = Integer.parseInt(p[0]), utts = Integer.parseInt(p[1]); double seconds = Double.parseDouble(p[2]);
            Path input = work.resolve("in" + run), out = work.resolve("out" + run); run++;
            long expected = 0;
            for (int s = 0; s < speakers; s++) for (int u = 0; u < utts; u++) {
                float[] x = SyntheticSpeech.generate((int) (seconds * SyntheticSpeech.SAMPLE_RATE), s * 100 + u + 1);
                Path wav = input.resolve("s" + s).resolve("u" + u + ".wav");
                Files.createDirectories(wav.getParent());
                Files.write(wav, WavEncoder.pcm16(x, 16000));
                expected += EncoderWindows.videoFrames(x.length);
            }
            JobSettings settings = (JobSettings) st.invoke(null, models, avatar, Device.CPU, "mirror");
            StreamExecutionEnvironment env = JobEnvironment.local(2, work.resolve("checkpoints"), Duration.ofSeconds(2));
            LipFlowJob.Outputs outputs = LipFlowJob.build(AudioSources.wavFiles(env, input, new SpeakerRouting(Map.of(), "demo-a"), null, 1L << 30), settings);
            outputs.frames().map(new PipelineBenchmark.EmitProbe()).name("probe").sinkTo(FrameFileSink.withoutMp4(out)).name("frame files");
            outputs.deadLetters().sinkTo(new DiscardingSink<>()).name("dead letters");
            PipelineBenchmark.EmitProbe.reset(expected);
            long t0 = System.nanoTime();
            env.execute("utt");
            double wall = (System.nanoTime() - t0) / 1e9;
            long frames = PipelineBenchmark.EmitProbe.FRAMES.get();
            double steady = (PipelineBenchmark.EmitProbe.LAST.get() - PipelineBenchmark.EmitProbe.FIRST.get()) / 1e9;
            double cpu = (PipelineBenchmark.EmitProbe.CPU_LAST.get() - PipelineBenchmark.EmitProbe.CPU_FIRST.get()) / 1e6;
            System.out.printf("UTT %s: %d frames (expected %d), %.1f s wall, %.1f frames/s steady, %.2f ms CPU/frame steady%n",
                    spec, frames, expected, wall, (frames - 1) / steady, cpu / (frames - 1));
        }
        System.exit(0);
    }
}
