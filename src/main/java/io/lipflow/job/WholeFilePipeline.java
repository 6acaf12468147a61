package io.lipflow.job;

import io.lipflow.features.AudioContext;
import io.lipflow.features.MelWindow;
import io.lipflow.features.MelWindowStream;
import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.PreparedTemplate;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.SessionPool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole pipeline as plain Java over one complete utterance, one step after the other: mel windows,
 * encoder, audio context, generator, composite, encode. The streaming job must produce exactly these
 * frames; it is also the simplest way to render one file.
 */
public final class WholeFilePipeline implements AutoCloseable {
    private final SessionPool encoder;
    private final SessionPool generator;

    public WholeFilePipeline(Path encoderModel, Path generatorModel, Device device) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        encoder = new SessionPool(encoderModel, ModelContract.Kind.AUDIO_ENCODER, 1, threads, device);
        try {
            generator = new SessionPool(generatorModel, ModelContract.Kind.GENERATOR, 1, threads, device);
        } catch (Exception | Error e) {
            encoder.closeAfter(e);
            throw e;
        }
    }

    /** The utterance's frames, encoded as {@code avatar} was prepared for. */
    public List<byte[]> render(float[] samples, int sampleRate, PreparedAvatar avatar) throws Exception {
        List<MelWindow> windows = new ArrayList<>();
        MelWindowStream mel = new MelWindowStream(sampleRate);
        MelWindowStream.Sink collect = windows::add;
        mel.accept(samples, collect);
        mel.finish(collect);

        AudioContext context = new AudioContext();
        List<float[]> audioInputs = new ArrayList<>();
        AudioContext.FrameSink<RuntimeException> frames = (i, input) -> audioInputs.add(input);
        for (MelWindow w : windows) {
            context.add(encoder.run(w.data()), frames);
        }
        context.end(frames);

        List<byte[]> out = new ArrayList<>(audioInputs.size());
        for (int i = 0; i < audioInputs.size(); i++) {
            PreparedTemplate t = avatar.forFrame(i);
            float[] face = generator.run(FaceCrop.input(t.crop()), audioInputs.get(i));
            out.add(t.encode(t.patch(face, 0)));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        try (generator) {
            encoder.close();
        }
    }
}
