package io.lipflow.cli;

import io.lipflow.inference.ModelGenerator;
import java.nio.file.Path;
import java.util.List;

/** {@code ./lipflow models}: generates the stand-in ONNX models (seeded weights, real architectures). */
final class ModelsCommand implements Command {
    @Override
    public String name() {
        return "models";
    }

    @Override
    public String usage() {
        return "[--out DIR]   (default DIR: models/)";
    }

    @Override
    public String summary() {
        return "generate generator.onnx, audio_encoder.onnx and mirror_generator.onnx (seeded stand-ins)";
    }

    @Override
    public void run(Args args) throws Exception {
        Path out = Path.of(args.get("out", "models"));
        args.finish();
        Directories.writable(out, "--out");
        long start = System.nanoTime();
        List<ModelGenerator.GeneratedModel> models = ModelGenerator.writeAll(out, step -> System.out.println("models: " + step));
        StringBuilder summary = new StringBuilder();
        for (ModelGenerator.GeneratedModel m : models) {
            summary.append(summary.length() == 0 ? "" : ", ").append(String.format("%s (%,d params, %.1f MiB)",
                    m.fileName(), m.parameters(), m.onnx().length / 1048576.0));
        }
        System.out.printf("models: wrote %s to %s in %.1f s%n", summary, out, (System.nanoTime() - start) / 1e9);
    }
}
