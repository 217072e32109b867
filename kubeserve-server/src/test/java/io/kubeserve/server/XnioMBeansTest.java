package io.kubeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server starts, and answers a scrape of {@code /metrics} (which binds the JVM's meters), without
 * any MBean server made, the one XNIO and its worker pool would make for their own MXBeans
 * included; yet JMX still works for a client that comes later. The operator's switches, an MBean
 * server made before {@code main} and an operator's own JMX builder keep XNIO's MXBeans. Each case
 * in a fresh JVM: XNIO holds its MBean server in a static, set once a process.
 */
class XnioMBeansTest {

    @TempDir
    Path dir;

    @Test
    void aServerStartsWithoutXniosMBeansAndJmxStillWorks() throws Exception {
        Outcome outcome = child();
        assertThat(outcome.serversBeforeJmx()).isZero();
        assertThat(outcome.xnio()).isZero();
        assertThat(outcome.pools()).isZero();
        assertThat(outcome.platformMemoryBean()).isTrue();
        assertThat(outcome.builderProperty()).isEqualTo("null");
    }

    @Test
    void theOperatorsSwitchKeepsThem() throws Exception {
        Outcome outcome = child("-D" + XnioMBeans.KEEP_PROPERTY + "=true");
        assertThat(outcome.serversBeforeJmx()).isEqualTo(1);
        assertThat(outcome.xnio()).isPositive();
        assertThat(outcome.pools()).isPositive();
        assertThat(outcome.platformMemoryBean()).isTrue();
    }

    @Test
    void thePoolsOwnSwitchSetToRegisterKeepsThemToo() throws Exception {
        // JBoss Threads told to register: the server gets made anyway, so XNIO's are kept as well
        Outcome outcome = child("-D" + XnioMBeans.POOL_PROPERTY + "=false");
        assertThat(outcome.xnio()).isPositive();
        assertThat(outcome.pools()).isPositive();
    }

    @Test
    void anMBeanServerMadeBeforeTheServerGetsThem() throws Exception {
        // as a Java agent or -Dcom.sun.management.jmxremote would have made it before main
        Outcome outcome = child("-D" + Child.MAKE_FIRST + "=true");
        assertThat(outcome.xnio()).isPositive();
        assertThat(outcome.pools()).isPositive();
    }

    @Test
    void anOperatorsOwnBuilderStands() throws Exception {
        String builder = javax.management.MBeanServerBuilder.class.getName();
        Outcome outcome = child("-D" + XnioMBeans.BUILDER_PROPERTY + "=" + builder);
        assertThat(outcome.xnio()).isPositive();
        assertThat(outcome.pools()).isPositive();
        assertThat(outcome.builderProperty()).isEqualTo(builder);
    }

    /**
     * What a child saw: MBean servers made by the time the server answered (before the child asks
     * for the platform one itself), then XNIO's and the pool's MXBeans in the platform server.
     */
    record Outcome(int serversBeforeJmx, int xnio, int pools, boolean platformMemoryBean, String builderProperty) {
    }

    private Outcome child(String... jvmOptions) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        String printed = TestTools.javaMain(dir, Child.class, List.of(jvmOptions), models.toString());
        String[] last = printed.lines().filter(line -> line.startsWith(Child.RESULT)).findFirst().orElse(Child.RESULT)
                .substring(Child.RESULT.length()).split(" ");
        assertThat(last).as(printed).hasSize(5);
        return new Outcome(Integer.parseInt(last[0]), Integer.parseInt(last[1]), Integer.parseInt(last[2]),
                Boolean.parseBoolean(last[3]), last[4]);
    }

    /** Starts a server over an empty repository, then asks the platform MBean server what is registered. */
    static final class Child {
        static final String MAKE_FIRST = "test.mbean-server-first";
        static final String RESULT = "registered: ";

        public static void main(String[] args) throws Exception {
            if (Boolean.getBoolean(MAKE_FIRST)) {
                ManagementFactory.getPlatformMBeanServer();
            }
            ServerConfig config = ServerConfig.defaults(Path.of(args[0])).withHost("127.0.0.1").withPort(0).withGrpcPort(0);
            try (KubeServeServer server = KubeServeServer.start(config)) {
                HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(), BodyHandlers.ofString());
                if (scrape.statusCode() != 200 || !scrape.body().contains("jvm_memory_used_bytes")) {
                    throw new IllegalStateException("scrape answered " + scrape.statusCode() + ": " + scrape.body());
                }
                int servers = MBeanServerFactory.findMBeanServer(null).size();
                MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
                int xnio = platform.queryNames(new ObjectName("org.xnio:*"), null).size();
                int pools = platform.queryNames(new ObjectName("jboss.threads:*"), null).size();
                boolean memory = platform.isRegistered(new ObjectName(ManagementFactory.MEMORY_MXBEAN_NAME));
                System.out.println(RESULT + servers + " " + xnio + " " + pools + " " + memory + " " + System.getProperty(XnioMBeans.BUILDER_PROPERTY));
            }
        }
    }
}
