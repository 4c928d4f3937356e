package dui.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The HTTP driver bridge of docs/driver-protocol.md, JDK only: POST /configure and POST /act, JSON in
 * and out. Run: {@code java -cp classes dui.bridge.Bridge [PORT]} (8700 by default, loopback only),
 * then {@code conformance run --socle mssante --dui http://127.0.0.1:8700}.
 */
public final class Bridge {
    static final int MAX_BODY = 16 * 1024 * 1024;

    private Bridge() {}

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8700;
        Dui dui = new Dui();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/", exchange -> handle(exchange, dui));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("driver bridge listening on http://127.0.0.1:" + server.getAddress().getPort());
        System.out.flush();
    }

    private static void handle(HttpExchange exchange, Dui dui) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("POST")) {
                send(exchange, 405, Dui.answer("error", Map.of(), "POST /configure or POST /act (docs/driver-protocol.md)"));
                return;
            }
            Map<String, Object> body;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] raw = in.readNBytes(MAX_BODY + 1);
                if (raw.length > MAX_BODY) {
                    send(exchange, 413, Dui.answer("error", Map.of(), "body too large"));
                    return;
                }
                body = Json.object(new String(raw, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ex) {
                send(exchange, 400, Dui.answer("error", Map.of(), ex.getMessage()));
                return;
            }
            switch (path) {
                case "/configure" -> {
                    dui.configure(body);
                    send(exchange, 200, Map.of("status", "ok"));
                }
                case "/act" -> send(exchange, 200, dui.act(Json.str(body, "verb"), Json.obj(body.get("params"))));
                default -> send(exchange, 404, Dui.answer("error", Map.of(), "unknown path " + path));
            }
        } catch (RuntimeException ex) {
            send(exchange, 500, Dui.answer("error", Map.of(), "bridge error: " + ex));
        }
    }

    private static void send(HttpExchange exchange, int code, Map<String, Object> payload) throws IOException {
        byte[] out = Json.write(payload).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(code, out.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(out);
        }
    }
}
