package dui.bridge;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 5322 / MIME messages, written and read with the JDK only (a product would use Jakarta Mail):
 * RFC 2047 encoded words for non-ASCII headers, RFC 2231 file names, base64 bodies, CRLF line ends;
 * and a small reader for what the DUI receives (multipart, message/rfc822, base64, quoted-printable).
 */
final class Mime {
    static final String PATIENT_DOMAIN = "patient.mssante.fr";
    static final String CRLF = "\r\n";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private Mime() {}

    static String uuidHex() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String messageId(String domain) {
        return "<" + uuidHex() + "@" + domain + ">";
    }

    static String date(ZonedDateTime when) {
        return DATE.format(when);
    }

    static boolean ascii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    /** RFC 2047 encoded words (UTF-8, base64), each at most 75 characters and holding whole characters. */
    static String encodedWords(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            if ((chunk.toString() + ch).getBytes(StandardCharsets.UTF_8).length > 42) {
                words.add(word(chunk.toString()));
                chunk.setLength(0);
            }
            chunk.append(ch);
            i += Character.charCount(cp);
        }
        if (chunk.length() > 0) words.add(word(chunk.toString()));
        return String.join(" ", words);
    }

    private static String word(String s) {
        return "=?utf-8?b?" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    static String text(String value) {
        return ascii(value) ? value : encodedWords(value);
    }

    static String address(String display, String addr) {
        if (display == null || display.isEmpty()) return addr;
        String shown = ascii(display) ? "\"" + display.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : encodedWords(display);
        return shown + " <" + addr + ">";
    }

    /** A parameter value: quoted ASCII, or RFC 2231 (utf-8'' and percent-encoded bytes). */
    static String param(String name, String value) {
        if (ascii(value)) return name + "=\"" + value.replace("\"", "\\\"") + "\"";
        StringBuilder out = new StringBuilder(name + "*=utf-8''");
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) out.append((char) c);
            else out.append('%').append(String.format("%02X", c));
        }
        return out.toString();
    }

    /** `Name: value`, folded at spaces so that lines stay short (RFC 5322 §2.2.3). */
    static String fold(String name, String value) {
        StringBuilder out = new StringBuilder();
        int column = name.length() + 2;
        out.append(name).append(": ");
        boolean first = true;
        for (String piece : value.split(" ", -1)) {
            if (!first) {
                if (column + 1 + piece.length() > 76) {
                    out.append(CRLF).append(' ');
                    column = 1;
                } else {
                    out.append(' ');
                    column++;
                }
            }
            out.append(piece);
            column += piece.length();
            first = false;
        }
        return out.append(CRLF).toString();
    }

    // -- writing -------------------------------------------------------------------------------------

    /** A MIME entity: its headers in order, and either a body (already encoded) or parts. */
    static final class Part {
        final List<String[]> headers = new ArrayList<>();
        byte[] body = new byte[0];
        final List<Part> parts = new ArrayList<>();
        String boundary;

        Part header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        static Part text(String text) {
            Part p = new Part();
            p.header("Content-Type", "text/plain; charset=\"utf-8\"");
            p.header("Content-Transfer-Encoding", "base64");
            p.body = base64Lines(text.getBytes(StandardCharsets.UTF_8));
            return p;
        }

        static Part attachment(byte[] data, String type, String filename) {
            Part p = new Part();
            p.header("Content-Type", type + "; " + param("name", filename));
            p.header("Content-Transfer-Encoding", "base64");
            p.header("Content-Disposition", "attachment; " + param("filename", filename));
            p.body = base64Lines(data);
            return p;
        }

        static Part raw(String contentType, byte[] body) {
            Part p = new Part();
            p.header("Content-Type", contentType);
            p.body = body;
            return p;
        }

        static Part multipart(String subtype, String extraParams, List<Part> parts) {
            Part p = new Part();
            p.boundary = "=_" + uuidHex();
            p.header("Content-Type", "multipart/" + subtype + "; boundary=\"" + p.boundary + "\"" + extraParams);
            p.parts.addAll(parts);
            return p;
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String[] h : headers) out.writeBytes(fold(h[0], h[1]).getBytes(StandardCharsets.UTF_8));
            out.writeBytes(CRLF.getBytes(StandardCharsets.US_ASCII));
            if (boundary == null) {
                out.writeBytes(body);
            } else {
                for (Part child : parts) {
                    out.writeBytes(("--" + boundary + CRLF).getBytes(StandardCharsets.US_ASCII));
                    out.writeBytes(child.bytes());
                    out.writeBytes(CRLF.getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes(("--" + boundary + "--" + CRLF).getBytes(StandardCharsets.US_ASCII));
            }
            return out.toByteArray();
        }
    }

    static byte[] base64Lines(byte[] data) {
        return (Base64.getMimeEncoder(76, CRLF.getBytes(StandardCharsets.US_ASCII)).encodeToString(data) + CRLF)
            .getBytes(StandardCharsets.US_ASCII);
    }

    // -- reading -------------------------------------------------------------------------------------

    /** A received entity: headers (unfolded, in order), its raw body, its children once parsed. */
    static final class Received {
        final List<String[]> headers = new ArrayList<>();
        final byte[] body;
        final byte[] raw;
        private List<Received> children;

        Received(byte[] raw, int depth) {
            this.raw = raw;
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            int skip = 4;
            int lf = text.indexOf("\n\n");
            if (split < 0 || (lf >= 0 && lf < split)) {
                split = lf;
                skip = 2;
            }
            String head = split < 0 ? text : text.substring(0, split);
            body = split < 0 ? new byte[0] : java.util.Arrays.copyOfRange(raw, split + skip, raw.length);
            StringBuilder current = null;
            for (String line : head.split("\r?\n")) {
                if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                    current.append(' ').append(line.trim());
                    continue;
                }
                if (current != null) add(current.toString());
                current = new StringBuilder(line);
            }
            if (current != null) add(current.toString());
            if (depth > 8) children = new ArrayList<>();
            this.depth = depth;
        }

        private final int depth;

        private void add(String line) {
            int colon = line.indexOf(':');
            if (colon <= 0) return;
            String value = new String(line.substring(colon + 1).trim().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            headers.add(new String[] {line.substring(0, colon).trim(), value});
        }

        /** The first header of that name, RFC 2047 decoded; "" when absent. */
        String get(String name) {
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) return decodeWords(h[1]);
            return "";
        }

        boolean has(String name) {
            return headers.stream().anyMatch(h -> h[0].equalsIgnoreCase(name));
        }

        String type() {
            String ct = get("Content-Type");
            String t = ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return t.isEmpty() ? "text/plain" : t;
        }

        String typeParam(String name) {
            return params(get("Content-Type")).getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        String filename() {
            String name = params(get("Content-Disposition")).getOrDefault("filename", "");
            return name.isEmpty() ? typeParam("name") : name;
        }

        byte[] decoded() {
            String cte = get("Content-Transfer-Encoding").trim().toLowerCase(Locale.ROOT);
            if (cte.equals("base64")) return Base64.getMimeDecoder().decode(new String(body, StandardCharsets.US_ASCII).trim());
            if (cte.equals("quoted-printable")) return quotedPrintable(body);
            return body;
        }

        String decodedText() {
            String charset = typeParam("charset");
            try {
                return new String(decoded(), charset.isEmpty() ? StandardCharsets.US_ASCII : Charset.forName(charset));
            } catch (RuntimeException ex) {
                return new String(decoded(), StandardCharsets.UTF_8);
            }
        }

        List<Received> parts() {
            if (children != null) return children;
            children = new ArrayList<>();
            String type = type();
            if (type.startsWith("multipart/")) {
                String boundary = typeParam("boundary");
                if (boundary.isEmpty()) return children;
                String text = new String(body, StandardCharsets.ISO_8859_1);
                String delimiter = "--" + boundary;
                int at = text.indexOf(delimiter);
                while (at >= 0) {
                    int start = text.indexOf('\n', at) + 1;
                    if (start <= 0 || text.startsWith(delimiter + "--", at)) break;
                    int end = text.indexOf("\n" + delimiter, start);
                    if (end < 0) break;
                    int stop = end > 0 && text.charAt(end - 1) == '\r' ? end - 1 : end;
                    children.add(new Received(text.substring(start, stop).getBytes(StandardCharsets.ISO_8859_1), depth + 1));
                    at = end + 1;
                }
            } else if (type.equals("message/rfc822")) {
                children.add(new Received(decoded(), depth + 1));
            }
            return children;
        }

        /** Every entity below (depth first), this one included. */
        List<Received> walk() {
            List<Received> out = new ArrayList<>();
            out.add(this);
            for (Received child : parts()) out.addAll(child.walk());
            return out;
        }
    }

    static Received parse(byte[] raw) {
        return new Received(raw, 0);
    }

    /** The addr-spec of an address header value, lower case. */
    static String addr(String value) {
        int lt = value.lastIndexOf('<');
        int gt = value.lastIndexOf('>');
        String a = lt >= 0 && gt > lt ? value.substring(lt + 1, gt) : value;
        return a.trim().toLowerCase(Locale.ROOT);
    }

    static String displayName(String value) {
        int lt = value.lastIndexOf('<');
        String name = lt > 0 ? value.substring(0, lt).trim() : "";
        return name.startsWith("\"") && name.endsWith("\"") && name.length() >= 2 ? name.substring(1, name.length() - 1) : name;
    }

    static Map<String, String> params(String headerValue) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> pieces = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : headerValue.toCharArray()) {
            if (c == '"') quoted = !quoted;
            if (c == ';' && !quoted) {
                pieces.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        pieces.add(cur.toString());
        for (String piece : pieces.subList(1, pieces.size())) {
            int eq = piece.indexOf('=');
            if (eq <= 0) continue;
            String key = piece.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = piece.substring(eq + 1).trim();
            if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) value = value.substring(1, value.length() - 1);
            if (key.endsWith("*")) { // RFC 2231: charset'lang'percent-encoded
                key = key.substring(0, key.length() - 1);
                int q = value.indexOf('\'', value.indexOf('\'') + 1);
                value = percentDecode(q >= 0 ? value.substring(q + 1) : value);
            }
            out.put(key, value);
        }
        return out;
    }

    private static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static final Pattern WORD = Pattern.compile("=\\?([^?]+)\\?([bBqQ])\\?([^?]*)\\?=");

    static String decodeWords(String value) {
        Matcher m = WORD.matcher(value);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            String between = value.substring(last, m.start());
            if (!(last > 0 && between.isBlank())) out.append(between); // whitespace between two words is dropped
            byte[] bytes = m.group(2).equalsIgnoreCase("b")
                ? Base64.getDecoder().decode(m.group(3))
                : quotedPrintable(m.group(3).replace('_', ' ').getBytes(StandardCharsets.US_ASCII));
            try {
                out.append(new String(bytes, Charset.forName(m.group(1))));
            } catch (RuntimeException ex) {
                out.append(new String(bytes, StandardCharsets.UTF_8));
            }
            last = m.end();
        }
        out.append(value.substring(last));
        return out.toString();
    }

    static byte[] quotedPrintable(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
        for (int i = 0; i < data.length; i++) {
            byte b = data[i];
            if (b == '=' && i + 1 < data.length && (data[i + 1] == '\r' || data[i + 1] == '\n')) {
                i += data[i + 1] == '\r' && i + 2 < data.length && data[i + 2] == '\n' ? 2 : 1; // soft line break
            } else if (b == '=' && i + 2 < data.length) {
                try {
                    out.write(Integer.parseInt(new String(data, i + 1, 2, StandardCharsets.US_ASCII), 16));
                    i += 2;
                } catch (NumberFormatException ex) {
                    out.write(b);
                }
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
