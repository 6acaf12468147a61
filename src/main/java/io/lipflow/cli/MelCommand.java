package io.lipflow.cli;

import io.lipflow.audio.AudioFormatException;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import io.lipflow.features.EncoderWindows;
import io.lipflow.features.MelWindowStream;
import io.lipflow.features.Npy;

import java.io.IOException;
import java.nio.file.Path;

/** {@code ./lipflow mel}: the normalised mel spectrogram of a WAV as a float32 .npy, for debugging. */
final class MelCommand implements Command {
    @Override
    public String name() {
        return "mel";
    }

    @Override
    public String usage() {
        return "--wav IN.wav --out OUT.npy";
    }

    @Override
    public String summary() {
        return "write the M x 80 normalised mel spectrogram of a WAV as float32 .npy";
    }

    @Override
    public void run(Args args) throws Exception {
        Path wav = args.path("wav");
        Path out = args.path("out");
        args.finish();
        PcmAudio audio;
        try {
            audio = WavDecoder.read(wav);
        } catch (AudioFormatException e) {
            throw new UserError(e.getMessage());
        }
        float[][] mel = MelWindowStream.melSpectrogram(audio.samples(), audio.sampleRate());
        try {
            Npy.writeFloat32(out, mel, 80);
        } catch (IOException e) {
            throw new UserError("cannot write " + out + ": " + e.getMessage());
        }
        System.out.printf("mel: %s (%s, %d ch, %d Hz, %.2f s) -> %s: %d x 80 mel frames, %d encoder windows, %d video frames%n",
                wav, audio.encoding(), audio.channels(), audio.sampleRate(), audio.seconds(), out,
                mel.length, EncoderWindows.count(mel.length), EncoderWindows.count(mel.length) + 2);
    }
}
