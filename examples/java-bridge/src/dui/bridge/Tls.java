package dui.bridge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS a conformant MSSanté client uses (specs: STARTTLS, TLS 1.2 or later, forward-secret AEAD
 * suites only), with the JDK's own PKIX: trust only the IGC-Santé bundle given in the settings, check
 * the host name and the revocation of every certificate of the chain against the CRLs given, and
 * present the establishment's ORG certificate (mutual TLS).
 */
final class Tls {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final String[] SUITES = {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    };

    private final SSLContext context;

    Tls(Path caBundle, Path crl, Path clientCert, Path clientKey) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        int n = 0;
        for (java.security.cert.Certificate c : cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(caBundle)))) {
            anchors.setCertificateEntry("ca" + n++, c);
        }
        PKIXBuilderParameters pkix = new PKIXBuilderParameters(anchors, new X509CertSelector());
        if (crl == null || !Files.isRegularFile(crl)) {
            throw new GeneralSecurityException("liste de révocation (CRL) introuvable : connexion refusée");
        }
        Collection<? extends CRL> crls = cf.generateCRLs(new ByteArrayInputStream(Files.readAllBytes(crl)));
        pkix.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
        pkix.setRevocationEnabled(true); // with the CRLs above only: no OCSP, no download
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(pkix));

        List<X509Certificate> chain = new ArrayList<>();
        for (java.security.cert.Certificate c : cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(clientCert)))) {
            chain.add((X509Certificate) c);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry("org", privateKey(clientKey), none, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);

        context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    }

    /** A PKCS#8 PEM private key ("BEGIN PRIVATE KEY", what the test PKI writes), RSA or EC. */
    static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        int start = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < 0) throw new GeneralSecurityException(pem + ": PKCS#8 PEM key expected");
        byte[] der = Base64.getMimeDecoder().decode(text.substring(start + 27, end));
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(pem + ": neither an RSA nor an EC key");
    }

    /** The plain socket turned into TLS after STARTTLS: checks done in the handshake, which is forced here. */
    SSLSocket wrap(Socket plain, String host, int port) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters params = tls.getSSLParameters();
        params.setProtocols(PROTOCOLS);
        List<String> supported = List.of(tls.getSupportedCipherSuites());
        params.setCipherSuites(List.of(SUITES).stream().filter(supported::contains).toArray(String[]::new));
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the host name (or IP) must be in the certificate
        if (!host.matches("[0-9.]+") && !host.contains(":")) params.setServerNames(List.of(new SNIHostName(host)));
        tls.setSSLParameters(params);
        tls.setUseClientMode(true);
        tls.startHandshake();
        return tls;
    }

    static Socket connect(String host, int port, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        return socket;
    }
}
