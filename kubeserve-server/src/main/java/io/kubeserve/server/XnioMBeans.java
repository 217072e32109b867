package io.kubeserve.server;

import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps XNIO and its JBoss Threads worker pool, under Undertow, from creating the JVM's platform
 * MBean server during start-up.
 *
 * <p>XNIO 3.8 registers an MXBean for its provider, each worker and each listener in the platform
 * MBean server, JBoss Threads one for each worker pool, and the first registration makes that
 * server: every platform MXBean of the JVM wrapped and introspected, 50-100 ms of one core before
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
 * <p>Their MXBeans are kept when:
 * <ul>
 *   <li>the operator sets {@code -Dkubeserve.xnio.mbeans=true};</li>
 *   <li>the operator set {@code javax.management.builder.initial} (their builder is theirs to use);</li>
 *   <li>the platform MBean server already exists, made by a Java agent or
 *       {@code -Dcom.sun.management.jmxremote} before {@code main}: XNIO then registers in it.</li>
 * </ul>
 *
 * <p>Call before the first Undertow server starts and before other threads use JMX: for the
 * moment the property is set, another thread making the platform MBean server would fail. Acts
 * once a JVM; later calls do nothing. Thread-safe.
 */
final class XnioMBeans {

    /** Set to {@code true} to keep XNIO's MXBeans (and pay for the platform MBean server at start). */
    static final String KEEP_PROPERTY = "kubeserve.xnio.mbeans";

    /** The JMX property naming the {@link MBeanServerBuilder} class (see {@link javax.management.MBeanServerFactory}). */
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
        if (Boolean.getBoolean(KEEP_PROPERTY) || System.getProperty(BUILDER_PROPERTY) != null) {
            return;
        }
        System.setProperty(BUILDER_PROPERTY, Refusing.class.getName());
        boolean refused;
        try {
            Class.forName(XNIO_HOLDER, true, org.xnio.Xnio.class.getClassLoader());
            refused = false; // the platform MBean server existed already: XNIO registers in it, and the pool too
        } catch (ExceptionInInitializerError | NoClassDefFoundError expected) {
            refused = true;
        } catch (ClassNotFoundException moved) {
            refused = false; // another XNIO, which makes the server its own way: start-up is only slower
            LOG.debug("no {} in this XNIO", XNIO_HOLDER);
        } finally {
            System.clearProperty(BUILDER_PROPERTY);
        }
        if (refused && System.getProperty(POOL_PROPERTY) == null) {
            System.setProperty(POOL_PROPERTY, "true");
        }
        LOG.debug("XNIO's MXBeans {} (-D{}=true keeps them)", refused ? "not registered" : "registered", KEEP_PROPERTY);
    }

    /**
     * A builder that makes no server: named by {@link #BUILDER_PROPERTY} only while XNIO's holder
     * initialises. Public with a public constructor, as {@link javax.management.MBeanServerFactory}
     * requires of a builder.
     */
    public static final class Refusing extends MBeanServerBuilder {

        /** Made by {@link javax.management.MBeanServerFactory} by reflection. */
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
