package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeserve.core.repository.remote.RemoteSettings;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Option;

/**
 * {@code Main} tells picocli to skip its java.time and java.sql converters
 * ({@link Cli#UNUSED_CONVERTERS}) to start sooner: no option may need one, and the setting must
 * really skip them.
 */
class UnusedConvertersTest {

    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    private String before;

    @BeforeEach
    void setProperty() {
        before = System.getProperty(Cli.CONVERTER_EXCLUDES);
        System.setProperty(Cli.CONVERTER_EXCLUDES, Cli.UNUSED_CONVERTERS);
    }

    @AfterEach
    void restoreProperty() {
        if (before == null) {
            System.clearProperty(Cli.CONVERTER_EXCLUDES);
        } else {
            System.setProperty(Cli.CONVERTER_EXCLUDES, before);
        }
    }

    @Test
    void noOptionOfAnyCommandHasATypeWhoseConverterIsSkipped() {
        CommandLine root = new Cli(Map.of(), RemoteSettings.of(Map.of()), Set.of(), (config, unknown) -> 0)
                .commandLine(DISCARD, DISCARD);
        List<String> types = new ArrayList<>();
        for (CommandLine command : root.getSubcommands().values()) {
            List<ArgSpec> args = new ArrayList<>(command.getCommandSpec().args());
            for (ArgSpec arg : args) {
                types.add(arg.type().getName());
                Arrays.stream(arg.auxiliaryTypes()).map(Class::getName).forEach(types::add);
            }
        }
        List<String> patterns = Arrays.asList(Cli.UNUSED_CONVERTERS.split(","));
        assertThat(types).contains(Path.class.getName(), int.class.getName())
                .noneMatch(type -> patterns.stream().anyMatch(type::matches));
    }

    @Test
    void theSkippedConvertersAreReallyNotThere() {
        CommandLine withDuration = new CommandLine(new WithDuration());
        assertThatThrownBy(() -> withDuration.parseArgs("--timeout", "PT5S"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("java.time.Duration");
        // the converters the commands use are still there
        assertThat(CliRun.serve(Map.of(), "--model-repository", "models", "--port", "9000").port()).isEqualTo(9000);
    }

    @Command(name = "with-duration")
    static final class WithDuration {
        @Option(names = "--timeout")
        Duration timeout;
    }
}
