package io.lipflow.cli;

import ai.onnxruntime.OrtException;
import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.AvatarStore;
import io.lipflow.inference.Device;
import io.lipflow.inference.ModelContract;
import io.lipflow.inference.ModelException;
import io.lipflow.inference.SessionPool;
import io.lipflow.job.JobSettings;
import io.lipflow.job.SpeakerRouting;
import io.lipflow.output.KafkaFrameSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A LipFlow job as the command line describes it: input, avatars, models, outputs, tuning. */
final class JobSpec {
    static final String USAGE = String.join("\n",
            "--audio FILE|DIR [--watch] | --kafka HOST:PORT --topic T [--group G] [--bounded]",
            "--avatar DIR | --avatars STORE [--manifest FILE]     (speaker=avatarId lines)",
            "--generator ONNX --encoder ONNX",
            "--out DIR and/or --kafka-out HOST:PORT --frames-topic T",
            "[--format jpg|png] [--quality Q] [--parallelism N] [--device cpu|cuda[:N]] [--cuda-options K=V;K=V]",
            "[--batch N] [--batch-delay-ms MS] [--sessions N] [--threads N] [--in-flight N] [--checkpoint-seconds S]   (S <= 300 with --kafka-out)",
            "[--max-utterance-seconds S] [--max-buffered-mb M]   (default 600 s, 256 MiB per speaker)",
            "[--utterance-timeout-seconds S]   (an utterance without a chunk for S s is ended; default 60)",
            "[--avatar-cache-mb M]   (prepared avatars the job keeps in each TaskManager; default half its heap)",
            "[--name N]   (the job's name, default lipflow; Kafka transaction ids start with it: one name per job)");

    String name;
    Path audio;
    boolean watch;
    String kafkaIn;
    String topic;
    String group;
    boolean bounded;
    SpeakerRouting routing;
    final JobSettings settings = new JobSettings();
    Path out;
    String kafkaOut;
    String framesTopic;
    int parallelism;
    int checkpointSeconds;

    static JobSpec parse(Args args) throws UserError {
        JobSpec s = new JobSpec();
        s.name = args.get("name", "lipflow");
        if (!AvatarStore.isSafeName(s.name)) {
            throw new UserError("--name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got '"
                    + s.name + "'");
        }
        String audio = args.get("audio", null);
        s.kafkaIn = args.get("kafka", null);
        if ((audio == null) == (s.kafkaIn == null)) {
            throw new UserError("give the audio input: --audio FILE|DIR or --kafka HOST:PORT --topic T");
        }
        if (audio != null) {
            s.audio = existing(Path.of(audio), "--audio");
            s.watch = args.flag("watch");
        } else {
            s.topic = args.require("topic");
            s.group = args.get("group", "lipflow");
            s.bounded = args.flag("bounded");
        }
        JobSettings js = s.settings;
        String defaultAvatar = null;
        if (args.has("avatar")) {
            Path dir = existing(Path.of(args.require("avatar")), "--avatar").toAbsolutePath().normalize();
            defaultAvatar = dir.getFileName().toString();
            if (!AvatarStore.isSafeName(defaultAvatar)) {
                throw new UserError("--avatar " + dir + ": the directory name is the avatar id and must be 1-64 letters, "
                        + "digits, '.', '_' or '-'");
            }
            checkAvatar(dir);
            js.avatarDirs.put(defaultAvatar, dir.toString());
        }
        if (args.has("avatars")) {
            js.avatarStore = existing(Path.of(args.require("avatars")), "--avatars").toAbsolutePath().normalize().toString();
        }
        if (js.avatarDirs.isEmpty() && js.avatarStore == null) {
            throw new UserError("give the avatars: --avatar DIR (one for every speaker) or --avatars STORE");
        }
        if (args.has("manifest")) {
            Path manifest = existing(Path.of(args.require("manifest")), "--manifest");
            try {
                s.routing = SpeakerRouting.fromManifest(manifest, defaultAvatar);
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("--manifest " + manifest + ": " + e.getMessage());
            }
        } else {
            s.routing = new SpeakerRouting(Map.of(), defaultAvatar);
        }
        js.generator = model(args, "generator", ModelContract.Kind.GENERATOR);
        js.encoder = model(args, "encoder", ModelContract.Kind.AUDIO_ENCODER);
        if (args.has("out")) {
            Path out = Path.of(args.require("out")).toAbsolutePath().normalize();
            if (s.audio != null && out.startsWith(s.audio.toAbsolutePath().normalize())) {
                throw new UserError("--out " + out + " is inside --audio " + s.audio + ": the job would read its own output as audio");
            }
            s.out = Directories.writable(out, "--out");
        }
        s.kafkaOut = args.get("kafka-out", null);
        if (s.kafkaOut != null) {
            s.framesTopic = args.require("frames-topic");
        }
        if (s.out == null && s.kafkaOut == null) {
            throw new UserError("give an output: --out DIR and/or --kafka-out HOST:PORT --frames-topic T");
        }
        js.format = args.get("format", "jpg");
        if (!js.format.equals("jpg") && !js.format.equals("png")) {
            throw new UserError("--format must be jpg or png, got '" + js.format + "'");
        }
        js.jpegQuality = args.intValue("quality", 95, 1, 100);
        js.device = args.device().toString();
        js.maxBatch = args.has("batch") ? args.intValue("batch", 1, 1, 256) : 0; // 0: by device
        js.maxBatchDelayMillis = args.intValue("batch-delay-ms", js.maxBatchDelayMillis, 0, 10_000);
        js.sessions = args.has("sessions") ? args.intValue("sessions", 1, 1, 256) : 0; // 0: by device and cores
        js.intraOpThreads = args.intValue("threads", js.intraOpThreads, 1, 256);
        js.generatorCapacity = args.has("in-flight") ? args.intValue("in-flight", 8, 1, 4096) : 0; // 0: 8 batches
        s.parallelism = args.intValue("parallelism", 2, 1, 256);
        s.checkpointSeconds = args.intValue("checkpoint-seconds", 2, 1, 3600);
        long maxWithKafka = KafkaFrameSink.MAX_CHECKPOINT_INTERVAL.toSeconds();
        if (s.kafkaOut != null && s.checkpointSeconds > maxWithKafka) {
            throw new UserError("--checkpoint-seconds is at most " + maxWithKafka + " with --kafka-out: each checkpoint commits "
                    + "the Kafka transactions, which time out after " + KafkaFrameSink.TRANSACTION_TIMEOUT.toSeconds() + " s");
        }
        js.maxUtteranceSeconds = args.intValue("max-utterance-seconds", (int) js.maxUtteranceSeconds, 1, 86_400);
        js.utteranceTimeoutSeconds = args.intValue("utterance-timeout-seconds", (int) js.utteranceTimeoutSeconds, 1, 86_400);
        // at most 1 GiB: an utterance's samples (4 bytes each) are one value in keyed state, and RocksDB and
        // Java arrays stop near 2 GiB
        js.maxBufferedBytes = (long) args.intValue("max-buffered-mb", (int) (js.maxBufferedBytes >> 20), 1, 1024) << 20;
        js.avatarCacheMegabytes = args.has("avatar-cache-mb") ? args.intValue("avatar-cache-mb", 1, 1, 1 << 20) : 0; // 0: half the heap
        return s;
    }

    /**
     * The model file of option {@code --key}, loaded once on the CPU to check it is a model of {@code kind}:
     * a missing or wrong file is reported here, in one line, instead of failing the job's first operator.
     */
    private static String model(Args args, String key, ModelContract.Kind kind) throws UserError {
        Path file = existing(Path.of(args.require(key)), "--" + key).toAbsolutePath();
        try {
            new SessionPool(file, kind, 1, 1, Device.CPU).close();
        } catch (ModelException | OrtException e) {
            throw new UserError("--" + key + " " + e.getMessage(), e);
        }
        return file.toString();
    }

    /** Opens the avatar and decodes every template frame, so a broken one is named before the job starts. */
    private static void checkAvatar(Path dir) throws UserError {
        try {
            Avatar avatar = Avatar.open(dir);
            for (int j = 0; j < avatar.frameCount(); j++) {
                avatar.frame(j);
            }
        } catch (AvatarException e) {
            throw new UserError("--avatar " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Path existing(Path p, String option) throws UserError {
        if (!Files.exists(p)) {
            throw new UserError(option + " " + p + ": no such file or directory");
        }
        return p;
    }
}
