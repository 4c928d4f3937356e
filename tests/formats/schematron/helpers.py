"""A tiny schematron pack in the TestContenuCDA folder layout, written by the tests into tmp_path.

Everything here is ours, written for these tests: the ANS engine (ISO skeleton) is not ours to
ship, so `moteur/` holds three small XSLT 2.0 stylesheets under the engine's file names:
an include pass (an `sch:include` becomes the included file), an identity "abstract expansion"
and a compiler for a restricted schematron (ns, pattern, rule/@context, assert and report with
@test, @id, @role, @flag, plain text) into an XSLT that writes SVRL with path() locations.
The rules: a volet schematron (its header pattern in an included file) and one generic profile.
"""

from __future__ import annotations

from pathlib import Path

VOLET_ROOT = "1.2.250.1.213.1.1.1.999"  # made up, under the CI-SIS document arc
VOLET = "CI-SIS_TEST-VOLET_2024.01"

INCLUDE_XSL = """<?xml version="1.0" encoding="UTF-8"?>
<!-- dui-conformance test engine, pass 1: sch:include is replaced by the included file. -->
<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:sch="http://purl.oclc.org/dsdl/schematron">
  <xsl:template match="sch:include"><xsl:apply-templates select="document(@href, .)/*"/></xsl:template>
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
</xsl:stylesheet>
"""

EXPAND_XSL = """<?xml version="1.0" encoding="UTF-8"?>
<!-- dui-conformance test engine, pass 2: nothing abstract to expand in the restricted language. -->
<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
</xsl:stylesheet>
"""

COMPILE_XSL = """<?xml version="1.0" encoding="UTF-8"?>
<!-- dui-conformance test engine, pass 3: restricted schematron -> XSLT writing SVRL. -->
<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:out="urn:dui-conformance:test:alias" xmlns:sch="http://purl.oclc.org/dsdl/schematron"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl" exclude-result-prefixes="sch">
  <xsl:namespace-alias stylesheet-prefix="out" result-prefix="xsl"/>
  <xsl:template match="/sch:schema">
    <out:stylesheet version="3.0">
      <xsl:for-each select="sch:ns"><xsl:namespace name="{@prefix}" select="string(@uri)"/></xsl:for-each>
      <out:template match="/">
        <svrl:schematron-output title="{normalize-space(sch:title)}">
          <xsl:for-each select="sch:pattern">
            <svrl:active-pattern id="{@id}"/>
            <out:apply-templates select="/" mode="p{position()}"/>
          </xsl:for-each>
        </svrl:schematron-output>
      </out:template>
      <xsl:apply-templates select="sch:pattern"/>
    </out:stylesheet>
  </xsl:template>
  <xsl:template match="sch:pattern">
    <xsl:variable name="mode" select="concat('p', position())"/>
    <xsl:for-each select="sch:rule">
      <out:template match="{@context}" mode="{$mode}" priority="{100 - position()}">
        <svrl:fired-rule context="{@context}"/>
        <xsl:apply-templates select="sch:assert | sch:report"/>
        <out:apply-templates select="*" mode="{$mode}"/>
      </out:template>
    </xsl:for-each>
    <out:template match="/ | *" mode="{$mode}" priority="-10">
      <out:apply-templates select="*" mode="{$mode}"/></out:template>
  </xsl:template>
  <xsl:template match="sch:assert">
    <out:if test="not({@test})">
      <svrl:failed-assert location="{{path()}}"><xsl:copy-of select="@id | @role | @flag"/>
        <svrl:text><xsl:value-of select="normalize-space(.)"/></svrl:text></svrl:failed-assert>
    </out:if>
  </xsl:template>
  <xsl:template match="sch:report">
    <out:if test="{@test}">
      <svrl:successful-report location="{{path()}}"><xsl:copy-of select="@id | @role | @flag"/>
        <svrl:text><xsl:value-of select="normalize-space(.)"/></svrl:text></svrl:successful-report>
    </out:if>
  </xsl:template>
</xsl:stylesheet>
"""

SCH_HEAD = '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
NS = '<ns prefix="cda" uri="urn:hl7-org:v3"/>\n'

VOLET_SCH = (
    SCH_HEAD
    + "<title>Volet de test</title>\n"
    + NS
    + '<include href="include/specificationsVolets/TEST-VOLET_2024.01/Entete/Entete_TEST.sch"/>\n'
    + """<pattern id="S_titre_TEST">
  <rule context="cda:ClinicalDocument">
    <report id="TEST-02" test="cda:title[contains(., 'INTERDIT')]">Le titre ne doit pas contenir INTERDIT.</report>
  </rule>
</pattern>
</schema>
"""
)

# The include names the file in another case than on disk, as the ANS pack does on Windows.
VOLET_INCLUDE_ON_DISK = "include/specificationsVolets/TEST-VOLET_2024.01/Entete/entete_test.sch"

ENTETE_SCH = """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="Entete_TEST">
  <rule context="cda:ClinicalDocument">
    <assert id="TEST-01" test="cda:templateId[@root='1.2.250.1.213.1.1.1.999']">
      Le templateId du volet de test doit être présent.</assert>
    <assert test="cda:title">Le titre du document doit être présent.</assert>
    <assert role="warning" test="cda:languageCode">L'élément languageCode devrait être présent.</assert>
    <assert test="cda:code">L'élément code doit être présent.</assert>
  </rule>
</pattern>
"""

PROFILE_SCH = (
    SCH_HEAD
    + "<title>Profil générique de test</title>\n"
    + NS
    + """<pattern id="P_generique">
  <rule context="cda:ClinicalDocument">
    <report role="info" test="cda:setId">Le document porte un setId.</report>
    <assert flag="warning" test="cda:versionNumber">Le versionNumber devrait être présent.</assert>
  </rule>
</pattern>
</schema>
"""
)


def cda(
    *,
    template: str | None = VOLET_ROOT,
    extension: str = "2024.01",
    title: str | None = "Document de test",
    language: bool = True,
    extra: str = "",
    prolog: str = "",
) -> bytes:
    """A minimal ClinicalDocument whose parts the rules look at can each be left out."""
    parts = ['<ClinicalDocument xmlns="urn:hl7-org:v3">']
    parts.append('<templateId root="1.2.250.1.213.1.1.1.1"/>')
    if template:
        parts.append(f'<templateId root="{template}" extension="{extension}"/>')
    parts.append('<code code="11488-4" codeSystem="2.16.840.1.113883.6.1"/>')
    if title is not None:
        parts.append(f"<title>{title}</title>")
    if language:
        parts.append('<languageCode code="fr-FR"/>')
    parts.append(extra)
    parts.append("</ClinicalDocument>")
    return (prolog + "".join(parts)).encode("utf-8")


def write_pack(root: Path, *, examples: bool = True) -> Path:
    """Write the pack under `root` and return `root`."""
    sch = root / "schematrons"
    files = {
        sch / "moteur" / "iso_dsdl_include.xsl": INCLUDE_XSL,
        sch / "moteur" / "iso_abstract_expand.xsl": EXPAND_XSL,
        sch / "moteur" / "iso_svrl_for_xslt2.xsl": COMPILE_XSL,
        sch / f"{VOLET}.sch": VOLET_SCH,
        sch / VOLET_INCLUDE_ON_DISK: ENTETE_SCH,
        sch / "profils" / "PROFIL-TEST.sch": PROFILE_SCH,
    }
    if examples:
        pi = f'<?oxygen SCHSchema="../schematrons/{VOLET}.sch"?>'
        files[root / "ExemplesCDA" / "TEST-VOLET_2024.01.xml"] = cda(prolog=pi).decode()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
