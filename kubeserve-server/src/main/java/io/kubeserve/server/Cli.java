package io.kubeserve.server;

import io.kubeserve.core.repository.remote.RemoteSettings;
import io.kubeserve.server.cli.EnvironmentDefaults;
import io.kubeserve.server.cli.FetchCommand;
import io.kubeserve.server.cli.ManifestsCommand;
import io.kubeserve.server.cli.VersionProvider;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The server jar's command line: {@code serve} (also what runs when the first argument is no command),
 * {@code manifests} and {@code fetch}, each with generated {@code --help} and {@code --version}. Bad
 * usage prints picocli's message, a suggestion for a mistyped option, and where to find help, then
 * exits with status 2, without a stack trace.
 *
 * <p>An instance holds only what it was given and builds a fresh {@link CommandLine} per run, so it may
 * run several command lines, one at a time per thread.
 */
public final class Cli {

    /** How users start the jar; the root command's name in usage messages. */
    public static final String NAME = "java -jar kubeserve-server.jar";

    /** The commands, the default first. */
    public static final List<String> COMMANDS = List.of("serve", "manifests", "fetch");

    /** picocli's system property: comma-separated regular expressions of types to register no converter for. */
    static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    /** The built-in converters no option needs: java.time's and java.sql's types. */
    static final String UNUSED_CONVERTERS = "java\\.time\\..*,java\\.sql\\..*";

    /**
     * picocli's system property that stops its default factory looking for Groovy's closure class
     * (for Groovy scripts' annotations): without Groovy on the class path the lookup fails, after a
     * search of the jar and an exception, about 15 ms of a one-core start.
     */
    static final String DISABLE_CLOSURES = "picocli.disable.closures";

    private static final Set<String> ROOT_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    private final Map<String, String> environment;
    private final RemoteSettings remoteSettings;
    private final Set<String> alsoKnownVariables;
    private final ServeCommand.Launcher launcher;

    /**
     * A command line over the given environment.
     *
     * @param environment        the process environment: {@code serve}'s defaults and secrets
     * @param remoteSettings     remote store settings for {@code fetch}
     * @param alsoKnownVariables {@code KUBESERVE_*} variables the server reads outside the options (e.g. the
     *                           model cache directory); the remote store's are known already
     * @param launcher           what {@code serve} hands its config to
     */
    public Cli(Map<String, String> environment, RemoteSettings remoteSettings, Set<String> alsoKnownVariables,
               ServeCommand.Launcher launcher) {
        this.environment = Map.copyOf(environment);
        this.remoteSettings = Objects.requireNonNull(remoteSettings, "remoteSettings");
        Set<String> known = new HashSet<>(alsoKnownVariables);
        known.addAll(RemoteSettings.VARIABLES);
        this.alsoKnownVariables = Set.copyOf(known);
        this.launcher = Objects.requireNonNull(launcher, "launcher");
    }

    /** The root: only {@code --help} and {@code --version}; {@link #run} never runs it without a command. */
    static final class Root implements Callable<Integer> {

        private final CommandSpec spec;

        /** Its model, built in code as serve's is ({@link ServeCommand}): the root is built on every start. */
        Root() {
            spec = CommandSpec.wrapWithoutInspection(this).name(NAME).versionProvider(new VersionProvider());
            spec.usageMessage().width(100)
                    .description("KubeServe serves ONNX, TorchScript and scikit-learn (ONNX or joblib) models over HTTP and "
                            + "gRPC, writes the Kubernetes manifests to run it and fetches models for it there.", "")
                    .footer("", "Without a command the jar serves: '" + NAME + " --model-repository DIR' is '" + NAME
                            + " serve --model-repository DIR'. '" + NAME + " <command> --help' lists a command's options.");
            addStandardHelpOptions(spec);
        }

        @Override
        public Integer call() {
            throw new ParameterException(spec.commandLine(), "a command is required: " + String.join(", ", COMMANDS));
        }
    }

    /**
     * {@code -h/--help} and {@code -V/--version} as picocli's {@code mixinStandardHelpOptions} adds
     * them, without the reflection over its annotated mixin.
     */
    static void addStandardHelpOptions(CommandSpec command) {
        command.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        command.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
    }

    /**
     * A fresh command line with all commands, environment defaults for {@code serve} and the usage-error
     * handling described above.
     *
     * @param out standard output for results and help
     * @param err standard error for usage errors and failures
     * @return the root command line; run it with {@link #withDefaultCommand(String[])}'s arguments
     */
    public CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(out, err, true);
    }

    /**
     * The command line, with or without {@code manifests} and {@code fetch}. Picocli builds each
     * command's model by reflecting on its annotations: on a cold JVM the two commands' models cost
     * about a tenth of a second that a server start does not need. No command has methods as
     * subcommands ({@code addMethodSubcommands = false}), so picocli does not scan their methods.
     */
    private CommandLine commandLine(PrintStream out, PrintStream err, boolean allCommands) {
        CommandLine root = new CommandLine(new Root().spec);
        ServeCommand serve = new ServeCommand(environment, alsoKnownVariables, launcher);
        CommandLine serveLine = new CommandLine(serve.spec());
        serveLine.setDefaultValueProvider(new EnvironmentDefaults(environment));
        showVariables(serveLine.getCommandSpec());
        root.addSubcommand("serve", serveLine);
        if (allCommands) {
            root.addSubcommand("manifests", new ManifestsCommand());
            root.addSubcommand("fetch", new FetchCommand(remoteSettings));
        }
        root.setOut(writer(out));
        root.setErr(writer(err));
        root.setParameterExceptionHandler(new UsageErrors());
        return root;
    }

    /**
     * Runs one command line.
     *
     * @param args the jar's arguments; without a command first, {@code serve} is meant
     * @param out  standard output
     * @param err  standard error
     * @return the exit status: 0 done (or serving), 1 failed, 2 bad usage
     */
    public int run(String[] args, PrintStream out, PrintStream err) {
        String[] withCommand = withDefaultCommand(args);
        // serving needs only serve's model: the root's own help and the other commands need them all
        CommandLine commandLine = commandLine(out, err, !withCommand[0].equals("serve"));
        try {
            return commandLine.execute(withCommand);
        } finally {
            commandLine.getOut().flush();
            commandLine.getErr().flush();
        }
    }

    /**
     * The arguments with {@code serve} in front unless they start with a command or a root option
     * ({@code --help}, {@code --version}).
     *
     * @param args the jar's arguments
     * @return {@code args} itself, or a new array starting with {@code serve}
     */
    public static String[] withDefaultCommand(String[] args) {
        if (args.length > 0 && (COMMANDS.contains(args[0]) || ROOT_OPTIONS.contains(args[0]))) {
            return args;
        }
        List<String> withServe = new ArrayList<>(args.length + 1);
        withServe.add("serve");
        withServe.addAll(Arrays.asList(args));
        return withServe.toArray(String[]::new);
    }

    /**
     * Adds each option's variable under its description, so the help shows it.
     *
     * <p>Plain loops, and {@link UsageErrors} a class: a lambda typed with one of picocli's classes
     * (compiled for Java 5) has the CDS dump link that class, and a linked Java 5 class is left out of
     * the archive, to be read from the jar and verified at every start ({@code train-cds.sh}).
     */
    private static void showVariables(CommandSpec command) {
        List<OptionSpec> options = new ArrayList<>();
        for (OptionSpec option : command.options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                options.add(option);
            }
        }
        for (OptionSpec option : options) {
            command.remove(option);
        }
        for (OptionSpec option : options) {
            String[] description = Arrays.copyOf(option.description(), option.description().length + 1);
            description[description.length - 1] = "  env " + EnvironmentDefaults.variableOf(option);
            command.addOption(option.toBuilder().description(description).build());
        }
    }

    /**
     * Picocli's message, a suggestion for a mistyped option, which variable a bad value came from, and
     * where the help is; exit status 2.
     */
    private int usageError(ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        CommandSpec spec = command.getCommandSpec();
        String prefix = spec.parent() == null ? "kubeserve" : "kubeserve " + spec.name();
        err.println(prefix + ": " + error.getMessage());
        UnmatchedArgumentException.printSuggestions(error, err);
        if (error.getArgSpec() instanceof OptionSpec option && command.getDefaultValueProvider() != null
                && option.command() == spec && !given(option, args)) {
            String variable = EnvironmentDefaults.variableOf(option);
            if (environment.containsKey(variable)) {
                err.println("The value comes from the environment variable " + variable + ".");
            }
        }
        err.println("Run '" + spec.qualifiedName() + " --help' for the options.");
        err.flush();
        return spec.exitCodeOnInvalidInput();
    }

    /** Prints a bad command line's error the way {@link #usageError} does (a class, not a lambda: see {@link #showVariables}). */
    private final class UsageErrors implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException error, String[] args) {
            return usageError(error, args);
        }
    }

    /** Whether the option is on the command line, as {@code --flag value} or {@code --flag=value}. */
    private static boolean given(OptionSpec option, String[] args) {
        for (String arg : args) {
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(stream, true);
    }
}
