package io.retrainstream.classifier.rest;

/** The JSON body of every error reply: what went wrong and what to do. */
public record ErrorResponse(int status, String message) {}
