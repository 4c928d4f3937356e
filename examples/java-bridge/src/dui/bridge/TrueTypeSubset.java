package dui.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A TrueType subset: the glyphs of some characters (and the glyphs their composite outlines use),
 * renumbered from 0 (.notdef), with the tables a PDF viewer reads in an embedded TrueType font (PDF 1.4
 * §5.8: head, hhea, maxp, hmtx, loca, glyf, cmap, cvt, fpgm, prep) plus OS/2, name (the copyright and
 * licence stay with the font) and gasp. The cmap is a single (3,1) format 4 subtable: a non-symbolic
 * TrueType font shown with WinAnsiEncoding is looked up through it (PDF 1.4 §5.5.5). Layout tables
 * (GSUB, GPOS, kern), variations and per-glyph device tables are dropped: the PDF positions each glyph.
 */
final class TrueTypeSubset {
    private static final String[] COPIED = {"OS/2", "cvt ", "fpgm", "gasp", "name", "prep"};
    private static final int MAX_COMPONENT_DEPTH = 8;

    private TrueTypeSubset() {}

    /** The subset font program for these characters (code point -> glyph in `font`). */
    static byte[] of(TrueTypeFont font, SortedMap<Integer, Integer> glyphOfChar) throws IOException {
        TreeSet<Integer> keep = new TreeSet<>();
        addWithComponents(font, 0, keep, 0);
        for (int glyph : glyphOfChar.values()) addWithComponents(font, glyph, keep, 0);
        Map<Integer, Integer> renumber = new TreeMap<>();
        for (int old : keep) renumber.put(old, renumber.size());
        ByteArrayOutputStream glyf = new ByteArrayOutputStream();
        ByteBuffer loca = ByteBuffer.allocate(4 * (keep.size() + 1));
        ByteBuffer hmtx = ByteBuffer.allocate(4 * keep.size());
        for (int old : keep) {
            loca.putInt(glyf.size());
            byte[] outline = renumbered(font.outline(old), renumber);
            glyf.writeBytes(outline);
            glyf.writeBytes(new byte[(4 - outline.length % 4) % 4]);
            hmtx.putShort((short) font.advance(old)).putShort((short) font.leftSideBearing(old));
        }
        loca.putInt(glyf.size());
        SortedMap<String, byte[]> out = new TreeMap<>();
        byte[] head = table(font, "head");
        ByteBuffer.wrap(head).putInt(8, 0).putShort(50, (short) 1); // checkSumAdjustment set below; long loca
        out.put("head", head);
        byte[] hhea = table(font, "hhea");
        ByteBuffer.wrap(hhea).putShort(34, (short) keep.size());
        out.put("hhea", hhea);
        byte[] maxp = table(font, "maxp");
        ByteBuffer.wrap(maxp).putShort(4, (short) keep.size());
        out.put("maxp", maxp);
        out.put("hmtx", hmtx.array());
        out.put("loca", loca.array());
        out.put("glyf", glyf.toByteArray());
        SortedMap<Integer, Integer> cmap = new TreeMap<>();
        glyphOfChar.forEach((c, g) -> cmap.put(c, renumber.get(g)));
        out.put("cmap", cmap(cmap));
        out.put("post", post(font));
        for (String tag : COPIED) if (font.tables.containsKey(tag)) out.put(tag, table(font, tag));
        return assemble(out);
    }

    private static void addWithComponents(TrueTypeFont font, int glyph, TreeSet<Integer> keep, int depth) throws IOException {
        if (depth > MAX_COMPONENT_DEPTH || !keep.add(glyph)) return;
        byte[] o = font.outline(glyph);
        if (o.length < 10 || ByteBuffer.wrap(o).getShort(0) >= 0) return; // empty or simple glyph
        for (int at : componentOffsets(o)) addWithComponents(font, ((o[at] & 0xFF) << 8) | (o[at + 1] & 0xFF), keep, depth + 1);
    }

    /** Where the glyph indexes of a composite glyph's components are (glyf, composite glyph description). */
    private static List<Integer> componentOffsets(byte[] o) throws IOException {
        List<Integer> out = new ArrayList<>();
        int at = 10;
        int flags;
        do {
            if (at + 4 > o.length) throw new IOException("damaged composite glyph");
            flags = ((o[at] & 0xFF) << 8) | (o[at + 1] & 0xFF);
            out.add(at + 2);
            at += 4 + ((flags & 0x0001) != 0 ? 4 : 2); // ARG_1_AND_2_ARE_WORDS
            if ((flags & 0x0008) != 0) at += 2; // WE_HAVE_A_SCALE
            else if ((flags & 0x0040) != 0) at += 4; // WE_HAVE_AN_X_AND_Y_SCALE
            else if ((flags & 0x0080) != 0) at += 8; // WE_HAVE_A_TWO_BY_TWO
        } while ((flags & 0x0020) != 0); // MORE_COMPONENTS
        return out;
    }

    private static byte[] renumbered(byte[] outline, Map<Integer, Integer> renumber) throws IOException {
        if (outline.length < 10 || ByteBuffer.wrap(outline).getShort(0) >= 0) return outline;
        byte[] copy = outline.clone();
        for (int at : componentOffsets(copy)) {
            int old = ((copy[at] & 0xFF) << 8) | (copy[at + 1] & 0xFF);
            ByteBuffer.wrap(copy).putShort(at, renumber.getOrDefault(old, 0).shortValue());
        }
        return copy;
    }

    private static byte[] table(TrueTypeFont font, String tag) {
        int[] t = font.tables.get(tag);
        byte[] out = new byte[t[1]];
        System.arraycopy(font.data, t[0], out, 0, t[1]);
        return out;
    }

    /** post format 3 (no glyph names) with the font's italic angle, underline and pitch. */
    private static byte[] post(TrueTypeFont font) {
        ByteBuffer b = ByteBuffer.allocate(32);
        if (font.tables.containsKey("post") && font.tables.get("post")[1] >= 32) b.put(font.data, font.at("post"), 32);
        return b.putInt(0, 0x00030000).array();
    }

    /** A (3,1) format 4 cmap: runs of consecutive characters with consecutive glyphs share a segment. */
    static byte[] cmap(SortedMap<Integer, Integer> glyphOfChar) {
        List<int[]> segments = new ArrayList<>(); // start, end, first glyph
        for (Map.Entry<Integer, Integer> e : glyphOfChar.entrySet()) {
            int[] last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
            if (last != null && e.getKey() == last[1] + 1 && e.getValue() == last[2] + e.getKey() - last[0]) last[1] = e.getKey();
            else segments.add(new int[] {e.getKey(), e.getKey(), e.getValue()});
        }
        segments.add(new int[] {0xFFFF, 0xFFFF, 0});
        int n = segments.size();
        int length = 16 + 8 * n;
        ByteBuffer b = ByteBuffer.allocate(12 + length);
        b.putShort((short) 0).putShort((short) 1).putShort((short) 3).putShort((short) 1).putInt(12);
        int power = Integer.highestOneBit(n);
        b.putShort((short) 4).putShort((short) length).putShort((short) 0).putShort((short) (2 * n))
            .putShort((short) (2 * power)).putShort((short) Integer.numberOfTrailingZeros(power)).putShort((short) (2 * n - 2 * power));
        for (int[] s : segments) b.putShort((short) s[1]);
        b.putShort((short) 0);
        for (int[] s : segments) b.putShort((short) s[0]);
        for (int[] s : segments) b.putShort((short) (s[0] == 0xFFFF ? 1 : s[2] - s[0]));
        for (int i = 0; i < n; i++) b.putShort((short) 0);
        return b.array();
    }

    /** The sfnt: table directory sorted by tag, checksums, and head.checkSumAdjustment. */
    private static byte[] assemble(SortedMap<String, byte[]> tables) {
        int n = tables.size();
        int power = Integer.highestOneBit(n);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer dir = ByteBuffer.allocate(12 + 16 * n);
        dir.putInt(0x00010000).putShort((short) n).putShort((short) (16 * power))
            .putShort((short) Integer.numberOfTrailingZeros(power)).putShort((short) (16 * n - 16 * power));
        int offset = 12 + 16 * n;
        int headAt = 0;
        for (Map.Entry<String, byte[]> e : tables.entrySet()) {
            if (e.getKey().equals("head")) headAt = offset;
            dir.put(e.getKey().getBytes(StandardCharsets.US_ASCII)).putInt(checksum(e.getValue()))
                .putInt(offset).putInt(e.getValue().length);
            offset += (e.getValue().length + 3) & ~3;
        }
        out.writeBytes(dir.array());
        for (byte[] t : tables.values()) {
            out.writeBytes(t);
            out.writeBytes(new byte[(4 - t.length % 4) % 4]);
        }
        byte[] font = out.toByteArray();
        ByteBuffer.wrap(font).putInt(headAt + 8, 0xB1B0AFBA - checksum(font));
        return font;
    }

    private static int checksum(byte[] data) {
        int sum = 0;
        for (int i = 0; i < data.length; i += 4) {
            int word = 0;
            for (int j = 0; j < 4; j++) word = (word << 8) | (i + j < data.length ? data[i + j] & 0xFF : 0);
            sum += word;
        }
        return sum;
    }
}
