package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.AudioFormatException;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.IteratorResultIterator;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Reads each WAV file of a {@code FileSource} as one utterance: fixed-size {@link AudioChunk}s, the
 * last one flagged. A file that does not decode becomes one chunk carrying the error, so the job can
 * dead-letter it and go on. Files are not split; after a restore the reader skips the chunks already
 * emitted (Flink checkpoints the count).
 */
public final class WavFileFormat implements BulkFormat<AudioChunk, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final String inputRoot;
    private final SpeakerRouting routing;
    private final double chunkSeconds;
    private final long maxBytes;

    /**
     * @param inputRoot the directory (or file) the source reads, to tell speaker sub-directories apart
     * @param chunkSeconds audio per emitted chunk
     * @param maxBytes larger files are refused before they are read (they could not be buffered anyway)
     */
    public WavFileFormat(String inputRoot, SpeakerRouting routing, double chunkSeconds, long maxBytes) {
        this.inputRoot = inputRoot;
        this.routing = routing;
        this.chunkSeconds = chunkSeconds;
        this.maxBytes = maxBytes;
    }

    @Override
    public Reader<AudioChunk> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new ChunkReader(read(split), 0);
    }

    @Override
    public Reader<AudioChunk> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        long skip = split.getReaderPosition().map(CheckpointedPosition::getRecordsAfterOffset).orElse(0L);
        return new ChunkReader(read(split), skip);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<AudioChunk> getProducedType() {
        return TypeInformation.of(AudioChunk.class);
    }

    /** Decodes the whole file into its chunks. */
    List<AudioChunk> read(FileSourceSplit split) throws IOException {
        String path = split.path().toString();
        String speaker = SpeakerRouting.speakerOf(path, inputRoot);
        String utterance = SpeakerRouting.utteranceOf(path);
        String avatar = routing.avatarOf(speaker);
        String name = split.path().getName();
        if (split.fileSize() > maxBytes) {
            return List.of(AudioChunk.failed(speaker, avatar, utterance,
                    name + ": " + split.fileSize() + " bytes exceeds the limit of " + maxBytes + " bytes per utterance"));
        }
        PcmAudio audio;
        try {
            audio = WavDecoder.decode(readAll(split), name);
        } catch (AudioFormatException e) {
            return List.of(AudioChunk.failed(speaker, avatar, utterance, e.getMessage()));
        } catch (FileNotFoundException | NoSuchFileException | AccessDeniedException e) {
            // gone since it was listed, or not ours to read: this file's problem, not the job's. Other read
            // errors (a file system's hiccup) fail the task, and the restored reader reads the file again.
            return List.of(AudioChunk.failed(speaker, avatar, utterance, name + ": cannot be read: " + e));
        }
        int size = Math.max(1, (int) Math.round(audio.sampleRate() * chunkSeconds));
        float[] samples = audio.samples();
        List<AudioChunk> chunks = new ArrayList<>();
        for (int from = 0, seq = 0; from < samples.length; from += size, seq++) {
            int to = Math.min(samples.length, from + size);
            chunks.add(new AudioChunk(speaker, avatar, utterance, seq, audio.sampleRate(),
                    Arrays.copyOfRange(samples, from, to), to == samples.length));
        }
        return chunks;
    }

    private static byte[] readAll(FileSourceSplit split) throws IOException {
        byte[] bytes = new byte[(int) split.fileSize()];
        try (FSDataInputStream in = split.path().getFileSystem().open(split.path())) {
            int n = 0;
            while (n < bytes.length) {
                int r = in.read(bytes, n, bytes.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return n == bytes.length ? bytes : Arrays.copyOf(bytes, n);
        }
    }

    /** Hands out a file's chunks in one batch, starting after those already emitted. */
    private static final class ChunkReader implements Reader<AudioChunk> {
        private List<AudioChunk> chunks;
        private final long skip;

        ChunkReader(List<AudioChunk> chunks, long skip) {
            this.chunks = chunks;
            this.skip = skip;
        }

        @Override
        public RecordIterator<AudioChunk> readBatch() {
            if (chunks == null) {
                return null;
            }
            Iterator<AudioChunk> it = chunks.subList((int) Math.min(skip, chunks.size()), chunks.size()).iterator();
            chunks = null;
            return new IteratorResultIterator<>(it, CheckpointedPosition.NO_OFFSET, skip);
        }

        @Override
        public void close() {
            chunks = null;
        }
    }
}
