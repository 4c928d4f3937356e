package dui.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/** SMTP submission and IMAP over a plain socket turned TLS by STARTTLS; every failure a {@link Failure}. */
final class Transport {
    /** Sending or reading failed; the message is what the DUI shows its user. */
    static class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** Nothing answered at the operator's address. */
    static final class Unreachable extends Failure {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    private Transport() {}

    /** A line-oriented connection (CRLF), with the socket it can swap for its TLS version. */
    static final class Line {
        Socket socket;
        InputStream in;
        OutputStream out;

        Line(Socket socket) throws IOException {
            use(socket);
        }

        void use(Socket s) throws IOException {
            socket = s;
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        String read() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') break;
                if (buf.size() > 64 * 1024) throw new IOException("line too long");
                buf.write(c);
            }
            if (c < 0 && buf.size() == 0) throw new IOException("connection closed by the operator");
            String line = buf.toString(StandardCharsets.UTF_8);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }

        byte[] readExactly(int n) throws IOException {
            byte[] data = in.readNBytes(n);
            if (data.length != n) throw new IOException("connection closed in a literal");
            return data;
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    static Line open(Settings.Mss cfg, int port) throws Unreachable {
        try {
            return new Line(Tls.connect(cfg.host, port, cfg.timeoutMillis));
        } catch (IOException ex) {
            throw new Unreachable("opérateur MSSanté injoignable (" + cfg.host + ":" + port + ") : " + ex.getMessage());
        }
    }

    static void startTls(Line line, Settings.Mss cfg, int port) throws Failure {
        try {
            line.use(cfg.tls().wrap(line.socket, cfg.host, port));
        } catch (SSLException ex) {
            throw new Failure("connexion TLS à l'opérateur refusée : " + ex.getMessage());
        } catch (Exception ex) {
            throw new Failure("connexion TLS à l'opérateur refusée : " + ex);
        }
    }

    // -- SMTP submission ----------------------------------------------------------------------------

    /** One SMTP reply: its code and its lines (multi-line replies joined). */
    record Reply(int code, List<String> lines) {
        String text() {
            return String.join(" ", lines);
        }

        boolean has(String keyword) {
            return lines.stream().anyMatch(l -> l.toUpperCase().startsWith(keyword));
        }

        String value(String keyword) {
            return lines.stream().filter(l -> l.toUpperCase().startsWith(keyword)).findFirst()
                .map(l -> l.substring(keyword.length()).trim()).orElse("");
        }
    }

    static Reply reply(Line line) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line.read();
            if (l.length() < 3) throw new IOException("malformed SMTP reply: " + l);
            lines.add(l.length() > 4 ? l.substring(4) : "");
            if (l.length() == 3 || l.charAt(3) != '-') return new Reply(Integer.parseInt(l.substring(0, 3)), lines);
        }
    }

    static Reply command(Line line, String command, int expected) throws IOException, Failure {
        line.send(command);
        Reply r = reply(line);
        if (r.code() != expected) {
            String verb = command.split("[ :]")[0];
            if (r.code() == 530 || r.code() == 535) throw new Failure("authentification par certificat refusée : " + r.code() + " " + r.text());
            throw new Failure("envoi refusé par l'opérateur (" + verb + ") : " + r.code() + " " + r.text());
        }
        return r;
    }

    /** Submit {@code data} from the BAL to {@code rcpts}; a DSN is asked when {@code envid} is given. The steps for the trail. */
    static String submit(Settings.Mss cfg, List<String> rcpts, byte[] data, String envid) throws Failure {
        List<String> steps = new ArrayList<>(List.of("SMTP " + cfg.host + ":" + cfg.smtpPort, "EHLO"));
        Line line = open(cfg, cfg.smtpPort);
        try {
            Reply greeting = reply(line);
            if (greeting.code() != 220) throw new Failure("opérateur indisponible : " + greeting.text());
            Reply ehlo = command(line, "EHLO " + cfg.balDomain(), 250);
            if (!ehlo.has("STARTTLS")) {
                throw new Failure("l'opérateur ne propose pas STARTTLS : envoi abandonné (jamais de message en clair)");
            }
            steps.add("STARTTLS");
            command(line, "STARTTLS", 220);
            startTls(line, cfg, cfg.smtpPort);
            ehlo = command(line, "EHLO " + cfg.balDomain(), 250);
            if (ehlo.value("AUTH").toUpperCase().contains("EXTERNAL")) {
                steps.add("AUTH EXTERNAL");
                command(line, "AUTH EXTERNAL =", 235);
            }
            String size = ehlo.value("SIZE");
            if (!size.isEmpty() && size.matches("[0-9]+") && data.length > Long.parseLong(size)) {
                throw new Failure("message de " + data.length + " octets supérieur à la taille maximale de l'opérateur (" + size + " octets)");
            }
            boolean dsn = envid != null && ehlo.has("DSN");
            String mailOpts = dsn ? " RET=HDRS ENVID=" + envid : "";
            String rcptOpts = dsn ? " NOTIFY=SUCCESS,FAILURE" : "";
            steps.add(("MAIL FROM:<" + cfg.bal + ">" + mailOpts).trim());
            command(line, "MAIL FROM:<" + cfg.bal + ">" + mailOpts, 250);
            for (String r : rcpts) {
                steps.add("RCPT TO:<" + r + ">" + rcptOpts);
                command(line, "RCPT TO:<" + r + ">" + rcptOpts, 250);
            }
            steps.add("DATA (" + data.length + " octets)");
            command(line, "DATA", 354);
            line.out.write(dotStuffed(data));
            line.out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            line.out.flush();
            Reply done = reply(line);
            if (done.code() != 250) throw new Failure("envoi refusé par l'opérateur : " + done.code() + " " + done.text());
            try {
                command(line, "QUIT", 221);
            } catch (IOException | Failure ignored) {
                // the message is accepted: a lost QUIT changes nothing
            }
            return String.join("; ", steps);
        } catch (IOException ex) {
            throw new Failure("erreur de communication avec l'opérateur : " + ex.getMessage());
        } finally {
            line.close();
        }
    }

    /** RFC 5321 §4.5.2: a line starting with '.' gets one more; the data ends with CRLF. */
    static byte[] dotStuffed(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 64);
        boolean lineStart = true;
        for (byte b : data) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    // -- IMAP ----------------------------------------------------------------------------------------

    /** An authenticated IMAP session on INBOX: STARTTLS, then AUTHENTICATE EXTERNAL (the ORG certificate). */
    static final class Imap implements AutoCloseable {
        private final Line line;
        private int tag;
        final List<String> steps = new ArrayList<>();

        Imap(Settings.Mss cfg) throws Failure {
            steps.add("IMAP " + cfg.host + ":" + cfg.imapPort);
            line = open(cfg, cfg.imapPort);
            try {
                String greeting = line.read();
                if (!greeting.startsWith("* OK")) throw new Failure("opérateur IMAP indisponible : " + greeting);
                List<String> caps = command("CAPABILITY");
                if (caps.stream().noneMatch(l -> l.toUpperCase().contains("STARTTLS"))) {
                    throw new Failure("l'opérateur ne propose pas STARTTLS en IMAP : relève abandonnée");
                }
                steps.add("STARTTLS");
                command("STARTTLS");
                startTls(line, cfg, cfg.imapPort);
                steps.add("AUTHENTICATE EXTERNAL");
                String t = next();
                line.send(t + " AUTHENTICATE EXTERNAL");
                String answer = line.read();
                if (answer.startsWith("+")) {
                    line.send(""); // the empty authorization identity: the certificate's BAL
                    answer = line.read();
                }
                while (answer.startsWith("*")) answer = line.read();
                if (!answer.startsWith(t + " OK")) throw new Failure("authentification par certificat refusée : " + answer);
                steps.add("SELECT INBOX");
                command("SELECT INBOX");
            } catch (IOException ex) {
                line.close();
                throw new Failure("erreur IMAP avec l'opérateur : " + ex.getMessage());
            } catch (Failure ex) {
                line.close();
                throw ex;
            }
        }

        private String next() {
            return "a" + (++tag);
        }

        /** Send a command; the untagged lines before its OK (NO/BAD: a Failure). */
        List<String> command(String command) throws IOException, Failure {
            String t = next();
            line.send(t + " " + command);
            List<String> untagged = new ArrayList<>();
            while (true) {
                String l = line.read();
                if (l.startsWith(t + " ")) {
                    if (!l.startsWith(t + " OK")) throw new Failure("IMAP " + command.split(" ")[0] + " refusé : " + l);
                    return untagged;
                }
                untagged.add(l);
            }
        }

        List<String> unseen() throws IOException, Failure {
            List<String> uids = new ArrayList<>();
            for (String l : command("UID SEARCH UNSEEN")) {
                if (l.toUpperCase().startsWith("* SEARCH")) {
                    for (String uid : l.substring(8).trim().split(" ")) if (!uid.isEmpty()) uids.add(uid);
                }
            }
            return uids;
        }

        /** The message without setting \Seen (set once handled). */
        byte[] fetch(String uid) throws IOException, Failure {
            String t = next();
            line.send(t + " UID FETCH " + uid + " (BODY.PEEK[])");
            byte[] message = null;
            while (true) {
                String l = line.read();
                if (l.startsWith(t + " ")) {
                    if (!l.startsWith(t + " OK")) throw new Failure("IMAP FETCH refusé : " + l);
                    return message;
                }
                int open = l.lastIndexOf('{');
                if (l.startsWith("*") && open >= 0 && l.endsWith("}")) {
                    int size = Integer.parseInt(l.substring(open + 1, l.length() - 1));
                    if (size > 64 * 1024 * 1024) throw new IOException("message too large");
                    message = line.readExactly(size);
                }
            }
        }

        void seen(String uid) throws IOException, Failure {
            command("UID STORE " + uid + " +FLAGS (\\Seen)");
        }

        @Override
        public void close() {
            try {
                line.send(next() + " LOGOUT");
            } catch (IOException ignored) {
                // closing anyway
            }
            line.close();
        }
    }
}
