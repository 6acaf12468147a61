package io.lipflow.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.FrameEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink's writer stages pending files and its committer puts them, and the MP4, in place. */
class FrameFileSinkTest {
    private static final int FRAMES = 3;

    @TempDir
    Path tmp;

    @Test
    void anUtteranceCommitsToFramesWavAndMp4() throws Exception {
        List<byte[]> frames = writeAndCommit(new FrameFileSink(tmp));
        Path dir = tmp.resolve("ada").resolve("u1");
        for (int i = 0; i < FRAMES; i++) {
            assertArrayEquals(frames.get(i), Files.readAllBytes(dir.resolve(VideoFrame.fileName(i, "jpg"))));
        }
        assertTrue(Files.size(tmp.resolve("ada/u1.wav")) > 44);
        assertTrue(Files.size(tmp.resolve("ada/u1.mp4")) > 1000);
        assertEquals(List.of(), pendingFiles(), "nothing left pending");
    }

    @Test
    void withoutMp4TheFramesAndWavStillCommit() throws Exception {
        writeAndCommit(FrameFileSink.withoutMp4(tmp));
        assertEquals(FRAMES, Files.list(tmp.resolve("ada/u1")).count());
        assertTrue(Files.exists(tmp.resolve("ada/u1.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")));
        assertEquals(List.of(), pendingFiles());
    }

    @SuppressWarnings("unchecked")
    private static List<byte[]> writeAndCommit(FrameFileSink sink) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        List<FrameFileSink.Committable> committables;
        try (SinkWriter<VideoFrame> writer = sink.createWriter(null)) {
            for (int i = 0; i < FRAMES; i++) {
                frames.add(FrameEncoder.jpeg(DemoAvatar.frame(i)));
                writer.write(VideoFrame.frame("ada", "u1", i, "jpg", frames.get(i)), null);
            }
            writer.write(VideoFrame.end("ada", "u1", FRAMES, "jpg", SyntheticSpeech.generate(FRAMES * 640, 1), 16_000), null);
            committables = new ArrayList<>(((CommittingSinkWriter<VideoFrame, FrameFileSink.Committable>) writer).prepareCommit());
        }
        List<Committer.CommitRequest<FrameFileSink.Committable>> requests = new ArrayList<>();
        for (FrameFileSink.Committable c : committables) {
            requests.add(new Request(c));
        }
        try (Committer<FrameFileSink.Committable> committer = sink.createCommitter(null)) {
            committer.commit(requests);
        }
        return frames;
    }

    private List<Path> pendingFiles() throws Exception {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pending")).toList();
        }
    }

    /** A commit request that must succeed. */
    private record Request(FrameFileSink.Committable getCommittable) implements Committer.CommitRequest<FrameFileSink.Committable> {
        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void retryLater() {
            throw new AssertionError("retry");
        }

        @Override
        public void updateAndRetryLater(FrameFileSink.Committable c) {
            throw new AssertionError("retry");
        }

        @Override
        public void signalAlreadyCommitted() {
        }
    }
}
