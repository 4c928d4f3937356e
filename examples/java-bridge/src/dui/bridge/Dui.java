package dui.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MSSanté side of a DUI, as the driver protocol asks it (docs/driver-protocol.md): send the
 * documents of one usager from the establishment's applicative BAL, reply, acknowledge, read the BAL
 * and integrate what arrived, and trace every operation. It refuses what the rules forbid: an usager
 * address without a qualified INS, an usager who opposed MSSanté sending, a document masked to the
 * usager, a recipient outside the liste blanche, a message larger than the operator accepts.
 *
 * In a vendor's product these verbs call the product's own services; here they are implemented on the
 * JDK alone, to show that the protocol and the mock services need nothing from Python.
 */
final class Dui {
    static final String USER = "ide.essai (infirmière, EHPAD Essai)";
    static final String AUTOMATIC = "DUI (traitement automatique)";
    static final String PRODUCT = "pont Java d'exemple dui-conformance";

    /** The action is refused on purpose: a rule forbids it. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    record Sent(String messageId, String envid, String subject, String date, List<String> recipients) {}

    private Settings.Mss cfg;
    private final List<Map<String, Object>> trail = new ArrayList<>();
    private final Map<String, Sent> sent = new LinkedHashMap<>();
    private final Map<String, Mailbox.Item> inbox = new LinkedHashMap<>();
    private final List<Map<String, Object>> integrated = new ArrayList<>();
    private final List<Map<String, Object>> rejected = new ArrayList<>();
    private final List<Map<String, Object>> receipts = new ArrayList<>();

    synchronized void configure(Map<String, Object> settings) {
        if (settings.containsKey("mssante")) {
            cfg = new Settings.Mss(Json.obj(settings.get("mssante")));
            trail.clear();
            sent.clear();
            inbox.clear();
            integrated.clear();
            rejected.clear();
            receipts.clear();
        }
    }

    /** One verb: {"status", "data", "detail"}; refusals and transport failures are traced answers. */
    synchronized Map<String, Object> act(String verb, Map<String, Object> params) {
        if (!verb.startsWith("mssante.") && !verb.equals("dui.audit_trail")) return answer("error", Map.of(), "unsupported verb");
        if (cfg == null) return answer("error", Map.of(), "le DUI n'est pas configuré pour MSSanté");
        try {
            switch (verb) {
                case "mssante.send_documents": return sendDocuments(params);
                case "mssante.reply": return reply(params);
                case "mssante.send_mdn": return sendMdn(params);
                case "mssante.receive": return receive();
                case "dui.audit_trail": return answer("ok", Map.of("entries", new ArrayList<>(trail)), "");
                default: return answer("error", Map.of(), "unsupported verb");
            }
        } catch (Refused ex) {
            audit(USER, "refuse", "aucune (refus avant connexion)", "", ex.getMessage());
            return answer("refused", Map.of(), ex.getMessage());
        } catch (Transport.Failure ex) {
            audit(USER, "error", verb, "", ex.getMessage());
            return answer("error", Map.of(), ex.getMessage());
        } catch (Exception ex) {
            return answer("error", Map.of(), "erreur interne du DUI : " + ex);
        }
    }

    static Map<String, Object> answer(String status, Map<String, Object> data, String detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("data", data);
        m.put("detail", detail);
        return m;
    }

    private void audit(String author, String action, String request, String messageId, String outcome) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        e.put("author", author);
        e.put("action", action);
        e.put("bal", cfg.bal);
        e.put("request", request);
        e.put("message_id", messageId);
        e.put("outcome", outcome);
        trail.add(e);
    }

    private void checkRecipients(List<String> to) throws Refused {
        if (to.isEmpty()) throw new Refused("aucun destinataire");
        List<String> outside = to.stream()
            .filter(a -> !cfg.whitelist.contains(a.substring(a.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT))).toList();
        if (!outside.isEmpty()) {
            throw new Refused("destinataire(s) hors de l'espace de confiance MSSanté (liste blanche) : " + String.join(", ", outside));
        }
    }

    private Map<String, Object> transmit(Mime.Part message, String messageId, List<String> to, String subject, String date,
                                         String action, String author, String envid) throws Refused, Transport.Failure {
        byte[] data = message.bytes();
        if (cfg.sizeLimit > 0 && data.length > cfg.sizeLimit) {
            throw new Refused("message de " + data.length + " octets : au-delà de la taille maximale de l'opérateur (" + cfg.sizeLimit + " octets)");
        }
        String request = Transport.submit(cfg, to, data, envid);
        sent.put(messageId, new Sent(messageId, envid, subject, date, to));
        audit(author, action, request, messageId, "accepté par l'opérateur");
        return answer("ok", Map.of("message_id", messageId), "");
    }

    /** The headers every message starts with (X-MSS-NIL on every one). */
    private Mime.Part start(List<String> to, String subject, String messageId, String date) {
        Mime.Part m = new Mime.Part();
        m.header("From", Mime.address(cfg.balName, cfg.bal));
        m.header("To", String.join(", ", to));
        m.header("Subject", Mime.text(subject));
        m.header("Date", date);
        m.header("Message-ID", messageId);
        m.header("MIME-Version", "1.0");
        m.header("X-MSS-NIL", cfg.nil);
        return m;
    }

    private static Mime.Part finish(Mime.Part headers, Mime.Part body) {
        headers.headers.addAll(body.headers);
        headers.body = body.body;
        headers.parts.addAll(body.parts);
        headers.boundary = body.boundary;
        return headers;
    }

    // -- sending ---------------------------------------------------------------------------------------

    private Map<String, Object> sendDocuments(Map<String, Object> p) throws Exception {
        Settings.Patient given = Settings.Patient.of(Json.obj(p.get("patient")));
        Settings.Patient known = cfg.byIns(given.ins(), given.insOid());
        Settings.Patient patient = known != null ? known : given;
        List<Documents.Request> requests = new ArrayList<>();
        for (Object d : Json.list(p.get("documents"))) requests.add(Documents.Request.of(Json.obj(d)));
        if (requests.isEmpty()) throw new Refused("aucun document à transmettre");
        List<String> to = new ArrayList<>();
        for (Object a : Json.list(p.get("to"))) to.add(String.valueOf(a));
        boolean toPatient = Json.bool(p, "to_patient");
        if (toPatient) {
            if (!patient.qualified()) throw new Refused("identité de l'usager non qualifiée : son adresse MSSanté (INS) ne peut être construite");
            if (patient.opposition()) throw new Refused("l'usager s'est opposé à l'envoi de documents par MSSanté");
            if (requests.stream().anyMatch(Documents.Request::invisiblePatient)) {
                throw new Refused("document masqué au patient : il ne peut pas lui être envoyé");
            }
            to.add(patient.address());
        }
        checkRecipients(to);
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        List<Documents.Built> docs = new ArrayList<>();
        for (Documents.Request r : requests) docs.add(Documents.build(patient, r, now));
        String label = docs.size() == 1 ? Documents.label(requests.get(0).typeDisplay()) : docs.size() + " documents";
        String subject = Mailbox.XDM_PREFIX + label + " " + patient.nom() + " " + patient.firstGiven() + " " + Documents.frDate(patient.birthDate());
        String messageId = Mime.messageId(cfg.balDomain());
        String date = Mime.date(now);
        Mime.Part m = start(to, subject, messageId, date);
        m.header("X-MSS-CODECDA", String.join(",", requests.stream().map(Documents.Request::typeCode).toList()));
        boolean toUsager = to.stream().anyMatch(a -> a.toLowerCase(Locale.ROOT).endsWith("@" + Mime.PATIENT_DOMAIN));
        m.header("X-MSS-INS", patient.qualified() ? "O" : "N");
        if (Json.bool(p, "block_reply") && toUsager) m.header("X-MSS-MES", "FIN");
        if (Json.bool(p, "read_receipt")) m.header("Disposition-Notification-To", cfg.bal);
        List<Mime.Part> parts = new ArrayList<>();
        parts.add(Mime.Part.text(Json.str(p, "body")));
        parts.add(Mime.Part.attachment(Documents.xdm(docs, cfg.bal, now), "application/zip", "IHE_XDM.zip"));
        for (Documents.Built d : docs) parts.add(Mime.Part.attachment(d.pdf(), "application/pdf", Documents.pdfName(d)));
        finish(m, Mime.Part.multipart("mixed", "", parts));
        String envid = Json.bool(p, "delivery_receipt") ? Mime.uuidHex() : null;
        return transmit(m, messageId, to, subject, date, "send", USER, envid);
    }

    private Mailbox.Item received(String messageId) throws Refused {
        Mailbox.Item item = inbox.get(messageId);
        if (item == null) throw new Refused("message " + messageId + " inconnu de la boîte du DUI (relever la boîte d'abord)");
        return item;
    }

    private Map<String, Object> reply(Map<String, Object> p) throws Exception {
        Mailbox.Item item = received(Json.str(p, "message_id"));
        Mime.Received original = item.message;
        String to = Mime.addr(original.has("Reply-To") ? original.get("Reply-To") : original.get("From"));
        checkRecipients(List.of(to));
        String subject = item.subject.toLowerCase(Locale.ROOT).startsWith("re:") ? item.subject : "Re: " + item.subject;
        String messageId = Mime.messageId(cfg.balDomain());
        String date = Mime.date(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
        Mime.Part m = start(List.of(to), subject, messageId, date);
        String originalId = original.get("Message-ID").trim();
        if (!originalId.isEmpty()) {
            m.header("In-Reply-To", originalId);
            String references = original.get("References").trim();
            m.header("References", (references.isEmpty() ? "" : references + " ") + originalId);
        }
        finish(m, Mime.Part.text(Json.str(p, "body")));
        return transmit(m, messageId, List.of(to), subject, date, "reply", USER, null);
    }

    private Map<String, Object> sendMdn(Map<String, Object> p) throws Exception {
        Mailbox.Item item = received(Json.str(p, "message_id"));
        String dnt = Mime.addr(item.message.get("Disposition-Notification-To"));
        if (dnt.isEmpty()) throw new Refused("ce message ne demande pas d'accusé de lecture");
        checkRecipients(List.of(dnt));
        String disposition = Json.str(p, "disposition");
        return mdn(item.message, dnt, "manual-action/MDN-sent-manually; " + (disposition.isEmpty() ? "displayed" : disposition), null, USER);
    }

    /** RFC 8098, as the LPS-MSS volet uses it: human part, machine fields, the original (or its headers). */
    private Map<String, Object> mdn(Mime.Received original, String to, String disposition, Mailbox.Rejection error, String author)
        throws Exception {
        boolean automatic = disposition.startsWith("automatic-action");
        String subject = original.get("Subject");
        if (error != null) subject = "[KO Intégration système !][" + error.code + "] " + subject;
        else if (!automatic) subject = "Accusé de lecture : " + subject;
        String messageId = Mime.messageId(cfg.balDomain());
        String date = Mime.date(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
        Mime.Part m = start(List.of(to), subject, messageId, date);
        String human = "Bonjour,\r\n\r\nVotre message « " + original.get("Subject") + " » envoyé le " + original.get("Date") + " "
            + (automatic ? "a été traité par le logiciel destinataire." : "a été affiché par son destinataire.") + "\r\n"
            + (error != null ? "\r\nErreur d'intégration " + error.code + " : " + error.reason + ".\r\n" : "");
        String recipient = original.get("Original-Recipient").trim();
        StringBuilder fields = new StringBuilder()
            .append("Reporting-UA: ").append(cfg.balDomain()).append("; ").append(PRODUCT).append("\r\n")
            .append("Original-Recipient: ").append(recipient.isEmpty() ? "rfc822;" + cfg.bal : recipient).append("\r\n")
            .append("Final-Recipient: rfc822;").append(cfg.bal).append("\r\n");
        String originalId = original.get("Message-ID").trim();
        if (!originalId.isEmpty()) fields.append("Original-Message-ID: ").append(originalId).append("\r\n");
        fields.append("Disposition: ").append(disposition).append("\r\n");
        String asciiFields = java.text.Normalizer.normalize(fields, java.text.Normalizer.Form.NFKD).replaceAll("[^\\x00-\\x7f]", "");
        List<Mime.Part> parts = new ArrayList<>();
        parts.add(Mime.Part.text(human));
        parts.add(Mime.Part.raw("message/disposition-notification", asciiFields.getBytes(StandardCharsets.US_ASCII)));
        if (automatic) {
            parts.add(Mime.Part.raw("message/rfc822", original.raw));
        } else {
            StringBuilder headers = new StringBuilder();
            for (String[] h : original.headers) headers.append(h[0]).append(": ").append(h[1]).append("\r\n");
            Mime.Part part = Mime.Part.raw("text/rfc822-headers; charset=\"utf-8\"", Mime.base64Lines(headers.toString().getBytes(StandardCharsets.UTF_8)));
            part.header("Content-Transfer-Encoding", "base64");
            parts.add(part);
        }
        finish(m, Mime.Part.multipart("report", "; report-type=disposition-notification", parts));
        return transmit(m, messageId, List.of(to), subject, date, "mdn", author, null);
    }

    // -- reading the BAL -----------------------------------------------------------------------------

    private Map<String, Object> receive() throws Exception {
        int handled = 0;
        List<String> steps;
        try (Transport.Imap imap = new Transport.Imap(cfg)) {
            List<String> uids = imap.unseen();
            imap.steps.add("UID SEARCH UNSEEN (" + uids.size() + ")");
            for (String uid : uids.subList(0, Math.min(200, uids.size()))) {
                byte[] raw = imap.fetch(uid);
                if (raw == null) continue;
                try {
                    handle(raw);
                } catch (Exception ex) { // one hostile message must not block the mailbox for ever
                    audit(AUTOMATIC, "error", "traitement d'un message reçu", "", ex.toString());
                }
                imap.seen(uid);
                handled++;
            }
            imap.steps.add("UID FETCH BODY.PEEK[] + STORE \\Seen (" + handled + ")");
            steps = imap.steps;
        } catch (java.io.IOException ex) {
            throw new Transport.Failure("erreur IMAP avec l'opérateur : " + ex.getMessage());
        }
        audit(AUTOMATIC, "read", String.join("; ", steps), "", handled + " message(s) relevé(s)");
        List<Object> list = new ArrayList<>();
        for (Mailbox.Item item : inbox.values()) list.add(item.json());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("integrated", new ArrayList<>(integrated));
        data.put("rejected", new ArrayList<>(rejected));
        data.put("receipts", new ArrayList<>(receipts));
        data.put("inbox", list);
        return answer("ok", data, "");
    }

    private void handle(byte[] raw) throws Exception {
        Mime.Received msg = Mime.parse(raw);
        List<Mailbox.Receipt> found = Mailbox.receipts(msg);
        if (found != null) {
            fileReceipts(found);
            return;
        }
        String messageId = msg.get("Message-ID").trim();
        if (messageId.isEmpty()) messageId = "<sans-id-" + Documents.sha1Hex(raw) + "@" + cfg.balDomain() + ">";
        String sender = Mime.addr(msg.get("From"));
        boolean fromPatient = sender.endsWith("@" + Mime.PATIENT_DOMAIN);
        Mailbox.Item item = new Mailbox.Item(messageId, msg.get("Subject"), sender, fromPatient, msg);
        if (fromPatient) {
            item.patientIns = sender.substring(0, sender.indexOf('@'));
            Settings.Patient known = cfg.byIns(item.patientIns, null);
            item.patientName = known != null ? known.nom() + " " + known.firstGiven() : Mime.displayName(msg.get("From"));
        }
        inbox.put(messageId, item);
        byte[] archive = Mailbox.archive(msg);
        if (archive == null) return;
        Mailbox.Rejection error = null;
        try {
            Settings.Patient[] who = new Settings.Patient[1];
            List<Map<String, Object>> documents = Mailbox.integrate(archive, cfg, who);
            String record = who[0].recordId() != null ? who[0].recordId() : who[0].ins();
            if (item.patientIns.isEmpty()) item.patientIns = who[0].ins();
            if (item.patientName.isEmpty()) item.patientName = who[0].nom() + " " + who[0].firstGiven();
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("message_id", messageId);
            done.put("patient_ins", who[0].ins());
            done.put("record_id", record);
            done.put("documents", documents);
            integrated.add(done);
            audit(AUTOMATIC, "integrate", "intégration IHE_XDM de " + messageId, messageId, "dossier " + record);
        } catch (Mailbox.Rejection ex) {
            error = ex;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("message_id", messageId);
            r.put("code", ex.code);
            r.put("reason", ex.reason);
            rejected.add(r);
            audit(AUTOMATIC, "reject", "intégration IHE_XDM de " + messageId, messageId, ex.code + " " + ex.reason);
        }
        automaticMdn(msg, error);
    }

    /** RFC 8098 §2.1: automatic only when Disposition-Notification-To equals the Return-Path. */
    private void automaticMdn(Mime.Received msg, Mailbox.Rejection error) {
        String dnt = Mime.addr(msg.get("Disposition-Notification-To"));
        String returnPath = msg.has("Return-Path") ? Mime.addr(msg.get("Return-Path")) : Mime.addr(msg.get("From"));
        if (dnt.isEmpty() || !dnt.equals(returnPath)) return;
        String disposition = "automatic-action/MDN-sent-automatically; processed"
            + (error != null ? "/Error: " + error.code + "^" + error.reason : "");
        try {
            checkRecipients(List.of(dnt));
            mdn(msg, dnt, disposition, error, AUTOMATIC);
        } catch (Exception ex) { // the inbox is read anyway; the failure is traced
            audit(AUTOMATIC, "error", "accusé automatique pour " + msg.get("Message-ID"), "", ex.getMessage());
        }
    }

    private void fileReceipts(List<Mailbox.Receipt> found) {
        for (Mailbox.Receipt r : found) {
            Sent s = sentFor(r);
            if (s == null) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("original_message_id", s.messageId());
            m.put("type", r.kind());
            m.put("detail", r.detail());
            m.put("recipient", r.recipient() == null ? "" : r.recipient());
            receipts.add(m);
            audit(AUTOMATIC, "receipt", r.report().toUpperCase(Locale.ROOT) + " reçu pour " + s.messageId(), s.messageId(), r.kind() + ": " + r.detail());
        }
    }

    /** The sent message a receipt is about: by Message-ID, by ENVID, else by the returned Subject and Date. */
    private Sent sentFor(Mailbox.Receipt r) {
        if (r.originalMessageId() != null && sent.containsKey(r.originalMessageId())) return sent.get(r.originalMessageId());
        if (r.envelopeId() != null && !r.envelopeId().isEmpty()) {
            for (Sent s : sent.values()) if (r.envelopeId().equals(s.envid())) return s;
        }
        String subject = r.returned().get("Subject");
        String date = r.returned().get("Date");
        if (subject == null || date == null) return null;
        List<Sent> all = new ArrayList<>(sent.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            Sent s = all.get(i);
            boolean recipient = r.recipient() == null || s.recipients().stream().anyMatch(a -> a.equalsIgnoreCase(r.recipient()));
            if (s.subject().equals(subject) && s.date().equals(date) && recipient) return s;
        }
        return null;
    }
}
