package dui.bridge;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The documents this DUI produces: the PDF it prints (declared PDF/A-1b), the CDA R2 N1 around it
 * (CI-SIS header), and the IHE_XDM.zip with its METADATA.XML computed from that header.
 */
final class Documents {
    static final String HL7 = "urn:hl7-org:v3";
    static final String RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0";
    static final String LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0";
    static final String LOINC = "2.16.840.1.113883.6.1";
    static final String TRE_A05 = "1.2.250.1.213.1.1.4.12";
    static final String OID_PS = "1.2.250.1.71.4.2.1";
    static final String OID_STRUCTURE = "1.2.250.1.71.4.2.2";
    static final String STRUCT_ID = "1990000001"; // "1" + a FINESS-shaped number of the non-existent département 99
    static final String ORG = "EHPAD Essai (pont Java)";
    static final String IPP_ROOT = "2.25." + new java.math.BigInteger(1, uuidBytes("java-bridge/ipp")).toString();
    static final String SOURCE_ID = "2.25." + new java.math.BigInteger(1, uuidBytes("java-bridge/source")).toString();
    static final String[] AUTHOR = {"810000000002", "Claire", "COORDO-ESSAI"}; // national id ("8" + RPPS), given, family
    static final String[] SPECIALTY = {"G15_10", "Médecin", "1.2.250.1.213.1.1.4.5"};
    static final String[] FACILITY = {"SA17", "Etablissement pour personnes âgées", "1.2.250.1.71.4.2.4"};
    static final String[] SETTING = {"ESSMS", "Etablissement ou Service Social ou Médico-Social", "1.2.250.1.213.1.1.4.9"};
    static final String[] CONTENT_TYPE = {"11", "Hébergement complet ou internat", "1.2.250.1.213.2.2"};
    static final String[] FORMAT_PDF = {"urn:ihe:iti:xds-sd:pdf:2008", "Document à corps non structuré en Pdf/A-1", "1.3.6.1.4.1.19376.1.2.3"};
    static final String[] CONFIDENTIALITY_NORMAL = {"N", "Normal", "2.16.840.1.113883.5.25"};
    static final String[] INVISIBLE_PATIENT = {"INVISIBLE_PATIENT", "Non visible par le patient", "1.2.250.1.213.1.1.4.13"};
    static final Map<String, String[]> CLASS_BY_TYPE = Map.ofEntries(
        Map.entry("57833-6", new String[] {"42", "Prescription", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("57832-8", new String[] {"42", "Prescription", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("11490-0", new String[] {"11", "Synthèse", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("18761-7", new String[] {"11", "Synthèse", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("74207-2", new String[] {"11", "Synthèse", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("34133-9", new String[] {"11", "Synthèse", "1.2.250.1.213.1.1.4.1"}),
        Map.entry("80788-3", new String[] {"44", "Plan de soins, protocole de soins", "1.2.250.1.213.1.1.4.1"}));
    static final String[] CLASS_COMPTE_RENDU = {"10", "Compte rendu", "1.2.250.1.213.1.1.4.1"};

    private Documents() {}

    private static byte[] uuidBytes(String name) {
        UUID u = UUID.nameUUIDFromBytes(("https://dui-conformance.invalid/" + name).getBytes(StandardCharsets.UTF_8));
        return java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    static String oid() {
        UUID u = UUID.randomUUID();
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
        return "2.25." + new java.math.BigInteger(1, b);
    }

    /** One document the user asks to send (driver protocol `documents[]`). */
    record Request(String typeCode, String typeDisplay, String title, LocalDate serviceDate, boolean invisiblePatient, long extraBytes) {
        static Request of(Map<String, Object> d) {
            String code = Json.str(d, "type_code");
            String display = d.containsKey("type_display") ? Json.str(d, "type_display") : code;
            String title = d.containsKey("title") ? Json.str(d, "title") : display;
            String when = Json.str(d, "service_date");
            return new Request(code, display, title, when.isEmpty() ? LocalDate.now() : LocalDate.parse(when),
                Json.bool(d, "invisible_patient"), Math.max(0, Json.num(d, "extra_bytes")));
        }

        String typeSystem() {
            return typeCode.matches("[0-9]{1,7}-[0-9]") ? LOINC : TRE_A05;
        }
    }

    /** A built document: its PDF, its CDA, and the facts the message and the metadata show. */
    record Built(Settings.Patient patient, Request request, byte[] pdf, byte[] cda, String documentOid, String created) {}

    // -- the PDF the DUI prints ----------------------------------------------------------------------

    static final Charset WIN_ANSI = Charset.forName("windows-1252");

    /**
     * An A4 page of text with the standard Helvetica (WinAnsi), declared PDF/A-1b: XMP identification,
     * Info in agreement, an sRGB output intent (the JDK's own profile) and a file identifier. As the
     * reference DUI, the font is not embedded; `padding` XMP whitespace makes the file that much larger.
     */
    static byte[] pdf(String title, List<String> lines, String author, ZonedDateTime created, long padding) {
        String stamp = created.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replace("Z", "+00:00");
        String pdfDate = "D:" + created.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "+00'00'";
        StringBuilder content = new StringBuilder("BT\n/F1 14 Tf\n56 780 Td\n16 TL\n");
        content.append('(').append(pdfText(title)).append(") Tj\nT*\n/F1 11 Tf\n14 TL\nT*\n");
        for (String line : lines) content.append('(').append(pdfText(line)).append(") Tj\nT*\n");
        content.append("ET\n");
        String xmp = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
            + "  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\""
            + " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\""
            + " pdfaid:part=\"1\" pdfaid:conformance=\"B\" xmp:CreateDate=\"" + stamp + "\" xmp:ModifyDate=\"" + stamp + "\""
            + " xmp:MetadataDate=\"" + stamp + "\" xmp:CreatorTool=\"pont Java dui-conformance\" pdf:Producer=\"pont Java dui-conformance\">\n"
            + "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml(title) + "</rdf:li></rdf:Alt></dc:title>\n"
            + "   <dc:creator><rdf:Seq><rdf:li>" + xml(author) + "</rdf:li></rdf:Seq></dc:creator>\n"
            + "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n" + " ".repeat((int) Math.min(padding, Integer.MAX_VALUE - 1024))
            + "\n<?xpacket end=\"w\"?>";
        byte[] icc = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();
        List<byte[]> objects = new ArrayList<>();
        objects.add(ascii("<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R /OutputIntents [7 0 R] /Lang (fr-FR) >>"));
        objects.add(ascii("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"));
        objects.add(ascii("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"));
        objects.add(ascii("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"));
        objects.add(stream("", content.toString().getBytes(WIN_ANSI)));
        objects.add(stream("/Type /Metadata /Subtype /XML", xmp.getBytes(StandardCharsets.UTF_8)));
        objects.add(ascii("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /DestOutputProfile 8 0 R >>"));
        objects.add(stream("/N 3", icc));
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(ascii("<< /Title "));
        info.writeBytes(pdfString(title));
        info.writeBytes(ascii(" /Author "));
        info.writeBytes(pdfString(author));
        info.writeBytes(ascii(" /Creator (pont Java dui-conformance) /Producer (pont Java dui-conformance) /CreationDate (" + pdfDate + ") /ModDate (" + pdfDate + ") >>"));
        objects.add(info.toByteArray());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {'%', 'P', 'D', 'F', '-', '1', '.', '4', '\n', '%', (byte) 0xe2, (byte) 0xe3, (byte) 0xcf, (byte) 0xd3, '\n'});
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            offsets.add(out.size());
            out.writeBytes(ascii((i + 1) + " 0 obj\n"));
            out.writeBytes(objects.get(i));
            out.writeBytes(ascii("\nendobj\n"));
        }
        int xref = out.size();
        StringBuilder table = new StringBuilder("xref\n0 " + (objects.size() + 1) + "\n0000000000 65535 f \n");
        for (int offset : offsets) table.append(String.format("%010d 00000 n \n", offset));
        String id = HexFormat.of().formatHex(sha1(out.toByteArray())).substring(0, 32);
        table.append("trailer\n<< /Size ").append(objects.size() + 1).append(" /Root 1 0 R /Info ").append(objects.size())
            .append(" 0 R /ID [<").append(id).append("> <").append(id).append(">] >>\nstartxref\n").append(xref).append("\n%%EOF\n");
        out.writeBytes(ascii(table.toString()));
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] stream(String dict, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("<< " + dict + " /Length " + data.length + " >>\nstream\n"));
        out.writeBytes(data);
        out.writeBytes(ascii("\nendstream"));
        return out.toByteArray();
    }

    private static String pdfText(String s) {
        String printable = new String(s.getBytes(WIN_ANSI), WIN_ANSI);
        return printable.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)");
    }

    private static byte[] pdfString(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('(');
        out.writeBytes(pdfText(s).getBytes(WIN_ANSI));
        out.write(')');
        return out.toByteArray();
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static String sha1Hex(byte[] data) {
        return HexFormat.of().formatHex(sha1(data));
    }

    // -- the CDA R2 N1 -------------------------------------------------------------------------------

    private static final DateTimeFormatter HL7_TS = DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final DateTimeFormatter FR_DAY = DateTimeFormatter.ofPattern("dd/MM/yyyy");

    static Built build(Settings.Patient p, Request r, ZonedDateTime created) throws Exception {
        List<String> lines = List.of(ORG, "",
            "Usager : " + p.nom() + " " + p.firstGiven() + ", né(e) le " + p.birthDate().format(FR_DAY),
            p.qualified() ? "INS : " + p.ins() + " (" + p.insOid() + ")" : "INS : non qualifié",
            "Dossier : " + (p.recordId() == null ? "-" : p.recordId()),
            "Date de l'acte : " + r.serviceDate().format(FR_DAY),
            "Auteur : DR " + AUTHOR[1] + " " + AUTHOR[2], "", r.typeDisplay() + ".", "",
            "Document fictif produit par le pont Java d'exemple de dui-conformance",
            "(identités de test, aucune donnée réelle).");
        byte[] pdf = pdf(r.title(), lines, AUTHOR[1] + " " + AUTHOR[2], created, r.extraBytes());
        String documentOid = oid();
        String when = created.format(HL7_TS);
        Document doc = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().newDocument();
        Element root = doc.createElementNS(HL7, "ClinicalDocument");
        doc.appendChild(root);
        el(root, "realmCode", "code", "FR");
        el(root, "typeId", "root", "2.16.840.1.113883.1.3", "extension", "POCD_HD000040");
        for (String t : new String[] {"2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1", "1.3.6.1.4.1.19376.1.2.20"}) {
            el(root, "templateId", "root", t);
        }
        el(root, "id", "root", documentOid);
        el(root, "code", "code", r.typeCode(), "displayName", r.typeDisplay(), "codeSystem", r.typeSystem());
        text(root, "title", r.title());
        el(root, "effectiveTime", "value", when);
        el(root, "confidentialityCode", "code", "N", "displayName", "Normal", "codeSystem", CONFIDENTIALITY_NORMAL[2]);
        el(root, "languageCode", "code", "fr-FR");
        el(root, "setId", "root", documentOid);
        el(root, "versionNumber", "value", "1");
        Element role = el(el(root, "recordTarget"), "patientRole");
        if (p.qualified()) el(role, "id", "root", p.insOid(), "extension", p.ins());
        if (p.recordId() != null) el(role, "id", "root", IPP_ROOT, "extension", p.recordId());
        Element patient = el(role, "patient", "classCode", "PSN");
        Element name = el(patient, "name");
        text(name, "family", p.birthName()).setAttribute("qualifier", "BR");
        text(name, "given", String.join(" ", p.givenNames()));
        text(name, "given", p.firstGiven()).setAttribute("qualifier", "BR");
        el(patient, "administrativeGenderCode", "code", p.sex(), "displayName",
            Map.of("F", "Féminin", "M", "Masculin").getOrDefault(p.sex(), "Inconnu"), "codeSystem", "2.16.840.1.113883.5.1");
        el(patient, "birthTime", "value", p.birthDate().format(DAY));
        if (!p.birthPlace().isEmpty()) text(el(el(el(patient, "birthplace"), "place"), "addr"), "county", p.birthPlace());
        Element author = el(root, "author");
        el(author, "time", "value", when);
        Element assigned = el(author, "assignedAuthor");
        el(assigned, "id", "root", OID_PS, "extension", AUTHOR[0]);
        el(assigned, "code", "code", SPECIALTY[0], "displayName", SPECIALTY[1], "codeSystem", SPECIALTY[2]);
        person(assigned, "assignedPerson");
        organisation(assigned, "representedOrganization", true);
        organisation(el(el(root, "custodian"), "assignedCustodian"), "representedCustodianOrganization", false);
        Element legal = el(root, "legalAuthenticator");
        el(legal, "time", "value", when);
        el(legal, "signatureCode", "code", "S");
        Element entity = el(legal, "assignedEntity");
        el(entity, "id", "root", OID_PS, "extension", AUTHOR[0]);
        person(entity, "assignedPerson");
        Element event = el(el(root, "documentationOf"), "serviceEvent");
        el(el(event, "effectiveTime"), "low", "value", r.serviceDate().format(DAY));
        Element performer = el(el(event, "performer", "typeCode", "PRF"), "assignedEntity");
        el(performer, "id", "root", OID_PS, "extension", AUTHOR[0]);
        person(performer, "assignedPerson");
        organisation(performer, "representedOrganization", true);
        Element encounter = el(el(root, "componentOf"), "encompassingEncounter");
        el(el(encounter, "effectiveTime"), "low", "value", r.serviceDate().format(DAY));
        Element facility = el(el(encounter, "location"), "healthCareFacility");
        el(facility, "id", "root", OID_STRUCTURE, "extension", STRUCT_ID);
        el(facility, "code", "code", FACILITY[0], "displayName", FACILITY[1], "codeSystem", FACILITY[2]);
        Element body = el(el(root, "component"), "nonXMLBody");
        text(body, "text", Base64.getEncoder().encodeToString(pdf)).setAttribute("mediaType", "application/pdf");
        ((Element) body.getLastChild()).setAttribute("representation", "B64");
        return new Built(p, r, pdf, serialize(doc), documentOid, when);
    }

    private static void person(Element parent, String tag) {
        Element name = el(el(parent, tag), "name");
        text(name, "given", AUTHOR[1]);
        text(name, "family", AUTHOR[2]);
        text(name, "suffix", "DR");
    }

    private static void organisation(Element parent, String tag, boolean setting) {
        Element org = el(parent, tag);
        el(org, "id", "root", OID_STRUCTURE, "extension", STRUCT_ID);
        text(org, "name", ORG);
        if (setting) el(org, "standardIndustryClassCode", "code", SETTING[0], "displayName", SETTING[1], "codeSystem", SETTING[2]);
    }

    static Element el(Element parent, String tag, String... attrs) {
        Element e = parent.getOwnerDocument().createElementNS(parent.getNamespaceURI(), parent.getPrefix() == null ? tag : parent.getPrefix() + ":" + tag);
        for (int i = 0; i + 1 < attrs.length; i += 2) e.setAttribute(attrs[i], attrs[i + 1]);
        parent.appendChild(e);
        return e;
    }

    static Element text(Element parent, String tag, String value) {
        Element e = el(parent, tag);
        e.setTextContent(value);
        return e;
    }

    static byte[] serialize(Document doc) throws Exception {
        Transformer t = TransformerFactory.newDefaultInstance().newTransformer();
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        t.setOutputProperty(OutputKeys.INDENT, "yes");
        StringWriter out = new StringWriter();
        t.transform(new DOMSource(doc), new StreamResult(out));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    // -- IHE XDM (ITI-32, ZIP over e-mail) -----------------------------------------------------------

    static final String SUBSET = "IHE_XDM/SUBSET01";
    static final Map<String, String> DE = Map.of(
        "author", "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d", "classCode", "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
        "confidentialityCode", "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", "formatCode", "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
        "healthcareFacilityTypeCode", "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1", "practiceSettingCode", "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
        "typeCode", "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", "patientId", "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427",
        "uniqueId", "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab");
    static final Map<String, String> SS = Map.of(
        "author", "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d", "contentTypeCode", "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
        "patientId", "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446", "sourceId", "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
        "uniqueId", "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8");
    static final String CLASSIFICATION = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification";
    static final String EXTERNAL_ID = "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier";
    static final String APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved";

    static String cx(String id, String oid, String type) {
        return id + "^^^&" + oid + "&ISO^" + type;
    }

    static String patientCx(Settings.Patient p) {
        return p.qualified() ? cx(p.ins(), p.insOid(), "NH") : cx(p.recordId(), IPP_ROOT, "PI");
    }

    private static String xcn() {
        return AUTHOR[0] + "^" + AUTHOR[2] + "^" + AUTHOR[1] + "^^^^^^&" + OID_PS + "&ISO^D^^^IDNPS";
    }

    static String utc(String hl7) {
        ZonedDateTime t = ZonedDateTime.parse(hl7, HL7_TS);
        return t.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
    }

    static byte[] metadata(List<Built> docs, ZonedDateTime now) throws Exception {
        Document doc = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().newDocument();
        Element root = doc.createElementNS(LCM, "lcm:SubmitObjectsRequest");
        root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:rim", RIM);
        doc.appendChild(root);
        Element objects = rim(root, "RegistryObjectList");
        String ssId = "urn:uuid:" + UUID.randomUUID();
        List<String> docIds = new ArrayList<>();
        int index = 1;
        for (Built b : docs) {
            String id = "urn:uuid:" + UUID.randomUUID();
            docIds.add(id);
            Settings.Patient p = b.patient();
            Element eo = rim(objects, "ExtrinsicObject", "id", id, "mimeType", "text/xml",
                "objectType", "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1", "status", APPROVED);
            slot(eo, "creationTime", utc(b.created()));
            slot(eo, "hash", sha1Hex(b.cda()));
            slot(eo, "languageCode", "fr-FR");
            slot(eo, "legalAuthenticator", xcn());
            slot(eo, "serviceStartTime", b.request().serviceDate().format(DAY));
            slot(eo, "size", String.valueOf(b.cda().length));
            String source = p.recordId() != null ? cx(p.recordId(), IPP_ROOT, "PI") : patientCx(p);
            slot(eo, "sourcePatientId", source);
            slot(eo, "sourcePatientInfo", "PID-3|" + source, "PID-5|" + p.birthName() + "^" + p.firstGiven() + "^^^^^L",
                "PID-7|" + p.birthDate().format(DAY), "PID-8|" + p.sex());
            slot(eo, "URI", String.format("DOC%04d.XML", index++));
            name(eo, b.request().title());
            author(eo, DE.get("author"), id);
            classify(eo, DE.get("classCode"), id, CLASS_BY_TYPE.getOrDefault(b.request().typeCode(), CLASS_COMPTE_RENDU));
            classify(eo, DE.get("confidentialityCode"), id, CONFIDENTIALITY_NORMAL);
            if (b.request().invisiblePatient()) classify(eo, DE.get("confidentialityCode"), id, INVISIBLE_PATIENT);
            classify(eo, DE.get("formatCode"), id, FORMAT_PDF);
            classify(eo, DE.get("healthcareFacilityTypeCode"), id, FACILITY);
            classify(eo, DE.get("practiceSettingCode"), id, SETTING);
            classify(eo, DE.get("typeCode"), id, new String[] {b.request().typeCode(), b.request().typeDisplay(), b.request().typeSystem()});
            external(eo, DE.get("patientId"), id, patientCx(p), "XDSDocumentEntry.patientId");
            external(eo, DE.get("uniqueId"), id, b.documentOid(), "XDSDocumentEntry.uniqueId");
        }
        Element ss = rim(objects, "RegistryPackage", "id", ssId,
            "objectType", "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage", "status", APPROVED);
        slot(ss, "submissionTime", now.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")));
        name(ss, docs.size() == 1 ? docs.get(0).request().title() : docs.size() + " documents");
        author(ss, SS.get("author"), ssId);
        classify(ss, SS.get("contentTypeCode"), ssId, CONTENT_TYPE);
        external(ss, SS.get("uniqueId"), ssId, oid(), "XDSSubmissionSet.uniqueId");
        external(ss, SS.get("sourceId"), ssId, SOURCE_ID, "XDSSubmissionSet.sourceId");
        external(ss, SS.get("patientId"), ssId, patientCx(docs.get(0).patient()), "XDSSubmissionSet.patientId");
        rim(objects, "Classification", "classifiedObject", ssId, "classificationNode", "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd",
            "id", "urn:uuid:" + UUID.randomUUID(), "objectType", CLASSIFICATION);
        for (String docId : docIds) {
            Element a = rim(objects, "Association", "associationType", "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
                "sourceObject", ssId, "targetObject", docId, "id", "urn:uuid:" + UUID.randomUUID(),
                "objectType", "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association");
            slot(a, "SubmissionSetStatus", "Original");
        }
        return serialize(doc);
    }

    private static Element rim(Element parent, String tag, String... attrs) {
        Element e = parent.getOwnerDocument().createElementNS(RIM, "rim:" + tag);
        for (int i = 0; i + 1 < attrs.length; i += 2) e.setAttribute(attrs[i], attrs[i + 1]);
        parent.appendChild(e);
        return e;
    }

    private static void slot(Element parent, String name, String... values) {
        Element list = rim(rim(parent, "Slot", "name", name), "ValueList");
        for (String v : values) rim(list, "Value").setTextContent(v);
    }

    private static void name(Element parent, String value) {
        rim(rim(parent, "Name"), "LocalizedString", "value", value);
    }

    private static void classify(Element parent, String scheme, String object, String[] coded) {
        Element c = rim(parent, "Classification", "classificationScheme", scheme, "classifiedObject", object,
            "id", "urn:uuid:" + UUID.randomUUID(), "nodeRepresentation", coded[0], "objectType", CLASSIFICATION);
        slot(c, "codingScheme", coded[2]);
        name(c, coded[1]);
    }

    private static void author(Element parent, String scheme, String object) {
        Element c = rim(parent, "Classification", "classificationScheme", scheme, "classifiedObject", object,
            "id", "urn:uuid:" + UUID.randomUUID(), "nodeRepresentation", "", "objectType", CLASSIFICATION);
        slot(c, "authorInstitution", ORG + "^^^^^&" + OID_STRUCTURE + "&ISO^IDNST^^^" + STRUCT_ID);
        slot(c, "authorPerson", xcn());
        slot(c, "authorSpecialty", SPECIALTY[0] + "^" + SPECIALTY[1] + "^" + SPECIALTY[2]);
    }

    private static void external(Element parent, String scheme, String object, String value, String label) {
        Element e = rim(parent, "ExternalIdentifier", "id", "urn:uuid:" + UUID.randomUUID(), "registryObject", object,
            "identificationScheme", scheme, "value", value, "objectType", EXTERNAL_ID);
        name(e, label);
    }

    static byte[] xdm(List<Built> docs, String bal, ZonedDateTime now) throws Exception {
        StringBuilder readme = new StringBuilder("IHE XDM - Distribute Document Set on Media (IHE ITI-32), option ZIP over e-mail\r\n\r\n")
            .append("Expéditeur : ").append(ORG).append(" <").append(bal).append(">\r\n")
            .append("Application : pont Java d'exemple de dui-conformance\r\n\r\nContenu :\r\n")
            .append("  README.TXT, INDEX.HTM, ").append(SUBSET).append("/METADATA.XML\r\n");
        StringBuilder index = new StringBuilder("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"/><title>IHE XDM</title></head><body>\n<ul>\n");
        for (int i = 0; i < docs.size(); i++) {
            String file = String.format("DOC%04d.XML", i + 1);
            readme.append("  ").append(SUBSET).append('/').append(file).append("     ").append(docs.get(i).request().title()).append("\r\n");
            index.append("<li><a href=\"").append(SUBSET).append('/').append(file).append("\">").append(xml(docs.get(i).request().title())).append("</a></li>\n");
        }
        index.append("</ul>\n</body></html>\n");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(buf)) {
            put(zip, "README.TXT", readme.toString().getBytes(StandardCharsets.UTF_8));
            put(zip, "INDEX.HTM", index.toString().getBytes(StandardCharsets.UTF_8));
            put(zip, SUBSET + "/METADATA.XML", metadata(docs, now));
            for (int i = 0; i < docs.size(); i++) put(zip, SUBSET + String.format("/DOC%04d.XML", i + 1), docs.get(i).cda());
        }
        return buf.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    /** ECO.2.1.6: {@code <AAAAMMJJ>_<type ≤ 40>_<NOM>_<prénom>[_<dossier>].pdf}, forbidden characters as '_'. */
    static String pdfName(Built b) {
        List<String> fields = new ArrayList<>(List.of(b.request().serviceDate().format(DAY), label(b.request().typeDisplay()),
            b.patient().nom(), b.patient().firstGiven()));
        if (b.patient().recordId() != null) fields.add(b.patient().recordId().replace("_", "-"));
        List<String> clean = new ArrayList<>();
        for (String f : fields) clean.add(f.replaceAll("[/\\\\:*?\"<>|\\x00-\\x1f]", "_"));
        return String.join("_", clean) + ".pdf";
    }

    static String label(String display) {
        String cut = display.length() > 40 ? display.substring(0, 40) : display;
        return cut.stripTrailing();
    }

    static String frDate(LocalDate d) {
        return d.format(FR_DAY);
    }
}
