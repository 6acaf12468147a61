package io.lipflow.audio;

/** Audio that cannot be decoded: the message names the source and says what is wrong with it. */
public class AudioFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public AudioFormatException(String message) {
        super(message);
    }
}
