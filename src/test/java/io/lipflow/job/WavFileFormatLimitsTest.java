package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.WavEncoder;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WAV file source refuses oversized and undecodable files with a reason instead of reading them. */
class WavFileFormatLimitsTest {
    @TempDir
    Path tmp;

    private List<AudioChunk> read(Path file, long maxBytes) throws Exception {
        WavFileFormat format = new WavFileFormat(tmp.toString(), new SpeakerRouting(Map.of(), "demo"), 0.25, maxBytes);
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(file.toUri());
        return format.read(new FileSourceSplit("0", path, 0, Files.size(file), 0, Files.size(file)));
    }

    @Test
    void fileOverTheSizeLimitIsOneFailedChunkAndIsNotRead() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("anna"));
        Path wav = Files.write(dir.resolve("big.wav"), WavEncoder.pcm16(new float[16000], 16000));
        List<AudioChunk> chunks = read(wav, 1000);
        assertEquals(1, chunks.size());
        AudioChunk c = chunks.get(0);
        assertEquals("anna", c.speaker);
        assertEquals("big", c.utterance);
        assertEquals("big.wav: 32044 bytes exceeds the limit of 1000 bytes per utterance", c.error);
        assertTrue(c.last);
    }

    @Test
    void fileWithinTheLimitIsChunked() throws Exception {
        Path wav = Files.write(tmp.resolve("solo.wav"), WavEncoder.pcm16(new float[16000], 16000));
        List<AudioChunk> chunks = read(wav, 32044);
        assertEquals(4, chunks.size());
        assertEquals("solo", chunks.get(0).speaker);
        assertTrue(chunks.get(3).last && chunks.stream().allMatch(c -> c.error == null));
    }

    @Test
    void undecodableFileIsOneFailedChunk() throws Exception {
        Path wav = Files.write(tmp.resolve("cut.wav"), java.util.Arrays.copyOf(WavEncoder.pcm16(new float[100], 16000), 100));
        List<AudioChunk> chunks = read(wav, 1 << 20);
        assertEquals(List.of("cut.wav: data chunk declares 200 bytes but only 56 remain (truncated file?)"),
                chunks.stream().map(c -> c.error).toList());
    }

    @Test
    void fileThatCannotBeReadIsOneFailedChunk() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bob"));
        Path wav = Files.write(dir.resolve("gone.wav"), WavEncoder.pcm16(new float[1600], 16000));
        WavFileFormat format = new WavFileFormat(tmp.toString(), new SpeakerRouting(Map.of(), "demo"), 0.25, 1 << 20);
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(wav.toUri());
        FileSourceSplit split = new FileSourceSplit("0", path, 0, Files.size(wav), 0, Files.size(wav));
        Files.delete(wav); // listed, then deleted before the reader got to it
        List<AudioChunk> chunks = format.read(split);
        assertEquals(1, chunks.size());
        assertEquals("bob", chunks.get(0).speaker);
        assertTrue(chunks.get(0).last);
        assertTrue(chunks.get(0).error.startsWith("gone.wav: cannot be read: java.io.FileNotFoundException"),
                chunks.get(0).error);
    }
}
