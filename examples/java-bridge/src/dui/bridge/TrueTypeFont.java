package dui.bridge;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TrueType font file (or an OpenType file with TrueType outlines) read with the JDK alone: the tables
 * a PDF needs to embed it and to describe it (head, hhea, maxp, hmtx, cmap, OS/2, post, name, loca, glyf).
 * PDF/A-1 wants every font embedded with widths that are those of the program (ISO 19005-1 §6.3.4,
 * §6.3.6), so the widths the PDF declares are read here, from hmtx, never typed in by hand.
 *
 * Refused with a message that says why: a collection (.ttc), CFF outlines (OpenType "OTTO"), a font without
 * a Unicode cmap, a font whose licence forbids embedding (OS/2 fsType "restricted" or "bitmap only").
 */
final class TrueTypeFont {
    static final long MAX_BYTES = 32L * 1024 * 1024;
    static final int NO_SUBSETTING = 0x0100;

    final Path source;
    final byte[] data;
    final Map<String, int[]> tables = new LinkedHashMap<>(); // tag -> {offset, length}
    final int unitsPerEm;
    final int[] bbox; // xMin, yMin, xMax, yMax, font units
    final boolean italic;
    final boolean longLoca;
    final int numGlyphs;
    final int ascender;
    final int descender;
    final int fsType;
    final int weightClass;
    final int familyClass; // OS/2 sFamilyClass, class id (high byte): 1-5 and 7 are serif designs
    final double italicAngle;
    final boolean fixedPitch;
    final String postScriptName;
    private final int[] advances;
    private final int cmapOffset; // the Unicode subtable: format 4 or 12
    private final int capHeight;
    private final int xHeight; // 0: the font does not say

    TrueTypeFont(Path source) throws IOException {
        this.source = source;
        if (Files.size(source) > MAX_BYTES) throw new IOException(source + ": larger than " + MAX_BYTES + " bytes, not a font");
        data = Files.readAllBytes(source);
        try {
            ByteBuffer b = buffer();
            int version = b.getInt(0);
            if (version == 0x74746366) throw new IOException(source + ": a TrueType collection (.ttc); give one font file (.ttf)");
            if (version == 0x4F54544F) throw new IOException(source + ": OpenType with CFF outlines; PDF/A-1 TrueType embedding needs TrueType (glyf) outlines");
            if (version != 0x00010000 && version != 0x74727565) throw new IOException(source + ": not a TrueType font");
            int count = b.getShort(4) & 0xFFFF;
            for (int i = 0; i < count; i++) {
                int at = 12 + 16 * i;
                String tag = new String(data, at, 4, StandardCharsets.US_ASCII);
                int offset = b.getInt(at + 8);
                int length = b.getInt(at + 12);
                if (offset < 0 || length < 0 || (long) offset + length > data.length) throw new IOException(source + ": table " + tag + " lies outside the file");
                tables.put(tag, new int[] {offset, length});
            }
            for (String needed : new String[] {"head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf"}) {
                if (!tables.containsKey(needed)) throw new IOException(source + ": no '" + needed + "' table, not a usable TrueType font");
            }
            int head = at("head");
            unitsPerEm = u16(head + 18);
            if (unitsPerEm < 16 || unitsPerEm > 16384) throw new IOException(source + ": unitsPerEm " + unitsPerEm + " out of range");
            bbox = new int[] {b.getShort(head + 36), b.getShort(head + 38), b.getShort(head + 40), b.getShort(head + 42)};
            int macStyle = u16(head + 44);
            longLoca = b.getShort(head + 50) == 1;
            numGlyphs = u16(at("maxp") + 4);
            int hhea = at("hhea");
            ascender = b.getShort(hhea + 4);
            descender = b.getShort(hhea + 6);
            advances = advances(u16(hhea + 34));
            int os2 = tables.containsKey("OS/2") ? at("OS/2") : -1;
            fsType = os2 < 0 ? 0 : u16(os2 + 8);
            weightClass = os2 < 0 ? ((macStyle & 1) != 0 ? 700 : 400) : u16(os2 + 4);
            familyClass = os2 < 0 ? 0 : (u16(os2 + 30) >> 8) & 0xFF;
            int post = tables.containsKey("post") ? at("post") : -1;
            italicAngle = post < 0 ? 0 : b.getInt(post + 4) / 65536.0;
            fixedPitch = post >= 0 && b.getInt(post + 12) != 0;
            italic = (macStyle & 2) != 0 || italicAngle != 0;
            postScriptName = postScriptName();
            cmapOffset = unicodeCmap();
            boolean os2v2 = os2 >= 0 && u16(os2) >= 2 && tables.get("OS/2")[1] >= 90; // sxHeight, sCapHeight
            int declaredCap = os2v2 ? b.getShort(os2 + 88) : 0;
            capHeight = declaredCap > 0 ? declaredCap : glyphYMax(glyph('H'));
            xHeight = os2v2 ? Math.max(0, (int) b.getShort(os2 + 86)) : 0;
        } catch (IndexOutOfBoundsException | BufferUnderflowException ex) {
            throw new IOException(source + ": truncated or damaged TrueType font (" + ex.getMessage() + ")", ex);
        }
        if ((fsType & 0x000F) == 0x0002) throw new IOException(source + ": its licence forbids embedding (OS/2 fsType restricted licence)");
        if ((fsType & 0x0200) != 0) throw new IOException(source + ": its licence allows bitmap embedding only (OS/2 fsType)");
    }

    ByteBuffer buffer() {
        return ByteBuffer.wrap(data); // big-endian, as sfnt
    }

    int at(String tag) {
        return tables.get(tag)[0];
    }

    int u16(int offset) {
        return ((data[offset] & 0xFF) << 8) | (data[offset + 1] & 0xFF);
    }

    /** The advance width of a glyph, in font units (hmtx: the last long metric repeats). */
    int advance(int glyph) {
        return advances[Math.min(glyph, advances.length - 1)];
    }

    /** The left side bearing of a glyph, in font units (after the long metrics, hmtx lists bearings only). */
    int leftSideBearing(int glyph) {
        int hmtx = at("hmtx");
        int longMetrics = advances.length;
        int at = glyph < longMetrics ? hmtx + 4 * glyph + 2 : hmtx + 4 * longMetrics + 2 * (glyph - longMetrics);
        return at + 2 <= at("hmtx") + tables.get("hmtx")[1] ? buffer().getShort(at) : 0;
    }

    /** The advance width of a glyph in thousandths of the text size, as PDF Widths want it. */
    int width1000(int glyph) {
        return (int) Math.round(advance(glyph) * 1000.0 / unitsPerEm);
    }

    int capHeight() {
        return capHeight;
    }

    int xHeight() {
        return xHeight;
    }

    boolean allowsSubsetting() {
        return (fsType & NO_SUBSETTING) == 0;
    }

    private int[] advances(int longMetrics) throws IOException {
        if (longMetrics < 1 || longMetrics > numGlyphs || 4L * longMetrics > tables.get("hmtx")[1]) {
            throw new IOException(source + ": hmtx has no room for " + longMetrics + " metrics");
        }
        int hmtx = at("hmtx");
        int[] out = new int[longMetrics];
        for (int i = 0; i < longMetrics; i++) out[i] = u16(hmtx + 4 * i);
        return out;
    }

    /** The glyph of a Unicode code point (0: .notdef, the font has none). */
    int glyph(int codePoint) {
        ByteBuffer b = buffer();
        int t = cmapOffset;
        if (u16(t) == 12) {
            long groups = b.getInt(t + 12) & 0xFFFFFFFFL;
            for (long i = 0; i < groups; i++) {
                int g = t + 16 + (int) (12 * i);
                long start = b.getInt(g) & 0xFFFFFFFFL;
                long end = b.getInt(g + 4) & 0xFFFFFFFFL;
                if (codePoint >= start && codePoint <= end) return checked((int) ((b.getInt(g + 8) & 0xFFFFFFFFL) + codePoint - start));
            }
            return 0;
        }
        if (codePoint > 0xFFFF) return 0;
        int segments = u16(t + 6) / 2;
        int ends = t + 14;
        int starts = ends + 2 * segments + 2;
        int deltas = starts + 2 * segments;
        int ranges = deltas + 2 * segments;
        for (int s = 0; s < segments; s++) {
            if (codePoint > u16(ends + 2 * s)) continue;
            int start = u16(starts + 2 * s);
            if (codePoint < start) return 0;
            int delta = b.getShort(deltas + 2 * s);
            int range = u16(ranges + 2 * s);
            if (range == 0) return checked((codePoint + delta) & 0xFFFF);
            int g = u16(ranges + 2 * s + range + 2 * (codePoint - start));
            return g == 0 ? 0 : checked((g + delta) & 0xFFFF);
        }
        return 0;
    }

    private int checked(int glyph) {
        return glyph < numGlyphs ? glyph : 0;
    }

    /** The outline of a glyph, as glyf stores it (empty for a blank glyph such as the space). */
    byte[] outline(int glyph) throws IOException {
        int loca = at("loca");
        long start = longLoca ? buffer().getInt(loca + 4 * glyph) & 0xFFFFFFFFL : 2L * u16(loca + 2 * glyph);
        long end = longLoca ? buffer().getInt(loca + 4 * glyph + 4) & 0xFFFFFFFFL : 2L * u16(loca + 2 * glyph + 2);
        int[] glyf = tables.get("glyf");
        if (end < start || end > glyf[1]) throw new IOException(source + ": glyph " + glyph + " lies outside the glyf table");
        byte[] out = new byte[(int) (end - start)];
        System.arraycopy(data, glyf[0] + (int) start, out, 0, out.length);
        return out;
    }

    private int glyphYMax(int glyph) throws IOException {
        byte[] o = outline(glyph);
        return o.length >= 10 ? ByteBuffer.wrap(o).getShort(8) : ascender;
    }

    /** The Windows Unicode cmap (3,10 full repertoire, else 3,1 BMP, else a Unicode-platform one). */
    private int unicodeCmap() throws IOException {
        int cmap = at("cmap");
        int count = u16(cmap + 2);
        int best = -1;
        int bestRank = 0;
        for (int i = 0; i < count; i++) {
            int rec = cmap + 4 + 8 * i;
            int platform = u16(rec);
            int encoding = u16(rec + 2);
            int offset = cmap + buffer().getInt(rec + 4);
            int format = u16(offset);
            int rank = platform == 3 && encoding == 10 && format == 12 ? 4
                : platform == 3 && encoding == 1 && format == 4 ? 3
                : platform == 0 && format == 12 ? 2
                : platform == 0 && format == 4 ? 1 : 0;
            if (rank > bestRank) {
                best = offset;
                bestRank = rank;
            }
        }
        if (best < 0) throw new IOException(source + ": no Unicode cmap (a symbol font?): cannot show WinAnsi text");
        return best;
    }

    /** name ID 6, the PostScript name, as a PDF name may hold it (else the file's name). */
    private String postScriptName() {
        String found = null;
        if (tables.containsKey("name")) {
            int name = at("name");
            int count = u16(name + 2);
            int strings = name + u16(name + 4);
            for (int i = 0; i < count && found == null; i++) {
                int rec = name + 6 + 12 * i;
                if (u16(rec + 6) != 6) continue;
                int platform = u16(rec);
                int at = strings + u16(rec + 10);
                int length = u16(rec + 8);
                if (at + length > data.length) continue;
                if (platform == 3 || platform == 0) found = new String(data, at, length, StandardCharsets.UTF_16BE);
                else if (platform == 1) found = new String(data, at, length, StandardCharsets.ISO_8859_1);
            }
        }
        String file = source.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String clean = (found == null ? file : found).replaceAll("[^A-Za-z0-9._-]", "");
        return clean.isEmpty() ? "Font" : clean;
    }
}
