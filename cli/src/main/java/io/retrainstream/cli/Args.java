package io.retrainstream.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parsed command-line arguments of one command: {@code --name value} or {@code --name=value} options, {@code --flag}
 * flags and positional arguments. {@code -h}/{@code --help} is always accepted; {@code --} ends the options.
 */
final class Args {

    private final Map<String, String> values;
    private final Set<String> flags;
    private final List<String> positionals;

    private Args(Map<String, String> values, Set<String> flags, List<String> positionals) {
        this.values = values;
        this.flags = flags;
        this.positionals = positionals;
    }

    /**
     * @param valueOptions names (without {@code --}) of the options that take a value
     * @param flagOptions  names (without {@code --}) of the options that take none
     */
    static Args parse(List<String> argv, Set<String> valueOptions, Set<String> flagOptions) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (arg.equals("-h") || arg.equals("--help")) {
                flags.add("help");
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("Unknown option '" + arg + "'");
            }
            String name = arg.substring(2);
            String inlineValue = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inlineValue = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (valueOptions.contains(name)) {
                String value = inlineValue;
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new UsageException("Option --" + name + " needs a value");
                    }
                    value = argv.get(++i);
                }
                if (values.containsKey(name)) {
                    throw new UsageException("Option --" + name + " is given twice");
                }
                values.put(name, value);
            } else if (flagOptions.contains(name)) {
                if (inlineValue != null) {
                    throw new UsageException("Option --" + name + " takes no value");
                }
                flags.add(name);
            } else {
                throw new UsageException("Unknown option '--" + name + "'");
            }
        }
        return new Args(values, flags, positionals);
    }

    boolean help() {
        return flags.contains("help");
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String value(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    String required(String name) throws UsageException {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException("Option --" + name + " is required");
        }
        return value;
    }

    /** An integer option within {@code [min, max]}, or {@code defaultValue} when absent. */
    int intValue(String name, int defaultValue, int min, int max) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("Option --" + name + " must be a whole number, not '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException("Option --" + name + " must be between " + min + " and " + max + ", not " + parsed);
        }
        return parsed;
    }

    List<String> positionals() {
        return positionals;
    }

    /** Refuses positional arguments for commands that take none. */
    Args noPositionals() throws UsageException {
        if (!positionals.isEmpty()) {
            throw new UsageException("Unexpected argument '" + positionals.get(0) + "'");
        }
        return this;
    }
}
