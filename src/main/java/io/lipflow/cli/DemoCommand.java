package io.lipflow.cli;

import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.Resampler;
import io.lipflow.audio.WavDecoder;
import io.lipflow.audio.WavEncoder;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.inference.ModelGenerator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.util.FileUtils;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code ./lipflow demo}: the main job on an embedded Flink with everything it needs generated on
 * first use: models under {@code models/}, two drawn avatars under {@code avatars/}, and three
 * speakers' audio cut from the bundled synthesised speech.
 */
final class DemoCommand implements Command {
    private static final String SPEECH = "/demo/speech.wav";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String usage() {
        return "[--model mirror|reference] [--out DIR] [--parallelism N]   (default: mirror, out/demo, 2)";
    }

    @Override
    public String summary() {
        return "three speakers on two avatars through the job, with generated models and avatars";
    }

    @Override
    public void run(Args args) throws Exception {
        Path home = Path.of(System.getProperty("lipflow.home", ".")).toAbsolutePath().normalize();
        String model = args.get("model", "mirror");
        Path out = Path.of(args.get("out", home.resolve("out/demo").toString())).toAbsolutePath().normalize();
        int parallelism = args.intValue("parallelism", 2, 1, 256); // as for run
        args.finish();
        if (!model.equals("mirror") && !model.equals("reference")) {
            throw new UserError("--model must be mirror or reference, got '" + model + "'");
        }
        Path manifest = out.resolve("speakers.properties");
        if (Files.exists(out) && !Files.exists(manifest) && (!Files.isDirectory(out) || Directories.hasEntries(out))) {
            // the demo clears its output directory: never one it did not make
            throw new UserError("--out " + out + " is not empty and not an earlier demo's output; give a new or empty directory");
        }
        long start = System.nanoTime();
        Path models = home.resolve("models");
        if (ModelGenerator.ensureGenerated(models, step -> System.out.println("demo: " + step))) {
            System.out.println("demo: generated the models in " + models);
        }
        Path generator = models.resolve(model.equals("mirror") ? ModelGenerator.MIRROR_FILE : ModelGenerator.GENERATOR_FILE);
        if (model.equals("mirror")) {
            System.out.println("demo: model " + generator.getFileName() + ": no trained weights ship with LipFlow, and the"
                    + " mirror returns the unmasked face, so the video shows the avatar exactly as it is"
                    + " (--model reference runs the full UNet with generated weights: real cost, meaningless faces)");
        } else {
            System.out.println("demo: model " + generator.getFileName() + ": the full SyncTalk_2D UNet with generated"
                    + " weights (real cost; the mouth it draws means nothing)");
        }
        AvatarStore store = new AvatarStore(home.resolve("avatars"));
        ensureAvatar(store, "demo-a", 0);
        ensureAvatar(store, "demo-b", 1);

        Path input = out.resolve("input");
        Path frames = out.resolve("frames");
        FileUtils.deleteDirectory(out.toFile());
        // the manifest first: it marks the directory as the demo's should this run stop part way
        Files.createDirectories(out);
        Files.writeString(manifest, "# speaker=avatar\nanna=demo-a\nben=demo-b\ncleo=demo-a\n");
        writeSpeakers(input);
        System.out.println("demo: speakers anna (demo-a, 16 kHz), ben (demo-b, 48 kHz stereo), cleo (demo-a, shorter)"
                + " from " + input);

        JobSpec spec = JobSpec.parse(new Args(Arrays.asList(
                "--audio", input.toString(), "--avatars", store.root().toString(), "--manifest", manifest.toString(),
                "--generator", generator.toString(), "--encoder", models.resolve(ModelGenerator.ENCODER_FILE).toString(),
                "--out", frames.toString(), "--parallelism", Integer.toString(parallelism))));
        long jobStart = System.nanoTime();
        JobExecutionResult result = JobLauncher.runLocal(spec, "lipflow demo", System.out);
        double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
        long count = JobLauncher.frames(result);
        System.out.printf("demo: %d frames of 3 speakers in %.1f s (%.1f frames/s; %.1f s in all), %d dead letters;"
                        + " frames and MP4s in %s%n", count, jobSeconds, count / jobSeconds,
                (System.nanoTime() - start) / 1e9, JobLauncher.deadLetters(result), frames);
    }

    /** Draws and imports demo avatar {@code id} unless the store has it. */
    static void ensureAvatar(AvatarStore store, String id, int style) throws Exception {
        if (Files.exists(store.dir(id))) {
            return;
        }
        Path tmp = Files.createTempDirectory("lipflow-demo-avatar");
        try {
            System.out.println("demo: drawing avatar " + id + " (" + DemoAvatar.FRAMES + " frames)");
            DemoAvatar.writeDataset(tmp, DemoAvatar.FRAMES, style);
            store.importAvatar(Avatar.open(tmp), id, done -> { });
        } finally {
            FileUtils.deleteDirectory(tmp.toFile());
        }
    }

    /** anna: the speech as is; ben: at 48 kHz in stereo; cleo: its first 60 %. */
    private static void writeSpeakers(Path input) throws Exception {
        byte[] wav;
        try (InputStream in = DemoCommand.class.getResourceAsStream(SPEECH)) {
            wav = in.readAllBytes();
        }
        PcmAudio speech = WavDecoder.decode(wav, SPEECH);
        float[] x = speech.samples();
        write(input.resolve("anna/welcome.wav"), WavEncoder.pcm16(x, speech.sampleRate()));
        float[] at48k = Resampler.resample(x, speech.sampleRate(), 48000);
        write(input.resolve("ben/welcome.wav"), WavEncoder.pcm16Stereo(at48k, 48000));
        write(input.resolve("cleo/hello.wav"), WavEncoder.pcm16(Arrays.copyOf(x, x.length * 6 / 10), speech.sampleRate()));
    }

    private static void write(Path file, byte[] bytes) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }
}
