package io.retrainstream.trainer.service;

/** A run that cannot start with the data the trainer has; the message says why and what to do. */
public class TrainingRefusedException extends RuntimeException {
    public TrainingRefusedException(String message) {
        super(message);
    }
}
