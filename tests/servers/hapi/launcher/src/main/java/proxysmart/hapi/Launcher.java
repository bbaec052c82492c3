package proxysmart.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;
import java.net.InetSocketAddress;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Runs HAPI FHIR's JPA server (R4) on 127.0.0.1, FHIR base /fhir.
 * Usage: Launcher [PORT]; PORT may also come from HAPI_PORT (default 18081),
 * the listen address from HAPI_HOST (default 127.0.0.1).
 */
public final class Launcher {
	private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

	private Launcher() {}

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		String portText = args.length > 0 ? args[0] : envOr("HAPI_PORT", "18081");
		int port;
		try {
			port = Integer.parseInt(portText.trim());
		} catch (NumberFormatException e) {
			port = -1;
		}
		if (port < 1 || port > 65535) {
			System.err.println("hapi-launcher: invalid port '" + portText + "' (want 1..65535)");
			System.exit(2);
		}
		String host = envOr("HAPI_HOST", "127.0.0.1");

		AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext();
		Server jetty = new Server(new InetSocketAddress(host, port));
		try {
			spring.register(JpaServerConfig.class);
			spring.refresh();

			ServletContextHandler web = new ServletContextHandler();
			web.setContextPath("/");
			ServletHolder fhir = new ServletHolder("fhir", spring.getBean(RestfulServer.class));
			fhir.setInitOrder(1);
			web.addServlet(fhir, "/fhir/*");
			jetty.setHandler(web);
			jetty.setStopAtShutdown(false);
			jetty.start();
		} catch (Throwable t) {
			LOG.error("hapi-launcher: start failed", t);
			try { jetty.stop(); } catch (Throwable ignored) { }
			try { spring.close(); } catch (Throwable ignored) { }
			System.exit(1);
		}

		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			LOG.info("hapi-launcher: stopping");
			try { jetty.stop(); } catch (Exception e) { LOG.warn("jetty stop", e); }
			spring.close();
		}, "hapi-shutdown"));

		long ms = (System.nanoTime() - t0) / 1_000_000;
		LOG.info("hapi-launcher: HAPI FHIR JPA server ready at http://{}:{}/fhir after {} ms", host, port, ms);
		jetty.join();
	}

	private static String envOr(String name, String fallback) {
		String v = System.getenv(name);
		return v == null || v.isBlank() ? fallback : v;
	}
}
