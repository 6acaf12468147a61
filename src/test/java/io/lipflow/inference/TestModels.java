package io.lipflow.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The three generated models, written once per test JVM into a temporary directory. */
final class TestModels {
    private static Path dir;
    private static List<ModelGenerator.GeneratedModel> models;

    private TestModels() {}

    static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("lipflow-models");
                long start = System.nanoTime();
                models = ModelGenerator.writeAll(dir, step -> {});
                System.out.printf("generated test models in %.1f s%n", (System.nanoTime() - start) / 1e9);
                for (Path p : List.of(dir.resolve(ModelGenerator.ENCODER_FILE), dir.resolve(ModelGenerator.GENERATOR_FILE),
                        dir.resolve(ModelGenerator.MIRROR_FILE))) {
                    p.toFile().deleteOnExit();
                }
                dir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return dir;
    }

    static Path generator() {
        return dir().resolve(ModelGenerator.GENERATOR_FILE);
    }

    static Path encoder() {
        return dir().resolve(ModelGenerator.ENCODER_FILE);
    }

    static Path mirror() {
        return dir().resolve(ModelGenerator.MIRROR_FILE);
    }

    /** Seeded uniform values in [lo, hi). */
    static float[] random(long seed, int n, double lo, double hi) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + r.nextDouble() * (hi - lo));
        }
        return v;
    }
}
