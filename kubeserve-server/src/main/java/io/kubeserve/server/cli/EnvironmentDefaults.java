package io.kubeserve.server.cli;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults for a command's options from {@code KUBESERVE_*} environment variables: option
 * {@code --max-body-size} reads {@code KUBESERVE_MAX_BODY_SIZE}, and so on for every option but help
 * and version. A value on the command line wins over its variable; a blank variable counts as unset,
 * and values are trimmed. A variable's value goes through the option's own type converter, so a bad
 * one is reported like a bad flag value.
 *
 * <p>Immutable (it copies the environment it is given) and safe to share between threads.
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {

    /** The prefix of every variable the server reads. */
    public static final String PREFIX = "KUBESERVE_";

    private final Map<String, String> environment;

    /**
     * Defaults from the given environment.
     *
     * @param environment variable name to value, e.g. {@link System#getenv()}; copied
     */
    public EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * The variable an option reads: {@code KUBESERVE_} and its longest name in upper case, dashes as
     * underscores.
     *
     * @param option a command's option
     * @return e.g. {@code KUBESERVE_MODEL_REPOSITORY} for {@code --model-repository}
     */
    public static String variableOf(OptionSpec option) {
        String name = option.longestName().replaceFirst("^-+", "");
        return PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The variable's trimmed value for an option, or null to fall back to the option's own default.
     *
     * @param argument an option or positional parameter; positional parameters have no variable
     * @return the value, or null when the variable is unset or blank
     */
    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String value = environment.get(variableOf(option));
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * The variables of a command's options, help and version excepted.
     *
     * @param command the command whose options are read from the environment
     * @return the variable names, in option order
     */
    public static List<String> variablesOf(CommandSpec command) {
        return command.options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
                .map(EnvironmentDefaults::variableOf).toList();
    }

    /**
     * {@code KUBESERVE_*} variables that name no setting: likely typos, worth a warning.
     *
     * @param environment the process environment
     * @param command     the command whose options read variables
     * @param alsoKnown   variables read elsewhere (secrets without a flag, remote store settings)
     * @return the unknown names, sorted
     */
    public static List<String> unknownVariables(Map<String, String> environment, CommandSpec command,
                                                Set<String> alsoKnown) {
        Objects.requireNonNull(alsoKnown, "alsoKnown");
        Set<String> known = new HashSet<>(variablesOf(command));
        known.addAll(alsoKnown);
        return environment.keySet().stream().filter(key -> key.startsWith(PREFIX) && !known.contains(key))
                .sorted().toList();
    }
}
