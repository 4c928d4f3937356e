package dui.bridge;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What the DUI does with what it reads from its BAL: integrate IHE_XDM messages into the usager's record
 * (identified by METADATA patientId, never the subject), reject with the LPS-MSS codes (902 unknown
 * usager, 903 no INS, 904 INS or traits differ, 906 anything else), correlate receipts (DSN, MDN) with
 * what it sent, list the messages (routing prefix hidden, usagers' messages marked).
 */
final class Mailbox {
    static final String XDM_PREFIX = "XDM/1.0/DDM+";
    static final List<String> INS_OIDS = List.of("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11");
    static final long MAX_ARCHIVE = 64L * 1024 * 1024;

    static final class Rejection extends Exception {
        private static final long serialVersionUID = 1L;

        final String code;
        final String reason;

        Rejection(String code, String reason) {
            super(code + "^" + reason);
            this.code = code;
            this.reason = reason;
        }
    }

    /** A message of the inbox as the DUI lists it (the usager is filled in once the message is integrated). */
    static final class Item {
        final String messageId;
        final String subject;
        final String displayedSubject;
        final String from;
        final boolean fromPatient;
        String patientName = "";
        String patientIns = "";
        final Mime.Received message;

        Item(String messageId, String subject, String from, boolean fromPatient, Mime.Received message) {
            this.messageId = messageId;
            this.subject = subject;
            this.displayedSubject = displayed(subject);
            this.from = from;
            this.fromPatient = fromPatient;
            this.message = message;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("message_id", messageId);
            m.put("displayed_subject", displayedSubject);
            m.put("from", from);
            m.put("from_patient", fromPatient);
            m.put("patient_name", patientName);
            m.put("patient_ins", patientIns);
            return m;
        }
    }

    private Mailbox() {}

    static String displayed(String subject) {
        return subject.startsWith(XDM_PREFIX) ? subject.substring(XDM_PREFIX.length()) : subject;
    }

    // -- integration ---------------------------------------------------------------------------------

    /** The bytes of the IHE_XDM zip attachment, or null when the message has none. */
    static byte[] archive(Mime.Received msg) {
        for (Mime.Received part : msg.walk()) {
            String type = part.type();
            if (type.equals("application/zip") || type.equals("application/x-zip-compressed")
                || part.filename().toLowerCase(Locale.ROOT).endsWith(".zip")) {
                return part.decoded();
            }
        }
        return null;
    }

    static Map<String, byte[]> unzip(byte[] data) throws Rejection {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(data))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                if (files.size() > 1000) throw new Rejection("906", "archive IHE_XDM illisible : trop d'entrées");
                if (entry.isDirectory()) continue;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = zip.read(buf)) > 0) {
                    total += n;
                    if (total > MAX_ARCHIVE) throw new Rejection("906", "archive IHE_XDM illisible : trop volumineuse");
                    out.write(buf, 0, n);
                }
                files.put(entry.getName(), out.toByteArray());
            }
        } catch (IOException ex) {
            throw new Rejection("906", "archive IHE_XDM illisible : " + ex.getMessage());
        }
        return files;
    }

    static Document xml(byte[] data) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true); // no DTD, no entity
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(data));
    }

    private static final XPath XP = XPathFactory.newDefaultInstance().newXPath();

    static String x(Object node, String expression) throws Exception {
        return ((String) XP.evaluate(expression, node, XPathConstants.STRING)).trim();
    }

    /** The integrated documents, or a rejection with its code. */
    static List<Map<String, Object>> integrate(byte[] archive, Settings.Mss cfg, Settings.Patient[] who) throws Rejection {
        Map<String, byte[]> files = unzip(archive);
        String metadata = files.keySet().stream()
            .filter(n -> n.toUpperCase(Locale.ROOT).startsWith("IHE_XDM/") && n.toUpperCase(Locale.ROOT).endsWith("/METADATA.XML"))
            .findFirst().orElseThrow(() -> new Rejection("906", "archive sans IHE_XDM/<lot>/METADATA.XML"));
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            Document doc = xml(files.get(metadata));
            NodeList entries = doc.getElementsByTagNameNS(Documents.RIM, "ExtrinsicObject");
            if (entries.getLength() == 0) throw new Rejection("906", "METADATA.XML ne décrit aucun document");
            String patientId = "";
            NodeList packages = doc.getElementsByTagNameNS(Documents.RIM, "RegistryPackage");
            for (int i = 0; i < packages.getLength() && patientId.isEmpty(); i++) {
                patientId = external(packages.item(i), Documents.SS.get("patientId"));
            }
            if (patientId.isEmpty()) patientId = external(entries.item(0), Documents.DE.get("patientId"));
            Settings.Patient patient = identify(patientId, cfg);
            who[0] = patient;
            String directory = metadata.substring(0, metadata.lastIndexOf('/'));
            for (int i = 0; i < entries.getLength(); i++) {
                Element eo = (Element) entries.item(i);
                String uri = slot(eo, "URI");
                String wanted = directory + "/" + uri;
                String name = files.containsKey(wanted) ? wanted : files.keySet().stream()
                    .filter(n -> n.equalsIgnoreCase(wanted)).findFirst().orElse(null);
                if (uri.isEmpty() || name == null) throw new Rejection("906", "document '" + uri + "' absent de l'archive");
                byte[] data = files.get(name);
                String sha1 = Documents.sha1Hex(data);
                if (!slot(eo, "hash").equalsIgnoreCase(sha1) || !slot(eo, "size").equals(String.valueOf(data.length))) {
                    throw new Rejection("906", "document " + uri + " altéré : empreinte ou taille différente de METADATA");
                }
                checkCda(data, patient, uri);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("uri", uri);
                d.put("sha1", sha1);
                out.add(d);
            }
        } catch (Rejection ex) {
            throw ex;
        } catch (Exception ex) {
            throw new Rejection("906", "METADATA.XML illisible : " + ex.getMessage());
        }
        return out;
    }

    private static String external(Object node, String scheme) throws Exception {
        return x(node, "*[local-name()='ExternalIdentifier'][@identificationScheme='" + scheme + "']/@value");
    }

    private static String slot(Element eo, String name) throws Exception {
        return x(eo, "*[local-name()='Slot'][@name='" + name + "']/*[local-name()='ValueList']/*[local-name()='Value'][1]");
    }

    static Settings.Patient identify(String patientId, Settings.Mss cfg) throws Rejection {
        String[] cx = patientId.split("\\^", -1);
        String[] authority = cx.length >= 4 ? cx[3].split("&", -1) : new String[0];
        if (cx.length < 4 || authority.length != 3 || !INS_OIDS.contains(authority[1])) {
            throw new Rejection("903", "INS non présent dans le document");
        }
        Settings.Patient found = cfg.byIns(cx[0], authority[1]);
        if (found == null) throw new Rejection("902", "Identifiant de patient inconnu");
        if (!found.qualified()) throw new Rejection("904", "identité du dossier non qualifiée : rapprochement par INS impossible");
        return found;
    }

    static void checkCda(byte[] data, Settings.Patient patient, String uri) throws Rejection {
        try {
            Document cda = xml(data);
            String pat = "/*[local-name()='ClinicalDocument']/*[local-name()='recordTarget']/*[local-name()='patientRole']";
            String ins = "";
            NodeList ids = (NodeList) XP.evaluate(pat + "/*[local-name()='id']", cda, XPathConstants.NODESET);
            for (int i = 0; i < ids.getLength() && ins.isEmpty(); i++) {
                Element id = (Element) ids.item(i);
                if (INS_OIDS.contains(id.getAttribute("root"))) ins = id.getAttribute("root") + "|" + id.getAttribute("extension");
            }
            if (ins.isEmpty()) throw new Rejection("903", "INS non présent dans le document");
            if (!ins.equals(patient.insOid() + "|" + patient.ins())) throw new Rejection("904", "INS du document différent de l'INS du dossier");
            String family = x(cda, pat + "/*[local-name()='patient']/*[local-name()='name']/*[local-name()='family'][@qualifier='BR']");
            String birth = x(cda, pat + "/*[local-name()='patient']/*[local-name()='birthTime']/@value");
            String expected = patient.birthDate().toString().replace("-", "");
            if (!family.toUpperCase(Locale.ROOT).equals(patient.nom()) || !birth.startsWith(expected)) {
                throw new Rejection("904", "traits d'identité du document différents de ceux du dossier");
            }
        } catch (Rejection ex) {
            throw ex;
        } catch (Exception ex) {
            throw new Rejection("906", "document " + uri + " illisible : " + ex.getMessage());
        }
    }

    // -- receipts ------------------------------------------------------------------------------------

    /** One receipt a DSN or MDN carries. */
    record Receipt(String kind, String report, String detail, String originalMessageId, String envelopeId,
                   String recipient, Map<String, String> returned) {}

    /** The receipts of a multipart/report message; null when it is not one. */
    static List<Receipt> receipts(Mime.Received msg) {
        if (!msg.type().equals("multipart/report")) return null;
        String reportType = msg.typeParam("report-type").toLowerCase(Locale.ROOT);
        Map<String, String> returned = new LinkedHashMap<>();
        for (Mime.Received part : msg.parts()) {
            Mime.Received original = null;
            if (part.type().equals("message/rfc822") && !part.parts().isEmpty()) original = part.parts().get(0);
            if (part.type().equals("text/rfc822-headers")) original = Mime.parse(part.decoded());
            if (original != null) {
                for (String h : new String[] {"Message-ID", "Subject", "Date"}) {
                    if (original.has(h)) returned.put(h, String.join(" ", original.get(h).trim().split("\\s+")));
                }
                break;
            }
        }
        List<Receipt> out = new ArrayList<>();
        if (reportType.equals("delivery-status")) {
            List<Mime.Received> blocks = blocks(msg, "message/delivery-status");
            if (blocks.isEmpty()) return out;
            String envid = blocks.get(0).get("Original-Envelope-Id").trim();
            for (Mime.Received block : blocks.subList(1, blocks.size())) {
                String action = block.get("Action").trim().toLowerCase(Locale.ROOT);
                if (action.equals("delayed")) continue;
                String detail = String.join("; ", List.of(action, block.get("Status").trim(), block.get("Diagnostic-Code").trim())
                    .stream().filter(s -> !s.isEmpty()).toList());
                boolean delivered = List.of("delivered", "relayed", "expanded").contains(action);
                out.add(new Receipt(delivered ? "delivered" : "failed", "dsn", detail, returned.get("Message-ID"), envid,
                    address(block.get("Final-Recipient")), returned));
            }
        } else if (reportType.equals("disposition-notification")) {
            List<Mime.Received> blocks = blocks(msg, "message/disposition-notification");
            Mime.Received fields = blocks.isEmpty() ? Mime.parse(new byte[0]) : blocks.get(0);
            String disposition = fields.get("Disposition").trim();
            String kind = disposition.contains(";") ? disposition.substring(disposition.indexOf(';') + 1).trim().toLowerCase(Locale.ROOT) : "";
            boolean failed = kind.contains("error") || kind.startsWith("deleted") || kind.startsWith("failed");
            String original = fields.get("Original-Message-ID").trim();
            out.add(new Receipt(failed ? "failed" : "read", "mdn", disposition, original.isEmpty() ? returned.get("Message-ID") : original,
                null, address(fields.get("Final-Recipient")), returned));
        }
        return out;
    }

    private static List<Mime.Received> blocks(Mime.Received msg, String type) {
        List<Mime.Received> out = new ArrayList<>();
        for (Mime.Received part : msg.parts()) {
            if (!part.type().equals(type)) continue;
            String text = new String(part.decoded(), StandardCharsets.UTF_8).replace("\r\n", "\n");
            for (String block : text.split("\n\\s*\n")) {
                if (!block.isBlank()) out.add(Mime.parse((block.strip() + "\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    private static String address(String value) {
        if (value == null || value.isBlank()) return null;
        return value.contains(";") ? value.substring(value.indexOf(';') + 1).trim() : value.trim();
    }
}
