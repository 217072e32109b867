package io.kubeserve.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the server stops when asked to. JDK 17 handles a signal only through {@code sun.misc.Signal}
 * (module {@code jdk.unsupported}, there for exactly such uses). javac flags every mention of it as
 * internal API, a warning no annotation silences and that the doclint run counts as a failure, so
 * the two calls go through reflection.
 */
final class SignalDrain {

    /** The server once {@link #started}; null while it starts. */
    private final AtomicReference<KubeServeServer> server = new AtomicReference<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private SignalDrain() {
    }

    /**
     * Takes over SIGTERM (Kubernetes, {@code docker stop}) and SIGINT, before the server starts, so
     * that no signal finds the JVM's default handling (exit 143 or 130, no drain). A signal once
     * the server has {@linkplain #started started} drains it and then exits with 0: a stop that was
     * asked for is not a failure, so a pod ends {@code Completed}, not {@code Error}. A signal
     * while it is still starting (models loading) exits with 0 at once, as nothing is served yet;
     * a server that has just finished starting is still drained by the shutdown hook. A second
     * signal during the drain is ignored; the drain timeout bounds it. Any other way out of the JVM
     * (SIGHUP, a library calling {@code System.exit}) drains through the shutdown hook too.
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
        server.set(started);
    }

    private void signalled(String name) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        Thread stopper = new Thread(() -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SignalDrain.class);
            if (server.get() == null) {
                log.info("SIG{} during start-up: stopping; nothing is served yet", name);
                System.exit(0); // the shutdown hook drains a server that finished starting meanwhile
            }
            log.info("SIG{}: draining", name);
            int status = 0;
            try {
                closeServer();
            } catch (RuntimeException e) {
                log.error("stopping failed", e);
                status = 1;
            }
            System.exit(status);
        }, "kubeserve-stop");
        stopper.setDaemon(false);
        stopper.start();
    }

    private void closeServer() {
        KubeServeServer running = server.get();
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
