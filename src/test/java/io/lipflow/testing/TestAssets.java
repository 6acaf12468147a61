package io.lipflow.testing;

import io.lipflow.frames.DemoAvatar;
import io.lipflow.inference.ModelGenerator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Generated models and drawn avatars, made once per test JVM in a temporary directory. */
public final class TestAssets {
    private static Path models;
    private static final Map<String, Path> AVATARS = new HashMap<>();

    private TestAssets() {}

    /** A directory with generator.onnx, audio_encoder.onnx and mirror_generator.onnx. */
    public static synchronized Path models() throws Exception {
        if (models == null) {
            models = Files.createTempDirectory("lipflow-test-models");
            ModelGenerator.writeAll(models, step -> { });
        }
        return models;
    }

    public static Path mirror() throws Exception {
        return models().resolve(ModelGenerator.MIRROR_FILE);
    }

    public static Path generator() throws Exception {
        return models().resolve(ModelGenerator.GENERATOR_FILE);
    }

    public static Path encoder() throws Exception {
        return models().resolve(ModelGenerator.ENCODER_FILE);
    }

    /** A drawn avatar in SyncTalk_2D layout, in a directory named {@code id}. */
    public static synchronized Path avatar(String id, int frames, int style) throws Exception {
        Path dir = AVATARS.get(id);
        if (dir == null) {
            dir = Files.createTempDirectory("lipflow-test-avatar").resolve(id);
            DemoAvatar.writeDataset(dir, frames, style);
            AVATARS.put(id, dir);
        }
        return dir;
    }
}
