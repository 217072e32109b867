package io.kubeserve.engine.python;

import java.util.Objects;

/**
 * Server-wide settings of the Python engine; a model's config may name its own interpreter
 * ({@code parameters.python}). Immutable.
 *
 * @param python              the interpreter to run workers with: a command on the PATH or a path
 * @param installRequirements whether to {@code pip install} a model's {@code requirements.txt} into
 *                            a directory of its own before loading it (off by default: the installed
 *                            packages are only checked)
 */
public record PythonSettings(String python, boolean installRequirements) {

    /** System property naming the interpreter (the server's {@code --python} sets it). */
    public static final String PYTHON_PROPERTY = "kubeserve.python";
    /** System property turning on requirement installs (the server's {@code --python-install-requirements}). */
    public static final String INSTALL_PROPERTY = "kubeserve.python.install-requirements";

    /**
     * Checks the interpreter is named.
     *
     * @param python              interpreter command or path; not blank
     * @param installRequirements whether to install requirements
     * @throws IllegalArgumentException when {@code python} is blank
     */
    public PythonSettings {
        Objects.requireNonNull(python, "python");
        if (python.isBlank()) {
            throw new IllegalArgumentException("the Python interpreter must be named");
        }
    }

    /**
     * The settings the system properties give, else the defaults: {@code python3} from the PATH,
     * requirements checked only.
     *
     * @return the settings; read anew on each call
     */
    public static PythonSettings fromSystemProperties() {
        String python = System.getProperty(PYTHON_PROPERTY);
        return new PythonSettings(python == null || python.isBlank() ? "python3" : python,
                Boolean.parseBoolean(System.getProperty(INSTALL_PROPERTY, "false")));
    }
}
