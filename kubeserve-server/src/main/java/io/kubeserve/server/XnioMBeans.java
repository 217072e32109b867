package io.kubeserve.server;

import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps XNIO and its JBoss Threads worker pool, under Undertow, from creating the JVM's platform
 * MBean server during start-up.
 *
 * <p>XNIO 3.8 registers an MXBean for its provider, each worker and each listener in the platform
 * MBean server, JBoss Threads one for each worker pool, and the first registration makes that
 * server: every platform MXBean of the JVM wrapped and introspected, 70-80 ms of one core before
 * the first model loads (docs/BENCHMARKS.md, "Start-up, ninth look"). Nothing in KubeServe reads
 * those MXBeans ({@code /metrics} comes from Micrometer, which asks the JVM's MXBeans directly).
 * So, unless the operator asks for them:
 * <ul>
 *   <li>JBoss Threads is told by its own switch, {@code jboss.threads.eqe.disable-mbean=true},
 *       set here unless already set (it reads it once, when its pool class initialises);</li>
 *   <li>XNIO has none: its holder of the server is initialised once, here, while the JMX builder
 *       property names {@link Refusing}. The holder's initialisation fails, and XNIO, which treats
 *       every registration as optional, registers nothing. The property is cleared at once.</li>
 * </ul>
 * A JMX client that attaches later (jconsole, {@code jcmd PID ManagementAgent.start_local}) gets
 * the platform MBean server as usual, with every platform MXBean; only XNIO's and the pool's stay
 * absent.
 *
 * <p>Their MXBeans are kept, and nothing here is done, when:
 * <ul>
 *   <li>the operator sets {@code -Dkubeserve.xnio.mbeans=true}, or
 *       {@code -Djboss.threads.eqe.disable-mbean=false};</li>
 *   <li>the operator set {@code javax.management.builder.initial} (their builder is theirs to use);</li>
 *   <li>an MBean server exists already, such as the platform one made before {@code main} by
 *       {@code -Dcom.sun.management.jmxremote} or an agent that makes it in {@code premain}: there is
 *       nothing to save, and XNIO registers in it.</li>
 * </ul>
 *
 * <p>Call before the first Undertow server starts and before the server starts other threads: for
 * the moment the property is set, any other thread's attempt to make an MBean server fails, and a
 * class whose static initialiser made that attempt (as XNIO's holder does) stays failed. An agent
 * thread that makes one at that very moment is the one case left. {@link MBeanServerFactory} keeps
 * the {@link Refusing} instance as its cached builder until the next MBean server is made (a few
 * bytes; it also holds this class's loader). Acts once a JVM; later calls do nothing. Thread-safe.
 */
final class XnioMBeans {

    /** Set to {@code true} to keep XNIO's MXBeans (and pay for the platform MBean server at start). */
    static final String KEEP_PROPERTY = "kubeserve.xnio.mbeans";

    /** The JMX property naming the {@link MBeanServerBuilder} class (see {@link MBeanServerFactory}). */
    static final String BUILDER_PROPERTY = "javax.management.builder.initial";

    /** JBoss Threads' switch for its pools' MXBeans (read once, when {@code EnhancedQueueExecutor} initialises). */
    static final String POOL_PROPERTY = "jboss.threads.eqe.disable-mbean";

    /** XNIO 3.8's class whose initialisation makes the platform MBean server (it holds it in a static final). */
    static final String XNIO_HOLDER = "org.xnio.Xnio$MBeanHolder";

    private static final Logger LOG = LoggerFactory.getLogger(XnioMBeans.class);

    private static boolean done;

    private XnioMBeans() {
    }

    /** Initialises XNIO's MBean holder without a server, unless one of the cases above keeps it. */
    static synchronized void skipUnlessKept() {
        if (done) {
            return;
        }
        done = true;
        if (Boolean.getBoolean(KEEP_PROPERTY) || System.getProperty(BUILDER_PROPERTY) != null
                || "false".equalsIgnoreCase(System.getProperty(POOL_PROPERTY))) {
            LOG.debug("XNIO's MXBeans kept, as the system properties ask");
            return;
        }
        if (!MBeanServerFactory.findMBeanServer(null).isEmpty()) {
            LOG.debug("an MBean server exists already: XNIO's MXBeans are registered as usual");
            return;
        }
        System.setProperty(BUILDER_PROPERTY, Refusing.class.getName());
        try {
            Class.forName(XNIO_HOLDER, true, org.xnio.Xnio.class.getClassLoader());
            LOG.debug("XNIO's MBean holder was set up already: its MXBeans are registered as it did");
        } catch (ExceptionInInitializerError | NoClassDefFoundError refused) {
            if (System.getProperty(POOL_PROPERTY) == null) {
                System.setProperty(POOL_PROPERTY, "true");
            }
            LOG.debug("XNIO's MXBeans not registered (-D{}=true keeps them)", KEEP_PROPERTY);
        } catch (ClassNotFoundException moved) {
            LOG.debug("no {} in this XNIO: its MXBeans are registered as it does", XNIO_HOLDER);
        } finally {
            System.clearProperty(BUILDER_PROPERTY);
        }
    }

    /**
     * A builder that makes no server: named by {@link #BUILDER_PROPERTY} only while XNIO's holder
     * initialises. Public with a public constructor, as {@link MBeanServerFactory}
     * requires of a builder.
     */
    public static final class Refusing extends MBeanServerBuilder {

        /** Made by {@link MBeanServerFactory} by reflection. */
        public Refusing() {
        }

        @Override
        public MBeanServerDelegate newMBeanServerDelegate() {
            throw new UnsupportedOperationException("no MBean server while XNIO starts (-D" + KEEP_PROPERTY + "=true keeps one)");
        }

        @Override
        public MBeanServer newMBeanServer(String defaultDomain, MBeanServer outer, MBeanServerDelegate delegate) {
            throw new UnsupportedOperationException("no MBean server while XNIO starts (-D" + KEEP_PROPERTY + "=true keeps one)");
        }
    }
}
