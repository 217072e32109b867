package io.kubeserve.server.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the server jar's version (its manifest's {@code Implementation-Version}; {@code dev}
 * when run from classes) and Java's.
 */
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
        String version = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"KubeServe " + (version == null ? "dev" : version), "Java " + Runtime.version()};
    }
}
