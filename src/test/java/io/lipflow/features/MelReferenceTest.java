package io.lipflow.features;

import io.lipflow.Fixtures;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The front end against the original Python implementation's outputs. */
class MelReferenceTest {

    @Test
    void filterbankMatchesReference() throws Exception {
        Npy.Array ref = Npy.read(Fixtures.path("mel/mel_filterbank_80x401.npy"));
        assertArrayEquals(new int[] {80, 401}, ref.shape());
        MelFilterbank fb = MelFilterbank.get();
        double worst = 0;
        for (int m = 0; m < 80; m++) {
            for (int k = 0; k < 401; k++) {
                double expected = ref.data()[m * 401 + k];
                worst = Math.max(worst, Math.abs(fb.weight(m, k) - expected) / Math.max(1e-3, Math.abs(expected)));
            }
        }
        assertTrue(worst < 1e-6, "worst relative error " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sine440_640ms", "speech_640ms"})
    void melOfReferenceAudioMatches(String name) throws Exception {
        double[] audio = Npy.read(Fixtures.path("mel/" + name + ".audio.npy")).data();
        float[] samples = new float[audio.length];
        for (int i = 0; i < audio.length; i++) {
            samples[i] = (float) audio[i];
        }
        assertClose(Npy.read(Fixtures.path("mel/" + name + ".mel.npy")), MelWindowStream.melSpectrogram(samples, 16000));
    }

    @Test
    void melOfReferenceWavMatches() throws Exception {
        PcmAudio wav = WavDecoder.read(Fixtures.path("mel/speech_640ms.wav"));
        assertEquals(16000, wav.sampleRate());
        assertClose(Npy.read(Fixtures.path("mel/speech_640ms.mel.npy")), MelWindowStream.melSpectrogram(wav.samples(), wav.sampleRate()));
    }

    private static void assertClose(Npy.Array expected, float[][] actual) {
        assertEquals(expected.shape()[0], actual.length, "frame count");
        double worst = 0;
        for (int t = 0; t < actual.length; t++) {
            assertEquals(80, actual[t].length);
            for (int b = 0; b < 80; b++) {
                worst = Math.max(worst, Math.abs(actual[t][b] - expected.data()[t * 80 + b]));
            }
        }
        assertTrue(worst <= 1e-4, "max abs error " + worst);
    }
}
