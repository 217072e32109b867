package io.kubeserve.server.cli;

import io.kubeserve.server.Main;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the server jar's version (from its manifest; {@code dev} when run from classes) and Java's. */
public final class VersionProvider implements IVersionProvider {

    /** For picocli, which creates it per command. */
    public VersionProvider() {
    }

    /**
     * The lines {@code --version} prints.
     *
     * @return {@code KubeServe <version>} and the Java runtime version
     */
    @Override
    public String[] getVersion() {
        return new String[] {"KubeServe " + Main.version(), "Java " + Runtime.version()};
    }
}
