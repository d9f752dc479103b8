package io.retrainstream.classifier.service;

import java.util.List;

/** A request named a model version this classifier cannot serve: the message names the versions it can. */
public class UnknownVersionException extends RuntimeException {

    private final List<Long> available;

    UnknownVersionException(String message, List<Long> available) {
        super(message);
        this.available = List.copyOf(available);
    }

    /** The versions a request can name instead. */
    public List<Long> available() {
        return available;
    }
}
