package io.kubeserve.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * How the server stops when asked to. JDK 17 handles a signal only through {@code sun.misc.Signal}
 * (module {@code jdk.unsupported}, there for exactly such uses). javac flags every mention of it as
 * internal API, a warning no annotation silences and that the doclint run counts as a failure, so
 * the two calls go through reflection.
 */
final class SignalDrain {

    private final Object lock = new Object();
    /** The server once {@link #started}; null while it starts. Guarded by {@link #lock}. */
    private KubeServeServer server;
    /** A signal is being handled, or the start failed: later signals change nothing. Guarded by {@link #lock}. */
    private boolean stopping;

    private SignalDrain() {
    }

    /**
     * Takes over SIGTERM (Kubernetes, {@code docker stop}) and SIGINT before the server starts, so
     * that a signal while models load finds this handling, not the JVM's default (exit 143 or 130;
     * a signal before the JVM reaches KubeServe's {@code main} still gets that). A signal once the
     * server has {@linkplain #started started} drains it and then exits with 0: a stop that was
     * asked for is not a failure, so a pod ends {@code Completed}, not {@code Error}. A signal
     * while it is still starting exits with 0 at once: it is not ready yet, so no Service sends it
     * traffic to wait for. (Readiness turns 200 a few milliseconds before the start returns; a
     * signal in that instant still exits at once, and the shutdown hook drains the server only if
     * it is handed over before the hook runs.) A second signal during the drain is ignored; the
     * drain timeout bounds it. Any other way out of the JVM (SIGHUP, a library calling
     * {@code System.exit}) drains through the shutdown hook too.
     *
     * <p>The drain runs on a thread of its own that is not a daemon: the JVM runs signal handlers
     * on daemon threads, and once the drain has stopped the HTTP threads, a daemon would leave no
     * live thread, so the JVM would end mid-drain, before the models are closed.
     *
     * @return the handle to give the server once started, or null when the JVM is already
     *         shutting down (a signal came before this point; the caller should not start)
     */
    static SignalDrain install() {
        SignalDrain drain = new SignalDrain();
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(drain::closeServer, "kubeserve-shutdown"));
        } catch (IllegalStateException e) {
            return null; // "Shutdown in progress"
        }
        for (String name : List.of("TERM", "INT")) {
            if (!handle(name, () -> drain.signalled(name))) {
                // the JVM keeps this signal (-Xrs, a debugger) or has no such API: the shutdown hook still drains
                org.slf4j.LoggerFactory.getLogger(SignalDrain.class)
                        .debug("SIG{} not handled; the JVM's shutdown hook drains instead", name);
            }
        }
        return drain;
    }

    /**
     * The server has started: a signal from now on drains it.
     *
     * @param started the running server; closed by the drain or the shutdown hook
     */
    void started(KubeServeServer started) {
        synchronized (lock) {
            server = started;
        }
    }

    /** The server could not start: a later signal leaves the caller's exit status alone. */
    void startFailed() {
        synchronized (lock) {
            stopping = true;
        }
    }

    private void signalled(String name) {
        KubeServeServer running;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            running = server;
        }
        Thread stopper = new Thread(() -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SignalDrain.class);
            if (running == null) {
                log.info("SIG{} during start-up: exiting; the server is not ready yet", name);
                System.exit(0);
                return;
            }
            log.info("SIG{}: draining", name);
            int status = 1;
            try {
                running.close();
                status = 0;
            } catch (Throwable e) {
                log.error("stopping failed", e);
            } finally {
                System.exit(status);
            }
        }, "kubeserve-stop");
        stopper.setDaemon(false);
        stopper.start();
    }

    private void closeServer() {
        KubeServeServer running;
        synchronized (lock) {
            running = server;
        }
        if (running != null) {
            running.close();
        }
    }

    /** {@code sun.misc.Signal.handle(new Signal(name), signal -> action.run())}; false when the JVM refuses. */
    private static boolean handle(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = Proxy.newProxyInstance(SignalDrain.class.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                            return null;
                        }
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> "SignalDrain(SIG" + name + ")";
                        };
                    });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
