package dui.bridge;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The sections of POST /configure this DUI uses (docs/driver-protocol.md), typed. */
final class Settings {
    private Settings() {}

    /** A test usager (synthetic identities, test INS OIDs only). */
    record Patient(String ins, String insOid, String birthName, String firstGiven, List<String> givenNames,
                   LocalDate birthDate, String sex, String birthPlace, boolean qualified, String recordId,
                   boolean opposition, boolean inDui) {
        static Patient of(Map<String, Object> p) {
            List<String> given = new ArrayList<>();
            for (Object g : Json.list(p.get("given_names"))) given.add(String.valueOf(g));
            if (given.isEmpty()) given.add(Json.str(p, "first_given"));
            Object record = p.get("record_id");
            return new Patient(Json.str(p, "ins"), Json.str(p, "ins_oid"), Json.str(p, "birth_name"),
                Json.str(p, "first_given"), given, LocalDate.parse(Json.str(p, "birth_date")), Json.str(p, "sex"),
                Json.str(p, "birth_place"), Json.bool(p, "qualified"), record == null ? null : String.valueOf(record),
                Json.bool(p, "opposition_mss_patient"), !Boolean.FALSE.equals(p.get("in_dui")));
        }

        String nom() {
            return birthName.toUpperCase(Locale.ROOT);
        }

        String address() {
            return ins + "@" + Mime.PATIENT_DOMAIN;
        }
    }

    /** The `mssante` section: the operator, the PKI, the BAL, the liste blanche, the usagers. */
    static final class Mss {
        final String host;
        final int smtpPort;
        final int imapPort;
        final long sizeLimit;
        final Path caBundle;
        final Path crl;
        final Path clientCert;
        final Path clientKey;
        final String bal;
        final String balName;
        final String nil;
        final Set<String> whitelist = new TreeSet<>();
        final List<Patient> patients = new ArrayList<>();
        int timeoutMillis = 10_000;
        private Tls tls;

        Mss(Map<String, Object> s) {
            host = Json.str(s, "host");
            smtpPort = (int) Json.num(s, "smtp_port");
            imapPort = (int) Json.num(s, "imap_port");
            sizeLimit = Json.num(s, "size_limit");
            caBundle = Path.of(Json.str(s, "ca_bundle"));
            crl = s.get("crl") == null ? null : Path.of(Json.str(s, "crl"));
            clientCert = Path.of(Json.str(s, "client_cert"));
            clientKey = Path.of(Json.str(s, "client_key"));
            Map<String, Object> b = Json.obj(s.get("bal"));
            bal = Json.str(b, "address");
            balName = Json.str(b, "display_name");
            nil = Json.str(s, "nil");
            for (Object d : Json.list(s.get("whitelist"))) whitelist.add(String.valueOf(d).toLowerCase(Locale.ROOT));
            for (Object p : Json.list(s.get("patients"))) {
                Patient patient = Patient.of(Json.obj(p));
                if (patient.inDui()) patients.add(patient);
            }
        }

        String balDomain() {
            return bal.substring(bal.indexOf('@') + 1).toLowerCase(Locale.ROOT);
        }

        synchronized Tls tls() throws Exception {
            if (tls == null) tls = new Tls(caBundle, crl, clientCert, clientKey);
            return tls;
        }

        Patient byIns(String ins, String oid) {
            return patients.stream().filter(p -> p.ins().equals(ins) && (oid == null || p.insOid().equals(oid)))
                .findFirst().orElse(null);
        }
    }
}
