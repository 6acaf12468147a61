package io.lipflow.output;

import io.lipflow.audio.WavEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Writes each speaker's frames to {@code OUT/<speaker>/<utterance>/frame_%05d.<fmt>}, and when an
 * utterance ends {@code OUT/<speaker>/<utterance>.wav} and {@code OUT/<speaker>/<utterance>.mp4}
 * (the frames at 25 fps with the audio), exactly once under checkpoints: the writer writes hidden
 * {@code .pending} files under deterministic names, and only a completed checkpoint's committer renames
 * them into place; then {@link Mp4Muxing} muxes the MP4 on the process's muxing threads. A replay after a failure
 * rewrites the same pending files, and a repeated commit finds its work done (its files moved, its MP4
 * newer than its WAV), so no frame is lost or duplicated.
 */
public final class FrameFileSink
        implements Sink<VideoFrame>, SupportsCommitter<FrameFileSink.Committable>, SupportsPostCommitTopology<FrameFileSink.Committable> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FrameFileSink.class);

    private final String root;
    private final boolean mp4;

    public FrameFileSink(Path root) {
        this(root, true);
    }

    private FrameFileSink(Path root, boolean mp4) {
        this.root = root.toAbsolutePath().toString();
        this.mp4 = mp4;
    }

    /** Frames and WAVs only, no MP4: for measuring the pipeline apart from the MP4 muxing. */
    public static FrameFileSink withoutMp4(Path root) {
        return new FrameFileSink(root, false);
    }

    @Override
    public SinkWriter<VideoFrame> createWriter(WriterInitContext context) {
        return new Writer(Path.of(root), mp4);
    }

    @Override
    public org.apache.flink.api.connector.sink2.Committer<Committable> createCommitter(CommitterInitContext context) {
        return new FileCommitter();
    }

    @Override
    public SimpleVersionedSerializer<Committable> getCommittableSerializer() {
        return new CommittableSerializer();
    }

    /**
     * MP4s are muxed after the commit, by an operator of their own chained to the committer (so the sink needs a
     * uid: Flink derives the muxer's from it).
     */
    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<Committable>> committed) {
        if (mp4) {
            committed.transform("mp4 muxing", Types.VOID, new Mp4Muxing()).uid("mp4-muxing");
        }
    }

    /** What a checkpoint's commit must do: move a pending file into place, or (after it) mux an utterance's MP4. */
    public record Committable(boolean mux, String pending, String target, int frameCount, String format) {}

    private static final class Writer implements CommittingSinkWriter<VideoFrame, Committable> {
        private final Path root;
        private final boolean mp4;
        private final List<Committable> pending = new ArrayList<>();

        Writer(Path root, boolean mp4) {
            this.root = root;
            this.mp4 = mp4;
        }

        @Override
        public void write(VideoFrame f, Context context) throws IOException {
            Path speakerDir = root.resolve(f.speaker);
            if (f.end) {
                Path wav = speakerDir.resolve(f.utterance + ".wav");
                pending.add(writePending(wav, WavEncoder.pcm16(f.audio, f.audioRate)));
                if (mp4 && f.index > 0) { // an utterance without frames has its WAV but no video
                    Path video = speakerDir.resolve(f.utterance + ".mp4");
                    pending.add(new Committable(true, speakerDir.resolve(f.utterance).toString(), video.toString(), f.index, f.format));
                }
            } else {
                Path target = speakerDir.resolve(f.utterance).resolve(VideoFrame.fileName(f.index, f.format));
                pending.add(writePending(target, f.image));
            }
        }

        private static Committable writePending(Path target, byte[] bytes) throws IOException {
            Path p = pendingPath(target);
            try {
                Files.write(p, bytes);
            } catch (NoSuchFileException e) {
                // an utterance's first file: its directory is made once, not checked for every frame
                Files.createDirectories(target.getParent());
                Files.write(p, bytes);
            }
            return new Committable(false, p.toString(), target.toString(), 0, null);
        }

        @Override
        public Collection<Committable> prepareCommit() {
            List<Committable> out = new ArrayList<>(pending);
            pending.clear();
            return out;
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }

    static Path pendingPath(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".pending");
    }

    /** Puts pending files in place; an MP4's request passes on to {@link Mp4Muxing} once its frames are in place. */
    private static final class FileCommitter implements Committer<Committable> {
        @Override
        public void commit(Collection<CommitRequest<Committable>> requests) throws IOException {
            for (CommitRequest<Committable> r : requests) {
                Committable c = r.getCommittable();
                if (c.mux()) {
                    continue;
                }
                if (Files.exists(Path.of(c.pending()))) {
                    Files.move(Path.of(c.pending()), Path.of(c.target()), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                } else if (Files.exists(Path.of(c.target()))) {
                    r.signalAlreadyCommitted();
                } else {
                    // Flink only counts a committable failed with a known reason: the log is what names it
                    LOG.warn("pending file {} vanished before its commit: {} is missing", c.pending(), c.target());
                    r.signalFailedWithKnownReason(new IOException("pending file vanished: " + c.pending()));
                }
            }
        }

        @Override
        public void close() {}
    }

    private static final class CommittableSerializer implements SimpleVersionedSerializer<Committable> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Committable c) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeBoolean(c.mux());
                out.writeUTF(c.pending());
                out.writeUTF(c.target());
                out.writeInt(c.frameCount());
                out.writeUTF(c.format() == null ? "" : c.format());
            }
            return bytes.toByteArray();
        }

        @Override
        public Committable deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                boolean mux = in.readBoolean();
                String pending = in.readUTF();
                String target = in.readUTF();
                int count = in.readInt();
                String format = in.readUTF();
                return new Committable(mux, pending, target, count, format.isEmpty() ? null : format);
            }
        }
    }
}
