package dui.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The font the printed PDF shows its text in, embedded as PDF/A-1 wants (ISO 19005-1 §6.3.4-§6.3.6): a
 * simple TrueType font with WinAnsiEncoding whose program (FontFile2) is a subset of a TrueType file of
 * the machine, holding the glyphs of every WinAnsi character the file has; Widths and FontDescriptor
 * are read from the same file, so they are those of the embedded program.
 *
 * Which file: {@code $DUI_BRIDGE_FONT} when set (a .ttf with TrueType outlines; an error if unusable),
 * else the Noto Sans the conformance package installs in the active virtual environment
 * ({@code $VIRTUAL_ENV}), else the first usable of the usual sans-serif fonts of Linux distributions,
 * macOS and Windows (Liberation Sans, DejaVu Sans, Noto Sans, Arial). A variable font is embedded as its
 * default instance (the subset drops the variation tables).
 */
final class PdfFont {
    static final String SETTING = "DUI_BRIDGE_FONT";
    static final Charset WIN_ANSI = Charset.forName("windows-1252");
    static final int FIRST_CHAR = 32;
    static final int LAST_CHAR = 255;
    private static final String NOTO_PACKAGE = "site-packages/fontpkg_noto_sans/files/NotoSans[wdth,wght].ttf";
    private static final String[] SYSTEM_FONTS = {
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", // Debian, Ubuntu
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf", // Fedora, RHEL
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/google-noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/liberation/LiberationSans-Regular.ttf", // Alpine, Arch
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf", // macOS
        "/Library/Fonts/Arial.ttf",
    };
    private static PdfFont loaded;

    final TrueTypeFont font;
    final String baseFont; // "ABCDEF+PostScriptName" for a subset (ISO 32000-1 §9.6.4)
    final byte[] program; // the TrueType program embedded as FontFile2
    private final int[] widths; // FIRST_CHAR..LAST_CHAR, thousandths of the text size; 0: no glyph

    private PdfFont(TrueTypeFont font) throws IOException {
        this.font = font;
        widths = new int[LAST_CHAR - FIRST_CHAR + 1];
        SortedMap<Integer, Integer> glyphOfChar = new TreeMap<>();
        try {
            for (int code = FIRST_CHAR; code <= LAST_CHAR; code++) {
                int c = unicode(code);
                int glyph = c < 0 ? 0 : font.glyph(c);
                if (glyph == 0) continue; // not in WinAnsi, or not in this font: never shown (see encode)
                glyphOfChar.put(c, glyph);
                widths[code - FIRST_CHAR] = font.width1000(glyph);
            }
            if (!glyphOfChar.containsKey((int) '?') || !glyphOfChar.containsKey((int) 'A')) {
                throw new IOException(font.source + ": no Latin letters (a symbol or non-Latin font)");
            }
            if (font.allowsSubsetting()) {
                program = TrueTypeSubset.of(font, glyphOfChar);
                baseFont = tag(glyphOfChar) + "+" + font.postScriptName;
            } else { // the licence says "no subsetting": the whole file, under its own name
                program = font.data;
                baseFont = font.postScriptName;
            }
        } catch (IndexOutOfBoundsException ex) {
            throw new IOException(font.source + ": damaged TrueType font (" + ex.getMessage() + ")", ex);
        }
    }

    /** The font of this process, found and subset on first use, then kept. */
    static synchronized PdfFont get() throws IOException {
        if (loaded == null) loaded = new PdfFont(locate());
        return loaded;
    }

    /** The Unicode character of a WinAnsi code, or -1 for the five codes windows-1252 leaves undefined. */
    private static int unicode(int code) {
        char c = new String(new byte[] {(byte) code}, WIN_ANSI).charAt(0);
        return c == '\uFFFD' || Character.isISOControl(c) ? -1 : c;
    }

    private static TrueTypeFont locate() throws IOException {
        String set = System.getenv(SETTING);
        if (set != null && !set.isBlank()) {
            try {
                return new TrueTypeFont(Path.of(set.strip()));
            } catch (IOException ex) {
                String why = ex instanceof NoSuchFileException ? set + ": no such file" : ex.getMessage();
                throw new IOException(why + " (the font set by " + SETTING + ")", ex);
            }
        }
        List<String> refused = new ArrayList<>();
        for (Path candidate : candidates()) {
            if (!Files.isRegularFile(candidate)) continue;
            try {
                return new TrueTypeFont(candidate);
            } catch (IOException ex) {
                refused.add(ex.getMessage());
            }
        }
        throw new IOException("no TrueType font to embed in the PDF (PDF/A-1): set " + SETTING + " to a .ttf file, for example"
            + " the Noto Sans of the conformance package: python -c \"import fontpkg_noto_sans as f; print(f.ROOT / 'files'"
            + " / 'NotoSans[wdth,wght].ttf')\"" + (refused.isEmpty() ? "" : "; refused: " + String.join("; ", refused)));
    }

    /** Where a font is looked for when {@code $DUI_BRIDGE_FONT} is not set, in order. */
    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String venv = System.getenv("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            Path root = Path.of(venv.strip());
            out.add(root.resolve("Lib").resolve(NOTO_PACKAGE)); // Windows layout
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(root.resolve("lib"), "python3*")) {
                for (Path python : pythons) out.add(python.resolve(NOTO_PACKAGE));
            } catch (IOException ex) {
                // no lib/ folder: not a POSIX virtual environment
            }
        }
        for (String p : SYSTEM_FONTS) out.add(Path.of(p));
        String windows = System.getenv("WINDIR");
        if (windows != null && !windows.isBlank()) out.add(Path.of(windows.strip(), "Fonts", "arial.ttf"));
        out.add(Path.of(System.getProperty("java.home"), "lib", "fonts", "DejaVuSans.ttf")); // JDKs that ship fonts
        return out;
    }

    /** Six capital letters naming this subset, derived from the characters it holds. */
    private String tag(SortedMap<Integer, Integer> glyphOfChar) {
        byte[] digest = Documents.sha1((font.postScriptName + glyphOfChar).getBytes(StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 6; i++) out.append((char) ('A' + (digest[i] & 0xFF) % 26));
        return out.toString();
    }

    /**
     * Text as the bytes of a PDF string shown with this font: WinAnsi codes, a character that WinAnsi or
     * the font lacks as '?' (never a .notdef glyph), and the string's delimiters escaped.
     */
    byte[] encode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        text.codePoints().forEach(cp -> {
            byte[] b = new String(Character.toChars(cp)).getBytes(WIN_ANSI);
            int code = b.length == 1 ? b[0] & 0xFF : '?';
            if (code < FIRST_CHAR || widths[code - FIRST_CHAR] == 0) code = '?';
            if (code == '\\' || code == '(' || code == ')') out.write('\\');
            out.write(code);
        });
        return out.toByteArray();
    }

    /** The simple font dictionary (ISO 32000-1 §9.6.3): WinAnsi, Widths of FIRST_CHAR..LAST_CHAR. */
    String dictionary(int descriptor) {
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < widths.length; i++) w.append(i % 16 == 0 ? "\n" : " ").append(widths[i]);
        return "<< /Type /Font /Subtype /TrueType /BaseFont /" + baseFont + " /FirstChar " + FIRST_CHAR + " /LastChar " + LAST_CHAR
            + " /Widths [" + w + "]\n/Encoding /WinAnsiEncoding /FontDescriptor " + descriptor + " 0 R >>";
    }

    /**
     * The FontDescriptor (ISO 32000-1 §9.8), from head (bbox), hhea (ascent, descent), OS/2 (cap and x
     * heights, weight, family class) and post (italic angle, fixed pitch). StemV is not stored in a
     * TrueType font; it is estimated from the weight class as fpdf2 (the reference DUI) does.
     */
    String descriptor(int fontFile) {
        int flags = 32; // Nonsymbolic: the Latin characters of the standard character set
        if (font.fixedPitch) flags |= 1;
        if ((font.familyClass >= 1 && font.familyClass <= 5) || font.familyClass == 7) flags |= 2; // Serif
        if (font.italic) flags |= 64;
        int stemV = 50 + (int) Math.pow(font.weightClass / 65.0, 2);
        String xHeight = font.xHeight() > 0 ? " /XHeight " + scaled(font.xHeight()) : "";
        return "<< /Type /FontDescriptor /FontName /" + baseFont + " /Flags " + flags
            + " /FontBBox [" + scaled(font.bbox[0]) + " " + scaled(font.bbox[1]) + " " + scaled(font.bbox[2]) + " " + scaled(font.bbox[3]) + "]"
            + " /ItalicAngle " + BigDecimal.valueOf(font.italicAngle).stripTrailingZeros().toPlainString()
            + " /Ascent " + scaled(font.ascender) + " /Descent " + scaled(font.descender) + " /CapHeight " + scaled(font.capHeight())
            + xHeight + " /StemV " + stemV + " /FontFile2 " + fontFile + " 0 R >>";
    }

    private int scaled(int fontUnits) {
        return (int) Math.round(fontUnits * 1000.0 / font.unitsPerEm);
    }
}
